"""Hostile files for xxgk's reliability test and README figures (python3 make.py; LibreOffice
for the .xls). Each is small on disk; read naively, each costs gigabytes or minutes."""
import os, shutil, subprocess, tempfile, zipfile

here = os.path.dirname(os.path.abspath(__file__))
data = os.path.dirname(here)
out = lambda name: os.path.join(here, name)

# Good reports beside the hostile ones: they must still load.
shutil.copy(os.path.join(data, "real", "新源县-2022.xlsx"), out("新源县-2022.xlsx"))
shutil.copy(os.path.join(data, "published", "伊宁县-2022.html"), out("伊宁县-2022.html"))

# 1. A zip bomb: a sheet part that inflates to 600 MB from well under 1 MB.
with zipfile.ZipFile(out("bomb.xlsx"), "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
    with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
        block = b"<c/>" * (1 << 18)
        for _ in range(600):
            f.write(block)

# 2. An xlsx whose sheet claims every cell of the grid: A1 and XFD1048576.
sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
         '<dimension ref="A1:XFD1048576"/><sheetData>'
         '<row r="1"><c r="A1"><v>1</v></c></row>'
         '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
         '</sheetData></worksheet>')
with zipfile.ZipFile(out("whole-grid.xlsx"), "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
    z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    z.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
    z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
    z.writestr("xl/worksheets/sheet1.xml", sheet)

# 3. An ods whose one row is repeated 9,000 times and whose one cell 11,000 times.
content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
           'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
           'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
           '<office:body><office:spreadsheet><table:table table:name="Sheet1">'
           '<table:table-row table:number-rows-repeated="9000">'
           '<table:table-cell table:number-columns-repeated="11000" office:value-type="float" office:value="1"/>'
           '</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>')
with zipfile.ZipFile(out("repeated.ods"), "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
    z.writestr("content.xml", content)
    z.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
               'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
               '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
               '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
               '</manifest:manifest>')

# 4. An xls with one cell at A1 and one at row 65,536, column 65,536 (BIFF8 keeps columns in 16
#    bits): LibreOffice writes A1 and IV65536, then the far cell's column is patched, and the
#    sheet's declared dimensions made to lie.
with tempfile.TemporaryDirectory() as tmp:
    csv = os.path.join(tmp, "corner.csv")
    with open(csv, "w") as f:
        f.write("1" + "," * 255 + "\n" + "\n" * 65534 + "," * 255 + "2\n")
    subprocess.run(["soffice", "--headless", "--convert-to", "xls", "--outdir", tmp, csv],
                   check=True, capture_output=True)
    xls = bytearray(open(os.path.join(tmp, "corner.xls"), "rb").read())
# A NUMBER (0x0203) or RK (0x027E) record at row 65535, column 255.
for typ in (b"\x03\x02", b"\x7e\x02"):
    at = xls.find(typ + (b"\x0e\x00" if typ == b"\x03\x02" else b"\x0a\x00") + b"\xff\xff\xff\x00")
    if at >= 0:
        xls[at + 6:at + 8] = b"\xff\xff"
        break
else:
    raise SystemExit("the far cell's record was not found")
# Its declared dimensions patched to a lie (2 × 2), so only the cells' own positions tell.
at = xls.find(b"\x00\x02\x0e\x00")
if at < 0:
    raise SystemExit("no DIMENSIONS record")
xls[at + 4:at + 16] = (0).to_bytes(4, "little") + (2).to_bytes(4, "little") + (0).to_bytes(2, "little") + (2).to_bytes(2, "little")
open(out("far-corner.xls"), "wb").write(bytes(xls))

# 5. A page nesting 100,000 <div>s around its table.
page = open(os.path.join(data, "html", "奎屯市-2022-utf8.html"), encoding="utf-8").read()
at = page.index("<table")
open(out("nested-奎屯市-2022.html"), "w", encoding="utf-8").write(page[:at] + "<div>" * 100_000 + page[at:])

# 6. Malformed PDFs: one cut short, one that makes pdf_oxide panic.
for name in ("truncated.pdf", "panics-pdf_oxide.pdf"):
    shutil.copy(os.path.join(data, "pdf", "bad", name), out(name))
