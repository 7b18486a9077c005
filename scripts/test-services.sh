#!/usr/bin/env bash
# The real services the tests use, on a fresh Debian machine: a Docker engine (started here, as nothing
# starts on boot), a local busybox image for the sandbox tests, and Chromium with ChromeDriver.
# Idempotent: what is installed or running already is left as it is.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
PACKAGES=(docker.io busybox-static chromium chromium-driver file)
missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  $SUDO sh -c 'nohup /usr/sbin/dockerd >/tmp/agentor-dockerd.log 2>&1 &'
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { echo "dockerd did not start; see /tmp/agentor-dockerd.log" >&2; exit 1; }
fi

bash scripts/build-sandbox-image.sh agentor/busybox:1
