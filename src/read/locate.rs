//! Find the national tables in a grid by their labels and place every number in the schema.
//!
//! Works on [`Grid`] only: cell values and merged regions, whatever produced them.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::cell::RefCell;

use super::grid::{Cell, Grid};
use crate::normalize::{self, Context, Header, Label, Lookup, MoneyScale, Parsed, ValueError, label};
use crate::report::DiagnosticKind;
use crate::schema::{Item, Key, Measure, Severity, Table, Template, Unit, measures_of};

/// A number (or blank) placed in the schema, with its cell.
#[derive(Clone, Debug)]
pub(super) struct Placed {
    pub key: Key,
    pub value: Option<i64>,
    /// Its place in the source (see [`Grid::origin`]).
    pub cell: Option<(u32, u32)>,
    pub note: Option<String>,
}

/// A finding without a file name (the caller adds file and sheet).
#[derive(Clone, Debug)]
pub(super) struct Note {
    pub severity: Severity,
    pub kind: DiagnosticKind,
    pub cell: Option<(u32, u32)>,
    pub message: String,
}

/// What one grid holds.
#[derive(Debug, Default)]
pub(super) struct Found {
    /// Tables found: which, the template its labels show (if they tell), first header cell.
    pub tables: Vec<(Table, Option<Template>, (u32, u32))>,
    pub values: Vec<Placed>,
    pub notes: Vec<Note>,
    /// Text above the first table (title lines), in reading order.
    pub titles: Vec<String>,
}

struct Sheet<'g> {
    grid: &'g Grid,
    found: Found,
    /// The keys placed so far.
    placed: HashSet<Key>,
}

thread_local! {
    /// Label lookups of this worker thread, by context then text.
    static LABELS: RefCell<HashMap<Context, HashMap<String, Lookup>>> = RefCell::new(HashMap::new());
}

/// A proactive header cell: column, measure, and how money without a unit is meant.
type HeaderColumn = (u32, Measure, MoneyScale);

const APP: Table = Table::Applications;
const REV: Table = Table::ReviewLitigation;
const PRO: Table = Table::Proactive;

pub(super) fn locate(grid: &Grid) -> Found {
    let mut sheet = Sheet { grid, found: Found::default(), placed: HashSet::new() };
    let texts: Vec<((u32, u32), &str)> = grid
        .sorted()
        .filter_map(|(pos, c)| match c {
            Cell::Text(t) => Some((pos, t.as_str())),
            _ => None,
        })
        .collect();
    sheet.proactive(&texts);
    sheet.applications(&texts);
    sheet.review(&texts);
    let first = sheet.found.tables.iter().map(|t| t.2.0).min();
    if let Some(first) = first {
        sheet.found.titles = texts
            .iter()
            .filter(|(pos, _)| pos.0 < first)
            .filter(|(_, t)| sheet.look(t, Context::Any) == Lookup::NotFound)
            .take(12)
            .map(|(_, t)| t.to_string())
            .collect();
    }
    sheet.found.tables.sort_by_key(|t| t.0);
    sheet.found
}

impl<'g> Sheet<'g> {
    /// Look a label up once per worker thread: the same labels recur in every file.
    fn look(&self, text: &str, ctx: Context) -> Lookup {
        LABELS.with(|cache| {
            let mut cache = cache.borrow_mut();
            let by_text = cache.entry(ctx).or_default();
            if let Some(hit) = by_text.get(text) {
                return hit.clone();
            }
            let answer = label(text, ctx);
            // Bounded: a sheet of free text must not grow the cache without end.
            if by_text.len() < 50_000 {
                by_text.insert(text.to_string(), answer.clone());
            }
            answer
        })
    }

    /// The label seen at a cell (its own text or its merged region's).
    fn look_at(&self, row: u32, col: u32, ctx: Context) -> Lookup {
        match self.grid.label(row, col) {
            Some(t) => self.look(t, ctx),
            None => Lookup::NotFound,
        }
    }

    /// A table found, its first header cell at its place in the source.
    fn table(&mut self, table: Table, template: Option<Template>, (row, col): (u32, u32)) {
        let at = self.grid.origin(row, col).unwrap_or((row, col));
        self.found.tables.push((table, template, at));
    }

    /// A finding at a grid cell, located at that cell's place in the source.
    fn note(&mut self, severity: Severity, kind: DiagnosticKind, cell: Option<(u32, u32)>, message: String) {
        let cell = cell.and_then(|(r, c)| self.grid.origin(r, c));
        self.found.notes.push(Note { severity, kind, cell, message });
    }

    /// Parse the cell at `(row, col)` as a value of `unit` and place it under `key`.
    fn place(&mut self, key: Key, row: u32, col: u32, scale: MoneyScale) -> Option<i64> {
        let parsed = cell_value(self.grid.get(row, col), key.measure.unit(), scale);
        if !self.placed.insert(key) {
            self.note(
                Severity::Warning,
                DiagnosticKind::DuplicateCell,
                Some((row, col)),
                format!("{key} was already read from another cell; this one is ignored"),
            );
            return None;
        }
        match parsed {
            Ok(p) => {
                let cell = self.grid.origin(row, col);
                self.found.values.push(Placed { key, value: p.value, cell, note: p.note });
                p.value
            }
            Err(e) => {
                self.note(
                    Severity::Error,
                    DiagnosticKind::BadValue,
                    Some((row, col)),
                    format!("{e} (for {key})"),
                );
                None
            }
        }
    }

    fn has_content(&self, row: u32, col: u32) -> bool {
        self.grid.get(row, col).is_some()
    }

    // ───────────────────────────── applications ─────────────────────────────

    fn applications(&mut self, texts: &[((u32, u32), &'g str)]) {
        let col_ctx = Context::Column { table: APP };
        let anchors: Vec<(u32, u32)> = texts
            .iter()
            .filter(|(_, t)| self.look(t, col_ctx) == Lookup::Found(Label::Measure(Measure::NaturalPerson)))
            .map(|(p, _)| *p)
            .collect();
        for (r0, c0) in anchors {
            self.applications_at(r0, c0);
        }
    }

    fn applications_at(&mut self, r0: u32, c0: u32) {
        let col_ctx = Context::Column { table: APP };
        let top = r0.saturating_sub(2);
        // Header rows: down to the last row holding a column label right of the anchor.
        let mut bottom = self.grid.bottom(r0, c0);
        for r in r0 + 1..=r0 + 3 {
            let labelled = (c0..c0 + 12).any(|c| {
                self.grid.anchor(r, c) == (r, c)
                    && matches!(
                        self.look_at(r, c, col_ctx),
                        Lookup::Found(Label::Measure(_) | Label::Header(_))
                    )
            });
            if labelled {
                bottom = bottom.max(r);
            }
        }
        // Columns.
        let mut columns: Vec<(u32, Measure)> = Vec::new();
        let mut subtotal: Option<u32> = None;
        let mut empty_run = 0;
        for c in c0..c0 + 16 {
            let mut seen: Vec<Measure> = Vec::new();
            let mut is_subtotal = false;
            for r in top..=bottom {
                match self.look_at(r, c, col_ctx) {
                    Lookup::Found(Label::Measure(m)) if !seen.contains(&m) => seen.push(m),
                    Lookup::Found(Label::Header(Header::Subtotal)) => is_subtotal = true,
                    _ => {}
                }
            }
            if seen.is_empty() && !is_subtotal {
                // A header split into fragments over several cells: join them.
                let joined: String = (top..=bottom)
                    .filter(|&r| self.grid.anchor(r, c) == (r, c))
                    .filter_map(|r| self.grid.label(r, c))
                    .collect();
                if let Lookup::Found(Label::Measure(m)) = label(&joined, col_ctx) {
                    seen.push(m);
                }
            }
            if is_subtotal && seen.is_empty() {
                subtotal = Some(c);
                continue;
            }
            match seen.as_slice() {
                [] => {
                    empty_run += 1;
                    if empty_run >= 2 {
                        break;
                    }
                }
                [m] => {
                    empty_run = 0;
                    if !columns.iter().any(|(_, x)| x == m) {
                        columns.push((c, *m));
                    }
                    if *m == Measure::Total {
                        break;
                    }
                }
                many => {
                    let names: Vec<&str> = many.iter().map(|m| m.code()).collect();
                    self.note(
                        Severity::Warning,
                        DiagnosticKind::AmbiguousLabel,
                        Some((bottom, c)),
                        format!(
                            "column header reads as several columns ({}); column ignored",
                            names.join(", ")
                        ),
                    );
                }
            }
        }
        self.table(APP, None, (top, c0));
        let row_ctx = |group| Context::Row { table: APP, group };
        let mut current_group: Option<Item> = None;
        let mut placed_rows: Vec<(Item, u32)> = Vec::new();
        let mut subtotal_rows: Vec<(Item, u32)> = Vec::new();
        let mut blank_run = 0;
        let mut r = bottom + 1;
        while blank_run < 4 && r <= bottom + 80 {
            let has_values = columns.iter().any(|&(c, _)| self.has_content(r, c));
            let mut labels: Vec<&'g str> = Vec::new();
            let mut last_anchor = None;
            for c in 0..c0 {
                let a = self.grid.anchor(r, c);
                if Some(a) == last_anchor {
                    continue;
                }
                last_anchor = Some(a);
                if let Some(Cell::Text(t)) = self.grid.get(a.0, a.1)
                    && labels.last() != Some(&t.as_str())
                {
                    labels.push(t.as_str());
                }
            }
            let Some((&last, left)) = labels.split_last() else {
                if has_values {
                    self.unplaced(r, &columns, "numbers without a row label");
                }
                blank_run += 1;
                r += 1;
                continue;
            };
            blank_run = 0;
            let mut group = current_group;
            for t in left {
                if let Lookup::Found(Label::Item(g)) = self.look(t, row_ctx(None)) {
                    if g.table() == APP && g != Item::Outcomes && !g.members(Template::V2021).is_empty() {
                        group = Some(g);
                        current_group = Some(g);
                    } else if g == Item::Outcomes {
                        group = None;
                    }
                }
            }
            match self.look(last, row_ctx(group)) {
                Lookup::Found(Label::Item(item)) if item.table() == APP => {
                    if item.is_heading() {
                        if has_values {
                            self.unplaced(r, &columns, "numbers in the 三、本年度办理结果 heading row");
                        }
                    } else if item == Item::Other {
                        // （六）其他处理: the 2019 data row, or the 2021 group label (decided below).
                        current_group = Some(item);
                        placed_rows.push((item, r));
                    } else if !item.members(Template::V2021).is_empty() {
                        // A group label row: sub-items follow; numbers here are a subtotal.
                        current_group = Some(item);
                        if has_values {
                            subtotal_rows.push((item, r));
                        }
                    } else {
                        if item.parent() == Some(Item::Outcomes) || item.parent().is_none() {
                            current_group = None;
                        }
                        placed_rows.push((item, r));
                    }
                }
                Lookup::Ambiguous(readings) if has_values => {
                    let names: Vec<String> = readings.iter().map(|l| format!("{l:?}")).collect();
                    self.note(
                        Severity::Error,
                        DiagnosticKind::AmbiguousLabel,
                        Some((r, 0)),
                        format!(
                            "row label {last:?} could be {}; its numbers are not placed",
                            names.join(" or ")
                        ),
                    );
                }
                _ => {
                    if self.ends_table(last, APP) {
                        break;
                    }
                    if has_values {
                        self.unplaced(
                            r,
                            &columns,
                            &format!("row label {last:?} is not in the national format"),
                        );
                    }
                }
            }
            r += 1;
        }
        // （六）其他处理 with sub-items is the 2021 group; alone, the 2019 data row.
        let has_other_parts = placed_rows.iter().any(|(i, _)| i.parent() == Some(Item::Other));
        if let (true, Some(pos)) = (has_other_parts, placed_rows.iter().position(|(i, _)| *i == Item::Other))
        {
            let (_, row) = placed_rows.remove(pos);
            subtotal_rows.push((Item::Other, row));
        }
        let other_row = placed_rows.iter().any(|(i, _)| *i == Item::Other);
        let template = if has_other_parts {
            Some(Template::V2021)
        } else if other_row {
            Some(Template::V2019)
        } else {
            None
        };
        if let Some(t) = self.found.tables.iter_mut().rev().find(|t| t.0 == APP) {
            t.1 = template;
        }
        let mut got: HashMap<Key, i64> = HashMap::new();
        for &(item, row) in &placed_rows {
            for &(c, m) in &columns {
                if let Some(v) = self.place(Key::new(item, m), row, c, MoneyScale::Yuan) {
                    got.insert(Key::new(item, m), v);
                }
            }
            if let Some(c) = subtotal {
                let parts = [
                    Measure::CommercialEnterprise,
                    Measure::ResearchInstitution,
                    Measure::SocialWelfareOrg,
                    Measure::LegalServiceOrg,
                    Measure::OtherOrg,
                ];
                let sum: Option<i64> = parts.iter().map(|&m| got.get(&Key::new(item, m)).copied()).sum();
                self.check_subtotal(row, c, sum, &format!("{} 法人或其他组织小计", item.code()));
            }
        }
        for &(group, row) in &subtotal_rows {
            for &(c, m) in &columns {
                let parts = group.members(Template::V2021);
                let sum: Option<i64> = parts.iter().map(|&i| got.get(&Key::new(i, m)).copied()).sum();
                self.check_subtotal(row, c, sum, &format!("{}.{} subtotal", group.code(), m.code()));
            }
        }
    }

    /// An extra subtotal cell: derived, checked against its parts, never data. A subtotal that
    /// is no number is said, like any bad cell, so nothing written in a table goes unmentioned.
    fn check_subtotal(&mut self, row: u32, col: u32, parts: Option<i64>, what: &str) {
        let written = match cell_value(self.grid.get(row, col), Unit::Count, MoneyScale::Yuan) {
            Ok(p) => p.value,
            Err(e) => {
                self.note(
                    Severity::Warning,
                    DiagnosticKind::Subtotal,
                    Some((row, col)),
                    format!("{e} (for {what}, which is only checked against its parts)"),
                );
                None
            }
        };
        if let (Some(w), Some(p)) = (written, parts)
            && w != p
        {
            self.note(
                Severity::Warning,
                DiagnosticKind::Subtotal,
                Some((row, col)),
                format!("{what} is written as {w} but its parts sum to {p}"),
            );
        }
    }

    fn unplaced(&mut self, row: u32, columns: &[(u32, Measure)], why: &str) {
        let cells: Vec<String> = columns
            .iter()
            .filter_map(|&(c, _)| {
                let (r, k) = self.grid.origin(row, c).unwrap_or((row, c));
                self.grid.get(row, c).map(|v| format!("{}={}", crate::Location::a1(r, k), show(v)))
            })
            .collect();
        self.note(
            Severity::Error,
            DiagnosticKind::UnknownLabel,
            Some((row, 0)),
            format!("{why}; numbers not placed: {}", cells.join(", ")),
        );
    }

    /// Whether a label belongs to a different table or is a table title (the current table ended).
    fn ends_table(&self, text: &'g str, table: Table) -> bool {
        match self.look(text, Context::Any) {
            Lookup::Found(Label::Title(_) | Label::Caption(_)) => true,
            Lookup::Found(Label::Item(i)) => i.table() != table,
            _ => false,
        }
    }

    // ───────────────────────────── review / litigation ─────────────────────────────

    fn review(&mut self, texts: &[((u32, u32), &'g str)]) {
        let ctx = Context::Column { table: REV };
        let header_rows: Vec<u32> = {
            let mut rows: Vec<u32> = texts
                .iter()
                .filter(|(_, t)| self.look(t, ctx) == Lookup::Found(Label::Measure(Measure::Upheld)))
                .map(|((r, _), _)| *r)
                .collect();
            rows.dedup();
            rows
        };
        for hr in header_rows {
            let mut columns: Vec<(u32, Key)> = Vec::new();
            for &((r, c), t) in texts.iter().filter(|((r, _), _)| *r == hr) {
                let Lookup::Found(Label::Measure(m)) = self.look(t, ctx) else { continue };
                if !matches!(
                    m,
                    Measure::Upheld | Measure::Corrected | Measure::Other | Measure::Pending | Measure::Total
                ) {
                    continue;
                }
                match self.block_of(r, c) {
                    Some(block) if !columns.iter().any(|(_, k)| *k == Key::new(block, m)) => {
                        columns.push((c, Key::new(block, m)))
                    }
                    Some(_) => {}
                    None => self.note(
                        Severity::Error,
                        DiagnosticKind::UnknownLabel,
                        Some((r, c)),
                        format!("column {t:?} of 四 has no 行政复议/行政诉讼 block above it; not placed"),
                    ),
                }
            }
            if columns.is_empty() {
                continue;
            }
            let first_col = columns.iter().map(|c| c.0).min().unwrap_or(0);
            self.table(REV, None, (hr.saturating_sub(2), first_col));
            let data_row = (hr + 1..=hr + 3)
                .find(|&r| columns.iter().any(|&(c, _)| self.has_content(r, c)))
                .unwrap_or(hr + 1);
            for (c, key) in columns {
                self.place(key, data_row, c, MoneyScale::Yuan);
            }
        }
    }

    /// The review/litigation block a measure column belongs to: the nearest block label above
    /// it, in its own column (merged) or to its left (unmerged).
    fn block_of(&self, hr: u32, c: u32) -> Option<Item> {
        let ctx = Context::Column { table: REV };
        for r in (hr.saturating_sub(3)..hr).rev() {
            for cc in (0..=c).rev() {
                if let Lookup::Found(Label::Item(i)) = self.look_at(r, cc, ctx) {
                    return Some(i);
                }
                if cc + 8 < c {
                    break;
                }
            }
        }
        None
    }

    // ───────────────────────────── proactive ─────────────────────────────

    fn proactive(&mut self, texts: &[((u32, u32), &'g str)]) {
        let ctx = Context::Column { table: PRO };
        // Header rows and their columns.
        let mut headers: Vec<(u32, Vec<HeaderColumn>)> = Vec::new();
        for &((r, c), t) in texts {
            let measure = match self.look(t, ctx) {
                Lookup::Found(Label::Measure(m)) => m,
                Lookup::Ambiguous(readings) => {
                    // 本年新 (the wrapped 2019 header): the first reading not yet taken in this row.
                    let taken: Vec<Measure> = headers
                        .last()
                        .filter(|h| h.0 == r)
                        .map(|h| h.1.iter().map(|x| x.1).collect())
                        .unwrap_or_default();
                    match readings.iter().find_map(|l| match l {
                        Label::Measure(m) if !taken.contains(m) => Some(*m),
                        _ => None,
                    }) {
                        Some(m) => m,
                        None => continue,
                    }
                }
                _ => continue,
            };
            let scale = if t.contains("万元") { MoneyScale::WanYuan } else { MoneyScale::Yuan };
            match headers.last_mut() {
                Some((hr, cols)) if *hr == r => cols.push((c, measure, scale)),
                _ => headers.push((r, vec![(c, measure, scale)])),
            }
        }
        if headers.is_empty() {
            return;
        }
        let mut template = None;
        for (_, cols) in &headers {
            for &(_, m, _) in cols {
                let t = match m {
                    Measure::Issued | Measure::Repealed | Measure::InForce => Some(Template::V2021),
                    Measure::Made
                    | Measure::Disclosed
                    | Measure::DisclosedTotal
                    | Measure::PrevItems
                    | Measure::ItemsChange
                    | Measure::Projects => Some(Template::V2019),
                    _ => None,
                };
                template = template.or(t);
            }
        }
        let first = (headers[0].0, headers[0].1.iter().map(|c| c.0).min().unwrap_or(0));
        self.table(PRO, template, (first.0.saturating_sub(2), first.1.saturating_sub(1)));
        let row_ctx = Context::Row { table: PRO, group: None };
        for (i, (hr, cols)) in headers.iter().enumerate() {
            let end = headers.get(i + 1).map_or(hr + 12, |h| h.0);
            let first_col = cols.iter().map(|c| c.0).min().unwrap_or(0);
            for r in hr + 1..end {
                let label_text = (0..first_col).rev().find_map(|c| {
                    let a = self.grid.anchor(r, c);
                    match self.grid.get(a.0, a.1) {
                        Some(Cell::Text(t)) => Some(t.as_str()),
                        _ => None,
                    }
                });
                let has_values = cols.iter().any(|&(c, _, _)| self.has_content(r, c));
                let Some(text) = label_text else {
                    if has_values {
                        let plain: Vec<(u32, Measure)> = cols.iter().map(|&(c, m, _)| (c, m)).collect();
                        self.unplaced(r, &plain, "numbers without a row label");
                    }
                    continue;
                };
                match self.look(text, row_ctx) {
                    Lookup::Found(Label::Item(item)) if item.table() == PRO => {
                        for &(c, m, scale) in cols {
                            let known = [Template::V2019, Template::V2021]
                                .iter()
                                .any(|&t| measures_of(item, t).contains(&m));
                            if known {
                                self.place(Key::new(item, m), r, c, scale);
                            } else if self.has_content(r, c) {
                                self.note(
                                    Severity::Warning,
                                    DiagnosticKind::UnknownLabel,
                                    Some((r, c)),
                                    format!(
                                        "{} has no column {} in the national format; not placed",
                                        item.code(),
                                        m.code()
                                    ),
                                );
                            }
                        }
                    }
                    _ => {
                        if self.ends_table(text, PRO) {
                            break;
                        }
                        if has_values {
                            let plain: Vec<(u32, Measure)> = cols.iter().map(|&(c, m, _)| (c, m)).collect();
                            self.unplaced(
                                r,
                                &plain,
                                &format!("row label {text:?} is not in the national format"),
                            );
                        }
                    }
                }
            }
        }
    }
}

/// A numeric cell as a value: through the text parser, so counts must be whole and money exact.
/// A cell as a value of `unit`: empty is blank, text goes through the parser, a number must be
/// whole for counts and exact for money, anything else is not a number.
pub(super) fn cell_value(cell: Option<&Cell>, unit: Unit, scale: MoneyScale) -> Result<Parsed, ValueError> {
    match cell {
        None => Ok(Parsed { value: None, note: None }),
        Some(Cell::Text(t)) => normalize::value(t, unit, scale),
        Some(Cell::Number(f)) => number(*f, unit, scale),
        Some(Cell::Other(s)) => Err(ValueError { raw: s.clone(), reason: "not a number" }),
    }
}

fn number(f: f64, unit: Unit, scale: MoneyScale) -> Result<Parsed, ValueError> {
    if !f.is_finite() {
        return Err(ValueError { raw: f.to_string(), reason: "not a number" });
    }
    // Whole counts (nearly every cell) need no text round trip; the rest go through the parser
    // so that fractions and money are checked and exact.
    if unit != Unit::Money && f.fract() == 0.0 && f.abs() < 9.0e15 {
        return Ok(Parsed { value: Some(f as i64), note: None });
    }
    normalize::value(&format!("{f}"), unit, scale)
}

fn show(cell: &Cell) -> String {
    match cell {
        Cell::Text(t) => format!("{t:?}"),
        Cell::Number(f) => format!("{f}"),
        Cell::Other(s) => s.clone(),
    }
}
