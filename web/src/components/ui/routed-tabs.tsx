// A page of tabs whose tab is a path segment (`/settings/tokens`, `/admin/audit`): an unknown
// or missing one goes to the first tab; choosing a tab navigates, so reload and share keep it.
import type { LucideIcon } from "lucide-react";
import type { ReactNode } from "react";
import { Navigate, useNavigate, useParams } from "react-router";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "./tabs";

export interface RoutedTab {
  value: string;
  label: string;
  icon: LucideIcon;
  content: ReactNode;
}

export function RoutedTabs({ base, label, tabs }: { base: string; label: string; tabs: readonly RoutedTab[] }) {
  const { tab } = useParams();
  const navigate = useNavigate();
  if (!tab || !tabs.some((t) => t.value === tab)) return <Navigate to={`${base}/${tabs[0]!.value}`} replace />;
  return (
    <Tabs value={tab} onValueChange={(v) => void navigate(`${base}/${v}`)}>
      <TabsList aria-label={label}>
        {tabs.map((t) => (
          <TabsTrigger key={t.value} value={t.value}>
            <t.icon aria-hidden="true" />
            {t.label}
          </TabsTrigger>
        ))}
      </TabsList>
      {tabs.map((t) => (
        <TabsContent key={t.value} value={t.value} className="focus-visible:outline-none">
          {t.content}
        </TabsContent>
      ))}
    </Tabs>
  );
}
