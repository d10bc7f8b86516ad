#!/usr/bin/env bash
# Make sure the Debian packages a profile needs are installed.
#
#   scripts/ensure-system-packages.sh run    # what `make run` needs (WeasyPrint's libraries)
#   scripts/ensure-system-packages.sh test   # plus PostgreSQL 15, Chromium, pdftotext, fonts
#
# Fast and quiet when everything is present: one dpkg-query per package and no apt at all.
# Only when something is missing does it run `apt-get update` and install just the missing
# packages. Needs root (or sudo) in that case only.
set -euo pipefail

# WeasyPrint: Pango and HarfBuzz; libharfbuzz-subset0, without which every import of
# weasyprint warns (an error under -W error) and PDFs come out ~10% slower.
run_packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0)
# Tests: a throwaway PostgreSQL 15 cluster (scripts/with-postgres.sh), Debian's Chromium
# driven by Playwright, pdftotext to read generated PDFs, DejaVu for deterministic PDF fonts,
# LibreOffice Calc (headless) to prove the exported workbooks open in a real spreadsheet.
test_packages=("${run_packages[@]}" postgresql-15 chromium poppler-utils fonts-dejavu-core libreoffice-calc-nogui)

case "${1:-}" in
  run) wanted=("${run_packages[@]}") ;;
  test) wanted=("${test_packages[@]}") ;;
  *)
    echo "usage: $0 run|test" >&2
    exit 2
    ;;
esac

missing_packages() {
  local package status
  for package in "$@"; do
    status="$(dpkg-query -W -f='${db:Status-Abbrev}' "$package" 2>/dev/null || true)"
    # "ii " is installed; anything else (absent, half-configured, removed) needs an install.
    if [[ "$status" != ii* ]]; then
      echo "$package"
    fi
  done
}

mapfile -t missing < <(missing_packages "${wanted[@]}")
# The browser tests load axe-core from the npm registry. The machine's Node.js usually brings its
# own npm (not a Debian package), so ask for the command, and install Debian's only without it.
if [[ "${1}" == test ]] && ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "ensure-system-packages: installing ${missing[*]}" >&2
as_root=()
if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo --preserve-env=DEBIAN_FRONTEND)
  else
    echo "ensure-system-packages: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"

mapfile -t still_missing < <(missing_packages "${wanted[@]}")
if [[ "${1}" == test ]] && ! command -v npm >/dev/null 2>&1; then
  still_missing+=(npm)
fi
if [[ ${#still_missing[@]} -ne 0 ]]; then
  echo "ensure-system-packages: still not installed: ${still_missing[*]}" >&2
  exit 1
fi
