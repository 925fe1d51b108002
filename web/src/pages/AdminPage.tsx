import { ScrollText, Server, ShieldOff, Users } from "lucide-react";
import { Link } from "react-router";
import { Button } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/page-header";
import { RoutedTabs } from "@/components/ui/routed-tabs";
import { useMe } from "@/lib/auth";
import { AuditTab } from "./admin/AuditTab";
import { SystemTab } from "./admin/SystemTab";
import { UsersTab } from "./admin/UsersTab";

const TABS = [
  { value: "users", label: "Users", icon: Users, content: <UsersTab /> },
  { value: "audit", label: "Audit log", icon: ScrollText, content: <AuditTab /> },
  { value: "system", label: "System", icon: Server, content: <SystemTab /> },
];

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
  if (me.role !== "ADMIN" || me.scope !== "admin") return <Forbidden />;
  return (
    <>
      <PageHeader title="Administration" description="Who may use Cronium, what they did, and the servers it runs on." />
      <RoutedTabs base="/admin" label="Administration sections" tabs={TABS} />
    </>
  );
}
