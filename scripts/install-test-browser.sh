#!/usr/bin/env bash
# Installs the browser the end-to-end tests drive (Debian's headless Chromium, through
# playwright-core's executablePath), so that `npm ci && npm test` is the whole set-up.
# Idempotent: when /usr/bin/chromium exists it only says so. Needs root (or sudo) otherwise.
set -euo pipefail

BROWSER=/usr/bin/chromium

if [ -x "$BROWSER" ]; then
  echo "install-test-browser: $BROWSER is installed ($("$BROWSER" --version 2>/dev/null || echo 'version unknown'))"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-test-browser: $BROWSER is missing and this is not a Debian-like system (no apt-get);" >&2
  echo "install Chromium yourself; the browser tests will fail until then." >&2
  exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  echo "install-test-browser: $BROWSER is missing and installing it needs root (no sudo found)." >&2
  exit 1
fi

echo "install-test-browser: $BROWSER is missing; installing Debian's chromium package"
echo "install-test-browser: ${SUDO[*]:+${SUDO[*]} }apt-get update"
"${SUDO[@]}" apt-get update -qq
echo "install-test-browser: ${SUDO[*]:+${SUDO[*]} }apt-get install -y --no-install-recommends chromium"
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends chromium
echo "install-test-browser: installed $("$BROWSER" --version 2>/dev/null || echo "$BROWSER")"
