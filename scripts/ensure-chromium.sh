#!/usr/bin/env bash
# Make sure Debian's chromium is installed (what the browser tests of `make test` drive through Playwright).
# Installs the `chromium` package when /usr/bin/chromium is missing; never downloads a browser otherwise.
set -euo pipefail
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

if [ ! -x /usr/bin/chromium ]; then
  echo "installing chromium from Debian"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q chromium
fi
/usr/bin/chromium --version
