#!/usr/bin/env bash
# Installs every Debian package that building, running and testing Cronium needs.
# Idempotent and fast when everything is already present (one dpkg query, no apt calls).
set -euo pipefail

BUILD_PKGS=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libboost-system1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  nlohmann-json3-dev libfmt-dev libspdlog-dev libsqlite3-dev libpq-dev libsodium-dev libyaml-dev
  libseccomp-dev libcap-dev libcurl4-openssl-dev libssh-dev libhowardhinnant-date-dev
  libcli11-dev libexpected-dev googletest libgmock-dev libgtest-dev libbenchmark-dev tzdata
  zlib1g-dev libbrotli-dev
)
RUN_PKGS=(bash python3 nodejs curl jq procps)
# strace: the sandbox tests check that ptrace is refused; postgresql-15: a throwaway cluster
# for the PostgreSQL tests (scripts/with-postgres.sh); chromium: the web UI's browser tests
# (Playwright drives Debian's Chromium; it never downloads a browser of its own).
TEST_PKGS=(wrk sqlite3 strace postgresql-15 chromium)

want=("${BUILD_PKGS[@]}" "${RUN_PKGS[@]}")
if [[ "${1:-}" == "--test" || "${1:-}" == "--bench" ]]; then want+=("${TEST_PKGS[@]}"); fi

missing=()
for pkg in "${want[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
# nodejs may come from outside Debian's package (a node already on PATH is fine).
if [[ " ${missing[*]} " == *" nodejs "* ]] && [[ -x /usr/bin/node ]]; then
  missing=("${missing[@]/nodejs}")
fi
read -r -a missing <<< "${missing[*]}"
if ((${#missing[@]} == 0)); then exit 0; fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
