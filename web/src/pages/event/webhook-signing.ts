// How a webhook delivery is signed, as the server checks it (src/workflow/webhooks.cc):
//   X-Cronium-Timestamp: <Unix time in whole seconds>
//   X-Cronium-Signature: sha256=<hex HMAC-SHA256, key = the whole secret (whsec_… included),
//                        message = "<timestamp>.<body>" with the body exactly as sent>
// The server refuses a timestamp more than 300 s from its clock. No "@/" imports here: the
// browser tests import this file to sign their own deliveries.

export const TIMESTAMP_HEADER = "X-Cronium-Timestamp";
export const SIGNATURE_HEADER = "X-Cronium-Signature";
/** The shell variable the curl lines read the secret from (never written into them). */
export const SECRET_VARIABLE = "CRONIUM_WEBHOOK_SECRET";

/** What is signed: the timestamp as sent, a dot, the body as sent. */
export function signedMessage(timestamp: string | number, body: string): string {
  return `${timestamp}.${body}`;
}

function hex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The X-Cronium-Signature value: "sha256=" and 64 hex digits. */
export async function signDelivery(secret: string, timestamp: string | number, body: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await globalThis.crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await globalThis.crypto.subtle.sign("HMAC", key, encoder.encode(signedMessage(timestamp, body)));
  return `sha256=${hex(mac)}`;
}

/** The headers of a signed delivery sent now (or at `nowMs`). */
export async function signedHeaders(secret: string, body: string, nowMs = Date.now()): Promise<Record<string, string>> {
  const timestamp = String(Math.floor(nowMs / 1000));
  return {
    "Content-Type": "application/json",
    [TIMESTAMP_HEADER]: timestamp,
    [SIGNATURE_HEADER]: await signDelivery(secret, timestamp, body),
  };
}

/** A POSIX shell word that is `text` exactly: single quotes, each ' written as '\''. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The webhook's full URL: the API answers a path (/api/v1/hooks/<key>). */
export function webhookUrl(origin: string, path: string): string {
  if (/^https?:\/\//i.test(path)) return path;
  return `${origin.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}

/**
 * A shell snippet that signs `body` now and POSTs it with curl. The secret is read from
 * $CRONIUM_WEBHOOK_SECRET (the snippet stops with a message when it is not set); it is never
 * part of the text.
 */
export function buildCurlCommand({ url, body }: { url: string; body: string }): string {
  const secret = `$${SECRET_VARIABLE}`;
  return [
    `: "\${${SECRET_VARIABLE}:?set it to the secret of the webhook (whsec_...)}"`,
    `url=${shellQuote(url)}`,
    `body=${shellQuote(body)}`,
    "ts=$(date +%s)",
    `sig=$(printf '%s.%s' "$ts" "$body" | openssl dgst -sha256 -hmac "${secret}" | awk '{print $NF}')`,
    `curl -sS -X POST "$url" -H 'Content-Type: application/json' -H "${TIMESTAMP_HEADER}: $ts" -H "${SIGNATURE_HEADER}: sha256=$sig" --data-binary "$body"`,
  ].join("\n");
}
