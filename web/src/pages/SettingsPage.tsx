import { KeyRound, Palette, Ticket, UserRound } from "lucide-react";
import { Navigate, useNavigate, useParams } from "react-router";
import { PageHeader } from "@/components/ui/page-header";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { AppearanceTab } from "./settings/AppearanceTab";
import { PasswordTab } from "./settings/PasswordTab";
import { ProfileTab } from "./settings/ProfileTab";
import { TokensTab } from "./settings/TokensTab";

const TABS = [
  { value: "profile", label: "Profile", icon: UserRound },
  { value: "password", label: "Password", icon: KeyRound },
  { value: "appearance", label: "Appearance", icon: Palette },
  { value: "tokens", label: "API tokens", icon: Ticket },
] as const;

type Tab = (typeof TABS)[number]["value"];

export default function SettingsPage() {
  const { tab } = useParams();
  const navigate = useNavigate();
  if (!tab) return <Navigate to="/settings/profile" replace />;
  if (!TABS.some((t) => t.value === tab)) return <Navigate to="/settings/profile" replace />;
  const current = tab as Tab;

  return (
    <>
      <PageHeader title="Settings" description="Your account, how Cronium looks, and your API tokens." />
      <Tabs value={current} onValueChange={(v) => void navigate(`/settings/${v}`)}>
        <TabsList aria-label="Settings sections">
          {TABS.map((t) => (
            <TabsTrigger key={t.value} value={t.value}>
              <t.icon aria-hidden="true" />
              {t.label}
            </TabsTrigger>
          ))}
        </TabsList>
        <TabsContent value="profile" className="focus-visible:outline-none">
          <ProfileTab />
        </TabsContent>
        <TabsContent value="password" className="focus-visible:outline-none">
          <PasswordTab />
        </TabsContent>
        <TabsContent value="appearance" className="focus-visible:outline-none">
          <AppearanceTab />
        </TabsContent>
        <TabsContent value="tokens" className="focus-visible:outline-none">
          <TokensTab />
        </TabsContent>
      </Tabs>
    </>
  );
}
