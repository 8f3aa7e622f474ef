#!/usr/bin/env bash
# `npm run demo`: a real 3-member etcd on this machine gets a real fault, Prometheus sees it, and
# etcd-triage diagnoses it. Everything it starts is stopped on exit (Ctrl-C included).
#
#   npm run demo                       slow disk on one follower
#   npm run demo -- --fault network    or: disk | network | expensive | capacity | cpu | none
#
# Needs Debian/Ubuntu, Node >= 20.19, and root (or LAB_INSTALL=1 with sudo) only if packages are missing.
# It leaves the checkout and /tmp as it found them: the lab's state (etcd data, Prometheus, logs, pid files)
# and the temporary files of everything it runs live in one temporary folder, removed once the lab is down.
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
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done
case "$fault" in disk|network|expensive|capacity|cpu|none) ;; *) echo "--fault must be disk, network, expensive, capacity, cpu or none" >&2; exit 2 ;; esac

step() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }

# One folder for everything the demo writes, unless LAB_DIR names one: the lab's state, and TMPDIR for every
# process it starts (tsx keeps its compile cache there). It goes when the lab is down; it stays, with the pid
# files needed to stop what is left, when `lab down` fails.
made_dir=
if [[ -z "${LAB_DIR:-}" ]]; then
  LAB_DIR="$(mktemp -d "${TMPDIR:-/tmp}/etcd-triage-demo.XXXXXX")"
  made_dir=$LAB_DIR
fi
export LAB_DIR
mkdir -p "$LAB_DIR/tmp"
export TMPDIR="$LAB_DIR/tmp"

lab() { node --import tsx "$here/lab.ts" "$@"; }
lab_started=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  local down_ok=1
  if [[ -n "$lab_started" ]]; then
    step "tearing the lab down"
    lab down || { down_ok=; echo "lab down failed; stop what is left by the pid files in $LAB_DIR/run (see deploy/lab/README.md)" >&2; }
  fi
  if [[ -n "$made_dir" && -n "$down_ok" ]]; then rm -rf -- "$made_dir"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "checking Node.js (need >= 20.19)"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("Node "+process.versions.node+" is too old: install Node >= 20.19"); process.exit(1) }' \
  || exit 1
echo "Node $(node --version)" >&2

if [[ ! -d node_modules/tsx ]]; then
  # npm install, not npm ci: see test/run-tests.sh (npm 11 lock files miss other platforms' optional packages).
  # --no-save: the versions come from package-lock.json, which is read and never rewritten.
  step "installing npm dependencies (versions from package-lock.json)"
  npm install --no-save --no-audit --no-fund
fi

step "checking system packages (etcd, Prometheus, Alertmanager, node_exporter, Redis, strace, stress-ng)"
bash "$here/install.sh"

extra=()
[[ "$fault" == expensive ]] && extra=(--max-request-bytes 2097152)
step "starting the lab: 3 etcd members, Prometheus (1 s scrape), Alertmanager, node_exporter, Redis (state in $LAB_DIR)"
lab_started=1
lab up --fresh "${extra[@]}"

step "starting light client traffic (20 writes/s, 10 reads/s)"
lab load --duration 1800

baseline=45
step "recording a healthy baseline for ${baseline} s"
for ((i = baseline; i > 0; i -= 5)); do echo "  baseline: ${i} s left" >&2; sleep 5; done

step "injecting the fault: $fault"
lab fault "$fault" --member follower --duration 600 >/dev/null
cat "$LAB_DIR/conf/fault.json" >&2

step "waiting until Prometheus shows it"
lab wait-visible --timeout 240
echo "  letting the fault run 20 s more so the window holds enough of it" >&2
sleep 20

step "asking etcd-triage: why is the lab slow? (window $window)"
# The lab's config reads the members' logs under .lab/ and Prometheus on the default ports; this lab keeps
# its logs in $LAB_DIR and its ports follow LAB_PORT_BASE.
prometheus_port=$(( ${LAB_PORT_BASE:-32000} + 90 ))
sed -e "s#path: \.lab/#path: $LAB_DIR/#" -e "s#http://127.0.0.1:32090#http://127.0.0.1:$prometheus_port#" \
  deploy/lab/etcd-triage.lab.yaml > "$LAB_DIR/conf/etcd-triage.yaml"
ask() {
  LAB_WEBHOOK_TOKEN="${LAB_WEBHOOK_TOKEN:-lab-webhook-token}" \
    npx etcd-triage why-slow lab --config "$LAB_DIR/conf/etcd-triage.yaml" --window "$window"
}
# In its first minutes a slow disk and a member starved of CPU can look alike (slow fsyncs), and the
# verdict says so; as the fault goes on the evidence tells them apart. Ask again until it does (at most
# 3 min). The verdict is the headline: a second finding that cannot tell yet does not hold it back.
answer=$(ask) || { printf '%s\n' "$answer"; exit 1; }
printf '%s\n' "$answer"
for ((again = 0; again < 6; again++)); do
  head -n 1 <<<"$answer" | grep -q 'not yet distinguishable' || break
  step "the verdict cannot tell yet: asking again in 30 s, as the fault goes on"
  sleep 30
  answer=$(ask) || { printf '%s\n' "$answer"; exit 1; }
  printf '%s\n' "$answer"
done
