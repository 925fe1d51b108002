import { TriangleAlert } from "lucide-react";
import { type ReactNode, useId } from "react";
import { Button } from "./button";
import { CopyButton } from "./copy-button";
import { Dialog } from "./dialog";

/** The secret, once. */
export function SecretOnceDialog({
  open,
  onOpenChange,
  title,
  secret,
  what,
  stored = "Cronium keeps only a hash of it.",
  children,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  secret: string;
  what: string;
  /** How the server keeps it (a hash for tokens; webhook secrets are sealed, since it signs with them). */
  stored?: string;
  children?: ReactNode;
}) {
  const id = useId();
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title={title} className="max-w-xl">
      <div className="space-y-4">
        <p className="flex items-start gap-2 rounded-md border border-warning/50 bg-warning/10 px-3 py-2 text-sm">
          <TriangleAlert className="mt-0.5 size-4 shrink-0 text-warning" aria-hidden="true" />
          <span>
            <strong>Copy it now: you will not see it again.</strong> {stored}
          </span>
        </p>
        <div className="space-y-1.5">
          <div className="text-sm font-medium" id={`${id}-label`}>{what}</div>
          <code
            className="block select-all break-all rounded-md border border-border bg-muted px-3 py-2 font-mono text-[13px]"
            data-testid="secret-once"
          >
            {secret}
          </code>
        </div>
        {children}
        <div className="flex justify-end gap-2">
          <CopyButton text={secret} what={what.toLowerCase()} variant="primary" />
          <Button onClick={() => onOpenChange(false)}>Done</Button>
        </div>
      </div>
    </Dialog>
  );
}

