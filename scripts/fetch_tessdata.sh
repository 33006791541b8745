#!/usr/bin/env bash
# Fetch Vietnamese Tesseract data from the npm registry by package name (@tesseract.js-data/vie).
# Measured with bench/ocr.py, Debian's script model "Vietnamese" reads our scans best, so ingest.ocr
# prefers it (from this folder, where it is copied, or from the Debian data); the npm best_int "vie"
# stays available with CONGVAN_OCR_LANG=vie. Without this folder ingest.ocr uses the Debian data.
# Usage: scripts/fetch_tessdata.sh [DEST] [VARIANT]
#   DEST    defaults to <repo>/var/tessdata (what ingest.ocr looks for; override with CONGVAN_TESSDATA)
#   VARIANT 4.0.0_best_int (default) or 4.0.0
# Idempotent: does nothing when DEST/vie.traineddata already exists.
# The Debian data (osd, eng, script Vietnamese, configs for tsv/pdf output, pdf.ttf) is copied beside it:
# with --tessdata-dir Tesseract looks for everything in that one folder.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
dest="${1:-${CONGVAN_TESSDATA:-$here/var/tessdata}}"
variant="${2:-4.0.0_best_int}"
pkg_version="${TESSDATA_NPM_VERSION:-1.0.0}"
mkdir -p "$dest"
if [ ! -s "$dest/vie.traineddata" ]; then
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    (cd "$tmp" && npm pack --silent "@tesseract.js-data/vie@$pkg_version" >/dev/null)
    tar -xzf "$tmp"/*.tgz -C "$tmp"
    gunzip -c "$tmp/package/$variant/vie.traineddata.gz" > "$dest/vie.traineddata.part"
    mv "$dest/vie.traineddata.part" "$dest/vie.traineddata"
    echo "vie.traineddata ($variant) -> $dest"
fi
debian="$(ls -d /usr/share/tesseract-ocr/*/tessdata 2>/dev/null | head -1 || true)"
for extra in osd.traineddata eng.traineddata Vietnamese.traineddata script pdf.ttf configs tessconfigs; do
    if [ ! -e "$dest/$extra" ] && [ -n "$debian" ] && [ -e "$debian/$extra" ]; then
        cp -r "$debian/$extra" "$dest/$extra"
    fi
done
