#!/usr/bin/env bash
# Runs every test of a configured build directory: unit tests beside the code and the
# end-to-end tests in tests/ (which start the real binary). Usage: run-tests.sh BUILD_DIR
set -euo pipefail
build_dir="${1:?usage: run-tests.sh BUILD_DIR}"
cd "$build_dir"
export CRONIUM_BINARY="$PWD/src/server/cronium"
# The sandbox tests fail instead of skipping where the sandbox cannot run (CI runs as root).
export CRONIUM_REQUIRE_SANDBOX=1
ctest --output-on-failure --timeout 300 -j "$(nproc)"
