#!/usr/bin/env python3
"""End-to-end trivial jobs/s on PostgreSQL with one `cronium serve` node and with two (issue #9):
each measurement in a database of its own, 1,000 runs of `true` queued through the nodes' APIs
(spread over them) until all are recorded. Prints ROW lines for scripts/bench.sh. Every loop is
bounded; every node is stopped by its pid. Standard library only (psql for the databases)."""
import argparse
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

WORKERS = 2  # per node


def psql(url, sql):
    subprocess.run(["psql", url, "-qAtc", sql], check=True, capture_output=True, text=True)


def start_node(cronium, data_dir, url, node_id):
    proc = subprocess.Popen(
        [cronium, "serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir, "--database", url,
         "--node-id", node_id, "--workers", str(WORKERS), "--isolation", "process",
         "--log-level", "warn", "--token-rate-limit", "10000000"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for _ in range(20):
        line = proc.stdout.readline()
        match = re.search(r"listening on http://([\d.]+):(\d+)", line)
        if match:
            return proc, match.group(1), int(match.group(2))
        if not line:
            break
    proc.kill()
    sys.exit(f"node {node_id} did not start")


def call(conn, token, method, path, body=None):
    headers = {"Authorization": f"Bearer {token}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    response = conn.getresponse()
    data = response.read()
    return response.status, (json.loads(data) if data else None)


def measure(cronium, base_url, nodes, count):
    database = f"bench_nodes_{nodes}"
    admin_url = base_url
    psql(admin_url, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    psql(admin_url, f"CREATE DATABASE {database}")
    url = base_url[:base_url.rfind("/") + 1] + database
    work = tempfile.mkdtemp()
    procs = []
    try:
        dirs = [os.path.join(work, f"n{i}") for i in range(nodes)]
        token = subprocess.run([cronium, "admin", "bootstrap", "--data-dir", dirs[0],
                                "--database", url],
                               capture_output=True, text=True, check=True).stdout.strip()
        for d in dirs[1:]:  # every node of a cluster shares the keys
            os.makedirs(d, mode=0o700)
            for key in ("master.key", "hash.key"):
                shutil.copy2(os.path.join(dirs[0], key), os.path.join(d, key))
        conns = []
        for i, d in enumerate(dirs):
            proc, host, port = start_node(cronium, d, url, f"n{i}")
            procs.append(proc)
            conns.append(http.client.HTTPConnection(host, port, timeout=60))
        status, event = call(conns[0], token, "POST", "/api/v1/events", {
            "name": "cluster bench", "type": "BASH", "content": "true", "timeoutSeconds": 30})
        assert status == 201, event
        start = time.perf_counter()
        ids = []
        for n in range(count):
            status, run = call(conns[n % nodes], token, "POST",
                               f"/api/v1/events/{event['id']}/run", {})
            assert status == 202, run
            ids.append(run["executionId"])
        for n, execution_id in enumerate(ids):
            for _ in range(4):  # bounded: each wait is at most 30 s
                status, execution = call(conns[n % nodes], token, "GET",
                                         f"/api/v1/executions/{execution_id}?wait=30")
                if execution.get("status") not in ("QUEUED", "RUNNING"):
                    break
            assert execution["status"] == "SUCCEEDED", execution
        return count / (time.perf_counter() - start)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)
        psql(admin_url, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cronium", required=True)
    parser.add_argument("--url", default=os.environ.get("CRONIUM_TEST_POSTGRES"),
                        help="a PostgreSQL superuser URL (default: $CRONIUM_TEST_POSTGRES)")
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    one = measure(args.cronium, args.url, 1, args.count)
    two = measure(args.cronium, args.url, 2, args.count)
    cores = os.cpu_count()
    print(f"ROW\tPostgreSQL: trivial runs through the API, queued to recorded, 1 node "
          f"({WORKERS} workers, no sandbox)\t{one:,.0f} runs/s\t-\t-")
    print(f"ROW\tPostgreSQL: trivial runs through the API, queued to recorded, 2 nodes "
          f"({WORKERS} workers each, same {cores}-core machine)\t{two:,.0f} runs/s "
          f"({100 * two / one:.0f} % of 1 node)\t2 nodes >= 1 node\t{one:,.0f} runs/s (1 node)")


if __name__ == "__main__":
    main()
