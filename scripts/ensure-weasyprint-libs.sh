#!/usr/bin/env bash
# Make sure the system libraries the PDF reports need are installed: Pango (WeasyPrint renders the
# brief and the area anatomy to PDF with it), DejaVu fonts (the reports' typeface) and poppler-utils
# (`pdftoppm`, with which the tests turn a PDF page into a PNG). Idempotent: installs only what is missing.
set -euo pipefail
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing ${missing[*]} from Debian"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
fi
command -v pdftoppm >/dev/null
pdftoppm -v 2>&1 | sed -n 1p  # sed reads all of it: `head` could end the pipe early (SIGPIPE under pipefail)
