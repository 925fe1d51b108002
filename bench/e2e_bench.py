#!/usr/bin/env python3
"""End-to-end figures of a real `cronium serve` on loopback, as a table with targets and the
bare-machine baselines measured in the same run. Every loop is bounded; the server is stopped
by its pid. Standard library only."""
import argparse
import datetime
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time


def start_server(cronium, data_dir, extra=()):
    token = subprocess.run([cronium, "admin", "bootstrap", "--data-dir", data_dir],
                           capture_output=True, text=True, check=True).stdout.strip()
    # The per-token request limit would otherwise be what the load test measures.
    proc = subprocess.Popen(
        [cronium, "serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir, "--log-level",
         "warn", "--token-rate-limit", "10000000", *extra], stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True)
    match = None
    for _ in range(20):
        line = proc.stdout.readline()
        match = re.search(r"listening on http://([\d.]+):(\d+)", line)
        if match or not line:
            break
    if not match:
        proc.kill()
        sys.exit("server did not start")
    return proc, match.group(1), int(match.group(2)), token


class Api:
    def __init__(self, host, port, token):
        self.conn = http.client.HTTPConnection(host, port, timeout=60)
        self.token = token

    def call(self, method, path, body=None):
        headers = {"Content-Type": "application/json"} if body is not None else {}
        headers["Authorization"] = f"Bearer {self.token}"
        self.conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = self.conn.getresponse()
        data = response.read()
        return response.status, (json.loads(data) if data else None)


RUNTIME_SCRIPT = r"""
import http.client, os, time, urllib.parse
def percentiles(samples):
    samples.sort()
    return [samples[len(samples) // 2] * 1000, samples[int(len(samples) * 0.99)] * 1000]
def timed(call, n=1000):
    out = []
    for i in range(n):
        start = time.perf_counter()
        call(i)
        out.append(time.perf_counter() - start)
    return percentiles(out)
url = urllib.parse.urlsplit(os.environ["CRONIUM_RUNTIME_API"])
bare = http.client.HTTPConnection(url.hostname, url.port)
def health(_):
    bare.request("GET", "/health")
    bare.getresponse().read()
result = {"health": timed(health)}
result["set"] = timed(lambda i: cronium.setVariable("bench", {"n": i, "tags": ["a", "b"]}))
result["get"] = timed(lambda i: cronium.getVariable("bench"))
cronium.output(result)
"""


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def wrk(url, token, seconds=8, connections=64):
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency",
                          "-H", f"Authorization: Bearer {token}", url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def pct(p):
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, pct(50), pct(99), int(errors.group(1)) if errors else 0


def extra_rate(paths, name):
    """The number before "runs/s" in the ROW named `name` of the extra row files, or None."""
    for path in paths:
        with open(path) as rows:
            for line in rows:
                parts = line.rstrip("\n").split("\t")
                if len(parts) == 5 and parts[0] == "ROW" and parts[1].startswith(name):
                    match = re.match(r"([\d,.]+) runs/s", parts[2])
                    if match:
                        return float(match.group(1).replace(",", ""))
    return None


def micro_rate(path, name):
    with open(path) as f:
        for b in json.load(f)["benchmarks"]:
            if b["name"].startswith(name):
                return b.get("items_per_second", float("nan"))
    return float("nan")


def await_workflow(api, run_id):
    for _ in range(10):  # bounded: each wait is at most 30 s
        status, run = api.call("GET", f"/api/v1/workflow-executions/{run_id}?wait=30")
        assert status == 200, run
        if run["finishedAt"] is not None:
            return run
    raise RuntimeError(f"workflow execution {run_id} did not finish")


def rfc3339_ms(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000


def micro(path, name):
    with open(path) as f:
        for b in json.load(f)["benchmarks"]:
            if b["name"].startswith(name):
                scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0}[b["time_unit"]]
                return b["real_time"] * scale
    return float("nan")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cronium", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--micro", required=True)
    parser.add_argument("--extra-rows", action="append", default=[],
                        help="a file of tab-separated ROW lines from another benchmark; repeatable")
    args = parser.parse_args()

    rows = []
    proc, host, port, token = start_server(args.cronium, os.path.join(args.work, "data"),
                                           ["--runtime-rate-limit", "100000000"])
    try:
        api = Api(host, port, token)
        status, event = api.call("POST", "/api/v1/events", {
            "name": "bench", "type": "BASH", "content": "true", "status": "ACTIVE",
            "tags": ["bench"], "envVars": {"A": "1"}})
        assert status == 201, event
        event_id = event["id"]

        time.sleep(1.0)  # let start-up settle before reading the idle footprint
        idle_mb = rss_kb(proc.pid) / 1024
        rows.append(("idle RSS of cronium serve", f"{idle_mb:.1f} MB", "< 30 MB",
                     "-"))

        base = f"http://{host}:{port}"
        h_rps, h_p50, h_p99, _ = wrk(f"{base}/healthz", token)
        rps, p50, p99, errors = wrk(f"{base}/api/v1/events/{event_id}", token)
        rows.append(("GET /api/v1/events/{id} (API token) throughput", f"{rps:,.0f} req/s",
                     ">= 20,000 req/s", f"{h_rps:,.0f} req/s (GET /healthz, no store)"))
        rows.append(("GET /api/v1/events/{id} latency p50 / p99", f"{p50:.2f} / {p99:.2f} ms",
                     "-", f"{h_p50:.2f} / {h_p99:.2f} ms (/healthz)"))
        if errors:
            rows.append(("GET errors", str(errors), "0", "-"))
        rows.append(("RSS after load", f"{rss_kb(proc.pid) / 1024:.1f} MB", "-", "-"))

        # Sequential BASH `true` runs through the API: server-side run time and the latency a
        # client sees from POST to the recorded end.
        server_ms, client_ms = [], []
        for _ in range(100):
            start = time.perf_counter()
            status, run = api.call("POST", f"/api/v1/events/{event_id}/run", {})
            assert status == 202, run
            status, execution = api.call("GET",
                                         f"/api/v1/executions/{run['executionId']}?wait=30")
            client_ms.append((time.perf_counter() - start) * 1000)
            assert execution["status"] == "SUCCEEDED", execution
            server_ms.append(execution["durationMs"])
        bare = micro(args.micro, "BM_BareSpawnBashTrue/real_time/threads:1")
        executor = micro(args.micro, "BM_ProcessExecutorBashTrue")
        rows.append(("BASH `true` run, executor only (p50)", f"{executor:.2f} ms",
                     "bare + <= 2 ms", f"{bare:.2f} ms (bare bash -c true)"))
        rows.append(("BASH `true` run, server-side duration (p50)",
                     f"{statistics.median(server_ms):.0f} ms", "-", f"{bare:.2f} ms"))
        rows.append(("BASH `true` run, POST to recorded end (p50 / p99)",
                     f"{statistics.median(client_ms):.2f} / "
                     f"{sorted(client_ms)[98]:.2f} ms", "-", f"{bare:.2f} ms"))

        # The runtime API as a script sees it: 1,000 getVariable and 1,000 setVariable calls of
        # the Python helpers from inside the run (through the sandbox's forwarder when the
        # sandbox runs), next to 1,000 bare GET /health on the same path.
        status, probe = api.call("POST", "/api/v1/events", {
            "name": "runtime bench", "type": "PYTHON", "timeoutSeconds": 120,
            "content": RUNTIME_SCRIPT})
        assert status == 201, probe
        status, run = api.call("POST", f"/api/v1/events/{probe['id']}/run", {})
        assert status == 202, run
        for _ in range(4):  # bounded: the run's timeout is 120 s
            status, execution = api.call("GET",
                                         f"/api/v1/executions/{run['executionId']}?wait=60")
            if execution.get("status") not in ("QUEUED", "RUNNING"):
                break
        assert status == 200 and execution["status"] == "SUCCEEDED", (status, execution)
        timings = execution["output"]
        where = "in the sandbox" if execution["isolation"] == "sandbox" else "plain process"
        get_server = micro(args.micro, "BM_RuntimeGetVariable")
        set_server = micro(args.micro, "BM_RuntimeSetVariable")
        rows.append(("getVariable server-side (token, SQLite read, decrypt), mean",
                     f"{get_server:.3f} ms", "p50 < 1 ms", f"{micro(args.micro, 'BM_SqliteGetEvent'):.3f} ms (SQLite point read)"))
        rows.append(("setVariable server-side (token, encrypt, write + audit), mean",
                     f"{set_server:.3f} ms", "p50 < 1 ms", "-"))
        rows.append(("SQLite store: one event's last runs, 5 among 100,000 runs of 101 events, mean",
                     f"{micro(args.micro, 'BM_SqliteListOneEventsExecutions'):.3f} ms", "-",
                     f"{micro(args.micro, 'BM_SqliteListNewestExecutions'):.3f} ms "
                     "(the newest 50 of all)"))
        rows.append(("SQLite store: retention pass over a backlog (36,000 of 40,000 finished "
                     "jobs of 40 events), ranking reads of 5,000 jobs",
                     f"{micro(args.micro, 'BM_SqlitePruneBacklog/5000/'):.0f} ms", "-",
                     f"{micro(args.micro, 'BM_SqlitePruneBacklog/500/'):.0f} ms "
                     "(reads of 500, as before)"))
        for name in ("get", "set"):
            rows.append((f"python {name}Variable round trip {where}, p50 / p99 (1,000 calls)",
                         f"{timings[name][0]:.2f} / {timings[name][1]:.2f} ms", "-",
                         f"{timings['health'][0]:.2f} / {timings['health'][1]:.2f} ms "
                         "(bare GET /health, same path)"))

        # Throughput: 400 trivial runs queued at once, until all are recorded.
        count = 400
        start = time.perf_counter()
        ids = []
        for _ in range(count):
            status, run = api.call("POST", f"/api/v1/events/{event_id}/run", {})
            ids.append(run["executionId"])
        for execution_id in ids:
            status, execution = api.call("GET", f"/api/v1/executions/{execution_id}?wait=30")
            assert execution["status"] == "SUCCEEDED", execution
        elapsed = time.perf_counter() - start
        status, info = api.call("GET", "/api/v1/system")
        rate = count / elapsed
        sandbox_rate = extra_rate(args.extra_rows, "sandboxed runs/s, bash -c true, 2 in parallel")
        true_rate = extra_rate(args.extra_rows, "sandboxed runs/s, true, 2 in parallel")
        if info.get("isolation") == "sandbox" and sandbox_rate:
            # Runs are sandboxed: the bare rate is the sandbox's own running what a BASH event
            # runs (bash, not /bin/true), at the same parallelism, without the server, the
            # runtime socket and the helpers, which are what this row weighs.
            rows.append(("trivial runs through the HTTP API, queued to recorded (sandboxed)",
                         f"{rate:,.0f} runs/s ({100 * rate / sandbox_rate:.0f} % of bare)",
                         ">= 70% of bare sandbox rate",
                         f"{sandbox_rate:,.0f} runs/s (bare sandboxed bash -c true, 2 in "
                         f"parallel; {true_rate or 0:,.0f} for /bin/true)"))
        else:
            bare_rate = micro_rate(args.micro, "BM_BareSpawnBashTrue/real_time/threads:2")
            rows.append(("trivial runs through the HTTP API, queued to recorded (no sandbox)",
                         f"{rate:,.0f} runs/s ({100 * rate / bare_rate:.0f} % of bare)",
                         ">= 70% of bare rate",
                         f"{bare_rate:,.0f} spawns/s (bare, 2 in parallel)"))

        # Workflows: the step transition (one node's script ends to the next node's script
        # starts, from $EPOCHREALTIME printed by each) in a 20-node chain, and a 100-node
        # fan-out and fan-in of `true`.
        status, stamp_event = api.call("POST", "/api/v1/events", {
            "name": "wf stamp", "type": "BASH", "content": "echo $EPOCHREALTIME",
            "timeoutSeconds": 30})
        assert status == 201, stamp_event
        chain = [{"id": f"n{i}", "eventId": stamp_event["id"]} for i in range(20)]
        status, workflow = api.call("POST", "/api/v1/workflows", {
            "name": "chain", "nodes": chain,
            "edges": [{"from": f"n{i}", "to": f"n{i + 1}", "kind": "ON_SUCCESS"}
                      for i in range(19)]})
        assert status == 201, workflow
        transitions = []
        for _ in range(5):
            status, started = api.call("POST", f"/api/v1/workflows/{workflow['id']}/run", {})
            assert status == 202, started
            run = await_workflow(api, started["id"])
            assert run["status"] == "SUCCEEDED", run
            stamps = []
            for node in run["nodes"]:
                status, execution = api.call("GET", f"/api/v1/executions/{node['executionId']}")
                stamps.append(float(execution["stdout"]) * 1000)
            transitions += [after - before for before, after in zip(stamps, stamps[1:])]
        transitions.sort()
        rows.append(("workflow step transition, 20-node chain (p50 / p99, 95 steps)",
                     f"{statistics.median(transitions):.1f} / "
                     f"{transitions[int(len(transitions) * 0.99)]:.1f} ms",
                     "p50 < 5 ms (Windmill: 34-60 ms)",
                     f"{micro(args.micro, 'BM_BareSpawnBashTrue/real_time/threads:1'):.2f} ms "
                     "(bare bash -c true)"))
        status, true_event = api.call("POST", "/api/v1/events", {
            "name": "wf bench", "type": "BASH", "content": "true", "timeoutSeconds": 30})
        assert status == 201, true_event
        fan = [{"id": "start", "eventId": true_event["id"]},
               {"id": "join", "eventId": true_event["id"]}]
        edges = []
        for i in range(98):
            fan.append({"id": f"b{i}", "eventId": true_event["id"]})
            edges.append({"from": "start", "to": f"b{i}", "kind": "ON_SUCCESS"})
            edges.append({"from": f"b{i}", "to": "join", "kind": "ON_SUCCESS"})
        status, workflow = api.call("POST", "/api/v1/workflows",
                                    {"name": "fan", "nodes": fan, "edges": edges})
        assert status == 201, workflow
        durations = []
        for _ in range(3):
            start = time.perf_counter()
            status, started = api.call("POST", f"/api/v1/workflows/{workflow['id']}/run", {})
            assert status == 202, started
            run = await_workflow(api, started["id"])
            assert run["status"] == "SUCCEEDED", run
            durations.append((time.perf_counter() - start) * 1000)
        rows.append(("workflow 100-node fan-out and fan-in of `true`, POST to finished (median)",
                     f"{statistics.median(durations):.0f} ms", "-",
                     f"{100 * 1000 / rate:.0f} ms (100 trivial runs through the API, rate above)"))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)

    for path in args.extra_rows:
        with open(path) as extra:
            for line in extra:
                parts = line.rstrip("\n").split("\t")
                if len(parts) == 5 and parts[0] == "ROW":
                    rows.append(tuple(parts[1:]))

    width = [max(len(r[i]) for r in rows + [("metric", "measured", "target", "baseline")])
             for i in range(4)]
    def line(r):
        return "  ".join(c.ljust(w) for c, w in zip(r, width))
    print(line(("metric", "measured", "target", "baseline")))
    print("  ".join("-" * w for w in width))
    for r in rows:
        print(line(r))


if __name__ == "__main__":
    main()
