#!/usr/bin/env bash
# Make sure a Chromium for the browser tests is on PATH (Debian's package: Playwright's own browser
# download cannot reach its host from here). Installs it when root; otherwise says how.
set -euo pipefail

if command -v chromium >/dev/null 2>&1 || [ -x "${GPFED_CHROMIUM:-}" ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: installing Debian's chromium for the browser tests" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  command -v chromium >/dev/null 2>&1 && exit 0
  echo "ensure-chromium: apt-get installed chromium but it is not on PATH" >&2
  exit 1
fi
echo "ensure-chromium: no 'chromium' on PATH; the browser tests need it." >&2
echo "  Install it with: sudo apt-get update && sudo apt-get install -y chromium" >&2
echo "  (or point GPFED_CHROMIUM at a Chromium executable)." >&2
# Under CI a missing browser must fail the run; elsewhere the browser tests skip with this reason.
if [ "${CI:-}" = "true" ]; then
  exit 1
fi
exit 0
