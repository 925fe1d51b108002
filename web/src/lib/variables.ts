// Rules for the Variables page: the server's key rule, JSON values, and which keys look secret.

/** The server's limit on a key (runtime/variables.h: max_key_bytes). */
export const MAX_KEY_BYTES = 256;

/**
 * The server's rule, exactly (runtime/variables.cc ValidateKey): not empty, at most 256 bytes of
 * UTF-8, no control characters. Returns the problem in words, or null when the key is fine.
 */
export function validateVariableKey(key: string): string | null {
  if (key.length === 0) return "A key is required.";
  const bytes = new TextEncoder().encode(key).length;
  if (bytes > MAX_KEY_BYTES) return `At most ${MAX_KEY_BYTES} bytes; this key has ${bytes}.`;
  for (const ch of key) {
    const code = ch.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) return "The key is not valid text (a lone surrogate).";
    if (code < 0x20 || code === 0x7f) return "Control characters (tabs, new lines) are not allowed.";
  }
  return null;
}

export type JsonCheck =
  | { ok: true; value: unknown; kind: JsonKind }
  | { ok: false; message: string; line?: number; column?: number };

export type JsonKind = "string" | "number" | "boolean" | "null" | "array" | "object";

export function jsonKind(value: unknown): JsonKind {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  const t = typeof value;
  if (t === "string" || t === "number" || t === "boolean") return t;
  return "object";
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - before.lastIndexOf("\n");
  return { line, column };
}

/** Parses the editor's text as one JSON value; errors say where and give a hint. */
export function checkJson(text: string): JsonCheck {
  if (text.trim() === "") {
    return { ok: false, message: 'Enter a JSON value, for example "text", 42, true, null, [1, 2] or {"a": 1}.' };
  }
  try {
    const value: unknown = JSON.parse(text);
    return { ok: true, value, kind: jsonKind(value) };
  } catch (error) {
    const raw = error instanceof Error ? error.message : String(error);
    // V8: "... at position 12 (line 2 column 3)" or "... at position 12"
    const lc = raw.match(/line (\d+) column (\d+)/);
    const pos = raw.match(/position (\d+)/);
    let where: { line: number; column: number } | undefined;
    if (lc) where = { line: Number(lc[1]), column: Number(lc[2]) };
    else if (pos) where = lineAndColumn(text, Number(pos[1]));
    const trimmed = text.trim();
    let hint = "";
    if (trimmed.startsWith("'")) {
      hint = " JSON strings use double quotes.";
    } else if (!/^["[{\-\d]/.test(trimmed) && !/^(true|false|null)\b/.test(trimmed)) {
      hint = ' Text must be in double quotes, like "hello" (or choose Text above).';
    } else if (/,\s*[}\]]/.test(trimmed)) {
      hint = " A trailing comma is not allowed in JSON.";
    }
    const detail = raw.replace(/^JSON\.parse: /, "").replace(/ \(line \d+ column \d+\)/, "");
    return {
      ok: false,
      message: `Not valid JSON${where ? ` (line ${where.line}, column ${where.column})` : ""}: ${detail}.${hint}`,
      ...(where ?? {}),
    };
  }
}

/** The value as the editor shows it: pretty JSON. */
export function formatJson(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? "null";
}

/** A one-line preview for a list cell. */
export function previewJson(value: unknown, max = 120): string {
  const text = typeof value === "string" ? value : JSON.stringify(value) ?? "null";
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

// Words that mark a secret wherever they appear in the key (MY_PASSWORD, dbPassword, GITHUB_TOKEN).
const SECRET_PARTS = ["SECRET", "PASSWORD", "PASSWD", "TOKEN", "CREDENTIAL", "PRIVATE", "APIKEY"];
// Words that mark a secret only as a whole word (SSH_KEY, DB_PASS), so MONKEY or KEYBOARD stay visible.
const SECRET_WORDS = new Set(["KEY", "KEYS", "PASS", "PWD", "AUTH", "DSN", "SALT", "CERT", "COOKIE", "SESSION", "SIGNATURE", "PIN"]);

/** Whether a key looks like it holds a secret, so its value is masked until revealed. */
export function looksSecret(key: string): boolean {
  // Split camelCase, then on anything that is not a letter or digit.
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter(Boolean);
  const squashed = words.join("");
  if (SECRET_PARTS.some((part) => squashed.includes(part))) return true;
  return words.some((w) => SECRET_WORDS.has(w));
}

export const MASK = "••••••••";
