#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL cluster on loopback, then stops it and removes it.
# The command sees CRONIUM_TEST_POSTGRES (a postgresql:// URL of the superuser on that cluster).
# Usage: with-postgres.sh COMMAND [ARGS...]
set -euo pipefail
bin=/usr/lib/postgresql/15/bin
if [[ ! -x "$bin/initdb" ]]; then
  echo "with-postgres: $bin/initdb is missing (scripts/install-deps.sh --test installs it)" >&2
  exit 1
fi
dir="$(mktemp -d /tmp/cronium-pg.XXXXXX)"
as_owner=()
if [[ $(id -u) -eq 0 ]]; then
  # initdb refuses to run as root: the cluster belongs to the postgres user.
  chown postgres "$dir"
  as_owner=(runuser -u postgres --)
fi
port="$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
stop() {
  "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT
"${as_owner[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync -E UTF8 \
  --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
# fsync off: a test cluster does not outlive the run.
"${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o \
  "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
  start >/dev/null || { cat "$dir/log" >&2; exit 1; }
export CRONIUM_TEST_POSTGRES="postgresql://postgres@127.0.0.1:$port/postgres"
"$@"
