// The optional JSON input of "Run now": checked here before anything is sent.

/** What the server accepts at most (kMaxInputBytes: 1 MiB of JSON). */
export const MAX_INPUT_BYTES = 1 << 20;

export type RunInput = { ok: true; input: unknown } | { ok: false; error: string };

/** Line and column (1-based) of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split("\n");
  return { line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}

/**
 * Blank text: no input (`input` undefined, the run gets `{}`). Otherwise the JSON value, or
 * why it is not one, with the line and column when the parser says where.
 */
export function parseRunInput(text: string): RunInput {
  if (text.trim() === "") return { ok: true, input: undefined };
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const at = /at position (\d+)/.exec(message);
    // Engines word this differently; keep their words, drop any place they add, and say where.
    const words = message.replace(/\s*\(line \d+ column \d+\)/, "").replace(/\s*in JSON at position \d+/, "");
    if (at) {
      const { line, column } = lineColumn(text, Number(at[1]));
      return { ok: false, error: `Not valid JSON: ${words} (line ${line}, column ${column}).` };
    }
    return { ok: false, error: `Not valid JSON: ${words}.` };
  }
  const bytes = new TextEncoder().encode(JSON.stringify(input)).length;
  if (bytes > MAX_INPUT_BYTES) {
    return { ok: false, error: `The input is ${bytes} bytes of JSON; the server takes at most ${MAX_INPUT_BYTES}.` };
  }
  return { ok: true, input };
}
