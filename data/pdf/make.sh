#!/usr/bin/env bash
# Make the PDF fixtures from the page generate_dataset writes (data/pdf/霍城县-2022.html):
# Chromium prints it (embedded subset CID fonts, Identity-H with ToUnicode maps, as WPS and Word
# exports have), pdftotext extracts its plain text and its words with positions. Run from the
# repository root; needs chromium and poppler-utils. The outputs are committed: tests never run this.
set -euo pipefail
cd "$(dirname "$0")"
chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer \
    --print-to-pdf=霍城县-2022.pdf "file://$PWD/霍城县-2022.html"
pdftotext 霍城县-2022.pdf 霍城县-2022.txt
pdftotext -bbox-layout 霍城县-2022.pdf 霍城县-2022-bbox.html
cp 霍城县-2022.pdf ../published/
