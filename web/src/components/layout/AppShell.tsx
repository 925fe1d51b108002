import { useState } from "react";
import { Link, Outlet, useLocation } from "react-router";
import { ErrorBoundary } from "@/components/ErrorBoundary";
import { useMe } from "@/lib/auth";
import { ChangePasswordDialog } from "./ChangePasswordDialog";
import { Logo } from "./Logo";
import { MobileNav } from "./MobileNav";
import { Shortcuts } from "./Shortcuts";
import { Sidebar } from "./Sidebar";
import { ThemeSwitch } from "./ThemeSwitch";
import { UserMenu } from "./UserMenu";

const SIDEBAR_KEY = "cronium.sidebar";
/** "later": the user put off choosing their own password (asked once per browser). */
export const PASSWORD_PROMPT_KEY = "cronium.passwordPrompt";

function promptPutOff(): boolean {
  try {
    return window.localStorage.getItem(PASSWORD_PROMPT_KEY) === "later";
  } catch {
    return false;
  }
}

function readCollapsed(): boolean {
  try {
    return window.localStorage.getItem(SIDEBAR_KEY) === "collapsed";
  } catch {
    return false;
  }
}

export function AppShell() {
  const location = useLocation();
  const [collapsed, setCollapsed] = useState(readCollapsed);
  const me = useMe();
  // The first admin signed in with the password printed at the first start: ask for their own.
  const [passwordPrompt, setPasswordPrompt] = useState(
    () => me.mustChangePassword === true && me.authMethod === "session" && !promptPutOff(),
  );

  function closePasswordPrompt(open: boolean) {
    if (!open) {
      try {
        window.localStorage.setItem(PASSWORD_PROMPT_KEY, "later");
      } catch {
        // asked again next time
      }
    }
    setPasswordPrompt(open);
  }

  function toggle() {
    setCollapsed((was) => {
      try {
        window.localStorage.setItem(SIDEBAR_KEY, was ? "expanded" : "collapsed");
      } catch {
        // not persisted
      }
      return !was;
    });
  }

  return (
    <div className="flex h-full">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:fixed focus:left-3 focus:top-3 focus:z-[60] focus:rounded-md focus:bg-card focus:px-3 focus:py-2 focus:text-sm focus:shadow-lg"
      >
        Skip to content
      </a>
      <Sidebar collapsed={collapsed} onToggle={toggle} />
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex h-12 shrink-0 items-center gap-2 border-b border-border bg-card/60 px-3 sm:px-4">
          <MobileNav />
          <Link to="/" className="rounded-md sm:hidden" aria-label="Cronium home">
            <Logo />
          </Link>
          <div className="flex-1" />
          <ThemeSwitch />
          <UserMenu />
        </header>
        <main id="main" tabIndex={-1} className="min-w-0 flex-1 overflow-y-auto focus:outline-none">
          <div className="mx-auto w-full max-w-7xl px-3 py-4 sm:px-6 sm:py-6">
            <ErrorBoundary resetKey={location.pathname}>
              <Outlet />
            </ErrorBoundary>
          </div>
        </main>
      </div>
      <Shortcuts />
      <ChangePasswordDialog
        open={passwordPrompt}
        onOpenChange={closePasswordPrompt}
        cancelLabel="Later"
        description="You signed in with the password Cronium printed when it first started. Choose a password of your own now: it guards every secret stored here."
      />
    </div>
  );
}
