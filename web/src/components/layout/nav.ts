import { CalendarClock, History, LayoutDashboard, type LucideIcon, Settings, ShieldCheck, Variable } from "lucide-react";
import type { Me } from "@/api/types";

export interface NavItem {
  to: string;
  label: string;
  icon: LucideIcon;
  end?: boolean;
  visible?: (me: Me) => boolean;
}

// Only pages that exist are listed; Runs, Variables, Settings and Admin join as they are built.
export const NAV_ITEMS: NavItem[] = [
  { to: "/", label: "Dashboard", icon: LayoutDashboard, end: true },
  { to: "/events", label: "Events", icon: CalendarClock },
  { to: "/runs", label: "Runs", icon: History },
  { to: "/variables", label: "Variables", icon: Variable },
  { to: "/settings", label: "Settings", icon: Settings },
  { to: "/admin", label: "Admin", icon: ShieldCheck, visible: (me) => me.role === "ADMIN" },
];
