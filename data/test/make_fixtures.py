"""Write data/test/新源县-2022.xls and .ods: the real workbook's cells in the two other formats.

Reads data/real/新源县-2022.xlsx (cells and merged ranges, straight from its XML) and writes the
same grid with xlwt 1.3.0 (BIFF8 .xls, merges kept) and odfpy 1.4.1 (.ods; calamine reads no
merges from ods). Run from the repository root: python3 data/test/make_fixtures.py
"""
import re
import zipfile
import xml.etree.ElementTree as ET

import xlwt
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableRow, TableCell, CoveredTableCell
from odf.text import P

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
SRC = "data/real/新源县-2022.xlsx"


def col_index(ref):
    letters = re.match(r"[A-Z]+", ref).group(0)
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1, int(ref[len(letters):]) - 1


with zipfile.ZipFile(SRC) as z:
    strings = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS):
            strings.append("".join(t.text or "" for t in si.iter("{%s}t" % NS["m"])))
    sheet = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
cells = {}
for c in sheet.iter("{%s}c" % NS["m"]):
    col, row = col_index(c.get("r"))
    v = c.find("m:v", NS)
    if v is None:
        continue
    cells[(row, col)] = strings[int(v.text)] if c.get("t") == "s" else float(v.text)
merges = []
for m in sheet.iter("{%s}mergeCell" % NS["m"]):
    a, b = m.get("ref").split(":")
    (c1, r1), (c2, r2) = col_index(a), col_index(b)
    merges.append((r1, c1, r2, c2))

book = xlwt.Workbook(encoding="utf-8")
ws = book.add_sheet("Sheet1")
anchors = {(r1, c1): (r2, c2) for r1, c1, r2, c2 in merges}
for (r, c), v in sorted(cells.items()):
    if (r, c) in anchors:
        r2, c2 = anchors[(r, c)]
        ws.write_merge(r, r2, c, c2, v)
    else:
        ws.write(r, c, v)
book.save("data/test/新源县-2022.xls")

doc = OpenDocumentSpreadsheet()
table = Table(name="Sheet1")
rows = max(r for r, _ in cells) + 1
cols = max(c for _, c in cells) + 1
for r in range(rows):
    tr = TableRow()
    for c in range(cols):
        v = cells.get((r, c))
        if v is None:
            tr.addElement(TableCell())
        elif isinstance(v, float):
            cell = TableCell(valuetype="float", value=v)
            cell.addElement(P(text=repr(v)))
            tr.addElement(cell)
        else:
            cell = TableCell(valuetype="string")
            cell.addElement(P(text=v))
            tr.addElement(cell)
    table.addElement(tr)
doc.spreadsheet.addElement(table)
doc.save("data/test/新源县-2022.ods")
print(len(cells), "cells,", len(merges), "merges")
