#!/usr/bin/env bash
# Idempotent: install Debian's chromium (headless browser tests, benchmark, screenshots, PDF fallback)
# and a CJK font (so Chinese names render in screenshots and PDFs) only when they are missing.
# Never downloads a browser build of its own: Debian's package is the only browser used.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk" || need+=(fonts-wqy-microhei)
if [ ${#need[@]} -eq 0 ]; then
  echo "chromium and CJK font present: $(/usr/bin/chromium --version 2>/dev/null)"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing ${need[*]} (Debian packages)"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
/usr/bin/chromium --version
