// j/k move a selection through a list of runs (the rows scroll the selected one in, rendering
// it first when the list is virtualised, and focus its link); Enter opens it.
import { useEffect, useState } from "react";
import { useNavigate } from "react-router";
import type { Execution } from "@/api/types";
import { isTyping } from "@/components/layout/shortcuts";

export function useRunSelection(runs: Pick<Execution, "id">[]) {
  const navigate = useNavigate();
  const [selected, setSelected] = useState(-1);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
      if (document.querySelector("[role=alertdialog],[role=dialog]")) return;
      if (e.key !== "j" && e.key !== "k" && e.key !== "Enter") return;
      if (e.key === "Enter") {
        // A focused link opens itself; otherwise the selection opens.
        if ((e.target as HTMLElement | null)?.closest("a,button")) return;
        const run = runs[selected];
        if (run) {
          e.preventDefault();
          void navigate(`/runs/${run.id}`);
        }
        return;
      }
      e.preventDefault();
      setSelected(Math.max(0, Math.min(runs.length - 1, selected + (e.key === "j" ? 1 : -1))));
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [runs, selected, navigate]);
  return [selected, setSelected] as const;
}
