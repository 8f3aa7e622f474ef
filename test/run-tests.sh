#!/usr/bin/env bash
# The test command (`npm test`): installs what the tests need on a fresh Debian/Ubuntu machine, then runs
# vitest. The tests start their own services (redis-server, prometheus, alertmanager, etcd) on private
# loopback ports and stop them by pid; nothing is left running, and everything they write goes under
# one temporary folder that is removed when the run ends.
set -euo pipefail
cd "$(dirname "$0")/.."

# The same Debian packages as the lab (etcd, Prometheus, Alertmanager, node_exporter, Redis, strace…),
# and what the container image test builds with (buildah, debootstrap).
bash deploy/lab/install.sh
test_debs=()
command -v buildah >/dev/null || test_debs+=(buildah)
command -v debootstrap >/dev/null || test_debs+=(debootstrap)
if [ ${#test_debs[@]} -gt 0 ]; then
  echo "==> installing Debian packages for the image test: ${test_debs[*]}"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${test_debs[@]}" >/dev/null \
    || { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${test_debs[@]}" >/dev/null; }
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # npm ci installs exactly the lock file and never rewrites it.
  echo "==> installing npm packages (npm ci, versions from package-lock.json)"
  npm ci --no-audit --no-fund
fi

echo "==> type check"
npx tsc -p tsconfig.json --noEmit

export NO_COLOR=1
# Every temporary file of the run (services' data, fixture TSDB blocks, configs) lives here.
ETCD_TRIAGE_TEST_TMP="$(mktemp -d "${TMPDIR:-/tmp}/etcd-triage-test-XXXXXX")"
export ETCD_TRIAGE_TEST_TMP
# vitest itself (its transform caches) writes to the system's temporary folder too: keep that inside.
export TMPDIR="$ETCD_TRIAGE_TEST_TMP"
trap 'rm -rf "$ETCD_TRIAGE_TEST_TMP"' EXIT
config=()
if [ "${1:-}" = "--e2e" ]; then
  shift
  config=(--config test/e2e/vitest.config.ts)
fi
npx vitest run "${config[@]}" "$@"
