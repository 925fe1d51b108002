import { PanelLeftClose, PanelLeftOpen } from "lucide-react";
import { Link, NavLink } from "react-router";
import { Button } from "@/components/ui/button";
import { useMe } from "@/lib/auth";
import { cn } from "@/lib/utils";
import { Logo } from "./Logo";
import { NAV_ITEMS } from "./nav";

export function NavList({ collapsed = false, onNavigate }: { collapsed?: boolean; onNavigate?: () => void }) {
  const me = useMe();
  return (
    <ul className="space-y-0.5">
      {NAV_ITEMS.filter((item) => item.visible?.(me) ?? true).map((item) => (
        <li key={item.to}>
          <NavLink
            to={item.to}
            end={item.end}
            onClick={onNavigate}
            title={collapsed ? item.label : undefined}
            className={({ isActive }) =>
              cn(
                "flex h-8 items-center gap-2.5 rounded-md px-2.5 text-sm font-medium text-muted-foreground transition-colors",
                "hover:bg-accent hover:text-foreground",
                isActive && "bg-accent text-foreground",
                collapsed && "justify-center px-0",
              )
            }
          >
            {({ isActive }) => (
              <>
                <item.icon className={cn("size-4 shrink-0", isActive && "text-primary")} aria-hidden="true" />
                <span className={cn(collapsed && "sr-only")}>{item.label}</span>
              </>
            )}
          </NavLink>
        </li>
      ))}
    </ul>
  );
}

export function Sidebar({ collapsed, onToggle }: { collapsed: boolean; onToggle: () => void }) {
  return (
    <aside
      className={cn(
        "hidden shrink-0 flex-col border-r border-border bg-sidebar sm:flex",
        collapsed ? "w-14" : "w-52",
      )}
    >
      <div className={cn("flex h-12 items-center border-b border-border", collapsed ? "justify-center" : "px-4")}>
        <Link to="/" aria-label="Cronium home" className="rounded-md">
          <Logo withName={!collapsed} />
        </Link>
      </div>
      <nav aria-label="Main" className="flex-1 overflow-y-auto p-2">
        <NavList collapsed={collapsed} />
      </nav>
      <div className={cn("border-t border-border p-2", collapsed && "flex justify-center")}>
        <Button
          variant="ghost"
          size={collapsed ? "icon" : "md"}
          className={cn(!collapsed && "w-full justify-start text-muted-foreground")}
          onClick={onToggle}
          aria-expanded={!collapsed}
          aria-label={collapsed ? "Expand sidebar" : "Collapse sidebar"}
        >
          {collapsed ? <PanelLeftOpen aria-hidden="true" /> : <PanelLeftClose aria-hidden="true" />}
          {collapsed ? null : <span>Collapse</span>}
        </Button>
      </div>
    </aside>
  );
}
