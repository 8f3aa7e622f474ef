#!/usr/bin/env bash
# The test command (`npm test`): installs what the tests need on a fresh Debian/Ubuntu machine, then runs
# vitest. The tests start their own services (redis-server, prometheus, alertmanager, etcd) on private
# loopback ports and stop them by pid; nothing is left running.
set -euo pipefail
cd "$(dirname "$0")/.."

need_debs=()
command -v redis-server >/dev/null || need_debs+=(redis-server)
command -v prometheus >/dev/null || need_debs+=(prometheus)
command -v promtool >/dev/null || need_debs+=(prometheus)
command -v prometheus-alertmanager >/dev/null || need_debs+=(prometheus-alertmanager)
command -v etcd >/dev/null || need_debs+=(etcd-server)
command -v etcdctl >/dev/null || need_debs+=(etcd-client)
command -v jq >/dev/null || need_debs+=(jq)
if [ ${#need_debs[@]} -gt 0 ]; then
  echo "==> installing Debian packages: ${need_debs[*]}"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_debs[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # npm install, not npm ci: npm 11 leaves other platforms' optional packages (msgpackr-extract-*) out of
  # the lock file and then refuses `npm ci`; install still follows the locked versions.
  echo "==> installing npm packages (npm install, versions from package-lock.json)"
  npm install --no-audit --no-fund
fi

echo "==> type check"
npx tsc -p tsconfig.json --noEmit

export NO_COLOR=1
if [ "${1:-}" = "--e2e" ]; then
  shift
  exec npx vitest run --config test/e2e/vitest.config.ts "$@"
fi
exec npx vitest run "$@"
