import { useQuery } from "@tanstack/react-query";
import { createContext, type ReactNode, useContext } from "react";
import { ApiError } from "@/api/client";
import { fetchMe } from "@/api/endpoints";
import type { Me } from "@/api/types";
import { ErrorState } from "@/components/ui/states";
import { Spinner } from "@/components/ui/spinner";

export const ME_KEY = ["auth", "me"] as const;

const MeContext = createContext<Me | null>(null);

/** The signed-in user; only inside <RequireAuth>. */
export function useMe(): Me {
  const me = useContext(MeContext);
  if (!me) throw new Error("useMe outside <RequireAuth>");
  return me;
}

/** Whether the user may start, pause or cancel things (not a viewer, not a read token). */
export function canWrite(me: Me): boolean {
  return me.role !== "VIEWER" && me.scope !== "read";
}

export function RequireAuth({ children }: { children: ReactNode }) {
  const me = useQuery({ queryKey: ME_KEY, queryFn: () => fetchMe(), staleTime: 60_000 });
  if (me.data) return <MeContext.Provider value={me.data}>{children}</MeContext.Provider>;
  if (me.error && !(me.error instanceof ApiError && me.error.status === 401)) {
    return (
      <div className="mx-auto mt-24 max-w-lg px-4">
        <ErrorState error={me.error} onRetry={() => void me.refetch()} />
      </div>
    );
  }
  // Loading, or a 401 on its way to the sign-in page.
  return (
    <div className="flex h-full items-center justify-center">
      <Spinner label="Checking your session" />
    </div>
  );
}
