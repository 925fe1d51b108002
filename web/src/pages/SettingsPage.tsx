import { KeyRound, Palette, Ticket, UserRound } from "lucide-react";
import { PageHeader } from "@/components/ui/page-header";
import { RoutedTabs } from "@/components/ui/routed-tabs";
import { AppearanceTab } from "./settings/AppearanceTab";
import { PasswordTab } from "./settings/PasswordTab";
import { ProfileTab } from "./settings/ProfileTab";
import { TokensTab } from "./settings/TokensTab";

const TABS = [
  { value: "profile", label: "Profile", icon: UserRound, content: <ProfileTab /> },
  { value: "password", label: "Password", icon: KeyRound, content: <PasswordTab /> },
  { value: "appearance", label: "Appearance", icon: Palette, content: <AppearanceTab /> },
  { value: "tokens", label: "API tokens", icon: Ticket, content: <TokensTab /> },
];

export default function SettingsPage() {
  return (
    <>
      <PageHeader title="Settings" description="Your account, how Cronium looks, and your API tokens." />
      <RoutedTabs base="/settings" label="Settings sections" tabs={TABS} />
    </>
  );
}
