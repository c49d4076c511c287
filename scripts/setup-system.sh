#!/usr/bin/env bash
# Installs the Debian packages the suite runs on (the stand-in builds a virtualenv per Flask bundle
# with python3-venv and pip and runs Flask under gunicorn, Plumber under R; R's rsconnect is the
# real client the stand-in is tested with; reports are tested in Chromium; wrk is used by the
# engine benchmark; openssl makes the throwaway certificates of the TLS tests and the corpus bench;
# prometheus, prometheus-node-exporter and influxdb are the real servers the monitoring tests start on
# free loopback ports with their own temporary data directories).
# The Debian packages of those three servers enable and start a system service on install (ports
# 9090, 9100, 8086); the tests never use them, so installing them here does not leave them running:
# a policy-rc.d refuses service starts during the install, and the services are then disabled.
# Idempotent: does nothing when every package is already installed. Needs root (or sudo).
set -euo pipefail

packages=(python3-flask python3-venv python3-pip gunicorn r-cran-plumber r-cran-jsonlite r-cran-rsconnect chromium wrk jq openssl
  prometheus prometheus-node-exporter influxdb)
services=(prometheus prometheus-node-exporter influxdb)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done

# Stops and disables the servers' system services (harmless when they are absent or not running).
quiet_services() {
  local s
  for s in "${services[@]}"; do
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
      $sudo systemctl disable --now "$s" >/dev/null 2>&1 || true
    else
      $sudo service "$s" stop >/dev/null 2>&1 || true
      command -v update-rc.d >/dev/null 2>&1 && { $sudo update-rc.d "$s" disable >/dev/null 2>&1 || true; }
    fi
  done
}

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present (${packages[*]})"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Missing system packages: ${missing[*]}. This script knows Debian/Ubuntu (apt-get) only;" >&2
  echo "install the equivalents yourself (see README: System requirements)." >&2
  exit 1
fi

echo "system packages: installing ${missing[*]}"
$sudo apt-get update -qq
# policy-rc.d exit 101 = "action forbidden": maintainer scripts do not start services during this
# install (Debian's invoke-rc.d policy interface). A policy-rc.d already in place is kept as it was.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod 755 "$policy"
  own_policy=1
fi
status=0
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" || status=$?
[ "$own_policy" -eq 0 ] || $sudo rm -f "$policy"
[ "$status" -eq 0 ] || exit "$status"
quiet_services
