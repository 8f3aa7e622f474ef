#!/usr/bin/env bash
# `npm run demo`: a real 3-member etcd on this machine gets a real fault, Prometheus sees it, and
# etcd-triage diagnoses it. Everything it starts is stopped on exit (Ctrl-C included).
#
#   npm run demo                       slow disk on one follower
#   npm run demo -- --fault network    or: disk | network | expensive | capacity | cpu | none
#
# Needs Debian/Ubuntu, Node >= 20.19, and root (or LAB_INSTALL=1 with sudo) only if packages are missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"

fault=disk
window=5m
while [[ $# -gt 0 ]]; do
  case "$1" in
    --fault) fault="${2:?--fault needs a value}"; shift 2 ;;
    --fault=*) fault="${1#--fault=}"; shift ;;
    --window) window="${2:?}"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done
case "$fault" in disk|network|expensive|capacity|cpu|none) ;; *) echo "--fault must be disk, network, expensive, capacity, cpu or none" >&2; exit 2 ;; esac

step() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }

step "checking Node.js (need >= 20.19)"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("Node "+process.versions.node+" is too old: install Node >= 20.19"); process.exit(1) }' \
  || exit 1
echo "Node $(node --version)" >&2

if [[ ! -d node_modules/tsx ]]; then
  # npm install, not npm ci: see test/run-tests.sh (npm 11 lock files miss other platforms' optional packages).
  step "installing npm dependencies (versions from package-lock.json)"
  npm install --no-audit --no-fund
fi

step "checking system packages (etcd, Prometheus, Alertmanager, node_exporter, Redis, strace, stress-ng)"
bash "$here/install.sh"

lab() { node --import tsx "$here/lab.ts" "$@"; }
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  step "tearing the lab down"
  lab down || echo "lab down failed; see deploy/lab/README.md to clean up by pid files in .lab/run" >&2
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

extra=()
[[ "$fault" == expensive ]] && extra=(--max-request-bytes 2097152)
step "starting the lab: 3 etcd members, Prometheus (1 s scrape), Alertmanager, node_exporter, Redis"
lab up --fresh "${extra[@]}"

step "starting light client traffic (20 writes/s, 10 reads/s)"
lab load --duration 1800

baseline=45
step "recording a healthy baseline for ${baseline} s"
for ((i = baseline; i > 0; i -= 5)); do echo "  baseline: ${i} s left" >&2; sleep 5; done

step "injecting the fault: $fault"
lab fault "$fault" --member follower --duration 600 >/dev/null
cat .lab/conf/fault.json >&2

step "waiting until Prometheus shows it"
lab wait-visible --timeout 240
echo "  letting the fault run 20 s more so the window holds enough of it" >&2
sleep 20

step "asking etcd-triage: why is the lab slow? (window $window)"
LAB_WEBHOOK_TOKEN="${LAB_WEBHOOK_TOKEN:-lab-webhook-token}" \
  npx tsx src/cli/main.ts why-slow lab --config deploy/lab/etcd-triage.lab.yaml --window "$window"
