#!/usr/bin/env bash
# Install the Debian packages the tests use, when they are missing: Chromium (driven by Playwright
# for the browser test), fonts with Arabic-script glyphs (so Dari and Pashto pages render), and
# ffmpeg (ffprobe reads video and audio metadata; ffmpeg gives frames for perceptual hashes), and
# Tesseract with English, Persian (Dari) and Pashto data plus poppler-utils for OCR of scans.
# Needs root or sudo; without either it says what is missing and the browser test skips locally.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v tesseract >/dev/null 2>&1 || need+=(tesseract-ocr)
for lang in eng fas pus; do
  [ -f "/usr/share/tesseract-ocr/5/tessdata/$lang.traineddata" ] || need+=("tesseract-ocr-$lang")
done
fc-list 2>/dev/null | grep -i "Noto Naskh Arabic\|Noto Sans Arabic" >/dev/null || need+=(fonts-noto-core)
ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || need+=(libpango-1.0-0 libpangoft2-1.0-0)  # WeasyPrint (gawah report PDF)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo"; else
  echo "warning: missing Debian packages ${need[*]} and no root: the browser test will be skipped" >&2
  exit 0
fi
echo "installing Debian packages: ${need[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" fontconfig
