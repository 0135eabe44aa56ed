"""A peer of `prefecture_summary --format csv` in Python, for the comparison in BENCHMARKS.md.

    python benches/peers/summary.py --engine polars  DIR   # polars + fastexcel (calamine inside)
    python benches/peers/summary.py --engine pandas  DIR   # pandas + openpyxl

Reads every sheet of every workbook under DIR (a `generate_dataset --national` folder), finds
each report's unit (file name, manifest, collection sheet names, tidy rows) and its
一、本年新收 … 总计 cell, and sums it by prefecture and year — one cell of the summary, where
xxgk places every cell of the three tables, checks the identities and infers blanks. Its time
is a lower bound for a Python pipeline doing xxgk's work. With `--check FILE` (xxgk's CSV) it
compares its sums with xxgk's for that cell and exits 1 on a difference.

Needs: pip install polars fastexcel pandas openpyxl
"""

import argparse
import csv
import os
import re
import sys
import time
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def registry():
    by_code, children = {}, defaultdict(list)
    with open(os.path.join(ROOT, "data", "divisions.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            code = int(row["code"])
            parent = int(row["parent_code"]) if row["parent_code"] else None
            by_code[code] = (row["name"], row["level"], parent)
            if parent:
                children[parent].append(code)
    return by_code, children


def prefecture_of(code, by_code):
    while code in by_code:
        name, level, parent = by_code[code]
        if level == "prefecture":
            return code
        if parent is None:
            return None
        code = parent
    return None


def number(cell):
    if cell is None:
        return 0
    if isinstance(cell, (int, float)):
        return int(cell)
    text = str(cell).strip()
    if text in ("", "—", "-", "/", "无", "－"):
        return 0
    try:
        return int(float(text))
    except ValueError:
        return 0


def new_received_total(rows):
    """The 总计 column's value on the 本年新收 row of one sheet, or None."""
    total_col = None
    for row in rows:
        cells = ["" if c is None else str(c) for c in row]
        if total_col is None and any("总计" == c.strip() for c in cells):
            total_col = max(i for i, c in enumerate(cells) if c.strip() == "总计")
            continue
        if total_col is not None and any("本年新收" in c for c in cells):
            return number(row[total_col]) if total_col < len(row) else 0
    return None


def read_sheets(path, engine):
    """(sheet name, rows) of every sheet."""
    if engine == "polars":
        import fastexcel

        reader = fastexcel.read_excel(path)
        for name in reader.sheet_names:
            df = reader.load_sheet(name, header_row=None).to_polars()
            yield name, df.rows()
    else:
        import pandas as pd

        for name, df in pd.read_excel(path, sheet_name=None, header=None, engine="openpyxl").items():
            yield name, df.astype(object).where(df.notna(), None).values.tolist()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=["polars", "pandas"], default="polars")
    parser.add_argument("--check", help="xxgk's prefecture_summary CSV to compare with")
    parser.add_argument("dir")
    args = parser.parse_args()
    by_code, children = registry()
    names = defaultdict(list)
    for code, (name, level, parent) in by_code.items():
        names[name].append(code)
    manifest = {}
    with open(os.path.join(args.dir, "manifest.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            manifest[os.path.normpath(os.path.join(args.dir, row["path"]))] = (int(row["unit"]), int(row["year"]))
    start = time.perf_counter()
    sums = defaultdict(int)
    reports = 0
    files = sorted(
        os.path.join(d, f) for d, _, fs in os.walk(args.dir) for f in fs if f.endswith(".xlsx")
    )
    for path in files:
        base = os.path.basename(path)[: -len(".xlsx")]
        year = int(re.search(r"(20\d\d)", path).group(1))
        sheets = list(read_sheets(path, args.engine))
        if base.endswith("长表"):
            for _, rows in sheets:
                head = [str(c) for c in rows[0]]
                if "division_code" not in head:
                    continue
                ix = {h: i for i, h in enumerate(head)}
                for row in rows[1:]:
                    if row[ix["item"]] == "new_received" and row[ix["measure"]] == "total":
                        unit = int(float(row[ix["division_code"]]))
                        sums[(prefecture_of(unit, by_code), int(float(row[ix["year"]])))] += number(row[ix["value"]])
                        reports += 1
            continue
        if base.endswith("汇总"):
            # A prefecture's (or a municipality's) collection: one sheet per unit under it.
            # (湖北省省直辖县级行政单位: a province's name before its own; 东莞市: no counties,
            # the city reports itself.)
            named = base.split("-")[0]
            codes = names.get(named, [])
            if not codes:
                for province in [c for c, (n, level, _) in by_code.items() if level == "province"]:
                    pname = by_code[province][0]
                    if named.startswith(pname):
                        codes = [c for c in names.get(named[len(pname) :], []) if by_code[c][2] == province]
            todo = [c for c in codes if by_code[c][1] != "county"]
            under = {by_code[c][0]: c for c in todo}
            while todo:
                code = todo.pop()
                for child in children.get(code, []):
                    under.setdefault(by_code[child][0], child)
                    todo.append(child)
            for name, rows in sheets:
                unit = under.get(name)
                value = new_received_total(rows)
                if unit is not None and value is not None:
                    sums[(prefecture_of(unit, by_code), year)] += value
                    reports += 1
            continue
        if os.path.normpath(path) in manifest:
            unit, year = manifest[os.path.normpath(path)]
        else:
            m = re.search(r"-(\d{6})-", base)
            if not m:
                continue
            unit = int(m.group(1))
        value = None
        for _, rows in sheets:
            value = new_received_total(rows)
            if value is not None:
                break
        if value is not None:
            sums[(prefecture_of(unit, by_code), year)] += value
            reports += 1
    elapsed = time.perf_counter() - start
    print(f"{args.engine}: {len(files)} files, {reports} reports, {len(sums)} prefecture-years in {elapsed:.1f} s", file=sys.stderr)
    if args.check:
        theirs = {}
        with open(args.check, encoding="utf-8") as f:
            for row in csv.DictReader(f):
                if (row["item"], row["measure"]) == ("new_received", "total") and row["value"]:
                    theirs[(int(row["code"]), int(row["year"]))] = int(row["value"])
        mine = {k: v for k, v in sums.items() if k[0] is not None}
        differ = [k for k in theirs if mine.get(k, 0) != theirs[k]]
        print(f"compared with xxgk: {len(theirs)} prefecture-years, {len(differ)} differ", file=sys.stderr)
        for k in differ[:5]:
            print(f"  {k}: peer {mine.get(k)}, xxgk {theirs[k]}", file=sys.stderr)
        return 1 if differ else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
