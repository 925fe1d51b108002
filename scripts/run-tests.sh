#!/usr/bin/env bash
# Runs every test of a configured build directory: unit tests beside the code and the
# end-to-end tests in tests/ (which start the real binary). Usage: run-tests.sh BUILD_DIR
set -euo pipefail
build_dir="${1:?usage: run-tests.sh BUILD_DIR}"
scripts="$(cd "$(dirname "$0")" && pwd)"
cd "$build_dir"
export CRONIUM_BINARY="$PWD/src/server/cronium"
# The sandbox tests fail instead of skipping where the sandbox cannot run (CI runs as root).
export CRONIUM_REQUIRE_SANDBOX=1
# The PostgreSQL tests run against a throwaway cluster started for this run (and fail, rather
# than skip, without one).
export CRONIUM_REQUIRE_POSTGRES=1
exec bash "$scripts/with-postgres.sh" \
  ctest --output-on-failure --timeout 300 -j "$(nproc)"
