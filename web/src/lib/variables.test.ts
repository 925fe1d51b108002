import { describe, expect, it } from "vitest";
import { checkJson, looksSecret, MAX_KEY_BYTES, previewJson, validateVariableKey } from "./variables";

describe("variable keys (the server's rule)", () => {
  it("accepts what the server accepts", () => {
    for (const key of ["API_URL", "orders/total", "seen", "a b", "ключ", "x".repeat(MAX_KEY_BYTES)]) {
      expect(validateVariableKey(key), key).toBeNull();
    }
  });

  it("refuses empty keys, control characters and more than 256 bytes", () => {
    expect(validateVariableKey("")).toMatch(/required/);
    expect(validateVariableKey("A\tB")).toMatch(/Control/);
    expect(validateVariableKey("A\nB")).toMatch(/Control/);
    expect(validateVariableKey("A\u007fB")).toMatch(/Control/);
    expect(validateVariableKey("x".repeat(MAX_KEY_BYTES + 1))).toMatch(/257/);
    // 129 two-byte letters are 258 bytes, though only 129 characters.
    expect(validateVariableKey("é".repeat(129))).toMatch(/258/);
  });
});

describe("JSON values", () => {
  it("parses any JSON value and names its kind", () => {
    expect(checkJson('"hello"')).toMatchObject({ ok: true, value: "hello", kind: "string" });
    expect(checkJson("42")).toMatchObject({ ok: true, kind: "number" });
    expect(checkJson("null")).toMatchObject({ ok: true, value: null, kind: "null" });
    expect(checkJson(' {"a": [1, 2]} ')).toMatchObject({ ok: true, kind: "object" });
    expect(checkJson("[]")).toMatchObject({ ok: true, kind: "array" });
    expect(checkJson("false")).toMatchObject({ ok: true, kind: "boolean" });
  });

  it("explains what is wrong, with the place", () => {
    const empty = checkJson("   ");
    expect(empty.ok).toBe(false);
    const bare = checkJson("hello");
    expect(bare.ok).toBe(false);
    if (!bare.ok) expect(bare.message).toMatch(/double quotes/);
    const comma = checkJson('{\n  "a": 1,\n}');
    expect(comma.ok).toBe(false);
    if (!comma.ok) {
      expect(comma.message).toMatch(/^Not valid JSON/);
      expect(comma.line).toBe(3);
      expect(comma.message).toMatch(/trailing comma/);
    }
    const single = checkJson("'x'");
    if (!single.ok) expect(single.message).toMatch(/double quotes/);
  });

  it("previews long values on one line", () => {
    expect(previewJson({ a: 1 })).toBe('{"a":1}');
    expect(previewJson("plain")).toBe("plain");
    expect(previewJson("x".repeat(200), 10)).toHaveLength(10);
  });
});

describe("secret-looking keys", () => {
  it("masks keys that name a secret", () => {
    for (const key of [
      "GITHUB_TOKEN",
      "DB_PASSWORD",
      "stripeSecret",
      "SSH_KEY",
      "api_key",
      "apiKey",
      "AWS_SECRET_ACCESS_KEY",
      "smtp/pass",
      "PRIVATE_CERT",
      "oauthCredentials",
      "SENTRY_DSN",
    ]) {
      expect(looksSecret(key), key).toBe(true);
    }
  });

  it("leaves ordinary keys visible", () => {
    for (const key of ["API_URL", "orders/total", "MONKEY_COUNT", "KEYBOARD_LAYOUT", "seen", "city", "PASSENGERS"]) {
      expect(looksSecret(key), key).toBe(false);
    }
  });
});
