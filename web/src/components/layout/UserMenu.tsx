import { useQueryClient } from "@tanstack/react-query";
import { ChevronDown, KeyRound, LogOut, Settings } from "lucide-react";
import { useState } from "react";
import { useNavigate } from "react-router";
import { toast } from "sonner";
import { errorMessage } from "@/api/client";
import { logout } from "@/api/endpoints";
import { Button } from "@/components/ui/button";
import { Menu, MenuContent, MenuItem, MenuLabel, MenuSeparator, MenuTrigger } from "@/components/ui/menu";
import { useMe } from "@/lib/auth";
import { ChangePasswordDialog } from "./ChangePasswordDialog";

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? `${parts[0]![0]}${parts[1]![0]}` : name.slice(0, 2);
  return letters.toUpperCase();
}

export function UserMenu() {
  const me = useMe();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [passwordOpen, setPasswordOpen] = useState(false);
  const name = me.displayName || me.username;

  async function signOut() {
    try {
      await logout();
    } catch (error) {
      toast.error("Sign-out failed", { description: errorMessage(error) });
      return;
    }
    await navigate("/login", { replace: true });
    queryClient.clear();
  }

  return (
    <>
      <Menu>
        <MenuTrigger asChild>
          <Button variant="ghost" className="gap-2 px-1.5">
            <span
              aria-hidden="true"
              className="flex size-6 items-center justify-center rounded-full bg-primary text-[11px] font-semibold text-primary-foreground"
            >
              {initials(name)}
            </span>
            <span className="sr-only">Account: </span>
            <span className="sr-only max-w-32 truncate text-sm md:not-sr-only">{name}</span>
            <ChevronDown className="hidden text-muted-foreground md:inline" aria-hidden="true" />
          </Button>
        </MenuTrigger>
        <MenuContent className="min-w-52">
          <MenuLabel className="font-normal">
            <span className="block text-sm font-medium text-foreground">{name}</span>
            <span className="block">
              {me.username} · {me.role.toLowerCase()}
            </span>
          </MenuLabel>
          <MenuSeparator />
          <MenuItem onSelect={() => void navigate("/settings/profile")}>
            <Settings aria-hidden="true" /> Settings
          </MenuItem>
          {me.authMethod === "session" ? (
            <MenuItem onSelect={() => setPasswordOpen(true)}>
              <KeyRound aria-hidden="true" /> Change password
            </MenuItem>
          ) : null}
          <MenuItem onSelect={() => void signOut()}>
            <LogOut aria-hidden="true" /> Sign out
          </MenuItem>
        </MenuContent>
      </Menu>
      <ChangePasswordDialog open={passwordOpen} onOpenChange={setPasswordOpen} />
    </>
  );
}
