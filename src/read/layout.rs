//! Which layout a workbook has, whose report each part is, and for which year.
//!
//! 1. One report per workbook (tables on one sheet or several).
//! 2. One report per sheet (a collection workbook: two or more sheets with table 三).
//! 3. A tidy long table (unit, year, item, measure, value).
//!
//! The unit and the year come from, in order: the manifest, the title cells, the sheet name
//! (layout 2), the file name, the folder names. Disagreements are diagnostics.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use foldhash::HashMap;

use super::grid::{Cell, Grid};
use super::locate::{Found, cell_value, locate};
use crate::divisions::{Resolution, registry};
use crate::error::Location;
use crate::normalize::{Context, Label, Lookup, MoneyScale, label};
use crate::report::{CellRef, Diagnostic, DiagnosticKind, Report, TableRead, Value};
use crate::schema::{Item, Key, KeySet, Measure, Severity, Table, Template, Unit, cells};

/// Read the grids of one file as reports. `given` is the manifest's (unit, year).
pub(super) fn reports(
    path: &Path,
    grids: &[Grid],
    given: Option<(&str, Option<i32>)>,
    loose: &mut Vec<Diagnostic>,
) -> Vec<Report> {
    let mut out = Vec::new();
    let mut found: Vec<(usize, Found)> = Vec::new();
    for (i, grid) in grids.iter().enumerate() {
        // xxgk's own sheets (a legend, a coverage table …) are no reports.
        if matches!(grid.get(0, 0), Some(Cell::Text(t)) if t.starts_with(crate::report::MARKER)) {
            continue;
        }
        if let Some(reports) = tidy(path, grid, loose) {
            out.extend(reports);
        } else {
            found.push((i, locate(grid)));
        }
    }
    let with_tables: Vec<&(usize, Found)> = found.iter().filter(|(_, f)| !f.tables.is_empty()).collect();
    if with_tables.is_empty() {
        if out.is_empty() {
            let names: Vec<&str> = grids.iter().map(Grid::name).collect();
            loose.push(Diagnostic {
                severity: Severity::Error,
                kind: DiagnosticKind::NoTable,
                location: Location::file(path),
                message: format!("no table of the national format found (sheets: {})", names.join(", ")),
            });
            // Numbers the sheets did hold are reported by their cells via the table notes.
        }
        return out;
    }
    let per_sheet =
        with_tables.iter().filter(|(_, f)| f.tables.iter().any(|t| t.0 == Table::Applications)).count() >= 2;
    let sheet_names: Vec<String> = grids.iter().map(|g| g.name().to_string()).collect();
    if per_sheet {
        for (i, f) in &with_tables {
            let parts = [(*i, f)];
            let sheet = Some(grids[*i].name());
            if let Some(r) = assemble(path, &sheet_names, &parts, sheet, given, loose) {
                out.push(r);
            }
        }
    } else {
        let parts: Vec<(usize, &Found)> = with_tables.iter().map(|(i, f)| (*i, f)).collect();
        if let Some(r) = assemble(path, &sheet_names, &parts, None, given, loose) {
            out.push(r);
        }
    }
    // Sheets without tables are worth a word only when they hold numbers.
    for (i, f) in &found {
        if f.tables.is_empty() && grids[*i].sorted().any(|(_, c)| matches!(c, Cell::Number(_))) {
            loose.push(Diagnostic {
                severity: Severity::Warning,
                kind: DiagnosticKind::NoTable,
                location: Location::file(path).with_sheet(grids[*i].name()),
                message: "the sheet holds numbers but no table of the national format".into(),
            });
        }
    }
    out
}

/// The folder names above a file, nearest first.
fn folders(path: &Path) -> Vec<String> {
    path.parent()
        .map(|p| p.iter().rev().filter_map(|s| s.to_str()).take(4).map(str::to_string).collect())
        .unwrap_or_default()
}

/// A year named in a text: four digits 1990–2100, preferring one followed by 年; a date's year
/// (`2023-01-20`, `2023/1/20`, `2023年1月20日`: a page's publication date) is not the report's.
pub(super) fn year_in(text: &str) -> Option<i32> {
    let chars: Vec<char> = text.chars().collect();
    let mut any = None;
    let mut i = 0;
    while i + 4 <= chars.len() {
        let window = &chars[i..i + 4];
        let before = i > 0 && chars[i - 1].is_ascii_digit();
        let after = chars.get(i + 4).is_some_and(|c| c.is_ascii_digit());
        if window.iter().all(char::is_ascii_digit) && !before && !after {
            let y: i32 = window.iter().collect::<String>().parse().unwrap_or(0);
            let date = is_date(&chars[i + 4..]);
            if (1990..=2100).contains(&y) && !date {
                if chars.get(i + 4) == Some(&'年') {
                    return Some(y);
                }
                any = any.or(Some(y));
            }
            i += 4;
        } else {
            i += 1;
        }
    }
    any
}

/// Whether the text after a year continues a date: `-01-20`, `/1/20`, `.1.20`, `年1月`.
fn is_date(rest: &[char]) -> bool {
    let digit = |c: &char| c.is_ascii_digit() || ('０'..='９').contains(c);
    let Some((&sep, rest)) = rest.split_first() else { return false };
    let n = rest.iter().take_while(|c| digit(c)).count();
    if n == 0 || n > 2 {
        return false;
    }
    match (sep, rest.get(n)) {
        ('年', Some('月')) => true,
        ('-' | '/' | '.', Some(&next)) => next == sep && rest.get(n + 1).is_some_and(digit),
        _ => false,
    }
}

/// Where a report's unit or year can be read, in the order they are believed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Hint {
    /// A manifest line for the file.
    Manifest,
    /// Text above the first table.
    Title,
    /// The sheet's name.
    SheetName,
    /// The file's name without its extension.
    FileName,
    /// A folder above the file: a weak hint, never in conflict with the others.
    Folder,
}

impl std::fmt::Display for Hint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Hint::Manifest => "manifest",
            Hint::Title => "title",
            Hint::SheetName => "sheet name",
            Hint::FileName => "file name",
            Hint::Folder => "folder",
        })
    }
}

/// A report read from `parts` (sheet index, what was found there): its unit and year told by
/// the manifest or the texts around its tables, then its tables and values.
fn assemble(
    path: &Path,
    sheet_names: &[String],
    parts: &[(usize, &Found)],
    sheet: Option<&str>,
    given: Option<(&str, Option<i32>)>,
    loose: &mut Vec<Diagnostic>,
) -> Option<Report> {
    let file_at = || match sheet {
        Some(s) => Location::file(path).with_sheet(s),
        None => Location::file(path),
    };
    let texts = hint_texts(path, sheet_names, parts, sheet);
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut conflicts = Vec::new();
    let unit = unit_of(&texts, given.map(|g| g.0), &mut conflicts, &mut diagnostics, &file_at);
    let year = year_of(&texts, given.and_then(|g| g.1), &mut conflicts);
    diagnostics.extend(conflicts.into_iter().map(|message| Diagnostic {
        severity: Severity::Warning,
        kind: DiagnosticKind::Conflict,
        location: file_at(),
        message,
    }));
    let (Some(code), Some(year)) = (unit, year) else {
        let mut missing = Vec::new();
        if unit.is_none() {
            missing.push("unit");
        }
        if year.is_none() {
            missing.push("year");
        }
        let kind = if unit.is_none() { DiagnosticKind::Unit } else { DiagnosticKind::Year };
        let values: usize = parts.iter().map(|(_, f)| f.values.len()).sum();
        loose.append(&mut diagnostics);
        loose.push(Diagnostic {
            severity: Severity::Error,
            kind,
            location: file_at(),
            message: format!(
                "cannot tell the {} of this report (not in the title, sheet, file or folder names); its {values} values are not loaded — name it in a manifest",
                missing.join(" or ")
            ),
        });
        return None;
    };
    let mut report = Report { diagnostics, ..unit_year(path, code, year, sheet_names.to_vec()) };
    add_parts(&mut report, parts);
    finish(&mut report);
    Some(report)
}

/// The texts that may name a report's unit and year, in the order they are believed: titles,
/// sheet names (the report's sheet, or every sheet it was read from), the file name, folders.
fn hint_texts(
    path: &Path,
    sheet_names: &[String],
    parts: &[(usize, &Found)],
    sheet: Option<&str>,
) -> Vec<(Hint, String)> {
    let mut texts: Vec<(Hint, String)> = Vec::new();
    for (_, f) in parts {
        texts.extend(f.titles.iter().map(|t| (Hint::Title, t.clone())));
    }
    match sheet {
        Some(s) => texts.push((Hint::SheetName, s.to_string())),
        None => texts.extend(parts.iter().map(|(i, _)| (Hint::SheetName, sheet_names[*i].clone()))),
    }
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("").to_string();
    texts.push((Hint::FileName, stem));
    texts.extend(folders(path).into_iter().map(|f| (Hint::Folder, f)));
    texts
}

/// The unit: the manifest's when it names one, else the first text that names one. Another
/// text naming an unrelated unit is a conflict; a text naming several units, a problem only
/// when no other text tells which.
fn unit_of(
    texts: &[(Hint, String)],
    given: Option<&str>,
    conflicts: &mut Vec<String>,
    diagnostics: &mut Vec<Diagnostic>,
    file_at: &dyn Fn() -> Location,
) -> Option<u32> {
    let hints: Vec<&str> = texts.iter().map(|(_, t)| t.as_str()).collect();
    let mut unit: Option<(u32, Hint)> = None;
    if let Some(u) = given.filter(|u| !u.is_empty()) {
        match registry().resolve(u, &hints) {
            Resolution::Found(code) => unit = Some((code, Hint::Manifest)),
            other => diagnostics.push(unit_problem(file_at(), &format!("manifest unit {u:?}"), &other)),
        }
    }
    let mut ambiguous: Vec<(String, Vec<u32>)> = Vec::new();
    for &(hint, ref text) in texts {
        match named_in(hint, text, &hints) {
            Resolution::Found(code) => match unit {
                None => unit = Some((code, hint)),
                Some((c, by)) if !related(c, code) && hint != Hint::Folder => {
                    conflicts.push(format!(
                        "the {hint} {text:?} names {} but the {by} gives {}",
                        name(code),
                        name(c)
                    ));
                }
                _ => {}
            },
            Resolution::Ambiguous(codes) if hint != Hint::Folder => {
                ambiguous.push((format!("the {hint} {text:?}"), codes));
            }
            _ => {}
        }
    }
    for (what, codes) in ambiguous {
        match unit {
            Some((c, _)) if codes.contains(&c) => {}
            Some((c, by)) => {
                conflicts.push(format!("{what} names none of its units as the {by} does ({})", name(c)))
            }
            None => diagnostics.push(unit_problem(file_at(), &what, &Resolution::Ambiguous(codes))),
        }
    }
    unit.map(|(code, _)| code)
}

/// The year: the manifest's, else the first text's that holds one; another year in a later
/// text (not a folder) is a conflict.
fn year_of(texts: &[(Hint, String)], given: Option<i32>, conflicts: &mut Vec<String>) -> Option<i32> {
    let mut year: Option<(i32, Hint)> = given.map(|y| (y, Hint::Manifest));
    for &(hint, ref text) in texts {
        if let Some(y) = year_in(text) {
            match year {
                None => year = Some((y, hint)),
                Some((have, by)) if have != y && hint != Hint::Folder => {
                    conflicts.push(format!("the {hint} {text:?} says {y} but the {by} gives {have}"));
                }
                _ => {}
            }
        }
    }
    year.map(|(y, _)| y)
}

/// Each part's notes, tables and values into the report: a table or a cell already read from
/// an earlier sheet is not read again (the cell is said); a table laid out in the other
/// template than the report's year is said.
fn add_parts(report: &mut Report, parts: &[(usize, &Found)]) {
    let (template, year) = (report.template, report.year);
    let mut placed = KeySet::default();
    for (sheet_index, f) in parts {
        let sheet_index = *sheet_index as u16;
        let sheet_name = report.sheets[sheet_index as usize].clone();
        let source = report.source.clone();
        let at = |cell: Option<(u32, u32)>| {
            let loc = Location::file(&source).with_sheet(sheet_name.clone());
            match cell {
                Some((r, c)) => loc.with_cell(r, c),
                None => loc,
            }
        };
        for note in &f.notes {
            report.diagnostics.push(Diagnostic {
                severity: note.severity,
                kind: note.kind,
                location: at(note.cell),
                message: note.message.clone(),
            });
        }
        for &(table, detected, (row, col)) in &f.tables {
            let cell = CellRef { sheet: sheet_index, row, col };
            if report.tables.iter().any(|t| t.table == table) {
                continue;
            }
            let shown = detected.unwrap_or(template);
            if shown != template {
                report.diagnostics.push(Diagnostic {
                    severity: Severity::Warning,
                    kind: DiagnosticKind::Conflict,
                    location: at(Some((row, col))),
                    message: format!(
                        "{} is laid out in the {shown} format in a {year} report (the {template} format's year)",
                        table.label()
                    ),
                });
            }
            report.tables.push(TableRead { table, template: shown, cell });
        }
        for v in &f.values {
            if !placed.insert(v.key) {
                report.diagnostics.push(Diagnostic {
                    severity: Severity::Warning,
                    kind: DiagnosticKind::DuplicateCell,
                    location: at(v.cell),
                    message: format!("{} was already read from another sheet; this one is ignored", v.key),
                });
                continue;
            }
            report.values.push(Value {
                key: v.key,
                value: v.value,
                cell: v.cell.map(|(row, col)| CellRef { sheet: sheet_index, row, col }),
                note: v.note.clone(),
            });
        }
    }
}

/// The unit a source names: anywhere in a title by official name or suffixed short form; a
/// sheet, file or folder name may also be a bare short form between separators (`新源-2022`).
fn named_in(hint: Hint, text: &str, hints: &[&str]) -> Resolution {
    // A six-digit division code standing on its own (新源县-654025-2022) names the unit outright.
    let digits: Vec<&str> = text.split(|c: char| !c.is_ascii_digit()).filter(|d| d.len() == 6).collect();
    if let Some(code) =
        digits.iter().filter_map(|d| d.parse::<u32>().ok()).find(|&c| registry().get(c).is_some())
    {
        return Resolution::Found(code);
    }
    let found = registry().find_in(text, hints);
    if found != Resolution::NotFound || hint == Hint::Title {
        return found;
    }
    let is_separator = |c: char| c.is_ascii_digit() || c.is_whitespace() || "-_.()（）年度报告".contains(c);
    text.split(is_separator)
        .filter(|t| t.chars().count() >= 2)
        .map(|t| registry().resolve(t, hints))
        .find(|r| *r != Resolution::NotFound)
        .unwrap_or(Resolution::NotFound)
}

/// Whether one unit contains the other (a county and its prefecture name the same report).
fn related(a: u32, b: u32) -> bool {
    let reg = registry();
    let above = |x: u32, y: u32| {
        [crate::divisions::Level::Prefecture, crate::divisions::Level::Province]
            .iter()
            .any(|&l| reg.ancestor(x, l) == Some(y))
    };
    a == b || above(a, b) || above(b, a)
}

/// A unit-year's report read from `path`, before its tables and values: the year's template,
/// the registry's name.
fn unit_year(path: &Path, code: u32, year: i32, sheets: Vec<String>) -> Report {
    Report {
        division_code: code,
        division_name: name(code),
        year,
        template: Template::for_year(year),
        tables: Vec::new(),
        source: path.to_path_buf(),
        sheets,
        values: Vec::new(),
        diagnostics: Vec::new(),
    }
}

fn name(code: u32) -> String {
    registry().get(code).map_or_else(|| code.to_string(), |d| d.name.clone())
}

fn unit_problem(location: Location, what: &str, r: &Resolution) -> Diagnostic {
    let message = match r {
        Resolution::Ambiguous(codes) => {
            let names: Vec<String> = codes
                .iter()
                .map(|&c| {
                    let parent = registry().get(c).and_then(|d| d.parent).map(name).unwrap_or_default();
                    format!("{c} {}{}", parent, name(c))
                })
                .collect();
            format!("{what} names several units: {}", names.join(", "))
        }
        _ => format!("{what} names no known division"),
    };
    Diagnostic { severity: Severity::Warning, kind: DiagnosticKind::Unit, location, message }
}

/// The per-report checks every layout shares: blanks, negatives, missing rows and tables.
fn finish(report: &mut Report) {
    let mut notes = Vec::new();
    // Blank cells: one note per sheet naming them all (a report may leave a hundred blank).
    let mut blanks: BTreeMap<Option<u16>, Vec<String>> = BTreeMap::new();
    for v in &report.values {
        match v.value {
            None => blanks
                .entry(v.cell.map(|c| c.sheet))
                .or_default()
                .push(v.cell.map_or_else(|| v.key.to_string(), |c| Location::a1(c.row, c.col))),
            Some(x) if x < 0 && v.key.measure.unit() != Unit::SignedCount => notes.push(Diagnostic {
                severity: Severity::Error,
                kind: DiagnosticKind::Negative,
                location: report.location(v.cell),
                message: format!("{} is {x}: a count cannot be negative", v.key),
            }),
            _ => {}
        }
    }
    for (sheet, cells) in blanks {
        let location = match sheet.and_then(|s| report.sheets.get(s as usize)) {
            Some(name) => Location::file(&report.source).with_sheet(name.clone()),
            None => Location::file(&report.source),
        };
        let n = cells.len();
        let message =
            format!("{n} blank cell{} kept blank, not 0: {}", if n == 1 { "" } else { "s" }, cells.join(" "));
        notes.push(Diagnostic { severity: Severity::Info, kind: DiagnosticKind::Blank, location, message });
    }
    let present: KeySet = report.values.iter().map(|v| v.key).collect();
    for &table in Table::ALL {
        let Some(read) = report.tables.iter().find(|t| t.table == table) else {
            notes.push(Diagnostic {
                severity: Severity::Warning,
                kind: DiagnosticKind::NoTable,
                location: Location::file(&report.source),
                message: format!("{} not found", table.label()),
            });
            continue;
        };
        let missing: Vec<String> = cells(read.template)
            .iter()
            .filter(|k| k.table == table && !present.contains(**k))
            .map(|k| format!("{}.{}", k.item, k.measure))
            .collect();
        if !missing.is_empty() {
            let shown: Vec<&str> = missing.iter().take(8).map(String::as_str).collect();
            let more =
                if missing.len() > 8 { format!(" and {} more", missing.len() - 8) } else { String::new() };
            notes.push(Diagnostic {
                severity: Severity::Warning,
                kind: DiagnosticKind::Missing,
                location: report.location(Some(read.cell)),
                message: format!(
                    "{} lacks {} cells of the {} format (absent, not 0): {}{more}",
                    table.label(),
                    missing.len(),
                    read.template,
                    shown.join(", ")
                ),
            });
        }
    }
    report.diagnostics.extend(notes);
}

// ───────────────────────────── tidy tables ─────────────────────────────

const UNIT_HEADERS: &[&str] = &[
    "unit",
    "division_code",
    "division",
    "division_name",
    "单位",
    "地区",
    "区划代码",
    "行政区划代码",
    "名称",
    "单位名称",
];
const YEAR_HEADERS: &[&str] = &["year", "年度", "年份"];
const ITEM_HEADERS: &[&str] = &["item", "key", "项目", "行"];
const MEASURE_HEADERS: &[&str] = &["measure", "列", "栏目", "申请人"];
const VALUE_HEADERS: &[&str] = &["value", "数值", "值", "数量"];
const TABLE_HEADERS: &[&str] = &["table", "表"];

/// A tidy long table: the first row names the columns. `None` when the grid is not one.
fn tidy(path: &Path, grid: &Grid, loose: &mut Vec<Diagnostic>) -> Option<Vec<Report>> {
    let first_row = grid.sorted().next()?.0.0;
    let header: Vec<(u32, String)> = grid
        .sorted()
        .take_while(|(p, _)| p.0 == first_row)
        .filter_map(|(p, c)| match c {
            Cell::Text(t) => Some((p.1, t.trim().to_lowercase())),
            _ => None,
        })
        .collect();
    let find = |names: &[&str]| header.iter().find(|(_, h)| names.contains(&h.as_str())).map(|(c, _)| *c);
    let (unit_c, year_c, item_c, value_c) =
        (find(UNIT_HEADERS)?, find(YEAR_HEADERS)?, find(ITEM_HEADERS)?, find(VALUE_HEADERS)?);
    let measure_c = find(MEASURE_HEADERS);
    let table_c = find(TABLE_HEADERS);
    let sheet = grid.name().to_string();
    let at = |r: u32, c: u32| Location::file(path).with_sheet(sheet.clone()).with_cell(r, c);
    let text = |r: u32, c: u32| -> Cow<'_, str> {
        match grid.get(r, c) {
            Some(Cell::Text(t)) => Cow::Borrowed(t.trim()),
            Some(Cell::Number(f)) => Cow::Owned(number_text(*f)),
            Some(Cell::Other(s)) => Cow::Borrowed(s.as_str()),
            None => Cow::Borrowed(""),
        }
    };
    // Each report, with the keys it has a value of.
    let mut groups: BTreeMap<(u32, i32), (Report, KeySet)> = BTreeMap::new();
    let last_row = grid.sorted().last().map_or(first_row, |c| c.0.0);
    let mut problems = Vec::new();
    // A unit's rows follow one another, and so do a year's: the last of each resolved is kept;
    // the items and measures recur in every unit-year: each pair is read once.
    let mut last_unit: Option<(Cow<'_, str>, u32)> = None;
    let mut last_year: Option<(Cow<'_, str>, i32)> = None;
    let mut keys: HashMap<ItemCell, Option<Key>> = HashMap::default();
    for r in first_row + 1..=last_row {
        let (u, y, it) = (text(r, unit_c), text(r, year_c), text(r, item_c));
        if u.is_empty() && y.is_empty() && it.is_empty() {
            continue;
        }
        let bad = |c: u32, message: String| Diagnostic {
            severity: Severity::Error,
            kind: DiagnosticKind::UnknownLabel,
            location: at(r, c),
            message,
        };
        let code = match &last_unit {
            Some((last, code)) if *last == u => *code,
            _ => match registry().resolve(u.trim_end_matches(".0"), &[]) {
                Resolution::Found(c) => {
                    last_unit = Some((u.clone(), c));
                    c
                }
                other => {
                    problems.push(unit_problem(at(r, unit_c), &format!("unit {u:?}"), &other));
                    continue;
                }
            },
        };
        let year = match &last_year {
            Some((last, year)) if *last == y => *year,
            _ => match year_in(&y) {
                Some(year) => {
                    last_year = Some((y.clone(), year));
                    year
                }
                None => {
                    problems.push(Diagnostic {
                        severity: Severity::Error,
                        kind: DiagnosticKind::Year,
                        location: at(r, year_c),
                        message: format!("{y:?} is not a year"),
                    });
                    continue;
                }
            },
        };
        let table_hint: Option<Table> = table_c.and_then(|c| text(r, c).parse().ok());
        let measure = measure_c.map(|c| text(r, c));
        let key = *keys
            .entry((it.clone(), measure.clone(), table_hint))
            .or_insert_with(|| tidy_key(&it, measure.as_deref(), table_hint));
        let Some(key) = key else {
            problems.push(bad(
                item_c,
                format!("{it:?} is no item of the national format, or its measure is missing"),
            ));
            continue;
        };
        let parsed = cell_value(grid.get(r, value_c), key.measure.unit(), MoneyScale::Yuan);
        let (report, has) = groups
            .entry((code, year))
            .or_insert_with(|| (unit_year(path, code, year, vec![sheet.clone()]), KeySet::default()));
        match parsed {
            Ok(p) if has.insert(key) => report.values.push(Value {
                key,
                value: p.value,
                cell: Some(CellRef { sheet: 0, row: r, col: value_c }),
                note: p.note,
            }),
            Ok(_) => report.diagnostics.push(Diagnostic {
                severity: Severity::Warning,
                kind: DiagnosticKind::DuplicateCell,
                location: at(r, value_c),
                message: format!(
                    "{key} given twice for {} {year}; this row is ignored",
                    report.division_name
                ),
            }),
            Err(e) => report.diagnostics.push(Diagnostic {
                severity: Severity::Error,
                kind: DiagnosticKind::BadValue,
                location: at(r, value_c),
                message: format!("{e} (for {key})"),
            }),
        }
    }
    loose.extend(problems);
    let mut out: Vec<Report> = groups.into_values().map(|(report, _)| report).collect();
    for report in &mut out {
        for &table in Table::ALL {
            let mut keys = report.values.iter().filter(|v| v.key.table == table).map(|v| v.key).peekable();
            if keys.peek().is_none() {
                continue;
            }
            let template = Template::shown_by(keys).unwrap_or(report.template);
            report.tables.push(TableRead {
                table,
                template,
                cell: CellRef { sheet: 0, row: first_row, col: 0 },
            });
        }
        finish(report);
    }
    Some(out)
}

/// A tidy row's item, measure (if the table has the column) and table (if it names one).
type ItemCell<'g> = (Cow<'g, str>, Option<Cow<'g, str>>, Option<Table>);

/// A number's text as `{}` shows it; a whole number (a unit code, a year: every row of a tidy
/// table has two) through the integer formatter, several times cheaper than the float one.
fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 && !(f == 0.0 && f.is_sign_negative()) {
        (f as i64).to_string()
    } else {
        format!("{f}")
    }
}

/// An item cell of a tidy table (a code, a `table.item.measure` key, or a label) and its measure.
fn tidy_key(item: &str, measure: Option<&str>, table: Option<Table>) -> Option<Key> {
    if let Ok(key) = item.parse::<Key>() {
        return Some(key);
    }
    let measure = measure?;
    let item: Item = match item.parse::<Item>() {
        Ok(i) => i,
        Err(_) => {
            let tables: Vec<Table> = table.map_or(Table::ALL.to_vec(), |t| vec![t]);
            let hits: Vec<Item> = tables
                .iter()
                .filter_map(|&t| {
                    let ctx = if t == Table::ReviewLitigation {
                        Context::Column { table: t }
                    } else {
                        Context::Row { table: t, group: None }
                    };
                    match label(item, ctx) {
                        Lookup::Found(Label::Item(i)) => Some(i),
                        _ => None,
                    }
                })
                .collect();
            match hits.as_slice() {
                [i] => *i,
                _ => return None,
            }
        }
    };
    let m: Measure = match measure.parse::<Measure>() {
        Ok(m) => m,
        Err(_) => match label(measure, Context::Column { table: item.table() }) {
            Lookup::Found(Label::Measure(m)) => m,
            _ => return None,
        },
    };
    Some(Key::new(item, m))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tidy sheet's rows, each read on its own whatever was read before it: units and years
    /// alternating, a unit or year that cannot be read on two rows in a row (each said), an
    /// item read once and met again, a cell given twice (the first row kept).
    #[test]
    fn a_tidy_sheets_rows_are_read_each_on_its_own() {
        let rows: &[&[&str]] = &[
            &["unit", "year", "item", "measure", "value"],
            &["新源县", "2022", "applications.new_received.natural_person", "", "3"],
            &["654025", "2022", "new_received", "legal_service_org", "4"],
            &["伊宁县", "2022", "new_received", "natural_person", "5"],
            &["新源县", "2021", "new_received", "natural_person", "6"],
            &["新源县", "2022", "new_received", "natural_person", "7"],
            &["无此县", "2022", "new_received", "natural_person", "8"],
            &["无此县", "2022", "new_received", "natural_person", "9"],
            &["新源县", "二〇二二", "new_received", "natural_person", "10"],
            &["新源县", "二〇二二", "new_received", "natural_person", "11"],
            &["新源县", "2022", "no_such_item", "natural_person", "12"],
            &["新源县", "2022", "no_such_item", "natural_person", "13"],
        ];
        let mut grid = Grid::new("tidy");
        for (r, row) in rows.iter().enumerate() {
            for (c, text) in row.iter().enumerate() {
                grid.set(r as u32, c as u32, Cell::Text(text.to_string()));
            }
        }
        let mut loose = Vec::new();
        let reports = tidy(Path::new("t.xlsx"), &grid, &mut loose).expect("a tidy sheet");
        let value = |code: u32, year: i32, m: Measure| {
            let r = reports.iter().find(|r| (r.division_code, r.year) == (code, year)).expect("report");
            r.get(Key::new(Item::NewReceived, m)).and_then(|v| v.value)
        };
        assert_eq!(reports.len(), 3);
        assert_eq!(value(654025, 2022, Measure::NaturalPerson), Some(3));
        assert_eq!(value(654025, 2022, Measure::LegalServiceOrg), Some(4));
        assert_eq!(value(654021, 2022, Measure::NaturalPerson), Some(5));
        assert_eq!(value(654025, 2021, Measure::NaturalPerson), Some(6));
        let xinyuan = reports.iter().find(|r| (r.division_code, r.year) == (654025, 2022)).expect("report");
        let twice: Vec<u32> = xinyuan
            .diagnostics
            .iter()
            .filter(|d| d.kind == DiagnosticKind::DuplicateCell)
            .filter_map(|d| d.location.cell.map(|c| c.0))
            .collect();
        assert_eq!(twice, [5]);
        let said = |kind: DiagnosticKind| -> Vec<u32> {
            loose.iter().filter(|d| d.kind == kind).filter_map(|d| d.location.cell.map(|c| c.0)).collect()
        };
        assert_eq!(said(DiagnosticKind::Year), [8, 9]);
        let unknown: Vec<u32> = loose
            .iter()
            .filter(|d| d.kind != DiagnosticKind::Year)
            .filter_map(|d| d.location.cell.map(|c| c.0))
            .collect();
        assert_eq!(unknown, [6, 7, 10, 11], "{loose:#?}");
    }

    #[test]
    fn years_in_names() {
        assert_eq!(year_in("新源县2022年政府信息公开工作年度报告"), Some(2022));
        assert_eq!(year_in("新源县-2022"), Some(2022));
        assert_eq!(year_in("654025"), None);
        assert_eq!(year_in("2019-2020年对比，2020年报告"), Some(2020));
        // A publication date is not the report's year; a numbered file is no date.
        assert_eq!(year_in("发布时间：2023-01-20"), None);
        assert_eq!(year_in("发布日期：2023年1月20日 2022年度报告"), Some(2022));
        assert_eq!(year_in("报表2022-01"), Some(2022));
    }

    #[test]
    fn a_number_reads_as_the_float_formatter_shows_it() {
        for f in
            [654025.0, 2022.0, 0.0, -0.0, -3.0, 2.5, 1e15, 1e16, 123456789012345.0, f64::NAN, -f64::INFINITY]
        {
            assert_eq!(number_text(f), format!("{f}"), "{f:?}");
        }
        assert_eq!(number_text(654025.0), "654025");
    }
}
