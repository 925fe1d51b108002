import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { buildCurlCommand, SECRET_VARIABLE, shellQuote, signDelivery, signedHeaders, signedMessage, webhookUrl } from "./webhook-signing";

// The worked example of docs/workflows.md, section 7.
const SECRET = "whsec_Zk3vQ9x-EXAMPLEonlyr7TbN2mW5pHc8sYd4LgJ0aF1";
const BODY = '{"order":{"id":7,"items":["a","b"]}}';
const SIGNATURE = "sha256=21694b9b22e516828b6abf87211ac8e6822ab7fae1f65efa70f0b19a8064e000";

function has(command: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("signing", () => {
  it("signs '<timestamp>.<body>' with HMAC-SHA256 as the docs' example says", async () => {
    expect(signedMessage(1764230400, BODY)).toBe(`1764230400.${BODY}`);
    expect(await signDelivery(SECRET, "1764230400", BODY)).toBe(SIGNATURE);
  });

  it("signs the body byte for byte (UTF-8, whitespace kept)", async () => {
    const a = await signDelivery(SECRET, 1, '{"a": 1}');
    const b = await signDelivery(SECRET, 1, '{"a":1}');
    expect(a).not.toBe(b);
    expect(await signDelivery(SECRET, 1, '{"name":"Zoë"}')).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it("makes the headers of a delivery sent now", async () => {
    const headers = await signedHeaders(SECRET, BODY, 1764230400_999);
    expect(headers["X-Cronium-Timestamp"]).toBe("1764230400");
    expect(headers["X-Cronium-Signature"]).toBe(SIGNATURE);
    expect(headers["Content-Type"]).toBe("application/json");
  });
});

describe("shellQuote and webhookUrl", () => {
  it("quotes for a POSIX shell", () => {
    expect(shellQuote("abc")).toBe("'abc'");
    expect(shellQuote(`it's "x" $HOME`)).toBe(`'it'\\''s "x" $HOME'`);
  });

  it("joins the origin and the path", () => {
    expect(webhookUrl("http://h:8080", "/api/v1/hooks/k")).toBe("http://h:8080/api/v1/hooks/k");
    expect(webhookUrl("http://h:8080/", "api/v1/hooks/k")).toBe("http://h:8080/api/v1/hooks/k");
    expect(webhookUrl("http://h", "https://other/api/v1/hooks/k")).toBe("https://other/api/v1/hooks/k");
  });
});

describe("buildCurlCommand", () => {
  const command = buildCurlCommand({ url: "http://127.0.0.1:8080/api/v1/hooks/KEY", body: BODY });

  it("reads the secret from a shell variable, never holds it", () => {
    expect(command).toContain(`$${SECRET_VARIABLE}`);
    expect(command).not.toContain("whsec_Zk3");
    expect(command).toContain("--data-binary \"$body\"");
    expect(command).toContain("X-Cronium-Signature: sha256=$sig");
    expect(command).toContain("X-Cronium-Timestamp: $ts");
    expect(command).toContain(`body=${shellQuote(BODY)}`);
  });

  // The shell's signature must be the one signDelivery makes (and the server checks).
  it.skipIf(!has("bash") || !has("openssl"))("signs in the shell exactly as signDelivery does", async () => {
    const body = `{"quote":"it's","dollar":"$HOME","pct":"100%","u":"Zoë"}`;
    const script = buildCurlCommand({ url: "http://unused.invalid/", body })
      .split("\n")
      .filter((line) => !line.startsWith("curl "))
      .concat('printf "%s %s" "$ts" "$sig"')
      .join("\n");
    const out = execFileSync("bash", ["-c", script], { env: { ...process.env, [SECRET_VARIABLE]: SECRET }, encoding: "utf8" });
    const [ts, sig] = out.trim().split(" ");
    expect(`sha256=${sig}`).toBe(await signDelivery(SECRET, ts!, body));
  });

  it.skipIf(!has("bash"))("stops when the secret is not set", () => {
    const env = { ...process.env };
    delete env[SECRET_VARIABLE];
    expect(() => execFileSync("bash", ["-c", command], { env, stdio: "pipe" })).toThrow(/secret of the webhook/);
  });
});
