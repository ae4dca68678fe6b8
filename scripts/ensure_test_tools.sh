#!/usr/bin/env bash
# The report tests open pages in a real headless Chromium and check PDFs with pdftoppm
# (Debian packages chromium and poppler-utils); the photo-store tests run exiftool over every
# stored photo (libimage-exiftool-perl); the PostgreSQL tests start a throwaway server with
# Debian's postgresql (initdb and pg_ctl live in /usr/lib/postgresql/<version>/bin, not on PATH;
# under root the server runs as `nobody` through runuser). Install them when missing and we can.
# Playwright (pip, the test extra) drives Debian's /usr/bin/chromium: never `playwright install`.
set -u
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
command -v exiftool >/dev/null 2>&1 || missing+=(libimage-exiftool-perl)
command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "test set-up: installing ${missing[*]} (Debian packages)" >&2
  apt-get update -qq >/dev/null 2>&1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 \
    || echo "test set-up: could not install ${missing[*]}; the report browser, photo-store and PostgreSQL tests will fail in CI" >&2
else
  echo "test set-up: ${missing[*]} missing and not root; install them to run the report browser, photo-store and PostgreSQL tests" >&2
fi
exit 0
