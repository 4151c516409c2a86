#!/usr/bin/env bash
# Installs Debian's Chromium for the playground's e2e tests (playwright-core drives
# /usr/bin/chromium; Playwright's own browser download does not work on these machines).
set -euo pipefail

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  echo "chromium: found $CHROMIUM ($("$CHROMIUM" --version 2>/dev/null || echo 'version unknown'))"
  exit 0
fi

fail() {
  echo "install-chromium: ERROR: $*" >&2
  echo "install-chromium: the e2e tests need Chromium at $CHROMIUM (Debian package 'chromium')." >&2
  echo "install-chromium: install it by hand with 'sudo apt-get install -y chromium', or set CHROMIUM_PATH to a Chromium binary." >&2
  exit 1
}

command -v apt-get >/dev/null 2>&1 || fail "apt-get is not available (not a Debian/Ubuntu system)"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || fail "not root and sudo is not available"
  SUDO="sudo"
fi

echo "chromium: not found at $CHROMIUM, installing the Debian package…"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q || fail "apt-get update failed"
$SUDO apt-get install -y -q chromium || fail "apt-get install chromium failed"
[ -x "$CHROMIUM" ] || fail "the package installed, but $CHROMIUM is still missing"
echo "chromium: installed $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
