// `make bench`, web UI rows: the first page's JavaScript (gzipped), the dashboard's cold load on
// a big store, and the log viewer's longest frame while a script prints 5,000 lines a second.
// Headless Debian Chromium against the real binary on loopback; prints tab-separated
// "ROW metric measured target baseline" lines like the other benchmarks. Every loop is bounded;
// each server is stopped by its pid.
//
// Usage: node web/bench/ui-bench.mjs --cronium BIN --dist DIR
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { gzipSync } from "node:zlib";
import { chromium } from "@playwright/test";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, value, i, all) => (i % 2 === 0 ? [...pairs, [value.replace(/^--/, ""), all[i + 1]]] : pairs), []),
);
const CRONIUM = args.cronium;
const DIST = args.dist;
if (!CRONIUM || !DIST) {
  console.error("usage: ui-bench.mjs --cronium BIN --dist DIR");
  process.exit(2);
}
const PYTHON = "/usr/bin/python3";

function row(metric, measured, target, baseline) {
  console.log(["ROW", metric, measured, target, baseline].join("\t"));
}

/** Starts `cronium serve` on a free port; resolves with its URL, the admin password and the process. */
async function startServer(dataDir) {
  // The UI embedded in the binary (precompressed, as users get it); DIST is the same build.
  const proc = spawn(CRONIUM, ["serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir, "--log-level", "warn"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  const lines = createInterface({ input: proc.stdout });
  let password = null;
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("server did not start in 30 s")), 30_000);
    lines.on("line", (line) => {
      const p = /password:\s*(\S+)/.exec(line);
      if (p) password = p[1];
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.on("exit", () => reject(new Error("server exited")));
  });
  lines.on("line", () => {}); // keep draining
  return { url, password, proc };
}

async function stopServer(server) {
  if (server.proc.exitCode !== null) return;
  const done = new Promise((resolve) => server.proc.on("exit", resolve));
  server.proc.kill("SIGTERM");
  const timer = setTimeout(() => server.proc.kill("SIGKILL"), 15_000);
  await done;
  clearTimeout(timer);
}

async function signIn(context, url, password) {
  const response = await context.request.post(`${url}/api/v1/auth/login`, { data: { username: "admin", password } });
  if (response.status() !== 200) throw new Error(`login: ${response.status()}`);
  const me = await (await context.request.get(`${url}/api/v1/auth/me`)).json();
  // The first admin's "choose your own password" prompt is put off, as a returning user's is.
  await context.addInitScript(() => window.localStorage.setItem("cronium.passwordPrompt", "later"));
  return me.csrfToken;
}

// --- 1. The first page's JavaScript: what the browser loads for sign-in, then the dashboard.
async function firstPageJs(browser, server) {
  const context = await browser.newContext();
  const scripts = new Set();
  context.on("response", (r) => {
    const u = new URL(r.url());
    if (u.pathname.endsWith(".js")) scripts.add(u.pathname);
  });
  const page = await context.newPage();
  await page.goto(`${server.url}/login`);
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(server.password);
  await page.addInitScript(() => window.localStorage.setItem("cronium.passwordPrompt", "later"));
  await page.evaluate(() => window.localStorage.setItem("cronium.passwordPrompt", "later"));
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Dashboard" }).waitFor({ timeout: 30_000 });
  await page.waitForLoadState("networkidle");
  let total = 0;
  for (const p of scripts) total += gzipSync(readFileSync(path.join(DIST, p)), { level: 9 }).length;
  // Baseline: React and React DOM alone, as the smallest app of this stack would ship.
  const vendor = readdirSync(path.join(DIST, "assets")).filter((f) => f.endsWith(".js"));
  const all = vendor.reduce((sum, f) => sum + gzipSync(readFileSync(path.join(DIST, "assets", f)), { level: 9 }).length, 0);
  row("web UI: JavaScript for sign-in + dashboard (gzip)", `${(total / 1024).toFixed(0)} KiB in ${scripts.size} files`, "<= 250 KB", `all ${vendor.length} chunks: ${(all / 1024).toFixed(0)} KiB`);
  await context.close();
}

// --- 2. The dashboard's cold load with 1,000 events and 100,000 runs in the store.
function seedRuns(dbPath, events, runs) {
  // One real run exists (so every column holds what the server writes); it is copied `runs`
  // times over the events, spread over the last 7 days, a tenth of them failed.
  const script = `
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
events, runs = sys.argv[2].split(","), int(sys.argv[3])
cols = [r[1] for r in db.execute("PRAGMA table_info(executions)")]
row = dict(zip(cols, db.execute("SELECT * FROM executions LIMIT 1").fetchone()))
scale = 1000 if row["created_at"] > 10**14 else 1  # microseconds or milliseconds
now = row["created_at"]
day = 86400 * 1000 * scale
batch = []
for i in range(runs):
    r = dict(row)
    r["id"] = "exe_0seed%020d" % i
    r["event_id"] = events[i % len(events)]
    at = now - (runs - i) * (7 * day // runs)
    r["created_at"] = at
    r["started_at"] = at
    r["finished_at"] = at + 250 * scale
    r["status"] = "FAILED" if i % 10 == 0 else "SUCCEEDED"
    r["exit_code"] = 1 if i % 10 == 0 else 0
    r["duration_ms"] = 100 + (i * 37) % 900
    batch.append(tuple(r[c] for c in cols))
db.executemany("INSERT INTO executions (%s) VALUES (%s)" % (",".join(cols), ",".join("?" * len(cols))), batch)
db.commit()
`;
  const result = spawnSync(PYTHON, ["-c", script, dbPath, events.join(","), String(runs)], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`seeding failed: ${result.stderr}`);
}

async function createEvents(request, url, csrf, count) {
  const ids = [];
  for (let i = 0; i < count; i++) {
    const response = await request.post(`${url}/api/v1/events`, {
      headers: { "X-CSRF-Token": csrf },
      data: {
        name: `bench-${String(i).padStart(4, "0")}`,
        type: "BASH",
        content: "true",
        status: i % 5 === 0 ? "PAUSED" : "ACTIVE",
        schedule: { kind: "CRON", cron: `${i % 60} * * * *`, timezone: "UTC" },
      },
    });
    if (response.status() !== 201) throw new Error(`create event: ${response.status()} ${await response.text()}`);
    ids.push((await response.json()).id);
  }
  return ids;
}

/** Milliseconds from navigation to a usable dashboard: tiles with numbers, lists loaded. */
async function dashboardLoad(browser, server) {
  const context = await browser.newContext();
  await signIn(context, server.url, server.password);
  const page = await context.newPage();
  await page.goto(`${server.url}/`);
  await page.getByRole("heading", { name: "Dashboard" }).waitFor({ timeout: 60_000 });
  // Measured in the page from its navigation's start (not the new tab's process start-up).
  const elapsed = await page.evaluate(
    () =>
      new Promise((resolve) => {
        const check = () => {
          if (document.querySelector("#main .animate-pulse, #main [role=status][aria-label^=Loading]")) requestAnimationFrame(check);
          else resolve(Math.round(performance.now()));
        };
        check();
      }),
  );
  await context.close();
  return elapsed;
}

async function bigDashboard(browser) {
  // Baseline: the same load on an empty store, in the same run.
  const emptyDir = mkdtempSync(path.join(tmpdir(), "cronium-uibench-"));
  const empty = await startServer(emptyDir);
  let baseline;
  try {
    await dashboardLoad(browser, empty); // warm the OS caches of the binary and Chromium
    baseline = await dashboardLoad(browser, empty);
  } finally {
    await stopServer(empty);
    rmSync(emptyDir, { recursive: true, force: true });
  }

  const dir = mkdtempSync(path.join(tmpdir(), "cronium-uibench-"));
  let server = await startServer(dir);
  const password = server.password;
  try {
    const context = await browser.newContext();
    const csrf = await signIn(context, server.url, password);
    const ids = await createEvents(context.request, server.url, csrf, 1000);
    // One real run to copy.
    const run = await context.request.post(`${server.url}/api/v1/events/${ids[1]}/run`, { headers: { "X-CSRF-Token": csrf }, data: {} });
    const { executionId } = await run.json();
    await context.request.get(`${server.url}/api/v1/executions/${executionId}?wait=30`);
    await context.close();
    await stopServer(server);
    seedRuns(path.join(dir, "cronium.db"), ids, 100_000);
    server = await startServer(dir);
    server.password = password;
    const loads = [];
    for (let i = 0; i < 3; i++) loads.push(await dashboardLoad(browser, server));
    loads.sort((a, b) => a - b);
    row("web UI: dashboard usable after a cold load, 1,000 events + 100,000 runs (median of 3)", `${loads[1]} ms`, "<= 1000 ms", `empty store: ${baseline} ms`);
  } finally {
    await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  }
}

// --- 3. The log viewer while a script prints 5,000 lines a second for 8 s.
async function logViewer(browser) {
  const dir = mkdtempSync(path.join(tmpdir(), "cronium-uibench-"));
  const server = await startServer(dir);
  try {
    const context = await browser.newContext();
    const csrf = await signIn(context, server.url, server.password);
    const page = await context.newPage();
    const created = await context.request.post(`${server.url}/api/v1/events`, {
      headers: { "X-CSRF-Token": csrf },
      data: {
        name: "bench-log",
        type: "BASH",
        // 40 bursts of 1,000 lines every 0.2 s: 5,000 lines/s for 8 s.
        content: 'for b in $(seq 0 39); do seq $((b*1000+1)) $((b*1000+1000)) | sed "s/^/line /"; sleep 0.2; done; echo finished',
        timeoutSeconds: 120,
        limits: { outputKb: 16384 },
      },
    });
    if (created.status() !== 201) throw new Error(`create: ${created.status()} ${await created.text()}`);
    const { id } = await created.json();
    // The page measures the longest gap between animation frames from before the run starts.
    await page.goto(`${server.url}/runs`);
    const measure = () =>
      page.evaluate(() => {
        const w = window;
        w.__frames = { last: performance.now(), longest: 0 };
        const tick = (t) => {
          w.__frames.longest = Math.max(w.__frames.longest, t - w.__frames.last);
          w.__frames.last = t;
          w.__frameLoop = requestAnimationFrame(tick);
        };
        w.__frameLoop = requestAnimationFrame(tick);
      });
    const run = await context.request.post(`${server.url}/api/v1/events/${id}/run`, { headers: { "X-CSRF-Token": csrf }, data: {} });
    const { executionId } = await run.json();
    await page.goto(`${server.url}/runs/${executionId}`);
    await page.getByRole("region", { name: "Log output" }).waitFor({ timeout: 30_000 });
    await measure();
    await page.getByRole("region", { name: "Log output" }).getByText("finished").waitFor({ timeout: 60_000 });
    const longest = await page.evaluate(() => window.__frames.longest);
    // Baseline: the same page, idle, for 2 s after the run.
    await measure();
    await page.waitForTimeout(2000);
    const idle = await page.evaluate(() => window.__frames.longest);
    const kept = await page.evaluate(() => document.body.innerText.includes("line 40000"));
    row("web UI: log viewer's longest frame, 5,000 lines/s for 8 s (40,000 lines)", `${longest.toFixed(0)} ms${kept ? "" : " (last line missing!)"}`, "no freeze (< 200 ms)", `idle page: ${idle.toFixed(0)} ms`);
    await context.close();
  } finally {
    await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--disable-gpu", "--disable-quic"],
});
try {
  const dir = mkdtempSync(path.join(tmpdir(), "cronium-uibench-"));
  const server = await startServer(dir);
  try {
    await firstPageJs(browser, server);
  } finally {
    await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  }
  await bigDashboard(browser);
  await logViewer(browser);
} finally {
  await browser.close();
}
