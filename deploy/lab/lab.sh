#!/usr/bin/env bash
# Entry point of the local etcd lab. See deploy/lab/README.md.
#   deploy/lab/lab.sh install            install missing Debian packages (root, or LAB_INSTALL=1 with sudo)
#   deploy/lab/lab.sh up|down|status|load|fault|record|signals ...   (deploy/lab/lab.ts)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
if [[ "${1:-}" == "install" ]]; then
  exec bash "$here/install.sh"
fi
cd "$repo"
if [[ ! -d node_modules/tsx ]]; then
  echo "[lab] node_modules missing: running npm install (versions from package-lock.json)" >&2
  npm install --no-save --no-audit --no-fund   # package-lock.json is read, never rewritten
fi
exec node --import tsx "$here/lab.ts" "$@"
