#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages the lab and the tests run, only those missing. Idempotent.
# Installs only when running as root, or when LAB_INSTALL=1 is set (then through sudo).
set -euo pipefail
say() { echo "[lab] $*" >&2; }

# binary → package that provides it
declare -A pkg=(
  [etcd]=etcd-server
  [etcdctl]=etcd-client
  [prometheus]=prometheus
  [promtool]=prometheus
  [prometheus-alertmanager]=prometheus-alertmanager
  [prometheus-node-exporter]=prometheus-node-exporter
  [redis-server]=redis-server
  [strace]=strace
  [stress-ng]=stress-ng
  [taskset]=util-linux
  [renice]=bsdutils
  [curl]=curl
  [jq]=jq
  [unzip]=unzip
  # a second Prometheus-compatible backend for the tests (test/integration/backends)
  [victoria-metrics]=victoria-metrics
)
missing=()
for bin in "${!pkg[@]}"; do
  command -v "$bin" >/dev/null 2>&1 || missing+=("${pkg[$bin]}")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  say "all lab packages present"
  exit 0
fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
say "missing packages: ${missing[*]}"
if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif [[ "${LAB_INSTALL:-}" == "1" ]]; then
  sudo=(sudo)
else
  say "not root: install them with 'sudo apt-get install -y ${missing[*]}' or re-run with LAB_INSTALL=1"
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Install first from the local package lists; refresh them only when a package is unknown.
if ! "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"; then
  say "apt-get install failed; running apt-get update and retrying"
  "${sudo[@]}" apt-get update
  "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi
# The Debian packages start some of these as system services where systemd runs; the lab runs its own
# copies on private ports and leaves system services alone.
say "installed: ${missing[*]}"
