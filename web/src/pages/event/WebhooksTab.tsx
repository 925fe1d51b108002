// Webhooks: signed URLs that start a run of this event. The secret is shown once, at creation;
// the curl lines read it from a shell variable and never hold it.
import { useMutation, useQueryClient, type UseQueryResult } from "@tanstack/react-query";
import { Plus, Trash2, TriangleAlert, Webhook as WebhookIcon } from "lucide-react";
import { useId, useState } from "react";
import { toast } from "sonner";
import { errorMessage } from "@/api/client";
import { createEventWebhook, deleteWebhook, type EventDetail, type Webhook, type WebhookCreated } from "@/api/events";
import type { Page } from "@/api/types";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { CopyButton } from "@/components/ui/copy-button";
import { ConfirmDialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input, Select } from "@/components/ui/input";
import { SecretOnceDialog } from "@/components/ui/secret-once";
import { Spinner } from "@/components/ui/spinner";
import { EmptyState, ErrorState } from "@/components/ui/states";
import { AbsoluteTime, RelativeTime, useNow } from "@/components/ui/time";
import { parseRunInput } from "./run-input";
import { buildCurlCommand, SECRET_VARIABLE, webhookUrl } from "./webhook-signing";

const MAX_WEBHOOKS = 20;
const DEFAULT_BODY = '{"hello":"world"}';

export function webhooksKey(eventId: string) {
  return ["events", "one", eventId, "webhooks"] as const;
}

function CodeBlock({ text, testId, label }: { text: string; testId: string; label: string }) {
  return (
    <pre
      className="max-h-64 max-w-full overflow-auto whitespace-pre rounded-md border border-border bg-muted px-3 py-2 font-mono text-[12px] leading-5"
      data-testid={testId}
      aria-label={label}
      tabIndex={0}
    >
      {text}
    </pre>
  );
}

function SecretHint() {
  return (
    <p className="text-xs text-muted-foreground">
      Put the secret in <code className="font-mono">${SECRET_VARIABLE}</code> first, e.g. with{" "}
      <code className="font-mono">read -rs {SECRET_VARIABLE} && export {SECRET_VARIABLE}</code> (then paste it). Note
      that <code className="font-mono">openssl -hmac</code> shows it in the process list while it runs.
    </p>
  );
}

/** The snippet that signs a body and sends it, for one webhook. */
function SendDelivery({ webhooks }: { webhooks: Webhook[] }) {
  const id = useId();
  const [chosen, setChosen] = useState<string>("");
  const [body, setBody] = useState(DEFAULT_BODY);
  const webhook = webhooks.find((w) => w.id === chosen) ?? webhooks[0];
  if (!webhook) return null;
  const parsed = parseRunInput(body);
  const bodyError = body.trim() === "" ? null : parsed.ok ? null : parsed.error;
  const url = webhookUrl(window.location.origin, webhook.url);
  return (
    <Card>
      <CardHeader
        titleId={`${id}-send`}
        title="Send a delivery"
        description="Signs the body with the secret (HMAC-SHA256 of “<timestamp>.<body>”) and POSTs it. The body becomes the run's input."
      />
      <section aria-labelledby={`${id}-send`} className="space-y-3 px-4 py-3">
        <div className="grid gap-3 sm:grid-cols-2">
          {webhooks.length > 1 ? (
            <Field id={`${id}-which`} label="Webhook">
              {(props) => (
                <Select {...props} value={webhook.id} onChange={(e) => setChosen(e.target.value)}>
                  {webhooks.map((w) => (
                    <option key={w.id} value={w.id}>
                      {w.id}
                    </option>
                  ))}
                </Select>
              )}
            </Field>
          ) : null}
          <Field id={`${id}-body`} label="Body (JSON)" error={bodyError}>
            {(props) => (
              <Input {...props} className="font-mono text-xs" spellCheck={false} value={body} onChange={(e) => setBody(e.target.value)} />
            )}
          </Field>
        </div>
        <CodeBlock text={buildCurlCommand({ url, body })} testId="webhook-curl" label="Shell commands that sign and send the body" />
        <div className="flex flex-wrap items-start justify-between gap-2">
          <SecretHint />
          <CopyButton text={buildCurlCommand({ url, body })} what="curl command" size="sm" />
        </div>
      </section>
    </Card>
  );
}

export function WebhooksTab({
  event,
  webhooks,
}: {
  event: EventDetail;
  webhooks: UseQueryResult<Page<Webhook>>;
}) {
  const now = useNow(30_000);
  const queryClient = useQueryClient();
  const [created, setCreated] = useState<WebhookCreated | null>(null);
  const [deleting, setDeleting] = useState<Webhook | null>(null);
  const items = webhooks.data?.items ?? [];

  const create = useMutation({
    mutationFn: () => createEventWebhook(event.id),
    onSuccess: (answer) => {
      setCreated(answer);
      void queryClient.invalidateQueries({ queryKey: webhooksKey(event.id) });
    },
    onError: (e) => toast.error("Could not create the webhook", { description: errorMessage(e) }),
  });
  const remove = useMutation({
    mutationFn: (w: Webhook) => deleteWebhook(w.id),
    onSuccess: (_x, w) => {
      toast.success("Webhook deleted", { description: `${w.id}: deliveries to its URL are refused from now on.` });
      void queryClient.invalidateQueries({ queryKey: webhooksKey(event.id) });
    },
    onError: (e) => toast.error("Could not delete the webhook", { description: errorMessage(e) }),
    onSettled: () => setDeleting(null),
  });

  const createdUrl = created ? webhookUrl(window.location.origin, created.url) : "";

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="max-w-2xl text-sm text-muted-foreground">
          Another system starts a run of this event with a signed POST; its JSON body becomes the run's input. Each
          webhook has its own URL and secret.
        </p>
        <Button
          variant="primary"
          onClick={() => create.mutate()}
          disabled={create.isPending || items.length >= MAX_WEBHOOKS}
          title={items.length >= MAX_WEBHOOKS ? `At most ${MAX_WEBHOOKS} webhooks; delete one first` : undefined}
        >
          <Plus aria-hidden="true" /> New webhook
        </Button>
      </div>
      {event.status !== "ACTIVE" ? (
        <p className="flex items-start gap-2 rounded-md border border-warning/50 bg-warning/10 px-3 py-2 text-sm" role="note">
          <TriangleAlert className="mt-0.5 size-4 shrink-0 text-warning" aria-hidden="true" />
          <span>
            The event is {event.status.toLowerCase()}: deliveries are refused until it is active again.
          </span>
        </p>
      ) : null}
      <Card className="overflow-hidden">
        {webhooks.isPending ? (
          <div className="p-10 text-center">
            <Spinner label="Loading webhooks" />
          </div>
        ) : webhooks.isError ? (
          <ErrorState error={webhooks.error} onRetry={() => void webhooks.refetch()} className="m-3" />
        ) : items.length === 0 ? (
          <EmptyState icon={WebhookIcon} title="No webhooks">
            Create one to start this event from another system. Its secret is shown once.
          </EmptyState>
        ) : (
          <ul className="divide-y divide-border" aria-label="Webhooks">
            {items.map((w) => {
              const url = webhookUrl(window.location.origin, w.url);
              return (
                <li key={w.id} className="flex flex-wrap items-start gap-3 px-4 py-3">
                  <div className="min-w-0 flex-1 basis-64 space-y-1">
                    <p className="font-mono text-xs text-muted-foreground">{w.id}</p>
                    <code className="block break-all font-mono text-xs" data-testid="webhook-url">
                      {url}
                    </code>
                    <p className="text-xs text-muted-foreground">
                      Created <RelativeTime iso={w.createdAt} now={now} /> · last delivery{" "}
                      {w.lastUsedAt ? <AbsoluteTime iso={w.lastUsedAt} /> : "never"}
                    </p>
                  </div>
                  <div className="flex items-center gap-2">
                    <CopyButton text={url} label="Copy URL" what="webhook URL" size="sm" />
                    <Button size="sm" onClick={() => setDeleting(w)} aria-label={`Delete webhook ${w.id}`}>
                      <Trash2 aria-hidden="true" /> Delete
                    </Button>
                  </div>
                </li>
              );
            })}
          </ul>
        )}
      </Card>
      {items.length ? <SendDelivery webhooks={items} /> : null}

      <SecretOnceDialog
        stored="Cronium keeps it encrypted to check signatures, and never shows it again."
        open={created !== null}
        onOpenChange={(o) => {
          // The secret leaves memory with the dialog (the mutation's copy too).
          if (!o) {
            setCreated(null);
            create.reset();
          }
        }}
        title="Webhook created"
        secret={created?.secret ?? ""}
        what="Secret"
      >
        <div className="space-y-1.5">
          <div className="text-sm font-medium">URL</div>
          <div className="flex items-start gap-2">
            <code className="block min-w-0 flex-1 break-all rounded-md border border-border bg-muted px-3 py-2 font-mono text-[13px]" data-testid="webhook-created-url">
              {createdUrl}
            </code>
            <CopyButton text={createdUrl} label="Copy" what="webhook URL" size="sm" aria-label="Copy the URL" />
          </div>
        </div>
        <div className="space-y-1.5">
          <div className="text-sm font-medium">Try it with curl</div>
          <CodeBlock
            text={buildCurlCommand({ url: createdUrl, body: DEFAULT_BODY })}
            testId="webhook-created-curl"
            label="Shell commands that sign and send a test body"
          />
          <div className="flex flex-wrap items-start justify-between gap-2">
            <SecretHint />
            <CopyButton text={buildCurlCommand({ url: createdUrl, body: DEFAULT_BODY })} what="curl command" size="sm" label="Copy curl" />
          </div>
        </div>
      </SecretOnceDialog>
      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(o) => {
          if (!o) setDeleting(null);
        }}
        title="Delete this webhook?"
        description={
          <>
            The webhook <span className="font-mono">{deleting?.id}</span> of <strong className="text-foreground">{event.name}</strong>{" "}
            stops working at once: deliveries to its URL are refused. This cannot be undone.
          </>
        }
        confirmLabel="Delete webhook"
        danger
        busy={remove.isPending}
        onConfirm={() => deleting && remove.mutate(deleting)}
      />
    </div>
  );
}
