#!/bin/sh
# The browser for the UI's tests: Debian's chromium, driven by Playwright for Python
# (`playwright install` downloads a browser build of its own, which cannot be fetched here).
# Installs the package once; later runs find it in a fraction of a second.
set -eu
CHROMIUM_BIN=${CHROMIUM_BIN:-/usr/bin/chromium}
if [ -x "$CHROMIUM_BIN" ]; then
    exit 0
fi
echo "Installing Debian's chromium for the browser tests..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
test -x "$CHROMIUM_BIN"
