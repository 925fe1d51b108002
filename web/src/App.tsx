import { MutationCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { lazy, Suspense } from "react";
import { createBrowserRouter, RouterProvider } from "react-router";
import { Toaster } from "sonner";
import { ApiError, loginPath, setUnauthorizedHandler } from "./api/client";
import { AppShell } from "./components/layout/AppShell";
import { PageLoading } from "./components/ui/spinner";
import { RequireAuth } from "./lib/auth";
import { useThemeChoice } from "./components/layout/ThemeSwitch";
import { resolveTheme } from "./lib/theme";

const LoginPage = lazy(() => import("./pages/LoginPage"));
const InvitePage = lazy(() => import("./pages/InvitePage"));
const DashboardPage = lazy(() => import("./pages/DashboardPage"));
const EventsPage = lazy(() => import("./pages/EventsPage"));
const EventPage = lazy(() => import("./pages/EventPage"));
const EventEditorPage = lazy(() => import("./pages/EventEditorPage"));
const RunsPage = lazy(() => import("./pages/RunsPage"));
const RunPage = lazy(() => import("./pages/RunPage"));
const VariablesPage = lazy(() => import("./pages/VariablesPage"));
const SettingsPage = lazy(() => import("./pages/SettingsPage"));
const AdminPage = lazy(() => import("./pages/AdminPage"));
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
