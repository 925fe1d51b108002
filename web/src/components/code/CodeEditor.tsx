// The script editor: CodeMirror 6 with the language of the event's type, the runtime helpers as
// completions and snippets, Ctrl+S handed to the page, and a full-screen mode (Esc leaves it).
// Loaded only with the editor page.
import { autocompletion, type CompletionContext, type CompletionResult, snippetCompletion } from "@codemirror/autocomplete";
import { javascript } from "@codemirror/lang-javascript";
import { json } from "@codemirror/lang-json";
import { python } from "@codemirror/lang-python";
import { HighlightStyle, StreamLanguage, syntaxHighlighting } from "@codemirror/language";
import { shell } from "@codemirror/legacy-modes/mode/shell";
import { EditorState, type Extension, Prec } from "@codemirror/state";
import { EditorView, keymap } from "@codemirror/view";
import { oneDarkHighlightStyle, oneDarkTheme } from "@codemirror/theme-one-dark";
import CodeMirror from "@uiw/react-codemirror";
import { Maximize2, Minimize2 } from "lucide-react";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Button } from "@/components/ui/button";
import { useThemeChoice } from "@/components/layout/ThemeSwitch";
import { resolveTheme } from "@/lib/theme";
import { cn } from "@/lib/utils";
import { matchHelpers, type ScriptLanguage } from "./helpers";

export type EditorLanguage = ScriptLanguage | "json";

// Constant objects: a new one on each render would make CodeMirror reconfigure (and close an
// open completion list) every time the page renders.
const BASIC_SETUP = { foldGutter: false, highlightActiveLine: true, tabSize: 2 } as const;
const BASIC_SETUP_READ_ONLY = { ...BASIC_SETUP, highlightActiveLine: false } as const;
// One Dark, with its two colours that miss 4.5:1 contrast on its background made lighter
// (comments #7d8799, and the red of names and options #e06c75).
const LIGHTER: Record<string, string> = { "#7d8799": "#a0a8b7", "#e06c75": "#ef8f97" };
const DARK_THEME = [
  oneDarkTheme,
  syntaxHighlighting(
    HighlightStyle.define(
      oneDarkHighlightStyle.specs.map((spec) =>
        typeof spec.color === "string" && LIGHTER[spec.color] ? { ...spec, color: LIGHTER[spec.color] } : spec,
      ),
    ),
  ),
];

function helperCompletions(language: ScriptLanguage) {
  return (context: CompletionContext): CompletionResult | null => {
    const word = context.matchBefore(/[\w.]*/);
    if (!word) return null;
    const found = matchHelpers(language, word.text, context.explicit);
    if (found.length === 0) return null;
    return {
      from: word.from,
      validFor: /^[\w.]*$/,
      options: found.map((h) =>
        snippetCompletion(h.snippet, { label: h.label, detail: h.detail, info: h.info, type: "function", boost: 10 }),
      ),
    };
  };
}

function languageExtension(language: EditorLanguage): Extension[] {
  switch (language) {
    case "bash":
      return [StreamLanguage.define(shell)];
    case "python":
      return [python()];
    case "node":
      return [javascript()];
    case "json":
      return [json()];
  }
}

export function CodeEditor({
  value,
  onChange,
  language,
  label,
  onSave,
  onRun,
  readOnly = false,
  minHeight = "16rem",
  invalid = false,
  describedBy,
}: {
  value: string;
  onChange: (value: string) => void;
  language: EditorLanguage;
  /** The accessible name of the text area. */
  label: string;
  /** Ctrl+S / Cmd+S inside the editor. */
  onSave?: () => void;
  /** Ctrl+Enter / Cmd+Enter inside the editor (instead of a new line). */
  onRun?: () => void;
  readOnly?: boolean;
  minHeight?: string;
  invalid?: boolean;
  describedBy?: string;
}) {
  const theme = resolveTheme(useThemeChoice());
  const [fullscreen, setFullscreen] = useState(false);
  const saveRef = useRef(onSave);
  saveRef.current = onSave;
  const runRef = useRef(onRun);
  runRef.current = onRun;
  // CodeMirror reconfigures whenever its onChange changes: hand it one that never does.
  const changeRef = useRef(onChange);
  changeRef.current = onChange;
  const stableChange = useCallback((text: string) => changeRef.current(text), []);
  const exitRef = useRef<() => void>(() => {});
  exitRef.current = () => setFullscreen(false);

  const extensions = useMemo(() => {
    const list: Extension[] = [
      ...languageExtension(language),
      EditorView.contentAttributes.of({
        "aria-label": label,
        ...(describedBy ? { "aria-describedby": describedBy } : {}),
        ...(invalid ? { "aria-invalid": "true" } : {}),
      }),
      EditorView.lineWrapping,
      Prec.highest(
        keymap.of([
          {
            key: "Mod-s",
            preventDefault: true,
            run: () => {
              saveRef.current?.();
              return true;
            },
          },
          {
            key: "Mod-Enter",
            run: () => {
              if (!runRef.current) return false;
              runRef.current();
              return true;
            },
            preventDefault: true,
          },
        ]),
      ),
    ];
    if (language !== "json") {
      list.push(autocompletion());
      // One source object for the editor's life: CodeMirror drops an open list whose source is
      // no longer among the current ones (a new function per lookup would close it at once).
      const data = [{ autocomplete: helperCompletions(language) }];
      list.push(EditorState.languageData.of(() => data));
    }
    return list;
  }, [language, label, describedBy, invalid]);

  // Esc leaves full screen (after CodeMirror had its turn: an open completion list closes first).
  useEffect(() => {
    if (!fullscreen) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && !e.defaultPrevented) exitRef.current();
    };
    window.addEventListener("keydown", onKey);
    const overflow = document.body.style.overflow;
    document.body.style.overflow = "hidden";
    return () => {
      window.removeEventListener("keydown", onKey);
      document.body.style.overflow = overflow;
    };
  }, [fullscreen]);

  return (
    <div
      className={cn(
        "relative overflow-hidden rounded-md border border-input bg-card",
        invalid && "border-destructive",
        fullscreen && "fixed inset-0 z-50 flex flex-col rounded-none border-0",
      )}
      data-fullscreen={fullscreen || undefined}
    >
      <div className="flex items-center justify-between gap-2 border-b border-border bg-muted/40 px-2 py-1 text-xs text-muted-foreground">
        <span>
          {language === "json" ? "JSON" : language === "bash" ? "Bash" : language === "python" ? "Python" : "Node.js"}
          {language !== "json" ? (
            <span className="hidden sm:inline"> · Ctrl+Space: helpers · Ctrl+S: save · Ctrl+Enter: save and run · Esc, Tab: leave the editor</span>
          ) : null}
        </span>
        <Button
          variant="ghost"
          size="icon-sm"
          onClick={() => setFullscreen((f) => !f)}
          aria-label={fullscreen ? "Leave full screen" : "Full screen"}
          title={fullscreen ? "Leave full screen (Esc)" : "Full screen"}
          aria-pressed={fullscreen}
        >
          {fullscreen ? <Minimize2 aria-hidden="true" /> : <Maximize2 aria-hidden="true" />}
        </Button>
      </div>
      <CodeMirror
        value={value}
        onChange={stableChange}
        extensions={extensions}
        theme={theme === "dark" ? DARK_THEME : "light"}
        readOnly={readOnly}
        minHeight={fullscreen ? undefined : minHeight}
        height={fullscreen ? "100%" : undefined}
        className={cn("text-[13px]", fullscreen && "min-h-0 flex-1 [&_.cm-editor]:h-full")}
        basicSetup={readOnly ? BASIC_SETUP_READ_ONLY : BASIC_SETUP}
      />
    </div>
  );
}
