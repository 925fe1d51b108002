import { MutationCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { lazy, Suspense } from "react";
import { createBrowserRouter, RouterProvider } from "react-router";
import { Toaster } from "sonner";
import { ApiError, loginPath, setUnauthorizedHandler } from "./api/client";
import { AppShell } from "./components/layout/AppShell";
import { PageLoading } from "./components/ui/spinner";
import { ME_KEY, RequireAuth } from "./lib/auth";
import { fetchMe } from "./api/endpoints";
import { useThemeChoice } from "./components/layout/ThemeSwitch";
import { resolveTheme } from "./lib/theme";

// Each page is its own chunk. The one for the address the app opens on starts loading at once,
// beside the session check, instead of after it; and a chunk already loaded renders at once
// (React.lazy takes a thenable: one that answers synchronously spares a suspense and React's
// 300 ms throttle on revealing it).
type PageModule = { default: React.ComponentType };

function page$(loader: () => Promise<PageModule>) {
  let loaded: PageModule | undefined;
  let pending: Promise<PageModule> | undefined;
  const start = () =>
    (pending ??= loader().then(
      (m) => (loaded = m),
      (error: unknown) => {
        pending = undefined; // a failed download is tried again on the next visit
        throw error;
      },
    ));
  const forLazy = () =>
    loaded ? ({ then: (resolve: (m: PageModule) => void) => resolve(loaded!) } as unknown as Promise<PageModule>) : start();
  return { start, forLazy };
}

const load = {
  login: page$(() => import("./pages/LoginPage")),
  invite: page$(() => import("./pages/InvitePage")),
  dashboard: page$(() => import("./pages/DashboardPage")),
  events: page$(() => import("./pages/EventsPage")),
  event: page$(() => import("./pages/EventPage")),
  editor: page$(() => import("./pages/EventEditorPage")),
  runs: page$(() => import("./pages/RunsPage")),
  run: page$(() => import("./pages/RunPage")),
  variables: page$(() => import("./pages/VariablesPage")),
  settings: page$(() => import("./pages/SettingsPage")),
  admin: page$(() => import("./pages/AdminPage")),
};

export function pageFor(pathname: string): keyof typeof load | null {
  const parts = pathname.split("/").filter(Boolean);
  const [first, second, third] = parts;
  if (!first) return "dashboard";
  if (first === "events") return !second ? "events" : second === "new" || third === "edit" ? "editor" : "event";
  if (first === "runs") return second ? "run" : "runs";
  if (first === "invite") return "invite";
  return (["login", "variables", "settings", "admin"] as const).find((p) => p === first) ?? null;
}

if (typeof window !== "undefined") {
  const first = pageFor(window.location.pathname);
  if (first) void load[first].start().catch(() => {});
}

const LoginPage = lazy(load.login.forLazy);
const InvitePage = lazy(load.invite.forLazy);
const DashboardPage = lazy(load.dashboard.forLazy);
const EventsPage = lazy(load.events.forLazy);
const EventPage = lazy(load.event.forLazy);
const EventEditorPage = lazy(load.editor.forLazy);
const RunsPage = lazy(load.runs.forLazy);
const RunPage = lazy(load.run.forLazy);
const VariablesPage = lazy(load.variables.forLazy);
const SettingsPage = lazy(load.settings.forLazy);
const AdminPage = lazy(load.admin.forLazy);
const NotFoundPage = lazy(() => import("./pages/NotFoundPage"));

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      retry: (count, error) =>
        !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
    },
  },
  mutationCache: new MutationCache(),
});

function page(node: React.ReactNode) {
  return <Suspense fallback={<PageLoading />}>{node}</Suspense>;
}

export const router = createBrowserRouter([
  { path: "/login", element: page(<LoginPage />) },
  { path: "/invite/:token", element: page(<InvitePage />) },
  {
    path: "/",
    element: (
      <RequireAuth>
        <AppShell />
      </RequireAuth>
    ),
    children: [
      { index: true, element: page(<DashboardPage />) },
      { path: "events", element: page(<EventsPage />) },
      { path: "events/new", element: page(<EventEditorPage />) },
      { path: "events/:id", element: page(<EventPage />) },
      { path: "events/:id/edit", element: page(<EventEditorPage />) },
      { path: "runs", element: page(<RunsPage />) },
      { path: "runs/:id", element: page(<RunPage />) },
      { path: "variables", element: page(<VariablesPage />) },
      { path: "settings/:tab?", element: page(<SettingsPage />) },
      { path: "admin/:tab?", element: page(<AdminPage />) },
      { path: "*", element: page(<NotFoundPage />) },
    ],
  },
]);

// An expired session anywhere: back to sign-in, then to where the user was.
setUnauthorizedHandler((next) => {
  if (window.location.pathname === "/login") return;
  void router.navigate(loginPath(next), { replace: true }).then(() => queryClient.clear());
});

// The session check starts now, beside the first page's chunk, not after React's first render
// (RequireAuth then finds it under way). Not on the pages a signed-out person opens.
if (typeof window !== "undefined") {
  const first = pageFor(window.location.pathname);
  if (first !== "login" && first !== "invite") {
    void queryClient.prefetchQuery({ queryKey: ME_KEY, queryFn: () => fetchMe(), staleTime: 60_000 });
  }
}

export function App() {
  const theme = useThemeChoice();
  return (
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
      <Toaster
        theme={resolveTheme(theme)}
        position="bottom-right"
        closeButton
        toastOptions={{ className: "text-sm" }}
      />
    </QueryClientProvider>
  );
}
