//! Find the national tables in a grid by their labels and place every number in the schema.
//!
//! Works on [`Grid`] only: cell values and merged regions, whatever produced them.

use foldhash::HashMap;
use std::cell::RefCell;

mod applications;
mod proactive;
mod review;

use super::grid::{Cell, Grid};
use crate::normalize::{self, Context, Label, Lookup, MoneyScale, Parsed, Readings, ValueError, label};
use crate::report::DiagnosticKind;
use crate::schema::{Item, Key, KeySet, Measure, Severity, Table, Template, Unit};

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
    placed: KeySet,
}

/// Label lookups of one worker thread: each text numbered once, with its answer in each
/// context it was asked in (a few). A sheet's texts are numbered once and asked by number in
/// each pass, not hashed again.
#[derive(Default)]
struct Labels {
    ids: HashMap<String, u32>,
    answers: Vec<Vec<(Context, Lookup)>>,
    /// The current sheet's texts folded and matched so far, by number: a text new to the
    /// thread (a title, a note) is asked in every pass's context, and folded once for all.
    readings: HashMap<u32, Readings>,
}

thread_local! {
    static LABELS: RefCell<Labels> = RefCell::new(Labels::default());
}

/// The most texts a thread's label cache numbers: a sheet of free text must not grow it
/// without end (texts past it are looked up afresh each time).
const MAX_LABELS: usize = 100_000;

/// A text of the sheet: its cell, the text, and its number in the label cache.
type Text<'g> = ((u32, u32), &'g str, Option<u32>);

/// The number [`label_id`] gives a text of ASCII digits alone (a count written as text, a third
/// of a national set's texts): never a label in any context, so never looked up.
const DIGITS: u32 = u32::MAX;

/// `text`'s number in this thread's label cache, numbered now if new (`None` once the cache is
/// full); [`DIGITS`] for a text of digits alone.
fn label_id(text: &str) -> Option<u32> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return Some(DIGITS);
    }
    LABELS.with(|labels| {
        let mut labels = labels.borrow_mut();
        if let Some(&id) = labels.ids.get(text) {
            return Some(id);
        }
        if labels.answers.len() >= MAX_LABELS {
            return None;
        }
        let id = labels.answers.len() as u32;
        labels.ids.insert(text.to_string(), id);
        labels.answers.push(Vec::new());
        Some(id)
    })
}

/// Rows of a table by what they hold: (item, row).
type ItemRows = Vec<(Item, u32)>;

/// A proactive header cell: column, measure, and how money without a unit is meant.
type HeaderColumn = (u32, Measure, MoneyScale);

const APP: Table = Table::Applications;
const REV: Table = Table::ReviewLitigation;
const PRO: Table = Table::Proactive;

pub(super) fn locate(grid: &Grid) -> Found {
    LABELS.with(|labels| labels.borrow_mut().readings.clear());
    let mut sheet = Sheet { grid, found: Found::default(), placed: KeySet::default() };
    let texts: Vec<Text> = grid
        .sorted()
        .filter_map(|(pos, c)| match c {
            Cell::Text(t) => Some((pos, t.as_str(), label_id(t))),
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
            .filter(|(pos, _, _)| pos.0 < first)
            .filter(|&&(_, t, id)| sheet.look_id(id, t, Context::Any) == Lookup::NotFound)
            .take(12)
            .map(|(_, t, _)| t.to_string())
            .collect();
    }
    sheet.found.tables.sort_by_key(|t| t.0);
    sheet.found
}

impl<'g> Sheet<'g> {
    /// Look a label up once per worker thread: the same labels recur in every file.
    fn look(&self, text: &str, ctx: Context) -> Lookup {
        self.look_id(label_id(text), text, ctx)
    }

    /// [`Sheet::look`] of a text already numbered by [`label_id`].
    fn look_id(&self, id: Option<u32>, text: &str, ctx: Context) -> Lookup {
        let Some(id) = id else { return label(text, ctx) };
        if id == DIGITS {
            return Lookup::NotFound;
        }
        LABELS.with(|labels| {
            let Labels { answers, readings, .. } = &mut *labels.borrow_mut();
            let answers = &mut answers[id as usize];
            if let Some((_, hit)) = answers.iter().find(|(c, _)| *c == ctx) {
                return hit.clone();
            }
            let answer = readings.entry(id).or_insert_with(|| Readings::of(text)).label(ctx);
            answers.push((ctx, answer.clone()));
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

    /// The template the last `table` found shows (see [`Template::shown_by`]).
    fn shown(&mut self, table: Table, template: Option<Template>) {
        if let Some(t) = self.found.tables.iter_mut().rev().find(|t| t.0 == table) {
            t.1 = template;
        }
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
