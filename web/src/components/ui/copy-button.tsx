import { Check, Copy } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { Button, type ButtonProps } from "./button";

/** Copies `text`; the label turns into "Copied" for a moment. */
export function CopyButton({
  text,
  label = "Copy",
  what,
  ...props
}: { text: string; label?: string; what?: string } & Omit<ButtonProps, "onClick">) {
  const [copied, setCopied] = useState(false);
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      window.setTimeout(() => setCopied(false), 1500);
      toast.success(what ? `Copied ${what}` : "Copied");
    } catch {
      toast.error("Could not copy", { description: "Select the text and copy it by hand." });
    }
  }
  return (
    <Button onClick={() => void copy()} {...props}>
      {copied ? <Check aria-hidden="true" /> : <Copy aria-hidden="true" />}
      {copied ? "Copied" : label}
    </Button>
  );
}
