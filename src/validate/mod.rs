//! The format's own arithmetic, checked per report — with every blank cell taken for what it
//! is: an unknown whole number, never negative, never assumed to be 0.
//!
//! The exact identities (A1–A4, and each group subtotal as the sum of its sub-items) are
//! reasoned about with bounds: a blank count lies in [0, ∞), and each identity narrows what
//! its blanks can hold, to a fixed point over the report. Each exact identity then has one of
//! three outcomes, a [`Finding`]:
//!
//! | finding | when | severity |
//! |---|---|---|
//! | [`Definite`](Finding::Definite) | the identity cannot hold for any non-negative values of its blanks: the published parts already exceed the total, or a total is smaller than a published part ("parts at least 4, total 1"); or each identity can hold but not all together | error |
//! | [`OnlyIf`](Finding::OnlyIf) | it can hold, but only if one of the named blank cells holds a positive number: where blanks stand for 0, the usual sign of a wrong cell | warning |
//! | [`Forced`](Finding::Forced) | the bounds pin a blank to one value (the lone blank of an identity; or every blank 0 because the published parts already make the total): the value is inferred and marked [`Origin::Inferred`] | info |
//!
//! A published number is never overwritten, and no count is inferred negative or fractional;
//! nothing is inferred from a report whose identities cannot all hold. The other rules are
//! checked on the published and inferred values as they stand, and never narrow a blank: S4
//! (no negative count) as an error, the soft ones (S1 across years, S2, S3, S5) as warnings.
//!
//! What the identities cannot see: a change of a cell of table 二 (only the soft rules span
//! it), and a change that moves a number between two cells of the same row and the same
//! column sums at once — no single cell changes that way.
//!
//! [`reports`] takes the reports and gives them back inside a [`Checked`], each beside its
//! resolved cells, so a report and its cells cannot be mismatched:
//! [`frame::tidy`](crate::frame::tidy) takes the `Checked` alone.
//!
//! ```
//! use xxgk::read::ReadOptions;
//! use xxgk::schema::{Item, Key, Measure};
//! let batch = ReadOptions::new().from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real"))?;
//! let checked = xxgk::validate::reports(batch.reports);
//! assert!(checked.violations.is_empty());
//! // 新源县 2022 lost one value of its first row; the identities give it back.
//! let lost = Key::new(Item::NewReceived, Measure::OtherOrg);
//! assert!(checked.inferred.iter().any(|i| i.key == lost && i.value == 0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod bounds;

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::Path;
use std::sync::OnceLock;

use polars_arrow::array::{Array, PrimitiveArray};
use polars_arrow::types::NativeType;
use rayon::prelude::*;

use polars::prelude::{
    Categorical32Chunked, Column, DataFrame, NamedFrom, PolarsError, Series, UInt8Chunked,
};

use self::bounds::{Cells, Contradiction, Interval, Linear, Local};
use crate::columns as cols;
use crate::report::{Origin, Report};
use crate::schema::{
    Equation, Item, Key, KeySet, Measure, Relation, Rule, Severity, Table, Template, equations,
};

/// One cell of a report after validation: its value (`None` blank) and where it comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Resolved {
    /// The value; `None` is blank.
    pub value: Option<i64>,
    /// Published, inferred or derived.
    pub origin: Origin,
}

/// What validation found of one identity in one report (see the module docs for the table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Finding {
    /// The identity cannot hold, whatever the blanks hold.
    Definite,
    /// The identity holds only if a blank cell is non-zero.
    OnlyIf,
    /// The identities pin a blank to one value, which is inferred.
    Forced,
}

impl Finding {
    /// Every finding, in the order of the polars `Enum` built from them.
    pub const ALL: &'static [Finding] = &[Finding::Definite, Finding::OnlyIf, Finding::Forced];

    /// The snake_case code (`definite`, `only_if`, `forced`).
    ///
    /// ```
    /// assert_eq!(xxgk::validate::Finding::OnlyIf.code(), "only_if");
    /// ```
    pub const fn code(self) -> &'static str {
        match self {
            Finding::Definite => "definite",
            Finding::OnlyIf => "only_if",
            Finding::Forced => "forced",
        }
    }
}

/// An identity that does not hold in one report, or holds only if a blank is non-zero.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Violation {
    /// The reporting unit.
    pub division_code: u32,
    /// Its name.
    pub division_name: String,
    /// The report year.
    pub year: i32,
    /// The identity (national-schema §4).
    pub rule: Rule,
    /// [`Finding::Definite`] or [`Finding::OnlyIf`].
    pub kind: Finding,
    /// Error for a definite violation of a hard rule; warning for a soft rule or an "only if".
    pub severity: Severity,
    /// The stated cell: the total the identity checks.
    pub key: Key,
    /// What the parts give: their sum; with blanks among them, the bound nearest the stated side
    /// (a definite violation) or their sum with the blanks at 0 (an "only if").
    pub expected: i64,
    /// What the stated side says, in the same way.
    pub actual: i64,
    /// `actual − expected`.
    pub difference: i64,
    /// Where the published numbers of the identity are: `file!sheet!cell`.
    pub cells: Vec<String>,
    /// The blank cells concerned: for an "only if", those of which one must be non-zero.
    pub blanks: Vec<String>,
    /// What was found, in words ("parts at least 4, total 1").
    pub message: String,
}

/// A blank value recovered from the identities ([`Finding::Forced`]).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Inferred {
    /// The reporting unit.
    pub division_code: u32,
    /// The report year.
    pub year: i32,
    /// The cell.
    pub key: Key,
    /// The one value the identities leave it.
    pub value: i64,
    /// The identity that pinned it.
    pub rule: Rule,
    /// Where the blank cell is.
    pub cell: String,
}

/// One report beside its resolved cells: every published value, the blanks the identities
/// gave back, and the derived group subtotals.
#[derive(Clone)]
pub struct CheckedReport {
    report: Report,
    /// In key order, each key once.
    cells: Vec<(Key, Resolved)>,
    /// The cells as a map, made when [`CheckedReport::cells`] is first asked (a load frames
    /// each report's cells in order and never needs one).
    map: OnceLock<BTreeMap<Key, Resolved>>,
}

impl PartialEq for CheckedReport {
    fn eq(&self, other: &CheckedReport) -> bool {
        self.report == other.report && self.cells == other.cells
    }
}

impl Eq for CheckedReport {}

impl std::fmt::Debug for CheckedReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckedReport")
            .field("report", &self.report)
            .field("cells", &self.cells.iter().map(|(k, r)| (k, r)).collect::<BTreeMap<_, _>>())
            .finish()
    }
}

impl CheckedReport {
    /// The report as read.
    ///
    /// ```
    /// # let batch = xxgk::read::ReadOptions::new().from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real"))?;
    /// let checked = xxgk::validate::reports(batch.reports);
    /// assert_eq!(checked.reports()[0].report().division_name, "新源县");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// Every cell: published, inferred or derived, keyed by the schema cell.
    ///
    /// ```
    /// # let batch = xxgk::read::ReadOptions::new().from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real"))?;
    /// use xxgk::report::Origin;
    /// let checked = xxgk::validate::reports(batch.reports);
    /// let cells = checked.reports()[0].cells();
    /// assert_eq!(cells.values().filter(|c| c.origin == Origin::Inferred).count(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cells(&self) -> &BTreeMap<Key, Resolved> {
        self.map.get_or_init(|| self.cells.iter().copied().collect())
    }

    /// The cells in key order, as [`CheckedReport::cells`] holds them, without the map.
    pub(crate) fn in_order(&self) -> &[(Key, Resolved)] {
        &self.cells
    }

    /// One resolved cell.
    ///
    /// ```
    /// # let batch = xxgk::read::ReadOptions::new().from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real"))?;
    /// use xxgk::report::Origin;
    /// use xxgk::schema::{Item, Key, Measure};
    /// let checked = xxgk::validate::reports(batch.reports);
    /// let withheld = checked.reports()[0].get(Key::new(Item::Withheld, Measure::Total));
    /// assert_eq!(withheld.map(|r| (r.value, r.origin)), Some((Some(1), Origin::Derived)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get(&self, key: Key) -> Option<Resolved> {
        self.cells.binary_search_by_key(&key, |(k, _)| *k).ok().map(|i| self.cells[i].1)
    }
}

/// The result of [`reports`]: the reports, each with its resolved cells, every violation and
/// every inferred value.
#[derive(Clone, Debug, Default, serde::Serialize)]
#[non_exhaustive]
pub struct Checked {
    /// Every identity that does not hold, in report order.
    pub violations: Vec<Violation>,
    /// Every blank recovered from an identity.
    pub inferred: Vec<Inferred>,
    #[serde(skip)]
    reports: Vec<CheckedReport>,
    /// The units' names, for the inferred values' rows of [`Checked::frame`].
    #[serde(skip)]
    names: BTreeMap<u32, String>,
}

impl Checked {
    /// The reports, in the order given to [`reports`], each with its resolved cells.
    ///
    /// ```
    /// # let batch = xxgk::read::ReadOptions::new().from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real"))?;
    /// let checked = xxgk::validate::reports(batch.reports);
    /// assert_eq!(checked.reports().len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reports(&self) -> &[CheckedReport] {
        &self.reports
    }

    /// The reports back, without their resolved cells.
    ///
    /// ```
    /// # let batch = xxgk::read::ReadOptions::new().from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real"))?;
    /// let reports = xxgk::validate::reports(batch.reports).into_reports();
    /// assert_eq!(reports[0].year, 2022);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_reports(self) -> Vec<Report> {
        self.reports.into_iter().map(|c| c.report).collect()
    }
}

/// Check every identity of every report, inferring blanks where an identity allows.
///
/// The cross-year identities compare each report with the same unit's report of the year
/// before, when there is one (of several reports of one unit-year, the first given).
///
/// ```
/// use xxgk::report::{Report, Value};
/// use xxgk::schema::{Item, Key, Measure, Rule};
/// let v = |item, m, x| Value { key: Key::new(item, m), value: Some(x), cell: None, note: None };
/// let report = Report {
///     division_code: 654025, division_name: "新源县".into(), year: 2022,
///     template: xxgk::schema::Template::V2021, tables: vec![], source: "a.xlsx".into(),
///     sheets: vec![], diagnostics: vec![],
///     values: vec![
///         v(Item::Review, Measure::Upheld, 1), v(Item::Review, Measure::Corrected, 1),
///         v(Item::Review, Measure::Other, 0), v(Item::Review, Measure::Pending, 0),
///         v(Item::Review, Measure::Total, 3),
///     ],
/// };
/// let checked = xxgk::validate::reports(vec![report]);
/// assert_eq!(checked.violations.len(), 1);
/// assert_eq!((checked.violations[0].rule, checked.violations[0].difference), (Rule::A4, 1));
/// ```
pub fn reports(reports: Vec<Report>) -> Checked {
    let mut checker = Checker::default();
    let mut scratch = Scratch::new();
    let mut checked = Vec::with_capacity(reports.len());
    for report in reports {
        let (c, findings) = resolve_report(report, &mut scratch);
        checker.push(&c, findings, 0);
        checked.push(c);
    }
    let mut out = checker.finish(Carry::Reports(&checked));
    out.reports = checked;
    out
}

/// One report checked on its own: its resolved cells, and its findings of its own year (each
/// with the position of its equation among [`applicable`]). What [`Checker::push`] takes.
pub(crate) struct Findings {
    same_year: Vec<(usize, Violation)>,
    inferred: Vec<Inferred>,
}

/// Check one report against the identities of its own year, inferring the blanks they pin.
/// `scratch` serves report after report; [`Scratch::new`] makes one.
pub(crate) fn resolve_report(report: Report, scratch: &mut Scratch) -> (CheckedReport, Findings) {
    let resolved = resolve(&report, scratch);
    let findings = Findings { same_year: resolved.findings, inferred: resolved.inferred };
    (CheckedReport { report, cells: resolved.cells, map: OnceLock::new() }, findings)
}

/// Checks reports one at a time, keeping of each only its own-year findings and a few numbers
/// (unit, year, name, templates, where its rows begin), so the reports themselves can be
/// dropped: the cross-year identities are checked at the end on the cells as they were kept —
/// the checked reports, or the tidy frame their rows went into ([`Carry`]) — and the findings
/// come out as [`reports`] gives them.
///
/// Nothing of a report's cells is kept here: about a hundred bytes a report besides its
/// own-year findings.
#[derive(Default)]
pub(crate) struct Checker {
    reports: Vec<Kept>,
    /// The first report of each unit-year, for the cross-year identities.
    first: HashMap<(u32, i32), usize>,
    names: BTreeMap<u32, String>,
    inferred: Vec<Inferred>,
    /// The reports' names: a spelling again only where it differs from the report before's.
    spellings: Vec<String>,
}

/// What is kept of a checked report: its own-year findings, its name's place among the
/// [`Checker`]'s spellings, the templates its tables were read in (as [`applicable`] numbers
/// them) and its first row in the frame.
struct Kept {
    division_code: u32,
    year: i32,
    name: u32,
    templates: u8,
    row: u32,
    same_year: Vec<(usize, Violation)>,
}

/// Where the cross-year identities find the pushed reports' cells at the end.
pub(crate) enum Carry<'a> {
    /// The checked reports themselves, in the order pushed.
    Reports(&'a [CheckedReport]),
    /// The tidy frame the reports' rows went into, in the order pushed (what
    /// [`frame::TidyBuilder`](crate::frame::TidyBuilder) made of them).
    Frame(&'a FrameCells),
}

/// One report's cells as the cross-year identities read them: each key's resolved value (the
/// last of its rows, as [`resolve`] keeps it) and where it was read (the first, as
/// [`Report::get`] finds it).
enum CellsOf<'a> {
    Report(&'a CheckedReport),
    Rows { frame: &'a FrameCells, cells: Vec<(Key, Option<i64>, Option<usize>)> },
}

impl CellsOf<'_> {
    fn value(&self, key: Key) -> Option<i64> {
        match self {
            CellsOf::Report(c) => c.get(key).and_then(|r| r.value),
            CellsOf::Rows { cells, .. } => cells.iter().find(|c| c.0 == key).and_then(|c| c.1),
        }
    }

    fn location(&self, key: Key) -> Option<String> {
        match self {
            CellsOf::Report(c) => location(&c.report, key),
            CellsOf::Rows { frame, cells } => {
                cells.iter().find(|c| c.0 == key).and_then(|c| c.2).map(|row| frame.place(row))
            }
        }
    }
}

/// The columns of a tidy frame that the cross-year identities read: the cells' codes and values
/// a chunk at a time, the places' text.
pub(crate) struct FrameCells {
    blocks: Vec<Block>,
    height: usize,
    file: Categorical32Chunked,
    sheet: Categorical32Chunked,
    cell: Categorical32Chunked,
}

/// One chunk of a frame's rows, from `start`: its items', measures' and origins' codes and its
/// values.
struct Block {
    start: usize,
    item: PrimitiveArray<u8>,
    measure: PrimitiveArray<u8>,
    origin: PrimitiveArray<u8>,
    value: PrimitiveArray<i64>,
}

impl FrameCells {
    /// The columns of `tidy`, a frame in the tidy layout.
    pub(crate) fn of(tidy: &DataFrame) -> crate::error::Result<FrameCells> {
        let err = |e: PolarsError| cols::polars_error("reading the carried-over cells", e);
        let code = |name: &str| -> crate::error::Result<UInt8Chunked> {
            tidy.column(name).map_err(err)?.to_physical_repr().u8().cloned().map_err(err)
        };
        let text = |name: &str| -> crate::error::Result<Categorical32Chunked> {
            tidy.column(name).map_err(err)?.cat32().cloned().map_err(err)
        };
        let (mut item, mut measure, mut origin) =
            (code(cols::ITEM)?, code(cols::MEASURE)?, code(cols::ORIGIN)?);
        let mut value = tidy.column(cols::VALUE).map_err(err)?.i64().cloned().map_err(err)?;
        // The frames a load makes have every column's chunks at the same rows; another is made
        // one chunk.
        let aligned = |c: &UInt8Chunked| c.chunk_lengths().eq(value.chunk_lengths());
        if !(aligned(&item) && aligned(&measure) && aligned(&origin)) {
            item = item.rechunk().into_owned();
            measure = measure.rechunk().into_owned();
            origin = origin.rechunk().into_owned();
            value = value.rechunk().into_owned();
        }
        let mut blocks = Vec::new();
        let mut start = 0;
        let arrays = item.downcast_iter().zip(measure.downcast_iter()).zip(origin.downcast_iter());
        for (((item, measure), origin), value) in arrays.zip(value.downcast_iter()) {
            let block = Block {
                start,
                item: item.clone(),
                measure: measure.clone(),
                origin: origin.clone(),
                value: value.clone(),
            };
            start += value.len();
            blocks.push(block);
        }
        Ok(FrameCells {
            blocks,
            height: start,
            file: text(cols::FILE)?,
            sheet: text(cols::SHEET)?,
            cell: text(cols::CELL)?,
        })
    }

    fn height(&self) -> usize {
        self.height
    }

    /// The carried-over keys among `rows`: each key's value in its last row, and its first row
    /// that is not a derived subtotal.
    fn carried(&self, rows: Range<usize>) -> Vec<(Key, Option<i64>, Option<usize>)> {
        let mut out: Vec<(Key, Option<i64>, Option<usize>)> = Vec::new();
        let carried = carried_items();
        let first = self.blocks.partition_point(|b| b.start + b.value.len() <= rows.start);
        for b in self.blocks[first..].iter().take_while(|b| b.start < rows.end) {
            let local = rows.start.saturating_sub(b.start)..(rows.end - b.start).min(b.value.len());
            // A few rows of a report's few hundred hold a carried item: found by the item's code
            // alone (the codes as they lie; a null's is checked below), the rest read for those.
            let items = &b.item.values()[local.clone()];
            let candidates = items.iter().enumerate().filter(|&(_, &item)| carried[usize::from(item)]);
            for i in candidates.map(|(j, _)| local.start + j) {
                let (Some(item), Some(measure)) = (at(&b.item, i), at(&b.measure, i)) else { continue };
                let Some(key) = carried_key(item, measure) else { continue };
                let value = at(&b.value, i);
                let read = (at(&b.origin, i) != Some(Origin::Derived as u8)).then_some(b.start + i);
                match out.iter_mut().find(|c| c.0 == key) {
                    Some(c) => {
                        c.1 = value;
                        c.2 = c.2.or(read);
                    }
                    None => out.push((key, value, read)),
                }
            }
        }
        out
    }

    /// Where row `row` was read, as [`Report::place`] writes a value's cell: the file, and
    /// its sheet and cell where it has a cell of its own.
    fn place(&self, row: usize) -> String {
        fn text(c: &Categorical32Chunked, row: usize) -> Option<&str> {
            c.get_mapping().cat_to_str(c.physical().get(row)?)
        }
        let file = text(&self.file, row).map(Path::new);
        let cell = text(&self.cell, row);
        let sheet = cell.and_then(|_| text(&self.sheet, row));
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = crate::error::place(&mut out, file, sheet, cell);
        out
    }
}

/// Row `i` of an array, `None` where null.
fn at<T: NativeType>(a: &PrimitiveArray<T>, i: usize) -> Option<T> {
    a.is_valid(i).then(|| a.value(i))
}

/// By an item's code: whether some carried-over cell has that item.
fn carried_items() -> &'static [bool; 256] {
    static ITEMS: OnceLock<[bool; 256]> = OnceLock::new();
    ITEMS.get_or_init(|| {
        let mut items = [false; 256];
        for (code, carried) in items.iter_mut().enumerate() {
            *carried = (0..Measure::ALL.len()).any(|m| carried_key(code as u8, m as u8).is_some());
        }
        items
    })
}

/// The key of a carried-over cell from its item's and measure's codes (`None` for any other).
fn carried_key(item: u8, measure: u8) -> Option<Key> {
    let item = *Item::ALL.get(usize::from(item))?;
    let key = Key::new(item, *Measure::ALL.get(usize::from(measure))?);
    is_carried(key).then_some(key)
}

/// Every key a cross-year identity names, this year's or last.
fn is_carried(key: Key) -> bool {
    static KEYS: OnceLock<KeySet> = OnceLock::new();
    KEYS.get_or_init(|| {
        Template::ALL
            .iter()
            .flat_map(|&t| equations(t))
            .filter(|eq| eq.is_cross_year())
            .flat_map(|eq| eq.terms().map(|term| term.key))
            .collect()
    })
    .contains(key)
}

impl Checker {
    /// About `reports` reports expected in all: the kept vector sized once.
    pub(crate) fn expect_reports(&mut self, reports: usize) {
        self.reports.reserve(reports.saturating_sub(self.reports.len()));
    }

    /// Take one report's findings; `row` is where its rows begin in the frame (for
    /// [`Carry::Frame`]).
    pub(crate) fn push(&mut self, checked: &CheckedReport, findings: Findings, row: usize) {
        let r = &checked.report;
        self.first.entry((r.division_code, r.year)).or_insert(self.reports.len());
        self.names.entry(r.division_code).or_insert_with(|| r.division_name.clone());
        self.inferred.extend(findings.inferred);
        if self.spellings.last() != Some(&r.division_name) {
            self.spellings.push(r.division_name.clone());
        }
        self.reports.push(Kept {
            division_code: r.division_code,
            year: r.year,
            name: self.spellings.len() as u32 - 1,
            templates: templates(r),
            row: row as u32,
            same_year: findings.same_year,
        });
    }

    /// Every violation, report by report in the order pushed (each report's in the order of
    /// its identities), and every inferred value; the cross-year identities read `carry`.
    pub(crate) fn finish(self, carry: Carry) -> Checked {
        let found: Vec<Vec<Violation>> =
            (0..self.reports.len()).into_par_iter().map(|i| self.violations_of(i, &carry)).collect();
        Checked {
            violations: found.into_iter().flatten().collect(),
            inferred: self.inferred,
            names: self.names,
            ..Checked::default()
        }
    }

    /// Report `i`'s cells, from where they were kept.
    fn cells<'a>(&self, i: usize, carry: &Carry<'a>) -> CellsOf<'a> {
        match *carry {
            Carry::Reports(reports) => CellsOf::Report(&reports[i]),
            Carry::Frame(frame) => {
                let end = self.reports.get(i + 1).map_or(frame.height(), |next| next.row as usize);
                CellsOf::Rows { frame, cells: frame.carried(self.reports[i].row as usize..end) }
            }
        }
    }

    /// One report's violations: its own year's, with the cross-year identities checked against
    /// the same unit's report of the year before, in the order of the identities.
    fn violations_of(&self, i: usize, carry: &Carry) -> Vec<Violation> {
        let mut out = Vec::new();
        let c = &self.reports[i];
        let prev = self.first.get(&(c.division_code, c.year - 1)).copied();
        let mut found = c.same_year.iter().cloned().peekable();
        if found.peek().is_none() && prev.is_none() {
            return out;
        }
        let cells = prev.map(|p| (self.cells(i, carry), self.cells(p, carry)));
        let subject = Subject { code: c.division_code, name: &self.spellings[c.name as usize], year: c.year };
        for (i, (eq, _)) in applicable_to(c.templates).enumerate() {
            if !eq.is_cross_year() {
                out.extend(found.next_if(|(at, _)| *at == i).map(|(_, v)| v));
            } else if let Some((this, last)) = &cells {
                let of = |lag: u8| if lag == 0 { this } else { last };
                out.extend(check(
                    eq,
                    subject,
                    |lag, key| of(lag).value(key),
                    |lag, key| of(lag).location(key),
                ));
            }
        }
        // Where the identities together left a blank no value (after them all).
        out.extend(found.map(|(_, v)| v));
        out
    }
}

/// Buffers that serve report after report: the unknowns, and the resolved cells by slot.
pub(crate) struct Scratch {
    unknowns: Cells,
    resolved: Vec<Option<Resolved>>,
    used: Vec<usize>,
}

impl Scratch {
    pub(crate) fn new() -> Scratch {
        Scratch { unknowns: Cells::new(), resolved: vec![None; Key::SLOTS], used: Vec::new() }
    }

    fn set(&mut self, key: Key, cell: Resolved) {
        let s = key.slot();
        if self.resolved[s].is_none() {
            self.used.push(s);
        }
        self.resolved[s] = Some(cell);
    }

    fn value(&self, key: Key) -> Option<i64> {
        self.resolved[key.slot()].and_then(|r| r.value)
    }
}

/// The equations that apply to a report — each table's, in the template it was read in —
/// with their compiled form. The same for every report whose tables have the same templates:
/// listed once per combination.
fn applicable(report: &Report) -> impl Iterator<Item = (&'static Equation, &'static Linear)> {
    applicable_to(templates(report))
}

/// The templates of a report's tables, a bit per table (set: 2021), as [`applicable_to`]
/// takes them.
fn templates(report: &Report) -> u8 {
    Table::ALL.iter().enumerate().map(|(i, &t)| u8::from(report.template_of(t) == Template::V2021) << i).sum()
}

/// [`applicable`] by the templates' bits.
fn applicable_to(templates: u8) -> impl Iterator<Item = (&'static Equation, &'static Linear)> {
    type List = Vec<(&'static Equation, &'static Linear)>;
    static LISTS: OnceLock<Vec<List>> = OnceLock::new();
    let lists = LISTS.get_or_init(|| {
        (0..1usize << Table::ALL.len())
            .map(|combination| {
                let template = |t: usize| Template::ALL[(combination >> t) & 1];
                Table::ALL
                    .iter()
                    .enumerate()
                    .flat_map(|(i, &table)| {
                        equations(template(i))
                            .iter()
                            .zip(bounds::compiled(template(i)))
                            .filter(move |(e, _)| e.lhs[0].key.table == table)
                    })
                    .collect()
            })
            .collect()
    });
    lists[usize::from(templates)].iter().copied()
}

/// The identities reasoned about with bounds: the same-year equalities (A1–A4).
fn is_exact(eq: &Equation) -> bool {
    eq.relation == Relation::Equal
        && !eq.is_cross_year()
        && matches!(eq.rule, Rule::A1 | Rule::A2 | Rule::A3 | Rule::A4)
}

fn location(report: &Report, key: Key) -> Option<String> {
    report.get(key).map(|v| report.place(v.cell))
}

/// Resolve one report: its findings of its own year (each with the position of its equation
/// among [`applicable`]; a disagreement of the identities together last), the blanks the bounds
/// pin (inferred), and its cells with the derived group subtotals.
/// One report resolved on its own.
struct Resolution {
    /// In key order.
    cells: Vec<(Key, Resolved)>,
    inferred: Vec<Inferred>,
    /// Each with the position of its equation among [`applicable`].
    findings: Vec<(usize, Violation)>,
}

fn resolve(report: &Report, scratch: &mut Scratch) -> Resolution {
    let unknowns = &mut scratch.unknowns;
    unknowns.fill(report);
    // The exact identities on their own; those that can hold narrow the blanks together.
    let mut findings: Vec<(usize, Violation)> = Vec::new();
    let mut sound: Vec<&Equation> = Vec::new();
    let mut system: Vec<&Linear> = Vec::new();
    for (i, (eq, linear)) in applicable(report).enumerate() {
        if !is_exact(eq) || !unknowns.has_all(eq) {
            continue;
        }
        let local = unknowns.local(eq);
        if !matches!(local, Local::Definite { .. }) {
            sound.push(eq);
            system.push(linear);
        }
        findings.extend(finding(report, eq, local).map(|v| (i, v)));
    }
    let disagreement = unknowns.propagate(&system).err().map(|c| contradiction(report, &sound, &c));
    // The cells: published, inferred where the bounds pin a blank (never where the identities
    // disagree: nothing is inferred from such a report), derived subtotals.
    for &s in &scratch.used {
        scratch.resolved[s] = None;
    }
    scratch.used.clear();
    let mut inferred = Vec::new();
    for v in &report.values {
        let forced = if disagreement.is_none() { scratch.unknowns.forced(v.key) } else { None };
        let cell = match forced {
            Some((value, rule)) => {
                inferred.push(Inferred {
                    division_code: report.division_code,
                    year: report.year,
                    key: v.key,
                    value,
                    rule,
                    cell: report.place(v.cell),
                });
                Resolved { value: Some(value), origin: Origin::Inferred }
            }
            None => Resolved { value: v.value, origin: Origin::Published },
        };
        scratch.set(v.key, cell);
    }
    derive(report, scratch);
    // The other rules of this year, on the values as they stand.
    for (i, (eq, _)) in applicable(report).enumerate() {
        if !is_exact(eq) && !eq.is_cross_year() {
            let at = |lag, key| if lag == 0 { location(report, key) } else { None };
            findings.extend(check(eq, Subject::of(report), |_, key| scratch.value(key), at).map(|v| (i, v)));
        }
    }
    findings.sort_by_key(|(i, _)| *i);
    findings.extend(disagreement.map(|d| (usize::MAX, d)));
    // In slot order, which is the keys' order (`slots_are_in_key_order`): no sorting.
    let mut cells = Vec::with_capacity(scratch.used.len());
    cells.extend((0..Key::SLOTS).filter_map(|s| Some((Key::at_slot(s), scratch.resolved[s]?))));
    Resolution { cells, inferred, findings }
}

/// An exact identity's finding on its own, as a violation (`None` where it holds).
fn finding(report: &Report, eq: &Equation, local: Local) -> Option<Violation> {
    let (kind, expected, actual, blanks, message) = match local {
        Local::Holds => return None,
        Local::Definite { stated, parts } => {
            // The ends nearest each other: how far apart the two sides are at the least.
            let (actual, expected) = match (stated.hi(), parts.lo()) {
                (Some(h), Some(l)) if h < l => (h, l),
                _ => (stated.lo().unwrap_or(0), parts.hi().unwrap_or(0)),
            };
            let short = actual < expected;
            let message =
                format!("parts {}, total {}", bound(parts, expected, short), bound(stated, actual, !short));
            (Finding::Definite, expected, actual, Vec::new(), message)
        }
        Local::OnlyIf { blanks, stated, parts } => {
            let named: Vec<String> =
                blanks.iter().map(|k| location(report, *k).unwrap_or_else(|| k.to_string())).collect();
            let message = format!(
                "with its blanks at 0 the parts make {parts} and the total {stated}: holds only if one of its {} blank cells on the {} side is non-zero",
                named.len(),
                if stated < parts { "total" } else { "parts" }
            );
            (Finding::OnlyIf, parts, stated, named, message)
        }
    };
    Some(Violation {
        division_code: report.division_code,
        division_name: report.division_name.clone(),
        year: report.year,
        rule: eq.rule,
        kind,
        severity: if kind == Finding::Definite { eq.rule.severity() } else { Severity::Warning },
        key: eq.lhs[0].key,
        expected,
        actual,
        difference: actual - expected,
        cells: eq.terms().filter_map(|t| location(report, t.key)).collect(),
        blanks,
        message,
    })
}

/// `v`, an end of `i`: "4", or "at least 4" / "at most 4" where `i` is a range.
fn bound(i: Interval, v: i64, low: bool) -> String {
    match (i.lo(), i.hi()) {
        (Some(l), Some(h)) if l == h => format!("{v}"),
        _ if low => format!("at least {v}"),
        _ => format!("at most {v}"),
    }
}

/// Where the identities stopped agreeing, as a definite violation of the one that found it.
fn contradiction(report: &Report, sound: &[&Equation], c: &Contradiction) -> Violation {
    let rule = c.rule.unwrap_or(Rule::A2);
    let eq = sound.iter().find(|e| e.rule == rule && e.terms().any(|t| t.key == c.key));
    let show = |i: Interval| match (i.lo(), i.hi()) {
        (Some(l), Some(h)) if l == h => format!("{l}"),
        (Some(l), Some(h)) => format!("{l} to {h}"),
        (Some(l), None) => format!("at least {l}"),
        (None, Some(h)) => format!("at most {h}"),
        (None, None) => "anything".to_string(),
    };
    // The two bounds that cross: what this identity requires, what the others allow.
    let (expected, actual) = match (c.must.lo(), c.can.hi()) {
        (Some(l), Some(h)) if l > h => (l, h),
        _ => (c.must.hi().unwrap_or(0), c.can.lo().unwrap_or(0)),
    };
    Violation {
        division_code: report.division_code,
        division_name: report.division_name.clone(),
        year: report.year,
        rule,
        kind: Finding::Definite,
        severity: Severity::Error,
        key: eq.map_or(c.key, |e| e.lhs[0].key),
        expected,
        actual,
        difference: actual - expected,
        cells: eq.map(|e| e.terms().filter_map(|t| location(report, t.key)).collect()).unwrap_or_default(),
        blanks: location(report, c.key).into_iter().collect(),
        message: format!(
            "no value of {} agrees with every identity: {} by {rule}, {} by the others",
            c.key,
            show(c.must),
            show(c.can)
        ),
    }
}

/// Fill the derived group subtotals: the sum of the members, blank if any member is blank,
/// absent if no member is present.
fn derive(report: &Report, scratch: &mut Scratch) {
    for sub in bounds::subtotals(report.template_of(Table::Applications)) {
        let parts = sub.parts.iter().map(|&p| scratch.resolved[p]);
        if parts.clone().all(|p| p.is_none()) {
            continue;
        }
        let value = parts.map(|p| p.and_then(|r| r.value)).sum::<Option<i64>>();
        scratch.set(Key::at_slot(sub.group), Resolved { value, origin: Origin::Derived });
    }
}

/// The report a violation is of.
#[derive(Clone, Copy)]
struct Subject<'a> {
    code: u32,
    name: &'a str,
    year: i32,
}

impl Subject<'_> {
    fn of(report: &Report) -> Subject<'_> {
        Subject { code: report.division_code, name: &report.division_name, year: report.year }
    }
}

/// A rule on the values as they stand (published and inferred): `value(lag, key)` gives this
/// year's (lag 0) and last year's; a term without a value leaves the rule unchecked.
/// `location(lag, key)` names a term's cell, for a violation.
fn check(
    eq: &Equation,
    subject: Subject,
    value: impl Fn(u8, Key) -> Option<i64>,
    location: impl Fn(u8, Key) -> Option<String>,
) -> Option<Violation> {
    let mut sides = [0i64, 0i64];
    for (side, terms) in [&eq.lhs, &eq.rhs].into_iter().enumerate() {
        for term in terms {
            sides[side] += i64::from(term.sign) * value(term.lag, term.key)?;
        }
    }
    let [actual, expected] = sides;
    let holds = match eq.relation {
        Relation::Equal => actual == expected,
        Relation::AtLeast => actual >= expected,
    };
    if holds {
        return None;
    }
    // Only a violation needs its cells named.
    let sources = eq.terms().filter_map(|term| location(term.lag, term.key)).collect();
    Some(Violation {
        division_code: subject.code,
        division_name: subject.name.to_string(),
        year: subject.year,
        rule: eq.rule,
        kind: Finding::Definite,
        severity: eq.rule.severity(),
        key: eq.lhs[0].key,
        expected,
        actual,
        difference: actual - expected,
        cells: sources,
        blanks: Vec::new(),
        message: match eq.relation {
            Relation::Equal => format!("parts {expected}, total {actual}"),
            Relation::AtLeast if eq.rhs.is_empty() => format!("{actual} is negative"),
            Relation::AtLeast => format!("{actual} is less than {expected}"),
        },
    })
}

impl Checked {
    /// The findings as a DataFrame, one row each: the violations, then the forced values.
    ///
    /// | column | meaning |
    /// |---|---|
    /// | `division_code`, `division_name`, `year` | the report |
    /// | `rule` | the identity, A1 … A4, S1 … S5 |
    /// | `kind` | `definite`, `only_if` or `forced` ([`Finding`]) |
    /// | `severity` | `error`, `warning` or `info` (a forced value) |
    /// | `table`, `item`, `measure`, `unit` | the stated cell of the identity, or the forced cell |
    /// | `expected`, `actual`, `difference` | as in [`Violation`]; a forced value is `expected`, its blank `actual` null |
    /// | `message` | what was found, in words |
    /// | `source` | the identity's published cells, or the forced cell (`file!sheet!cell`, `; `-separated) |
    /// | `blanks` | the blank cells concerned (`; `-separated) |
    ///
    /// Money is in 分, as everywhere (`unit` says which).
    ///
    /// ```
    /// let none = xxgk::validate::reports(Vec::new());
    /// assert_eq!(none.frame()?.height(), 0);
    /// assert_eq!(none.frame()?.width(), 16);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn frame(&self) -> crate::Result<DataFrame> {
        /// One row of the frame, borrowed from a violation or a forced value.
        struct Row<'a> {
            code: u32,
            name: &'a str,
            year: i32,
            rule: Rule,
            kind: Finding,
            severity: Severity,
            key: Key,
            expected: i64,
            actual: Option<i64>,
            message: String,
            source: String,
            blanks: String,
        }
        let rows: Vec<Row> = self
            .violations
            .iter()
            .map(|v| Row {
                code: v.division_code,
                name: &v.division_name,
                year: v.year,
                rule: v.rule,
                kind: v.kind,
                severity: v.severity,
                key: v.key,
                expected: v.expected,
                actual: Some(v.actual),
                message: v.message.clone(),
                source: v.cells.join("; "),
                blanks: v.blanks.join("; "),
            })
            .chain(self.inferred.iter().map(|i| Row {
                code: i.division_code,
                name: self.names.get(&i.division_code).map_or("", String::as_str),
                year: i.year,
                rule: i.rule,
                kind: Finding::Forced,
                severity: Severity::Info,
                key: i.key,
                expected: i.value,
                actual: None,
                message: format!("blank; {} leaves it only {}", i.rule, i.value),
                source: i.cell.clone(),
                blanks: i.cell.clone(),
            }))
            .collect();
        let [table, item, measure, unit] = cols::key_columns(rows.iter().map(|r| r.key))?;
        let ints = |name: &str, f: &dyn Fn(&Row) -> Option<i64>| -> Column {
            Series::new(name.into(), rows.iter().map(f).collect::<Vec<_>>()).into()
        };
        let text = |name: &str, values: Vec<&str>| -> Column { Series::new(name.into(), values).into() };
        let columns: Vec<Column> = vec![
            Series::new(cols::DIVISION_CODE.into(), rows.iter().map(|r| r.code).collect::<Vec<_>>()).into(),
            cols::categorical(cols::DIVISION_NAME, rows.iter().map(|r| Some(r.name)))?,
            Series::new(cols::YEAR.into(), rows.iter().map(|r| r.year).collect::<Vec<_>>()).into(),
            cols::enum_column(
                cols::RULE,
                &cols::codes(Rule::ALL, Rule::code),
                rows.iter().map(|r| r.rule.index() as u8),
            )?,
            cols::enum_column(
                cols::KIND,
                &cols::codes(Finding::ALL, Finding::code),
                rows.iter().map(|r| Finding::ALL.iter().position(|f| *f == r.kind).unwrap_or(0) as u8),
            )?,
            cols::enum_column(
                cols::SEVERITY,
                &cols::SEVERITIES,
                rows.iter().map(|r| cols::severity_index(r.severity)),
            )?,
            table,
            item,
            measure,
            unit,
            ints("expected", &|r| Some(r.expected)),
            ints("actual", &|r| r.actual),
            ints("difference", &|r| r.actual.map(|a| a - r.expected)),
            text("message", rows.iter().map(|r| r.message.as_str()).collect()),
            text("source", rows.iter().map(|r| r.source.as_str()).collect()),
            text("blanks", rows.iter().map(|r| r.blanks.as_str()).collect()),
        ];
        cols::frame(rows.len(), columns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report's resolved cells are made in slot order and looked up by binary search: the
    /// slots must be in the keys' order.
    #[test]
    fn slots_are_in_key_order() {
        let keys: Vec<Key> = (0..Key::SLOTS).map(Key::at_slot).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "slots out of key order");
        assert!(keys.iter().enumerate().all(|(s, &k)| k.slot() == s));
    }

    /// The carried-over cells of a frame are read the same whether its columns come in one
    /// chunk, in chunks cut at the same rows (a range across two read from both), or in chunks
    /// cut at different rows (made one first).
    #[test]
    fn carried_cells_are_the_same_however_the_frame_is_chunked() -> crate::error::Result<()> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample");
        let mut tidy = crate::load::from_path(&crate::read::ReadOptions::new(), dir)?.tidy;
        tidy.rechunk_mut();
        let height = tidy.height();
        let cut = |names: &[&str], at: usize| -> DataFrame {
            let mut out = tidy.clone();
            for name in names {
                let column = tidy.column(name).expect("column");
                let mut first = column.slice(0, at);
                first.append(&column.slice(at as i64, height - at)).expect("append");
                out.replace(name, first).expect("replace");
            }
            out
        };
        let all = [cols::ITEM, cols::MEASURE, cols::ORIGIN, cols::VALUE];
        let whole = FrameCells::of(&tidy)?;
        let ranges = [0..height, 0..700, 650..1400, height - 300..height];
        let carried: Vec<_> = ranges.iter().map(|r| whole.carried(r.clone())).collect();
        assert!(carried[0].len() > 20, "{:?}", carried[0]);
        // The rows after the cut change what the range reads.
        assert_ne!(carried[2], whole.carried(650..1000));
        for frame in [cut(&all, 1000), cut(&[cols::VALUE], 1000)] {
            let cells = FrameCells::of(&frame)?;
            assert_eq!(cells.height(), height);
            for (range, expected) in ranges.iter().zip(&carried) {
                assert_eq!(&cells.carried(range.clone()), expected, "{range:?}");
            }
        }
        assert_eq!(FrameCells::of(&cut(&all, 1000))?.blocks.len(), 2);
        Ok(())
    }
}
