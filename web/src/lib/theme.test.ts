import { beforeEach, describe, expect, it, vi } from "vitest";
import { applyTheme, getThemeChoice, initTheme, setThemeChoice, subscribeTheme, THEME_KEY } from "./theme";

function mockSystemDark(dark: boolean) {
  vi.stubGlobal(
    "matchMedia",
    vi.fn((query: string) => ({
      matches: dark && query.includes("dark"),
      media: query,
      addEventListener: vi.fn(),
      removeEventListener: vi.fn(),
    })),
  );
}

describe("theme", () => {
  beforeEach(() => {
    window.localStorage.clear();
    document.documentElement.className = "";
    vi.unstubAllGlobals();
  });

  it("defaults to system and follows the system preference", () => {
    mockSystemDark(true);
    expect(getThemeChoice()).toBe("system");
    applyTheme("system");
    expect(document.documentElement.classList.contains("dark")).toBe(true);
    mockSystemDark(false);
    applyTheme("system");
    expect(document.documentElement.classList.contains("dark")).toBe(false);
    expect(document.documentElement.classList.contains("light")).toBe(true);
  });

  it("persists an explicit choice and applies it on the next start", () => {
    mockSystemDark(false);
    setThemeChoice("dark");
    expect(window.localStorage.getItem(THEME_KEY)).toBe("dark");
    document.documentElement.className = "";
    initTheme(); // a reload
    expect(document.documentElement.classList.contains("dark")).toBe(true);
    expect(document.documentElement.dataset.theme).toBe("dark");
  });

  it("forgets the stored value when going back to system, and notifies listeners", () => {
    mockSystemDark(false);
    const seen: string[] = [];
    const stop = subscribeTheme((c) => seen.push(c));
    setThemeChoice("light");
    setThemeChoice("system");
    stop();
    setThemeChoice("dark");
    expect(seen).toEqual(["light", "system"]);
    expect(window.localStorage.getItem(THEME_KEY)).toBe("dark");
  });

  it("ignores a stored value it does not know", () => {
    window.localStorage.setItem(THEME_KEY, "purple");
    expect(getThemeChoice()).toBe("system");
  });
});
