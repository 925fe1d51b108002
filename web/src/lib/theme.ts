// Light / dark / system, kept in localStorage and applied as a class on <html> (no inline
// script: main.tsx calls initTheme() before the first render).

export type ThemeChoice = "light" | "dark" | "system";

export const THEME_KEY = "cronium.theme";
const listeners = new Set<(choice: ThemeChoice) => void>();
let media: MediaQueryList | null = null;

function isChoice(value: unknown): value is ThemeChoice {
  return value === "light" || value === "dark" || value === "system";
}

export function getThemeChoice(): ThemeChoice {
  try {
    const stored = window.localStorage.getItem(THEME_KEY);
    return isChoice(stored) ? stored : "system";
  } catch {
    return "system";
  }
}

function systemPrefersDark(): boolean {
  return typeof window.matchMedia === "function" &&
    window.matchMedia("(prefers-color-scheme: dark)").matches;
}

export function resolveTheme(choice: ThemeChoice): "light" | "dark" {
  if (choice === "system") return systemPrefersDark() ? "dark" : "light";
  return choice;
}

export function applyTheme(choice: ThemeChoice): void {
  const resolved = resolveTheme(choice);
  const root = document.documentElement;
  root.classList.toggle("dark", resolved === "dark");
  root.classList.toggle("light", resolved === "light");
  root.dataset.theme = choice;
}

export function setThemeChoice(choice: ThemeChoice): void {
  try {
    if (choice === "system") window.localStorage.removeItem(THEME_KEY);
    else window.localStorage.setItem(THEME_KEY, choice);
  } catch {
    // storage refused (private mode): the choice lasts for this page only
  }
  applyTheme(choice);
  for (const listener of listeners) listener(choice);
}

export function subscribeTheme(listener: (choice: ThemeChoice) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Applies the stored choice and follows the system while the choice is "system". */
export function initTheme(): void {
  applyTheme(getThemeChoice());
  if (typeof window.matchMedia !== "function" || media) return;
  media = window.matchMedia("(prefers-color-scheme: dark)");
  media.addEventListener("change", () => {
    if (getThemeChoice() === "system") applyTheme("system");
  });
}
