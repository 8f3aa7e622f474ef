#!/usr/bin/env bash
# The test command (`npm test`): installs what the tests need on a fresh Debian/Ubuntu machine, then runs
# vitest. The tests start their own services (redis-server, prometheus, alertmanager, etcd) on private
# loopback ports and stop them by pid; nothing is left running, and everything they write goes under
# one temporary folder that is removed when the run ends.
set -euo pipefail
cd "$(dirname "$0")/.."

# The same Debian packages as the lab (etcd, Prometheus, Alertmanager, node_exporter, Redis, strace…).
bash deploy/lab/install.sh

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
trap 'rm -rf "$ETCD_TRIAGE_TEST_TMP"' EXIT
config=()
if [ "${1:-}" = "--e2e" ]; then
  shift
  config=(--config test/e2e/vitest.config.ts)
fi
npx vitest run "${config[@]}" "$@"
