#!/usr/bin/env bash
# Installs the Debian packages the suite runs on (the stand-in builds a virtualenv per Flask bundle
# with python3-venv and pip and runs Flask under gunicorn, Plumber under R; R's rsconnect is the
# real client the stand-in is tested with; reports are tested in Chromium; wrk is used by the
# engine benchmark; openssl makes the throwaway certificates of the TLS tests and the corpus bench).
# Idempotent: does nothing when every package is already installed. Needs root (or sudo).
set -euo pipefail

packages=(python3-flask python3-venv python3-pip gunicorn r-cran-plumber r-cran-jsonlite r-cran-rsconnect chromium wrk jq openssl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present (${packages[*]})"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Missing system packages: ${missing[*]}. This script knows Debian/Ubuntu (apt-get) only;" >&2
  echo "install the equivalents yourself (see README: System requirements)." >&2
  exit 1
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "system packages: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
