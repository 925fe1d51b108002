// What the script editor offers while typing: the runtime helpers a script can call, per
// language, as completions and snippets. The names are the ones the sandbox provides (see the
// README's "Runtime helpers"): bash functions, and the `cronium` object in Python and Node.

export type ScriptLanguage = "bash" | "python" | "node";

export interface HelperEntry {
  /** What is typed to pick it (also the text matched). */
  label: string;
  /** The inserted text, with ${name} placeholders for the arguments (CodeMirror snippets). */
  snippet: string;
  detail: string;
  info: string;
}

const BASH: HelperEntry[] = [
  { label: "cronium_input", snippet: "cronium_input", detail: "→ JSON", info: "Prints this run's input (JSON; empty if none)." },
  { label: "cronium_output", snippet: "cronium_output '${json}'", detail: "json", info: "Sets this run's output (JSON; other text is kept as a string). A workflow's next step reads it as its input." },
  { label: "cronium_get_variable", snippet: 'cronium_get_variable "${key}"', detail: "key → value", info: "Prints a variable's value (strings raw, other JSON compact); empty when it is not set." },
  { label: "cronium_set_variable", snippet: 'cronium_set_variable "${key}" "${value}"', detail: "key value", info: "Sets a variable (the value is JSON if it parses, else a string)." },
  { label: "cronium_delete_variable", snippet: 'cronium_delete_variable "${key}"', detail: "key", info: "Deletes a variable." },
  { label: "cronium_variable_exists", snippet: 'cronium_variable_exists "${key}"', detail: "key → status", info: "Exit status 0 when the variable is set." },
  { label: "cronium_increment_variable", snippet: 'cronium_increment_variable "${key}" ${1}', detail: "key [by]", info: "Adds to a numeric variable and prints the new value." },
  { label: "cronium_append_variable", snippet: 'cronium_append_variable "${key}" "${text}"', detail: "key text [sep]", info: "Appends text to a variable." },
  { label: "cronium_set_condition", snippet: "cronium_set_condition ${true}", detail: "true|false", info: "Sets the run's condition: ON_CONDITION actions and workflow edges follow it." },
  { label: "cronium_get_condition", snippet: "cronium_get_condition", detail: "→ true|false", info: "Prints the condition set so far." },
  { label: "cronium_event", snippet: "cronium_event", detail: "→ JSON", info: "Prints this run's context: the event, the execution, the trigger." },
  { label: "cronium_event_field", snippet: 'cronium_event_field "${field}"', detail: "field → value", info: "Prints one field of the run's context, e.g. name or id." },
  { label: "cronium_info", snippet: "cronium_info", detail: "", info: "Prints the helpers' version and this execution's id." },
];

function objectHelpers(camel: boolean, awaitPrefix: string): HelperEntry[] {
  const n = (snake: string, camelName: string) => (camel ? camelName : snake);
  const a = awaitPrefix;
  return [
    { label: "cronium.input", snippet: `${a}cronium.input()`, detail: "→ any", info: "This run's input (parsed JSON; null/None when there is none)." },
    { label: "cronium.output", snippet: `${a}cronium.output(\${data})`, detail: "(data)", info: "Sets this run's output (any JSON value). A workflow's next step reads it as its input." },
    { label: `cronium.${n("get_variable", "getVariable")}`, snippet: `${a}cronium.${n("get_variable", "getVariable")}("\${key}")`, detail: "(key) → value", info: "A variable's value, or null/None when it is not set." },
    { label: `cronium.${n("set_variable", "setVariable")}`, snippet: `${a}cronium.${n("set_variable", "setVariable")}("\${key}", \${value})`, detail: "(key, value)", info: "Sets a variable to any JSON value." },
    { label: `cronium.${n("delete_variable", "deleteVariable")}`, snippet: `${a}cronium.${n("delete_variable", "deleteVariable")}("\${key}")`, detail: "(key)", info: "Deletes a variable." },
    { label: `cronium.${n("variable_exists", "variableExists")}`, snippet: `${a}cronium.${n("variable_exists", "variableExists")}("\${key}")`, detail: "(key) → bool", info: "Whether the variable is set." },
    { label: `cronium.${n("set_condition", "setCondition")}`, snippet: `${a}cronium.${n("set_condition", "setCondition")}(\${${camel ? "true" : "True"}})`, detail: "(bool)", info: "Sets the run's condition: ON_CONDITION actions and workflow edges follow it." },
    { label: `cronium.${n("get_condition", "getCondition")}`, snippet: `${a}cronium.${n("get_condition", "getCondition")}()`, detail: "→ bool", info: "The condition set so far." },
    { label: "cronium.event", snippet: `${a}cronium.event()`, detail: "→ object", info: "This run's context: the event, the execution, the trigger." },
  ];
}

const PYTHON = objectHelpers(false, "");
const NODE = objectHelpers(true, "await ");

export function helpersFor(language: ScriptLanguage): HelperEntry[] {
  return language === "bash" ? BASH : language === "python" ? PYTHON : NODE;
}

/**
 * The helpers that fit what is typed before the cursor (`typed` is the run of word characters
 * and dots): prefix matches first, then those containing it; nothing for an empty word unless
 * the completion was asked for explicitly.
 */
export function matchHelpers(language: ScriptLanguage, typed: string, explicit: boolean): HelperEntry[] {
  const all = helpersFor(language);
  if (!typed) return explicit ? all : [];
  const word = typed.toLowerCase();
  // Only offer once the word could be a helper ("cr", "cronium.", ...), not for every identifier.
  if (!explicit && !"cronium".startsWith(word.slice(0, 7)) && !word.startsWith("cronium")) return [];
  const starts = all.filter((h) => h.label.toLowerCase().startsWith(word));
  const contains = all.filter((h) => !h.label.toLowerCase().startsWith(word) && h.label.toLowerCase().includes(word));
  return [...starts, ...contains];
}

/** A starting script per language, for a new event. */
export function starterScript(language: ScriptLanguage): string {
  switch (language) {
    case "bash":
      return '#!/bin/bash\nset -euo pipefail\n\necho "Hello from Cronium"\n# cronium_output \'{"ok": true}\'\n';
    case "python":
      return 'import cronium\n\nprint("Hello from Cronium")\n# cronium.output({"ok": True})\n';
    case "node":
      return 'console.log("Hello from Cronium");\n// await cronium.output({ ok: true });\n';
  }
}
