#!/usr/bin/env bash
# Installs the system programs the end-to-end tests run, from Debian's packages, so that
# `npm ci && npm test` is the whole set-up:
#   chromium      the browser the login tests drive (through playwright-core's executablePath)
#   redis-server  the shared store of the multi-process fleet tests (test/fleet.e2e-spec.ts)
#   haproxy       the load balancer in front of the fleet's replicas
# Idempotent: what is installed is only reported. Missing packages are installed with one
# `apt-get update` and one `apt-get install`, as root or through sudo. Elsewhere (no apt-get,
# no root) it names the packages to install and exits 1; the tests that need them then fail saying so.
set -euo pipefail

# package:program
WANTED=(chromium:/usr/bin/chromium redis-server:/usr/bin/redis-server haproxy:/usr/sbin/haproxy)

missing=()
for entry in "${WANTED[@]}"; do
  package=${entry%%:*}
  program=${entry#*:}
  if [ -x "$program" ]; then
    echo "install-test-system-packages: $package is installed ($program)"
  else
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-test-system-packages: missing ${missing[*]}, and this is not a Debian-like system (no apt-get)." >&2
  echo "install-test-system-packages: install these packages yourself: ${missing[*]}; the tests needing them fail until then." >&2
  exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=(sudo)
else
  echo "install-test-system-packages: missing ${missing[*]}, and installing needs root (no usable sudo)." >&2
  echo "install-test-system-packages: run: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

echo "install-test-system-packages: ${SUDO[*]:+${SUDO[*]} }apt-get update"
"${SUDO[@]}" apt-get update -qq
echo "install-test-system-packages: ${SUDO[*]:+${SUDO[*]} }apt-get install -y --no-install-recommends ${missing[*]}"
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-test-system-packages: installed ${missing[*]}"
