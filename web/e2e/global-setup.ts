// Starts the real server for the browser tests: `$CRONIUM_BINARY serve` on a free loopback
// port with a fresh data dir, serving web/dist. Reads the first admin's password and the URL
// from its stdout, signs in once and saves the session for the tests (login is rate limited).
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// CRONIUM_E2E_UI_DIR: another build (two people building at once must not share dist/).
const DIST = process.env.CRONIUM_E2E_UI_DIR ?? path.join(WEB_DIR, "dist");
// CRONIUM_E2E_STATE_DIR: another place for the saved session, so two runs can go at once.
export const STATE_DIR = process.env.CRONIUM_E2E_STATE_DIR ?? path.join(WEB_DIR, "test-results", ".e2e");
export const STORAGE_STATE = path.join(STATE_DIR, "admin.json");
const BINARY =
  process.env.CRONIUM_BINARY ?? path.resolve(WEB_DIR, "../build/release/src/server/cronium");

function waitForLines(child: ChildProcess, name: string, want: RegExp[], ms = 30_000) {
  return new Promise<RegExpMatchArray[]>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`${name} did not start in ${ms} ms:\n${out}`)), ms);
    const check = () => {
      const found = want.map((re) => out.match(re));
      if (found.every(Boolean)) {
        clearTimeout(timer);
        resolve(found as RegExpMatchArray[]);
      }
    };
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      check();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}:\n${out}`));
    });
  });
}

async function signIn(baseURL: string, password: string) {
  const response = await fetch(`${baseURL}/api/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: "admin", password }),
  });
  if (!response.ok) throw new Error(`sign-in for the tests failed: ${response.status} ${await response.text()}`);
  const cookie = response.headers.get("set-cookie") ?? "";
  const value = cookie.match(/cronium_session=([^;]+)/)?.[1];
  if (!value) throw new Error(`no session cookie in: ${cookie}`);
  const url = new URL(baseURL);
  writeFileSync(
    STORAGE_STATE,
    JSON.stringify({
      cookies: [
        {
          name: "cronium_session",
          value,
          domain: url.hostname,
          path: "/",
          expires: -1,
          httpOnly: true,
          secure: false,
          sameSite: "Lax",
        },
      ],
      origins: [promptPutOff(baseURL)],
    }),
  );
}

/** Local storage of a browser where the first admin chose "Later" at the password prompt. */
export function promptPutOff(origin: string) {
  return { origin, localStorage: [{ name: "cronium.passwordPrompt", value: "later" }] };
}

export default async function globalSetup() {
  // CRONIUM_E2E_EMBEDDED_UI=1 (make test): the UI built into the binary, as users get it;
  // otherwise web/dist through --ui-dir, for a quick loop while working on the UI.
  const embedded = process.env.CRONIUM_E2E_EMBEDDED_UI === "1";
  if (!embedded && !existsSync(path.join(DIST, "index.html"))) {
    throw new Error("web/dist is missing: run `npm run build` before `npm run test:e2e`.");
  }
  if (!existsSync(BINARY)) {
    throw new Error(`no cronium binary at ${BINARY}: build it or set CRONIUM_BINARY.`);
  }
  mkdirSync(STATE_DIR, { recursive: true });
  const dataDir = mkdtempSync(path.join(tmpdir(), "cronium-e2e-"));
  const children: ChildProcess[] = [];

  const args = ["serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir];
  if (!embedded) args.push("--ui-dir", DIST);
  const server = spawn(BINARY, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CRONIUM_LOG_LEVEL: "warn" } });
  children.push(server);
  const [passwordLine, listenLine] = await waitForLines(server, "cronium", [
    /password: (\S+)/,
    /listening on (http:\/\/127\.0\.0\.1:\d+)/,
  ]);
  const password = passwordLine![1]!;
  const baseURL = listenLine![1]!;

  process.env.CRONIUM_E2E_URL = baseURL;
  process.env.CRONIUM_E2E_PASSWORD = password;
  process.env.CRONIUM_E2E_UI = embedded ? "embedded" : "ui-dir";
  await signIn(baseURL, password);
  console.log(`e2e: cronium at ${baseURL} (UI: ${process.env.CRONIUM_E2E_UI})`);

  return async () => {
    // Stop the server by its pid and wait for it to exit (SIGKILL if it takes over 10 s).
    for (const child of children.reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
}
