// One log line with its ANSI colours as React spans (never innerHTML), and search matches marked.
import Anser from "anser";
import type { CSSProperties, ReactNode } from "react";

const NAMED = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"];

// xterm's 256-colour palette beyond the 16 named ones.
function paletteColor(n: number): string | null {
  if (n >= 16 && n <= 231) {
    const v = [0, 95, 135, 175, 215, 255];
    const i = n - 16;
    return `rgb(${v[Math.floor(i / 36)]}, ${v[Math.floor(i / 6) % 6]}, ${v[i % 6]})`;
  }
  if (n >= 232 && n <= 255) {
    const g = 8 + (n - 232) * 10;
    return `rgb(${g}, ${g}, ${g})`;
  }
  return null;
}

function colour(name: string | null, truecolor: string | null, kind: "fg" | "bg"): { className?: string; css?: string } {
  if (!name) return {};
  if (name === "ansi-truecolor") return truecolor ? { css: `rgb(${truecolor})` } : {};
  const palette = /^ansi-palette-(\d+)$/.exec(name);
  if (palette) {
    const n = Number(palette[1]);
    if (n < 8) return { className: `ansi-${NAMED[n]}-${kind}` };
    if (n < 16) return { className: `ansi-bright-${NAMED[n - 8]}-${kind}` };
    const css = paletteColor(n);
    return css ? { css } : {};
  }
  return { className: `${name}-${kind}` };
}

const DECORATION: Record<string, string> = {
  bold: "font-bold",
  dim: "opacity-70",
  italic: "italic",
  underline: "underline",
  strikethrough: "line-through",
  hidden: "invisible",
};

/** `text` with each case-insensitive occurrence of `query` in a <mark>. */
export function Highlight({ text, query }: { text: string; query: string }): ReactNode {
  if (!query) return text;
  const lower = text.toLowerCase();
  const q = query.toLowerCase();
  const parts: ReactNode[] = [];
  let at = 0;
  for (let i = lower.indexOf(q); i !== -1; i = lower.indexOf(q, i + q.length)) {
    if (i > at) parts.push(text.slice(at, i));
    parts.push(
      <mark key={i} className="rounded-[2px] bg-warning/40 text-inherit">
        {text.slice(i, i + q.length)}
      </mark>,
    );
    at = i + q.length;
  }
  if (parts.length === 0) return text;
  if (at < text.length) parts.push(text.slice(at));
  return parts;
}

export function AnsiLine({ text, plain, query }: { text: string; plain: string; query: string }) {
  if (text === plain) return <Highlight text={plain} query={query} />;
  const entries = Anser.ansiToJson(text, { use_classes: true, remove_empty: true });
  return (
    <>
      {entries.map((e, i) => {
        const fg = colour(e.fg, e.fg_truecolor, "fg");
        const bg = colour(e.bg, e.bg_truecolor, "bg");
        const classes = [fg.className, bg.className, ...e.decorations.map((d) => DECORATION[d])].filter(Boolean);
        const style: CSSProperties | undefined =
          fg.css || bg.css ? { color: fg.css, backgroundColor: bg.css } : undefined;
        if (!classes.length && !style) return <Highlight key={i} text={e.content} query={query} />;
        return (
          <span key={i} className={classes.join(" ")} style={style}>
            <Highlight text={e.content} query={query} />
          </span>
        );
      })}
    </>
  );
}
