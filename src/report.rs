//! The types every stage shares: a unit's [`Report`] as read, its [`Value`]s and their
//! [`CellRef`]s, the reader's [`Diagnostic`]s, a [`Batch`] of reports, and the [`Origin`] of a
//! value.
//!
//! `read` produces them; `validate` checks them and `frame` turns them into the tidy DataFrame.
//! They know nothing of spreadsheets or of polars: a report can be built by hand, from another
//! source, or from a stored tidy frame ([`frame::reports`](crate::frame::reports)).
//!
//! ```
//! use xxgk::report::{Report, Value};
//! use xxgk::schema::{Item, Key, Measure, Template};
//! let report = Report {
//!     division_code: 654025, division_name: "新源县".into(), year: 2022,
//!     template: Template::V2021, tables: vec![], source: "新源县.xlsx".into(), sheets: vec![],
//!     values: vec![Value { key: Key::new(Item::Granted, Measure::Total), value: Some(4), cell: None, note: None }],
//!     diagnostics: vec![],
//! };
//! assert_eq!(report.get(Key::new(Item::Granted, Measure::Total)).and_then(|v| v.value), Some(4));
//! ```

use std::fmt;
use std::path::PathBuf;

use crate::error::Location;
use crate::schema::{Key, Severity, Table, Template};

/// A value's place: sheet (an index into [`Report::sheets`]) and 0-based cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default, serde::Serialize)]
pub struct CellRef {
    /// Index into the report's sheet names.
    pub sheet: u16,
    /// 0-based row.
    pub row: u32,
    /// 0-based column.
    pub col: u32,
}

/// One published number (or blank) of a report.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Value {
    /// The cell of the national schema.
    pub key: Key,
    /// The number (counts in 件, money in 分); `None` is blank, never the same as 0.
    pub value: Option<i64>,
    /// Where it was read; `None` for values from a tidy table row without a cell address.
    pub cell: Option<CellRef>,
    /// An annotation written beside the number (`22（其中修订16件）`).
    pub note: Option<String>,
}

/// A table found in a report.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TableRead {
    /// Which table.
    pub table: Table,
    /// The template its labels show (real reports mix them).
    pub template: Template,
    /// Where it starts: its first header cell.
    pub cell: CellRef,
}

/// What the first cell of a sheet begins with when the sheet is xxgk's own and no report
/// (the legend, coverage, findings and tidy rows that `output::xlsx` writes): the reader passes
/// such a sheet by.
///
/// ```
/// assert_eq!(xxgk::report::MARKER, "xxgk:");
/// ```
pub const MARKER: &str = "xxgk:";

/// One unit's annual report, as read.
///
/// ```
/// use xxgk::read::ReadOptions;
/// use xxgk::schema::{Item, Key, Measure};
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/real/新源县-2022.xlsx");
/// let batch = ReadOptions::new().from_path(path)?;
/// let report = &batch.reports[0];
/// let granted = report.get(Key::new(Item::Granted, Measure::Total)).and_then(|v| v.value);
/// assert_eq!(granted, Some(4));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    /// GB/T 2260 code of the reporting unit.
    pub division_code: u32,
    /// The unit's official name.
    pub division_name: String,
    /// The report year.
    pub year: i32,
    /// The template of the report year (2019 format for 2019–2020, 2021 format after).
    pub template: Template,
    /// The tables found, each with the template its labels show.
    pub tables: Vec<TableRead>,
    /// The file read.
    pub source: PathBuf,
    /// Sheet names, indexed by [`CellRef::sheet`].
    pub sheets: Vec<String>,
    /// Every number (and blank) placed in the schema, in reading order.
    pub values: Vec<Value>,
    /// What the reader noticed about this report.
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// The value read for `key`, if the report has that cell.
    ///
    /// ```
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/real/新源县-2022.xlsx");
    /// # let report = &xxgk::read::ReadOptions::new().from_path(path)?.reports[0];
    /// use xxgk::schema::{Item, Key, Measure};
    /// let cell = report.get(Key::new(Item::NormativeDocuments, Measure::Issued)).ok_or("absent")?;
    /// assert_eq!(cell.value, None); // present, but blank
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get(&self, key: Key) -> Option<&Value> {
        self.values.iter().find(|v| v.key == key)
    }

    /// The template `table` was read in (the report's own when the table is missing).
    ///
    /// ```
    /// # use xxgk::read::ReadOptions;
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/real/新源县-2022.xlsx");
    /// # let report = &ReadOptions::new().from_path(path)?.reports[0];
    /// use xxgk::schema::{Table, Template};
    /// assert_eq!(report.template_of(Table::Applications), Template::V2021);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn template_of(&self, table: Table) -> Template {
        self.tables.iter().find(|t| t.table == table).map_or(self.template, |t| t.template)
    }

    /// The location of a value's cell: file, sheet, cell.
    ///
    /// ```
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/real/新源县-2022.xlsx");
    /// # let report = &xxgk::read::ReadOptions::new().from_path(path)?.reports[0];
    /// let v = &report.values[0];
    /// assert_eq!(v.key.to_string(), "proactive.regulations.issued");
    /// let at = report.location(v.cell);
    /// assert_eq!((at.sheet.as_deref(), at.cell), (Some("Sheet1"), v.cell.map(|c| (c.row, c.col))));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn location(&self, cell: Option<CellRef>) -> Location {
        let loc = Location::file(&self.source);
        match cell {
            Some(c) => {
                let loc = match self.sheets.get(c.sheet as usize) {
                    Some(name) => loc.with_sheet(name.clone()),
                    None => loc,
                };
                loc.with_cell(c.row, c.col)
            }
            None => loc,
        }
    }
    /// The place of a value's cell as text, `file!sheet!A1` — the same as
    /// `self.location(cell).to_string()`, without building the [`Location`].
    ///
    /// ```
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/real/新源县-2022.xlsx");
    /// # let report = &xxgk::read::ReadOptions::new().from_path(path)?.reports[0];
    /// let v = &report.values[0];
    /// assert_eq!(report.place(v.cell), report.location(v.cell).to_string());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn place(&self, cell: Option<CellRef>) -> String {
        let sheet_len = cell.and_then(|c| self.sheets.get(c.sheet as usize)).map_or(0, String::len);
        let mut out = String::with_capacity(self.source.as_os_str().len() + sheet_len + 12);
        let sheet = cell.and_then(|c| self.sheets.get(c.sheet as usize)).map(String::as_str);
        // Writing to a String cannot fail.
        let _ = crate::error::place(
            &mut out,
            Some(&self.source),
            sheet,
            cell.map(|c| crate::error::A1(c.row, c.col)),
        );
        out
    }
}

/// What a diagnostic is about; its [`code`](DiagnosticKind::code) is stable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DiagnosticKind {
    /// The file could not be opened or parsed (corrupt, truncated, not a workbook, encrypted).
    Unreadable,
    /// A resource limit refused the file or sheet.
    Limit,
    /// No table of the national format was found.
    NoTable,
    /// Cells of the national format absent from a table that was found (absent, not 0).
    Missing,
    /// A row or column label with numbers that is no label of the national format.
    UnknownLabel,
    /// A label the context does not decide (`其他` without its group).
    AmbiguousLabel,
    /// A cell in a table that is not a number.
    BadValue,
    /// Blank cells in a table (kept blank, not 0): one diagnostic per sheet, naming them.
    Blank,
    /// A negative count.
    Negative,
    /// An extra subtotal column or row that does not match its parts.
    Subtotal,
    /// The unit could not be told, or named no known division.
    Unit,
    /// The year could not be told.
    Year,
    /// Sources disagree (manifest, title, file name), or a table's template differs from the year's.
    Conflict,
    /// The same unit and year were read twice; both are kept.
    Duplicate,
    /// The same cell of the schema was found twice in one report; the first is kept.
    DuplicateCell,
    /// How a page or text file was decoded, when it was not declared UTF-8 (GBK detected …).
    Encoding,
    /// Numbers of published text that cannot be placed in their columns (a row with fewer
    /// numbers than columns, numbers without a row): the cells are left blank.
    Unplaced,
}

impl DiagnosticKind {
    /// The snake_case code.
    ///
    /// ```
    /// assert_eq!(xxgk::report::DiagnosticKind::BadValue.code(), "bad_value");
    /// ```
    pub const fn code(self) -> &'static str {
        match self {
            DiagnosticKind::Unreadable => "unreadable",
            DiagnosticKind::Limit => "limit",
            DiagnosticKind::NoTable => "no_table",
            DiagnosticKind::Missing => "missing",
            DiagnosticKind::UnknownLabel => "unknown_label",
            DiagnosticKind::AmbiguousLabel => "ambiguous_label",
            DiagnosticKind::BadValue => "bad_value",
            DiagnosticKind::Blank => "blank",
            DiagnosticKind::Negative => "negative",
            DiagnosticKind::Subtotal => "subtotal",
            DiagnosticKind::Unit => "unit",
            DiagnosticKind::Year => "year",
            DiagnosticKind::Conflict => "conflict",
            DiagnosticKind::Duplicate => "duplicate",
            DiagnosticKind::DuplicateCell => "duplicate_cell",
            DiagnosticKind::Encoding => "encoding",
            DiagnosticKind::Unplaced => "unplaced",
        }
    }
}

/// Something the reader noticed: where, how serious, what.
///
/// ```
/// use xxgk::report::{Diagnostic, DiagnosticKind};
/// use xxgk::schema::Severity;
/// use xxgk::Location;
/// let d = Diagnostic {
///     severity: Severity::Error,
///     kind: DiagnosticKind::BadValue,
///     location: Location::file("a.xlsx").with_sheet("表三").with_cell(6, 2),
///     message: "cannot read \"约30\" as a number: not a number".into(),
/// };
/// assert_eq!(d.to_string(), "error: a.xlsx!表三!C7: cannot read \"约30\" as a number: not a number [bad_value]");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// How serious.
    pub severity: Severity,
    /// What about.
    pub kind: DiagnosticKind,
    /// File, sheet and cell where they apply.
    pub location: Location,
    /// What, in words.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {} [{}]", self.severity, self.location, self.message, self.kind.code())
    }
}

/// What a read returns: the reports, and the diagnostics that belong to no report (files that
/// could not be read, sheets without tables, reports refused in strict mode).
#[derive(Clone, Debug, Default, serde::Serialize)]
#[non_exhaustive]
pub struct Batch {
    /// The reports, ordered by file path, then position in the file.
    pub reports: Vec<Report>,
    /// Diagnostics not attached to a report.
    pub diagnostics: Vec<Diagnostic>,
    /// How many files were looked at.
    pub files: usize,
}

impl Batch {
    /// Every diagnostic: the batch's own, then each report's.
    ///
    /// ```
    /// # let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/real");
    /// let batch = xxgk::read::ReadOptions::new().from_dir(dir)?;
    /// // 新源县 2022: no loose diagnostic; its report tells of its 4 blank cells, in one note.
    /// let kinds: Vec<&str> = batch.all_diagnostics().map(|d| d.kind.code()).collect();
    /// assert_eq!(kinds, ["blank"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn all_diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().chain(self.reports.iter().flat_map(|r| r.diagnostics.iter()))
    }
}

/// Where a value comes from: the `origin` column of every frame.
///
/// ```
/// use xxgk::report::Origin;
/// assert_eq!(Origin::Inferred.code(), "inferred");
/// assert_eq!(Origin::ALL.len(), 3);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Origin {
    /// Read from the report.
    Published,
    /// Blank in the report, recovered from an identity in which it was the only unknown.
    Inferred,
    /// A group subtotal (`withheld`, `unable`, `not_processed`, 2021 `other`): the sum of its
    /// sub-items, never published; blank when one of them is blank.
    Derived,
}

impl Origin {
    /// Every origin, in the order of the polars `Enum` built from them.
    pub const ALL: &'static [Origin] = &[Origin::Published, Origin::Inferred, Origin::Derived];

    /// The lowercase code (`published`, `inferred`, `derived`).
    ///
    /// ```
    /// assert_eq!(xxgk::report::Origin::Derived.code(), "derived");
    /// ```
    pub const fn code(self) -> &'static str {
        match self {
            Origin::Published => "published",
            Origin::Inferred => "inferred",
            Origin::Derived => "derived",
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}
