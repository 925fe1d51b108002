import { ScrollText, Server, ShieldOff, Users } from "lucide-react";
import { Link, Navigate, useNavigate, useParams } from "react-router";
import { Button } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/page-header";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { useMe } from "@/lib/auth";
import { AuditTab } from "./admin/AuditTab";
import { SystemTab } from "./admin/SystemTab";
import { UsersTab } from "./admin/UsersTab";

const TABS = [
  { value: "users", label: "Users", icon: Users },
  { value: "audit", label: "Audit log", icon: ScrollText },
  { value: "system", label: "System", icon: Server },
] as const;

function Forbidden() {
  return (
    <div className="flex flex-col items-center py-16 text-center">
      <ShieldOff className="mb-4 size-10 text-muted-foreground" aria-hidden="true" />
      <h1 className="text-xl font-semibold">Admins only</h1>
      <p className="mt-2 max-w-md text-sm text-muted-foreground">
        Administration (users, the audit log and the system) needs the admin role. Ask an admin if you need
        access. (403)
      </p>
      <div className="mt-6">
        <Button asChild variant="primary">
          <Link to="/">Go to the dashboard</Link>
        </Button>
      </div>
    </div>
  );
}

export default function AdminPage() {
  const me = useMe();
  const { tab } = useParams();
  const navigate = useNavigate();
  if (me.role !== "ADMIN" || me.scope !== "admin") return <Forbidden />;
  if (!tab || !TABS.some((t) => t.value === tab)) return <Navigate to="/admin/users" replace />;

  return (
    <>
      <PageHeader title="Administration" description="Who may use Cronium, what they did, and the servers it runs on." />
      <Tabs value={tab} onValueChange={(v) => void navigate(`/admin/${v}`)}>
        <TabsList aria-label="Administration sections">
          {TABS.map((t) => (
            <TabsTrigger key={t.value} value={t.value}>
              <t.icon aria-hidden="true" />
              {t.label}
            </TabsTrigger>
          ))}
        </TabsList>
        <TabsContent value="users" className="focus-visible:outline-none">
          <UsersTab />
        </TabsContent>
        <TabsContent value="audit" className="focus-visible:outline-none">
          <AuditTab />
        </TabsContent>
        <TabsContent value="system" className="focus-visible:outline-none">
          <SystemTab />
        </TabsContent>
      </Tabs>
    </>
  );
}
