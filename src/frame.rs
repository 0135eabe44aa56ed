//! Checked reports → the tidy polars DataFrame every later stage reads, the wide view, and the
//! way back: a stored tidy dataset read into a `LazyFrame`, and a tidy frame turned back into
//! [`Report`]s.
//!
//! The tidy frame is built once, column by column, from all reports together — never a frame
//! per file; its columns come in chunks of about half a million rows (one per part made as the
//! reports arrive), which every stage reads as they are. One row per value:
//!
//! | column | type | meaning |
//! |---|---|---|
//! | `division_code` | u32 | GB/T 2260 code of the reporting unit |
//! | `division_name` | categorical | its name |
//! | `prefecture_code`, `province_code` | u32 | its parents, from the registry (null if unknown) |
//! | `year` | i32 | the report year |
//! | `template` | enum `2019` / `2021` | the template the table was read in |
//! | `table`, `item`, `measure` | enum | the schema codes |
//! | `unit` | enum `件` / `分` | what `value` counts: 件 (cases, items, decisions) or 分 (money) |
//! | `value` | i64 | counts in 件, money in 分; **null is blank**, never 0 |
//! | `origin` | enum `published` / `inferred` / `derived` | see [`Origin`] |
//! | `file`, `sheet`, `cell` | categorical | where the value was read (`cell` in A1 notation); a row without a cell of its own (a derived subtotal, a value of published text that could not be placed) has the file and sheet of its table and no cell |
//!
//! Rows come report by report in the order given; within a report, the published and inferred
//! values in reading order, then the derived group subtotals (`withheld`, `unable`,
//! `not_processed`, 2021 `other`: the sum of their sub-items, blank if one is blank). Later
//! stages ([`rollup`](crate::rollup)) sum the derived rows like any other, so a frame read back
//! from disk rolls up to the same numbers.
//!
//! Stored as a hive-partitioned Parquet dataset
//! (`output::parquet_dataset(&tidy, dir, &frame::PARTITIONS)`), it is read back by
//! [`read_dataset`] with the same dtypes.

use foldhash::HashMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use polars_arrow::bitmap::MutableBitmap;
use polars_io::prelude::{ParquetReader, SerReader};
use rayon::prelude::*;

use crate::columns::{self as cols, Kind, Spec, optional, required};
use crate::divisions::registry;
use crate::error::{Error, ErrorKind, Location, Result};
use crate::report::{CellRef, Origin, Report, TableRead, Value};
use crate::schema::{Item, Key, KeySet, Measure, Table, Template, cells};
use crate::validate::{Checked, CheckedReport};

/// The partition columns of a stored tidy dataset: `year=…/province_code=…/part-0.parquet`.
pub const PARTITIONS: [&str; 2] = [cols::YEAR, cols::PROVINCE_CODE];

/// The tidy frame's contract, as checked at the entry of every stage that reads one.
pub(crate) fn contract() -> Vec<Spec> {
    use crate::columns::IntType::{I64, U32, Year};
    let null = || lit(NULL);
    let unit = [
        required(cols::DIVISION_CODE, Kind::Int(U32), false),
        optional(cols::DIVISION_NAME, Kind::Categorical, null()),
        optional(cols::PREFECTURE_CODE, Kind::Int(U32), null()),
        optional(cols::PROVINCE_CODE, Kind::Int(U32), null()),
        required(cols::YEAR, Kind::Int(Year), false),
        optional(
            cols::TEMPLATE,
            Kind::Codes(cols::TEMPLATE),
            when(col(cols::YEAR).lt_eq(lit(2020)))
                .then(lit(Template::V2019.code()))
                .otherwise(lit(Template::V2021.code())),
        ),
    ];
    let value = [
        required(cols::VALUE, Kind::Int(I64), true),
        optional(cols::ORIGIN, Kind::Codes(cols::ORIGIN), lit(Origin::Published.code())),
        optional(cols::FILE, Kind::Categorical, null()),
        optional(cols::SHEET, Kind::Categorical, null()),
        optional(cols::CELL, Kind::Categorical, null()),
    ];
    unit.into_iter().chain(cols::cell_specs()).chain(value).collect()
}

/// Check a tidy frame from anywhere (a user's own, a dataset read back) against the contract
/// above, once (collecting it): a missing required column, an unusable dtype, a null key or a code outside the
/// schema is an [`ErrorKind::Column`] naming it. Columns the contract does not name are dropped;
/// optional ones it lacks are filled (`origin` published, `unit` from the measure, `template`
/// from the year, the rest null).
///
/// ```
/// use xxgk::polars::prelude::*;
/// let mine = df!(
///     "division_code" => [654025u32], "year" => [2022i32], "table" => ["applications"],
///     "item" => ["granted"], "measure" => ["totl"], "value" => [Some(4i64)],
/// )?;
/// let err = xxgk::frame::check(mine.lazy()).err().ok_or("accepted")?;
/// assert_eq!(err.to_string(), "column \"measure\": not a code of the schema: \"totl\"");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check(tidy: LazyFrame) -> Result<LazyFrame> {
    Ok(checked(tidy)?.lazy())
}

/// [`check`], collected: what the stages read.
pub(crate) fn checked(tidy: LazyFrame) -> Result<DataFrame> {
    cols::conform(tidy, "a tidy frame", &contract())
}

/// The tidy frame of checked reports.
///
/// ```
/// use xxgk::read::ReadOptions;
/// let batch = ReadOptions::new().from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real"))?;
/// let checked = xxgk::validate::reports(batch.reports);
/// let tidy = xxgk::frame::tidy(&checked)?;
/// assert_eq!(tidy.height(), 200 + 28); // 10 + 175 + 15 cells of the 2021 format, 4 × 7 subtotals
/// assert_eq!(tidy.column("value")?.null_count(), 3); // 4 blanks, one of them inferred
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn tidy(checked: &Checked) -> Result<DataFrame> {
    let mut builder = TidyBuilder::default();
    // Each report's values and its derived subtotals (at most 4 groups × 7 columns).
    builder.expect_rows(checked.reports().iter().map(|c| c.report().values.len() + 28).sum());
    for c in checked.reports() {
        builder.push(c)?;
    }
    builder.finish()
}

/// The tidy frame's columns, report by report: each report's rows become numbers in column
/// vectors (its repeated text numbered: names and files by report, sheets by report and index,
/// cells by position — each distinct string kept once), so the report can be dropped. Every
/// [`PartRows`] rows (2^19) the vectors become a chunk of each column and start again: the rows
/// are held once, in the frame, besides at most one part's vectors.
#[derive(Default)]
pub(crate) struct TidyBuilder {
    /// The columns of the rows made so far, a chunk per part.
    made: Vec<Column>,
    made_rows: usize,
    /// Rows expected in all (0: not known), for sizing each part's vectors once.
    expected: usize,
    part: PartRows,
    /// Per report: code, name, parents, year, file, and how many rows it has.
    reports: Vec<ReportRows>,
    template: Vec<u8>,
    keys: Vec<Key>,
    value: Vec<i64>,
    published: MutableBitmap,
    origin: Vec<u8>,
    /// Index into the sheet names (0 where there is none).
    sheet: Vec<u32>,
    has_sheet: MutableBitmap,
    /// Index into the cell names (0 where there is none).
    cell: Vec<u32>,
    has_cell: MutableBitmap,
    names: Numbering,
    files: Numbering,
    sheets: Numbering,
    cells: CellIds,
    cell_names: Categories,
}

/// Each cell position's number among the cell names: the positions of the national tables
/// (the first 1,024 rows, 64 columns) in a flat array, the rest in a map.
#[derive(Default)]
struct CellIds {
    /// Row-major; 0 is a position not met yet, otherwise its number + 1.
    near: Vec<u32>,
    far: HashMap<(u32, u32), u32>,
}

impl CellIds {
    const ROWS: u32 = 1 << 10;
    const COLS: u32 = 1 << 6;

    fn id(&mut self, (row, col): (u32, u32), names: &mut Categories) -> u32 {
        if row >= CellIds::ROWS || col >= CellIds::COLS {
            return *self.far.entry((row, col)).or_insert_with(|| names.push(Location::a1(row, col)));
        }
        if self.near.is_empty() {
            self.near = vec![0; (CellIds::ROWS * CellIds::COLS) as usize];
        }
        let at = &mut self.near[(row * CellIds::COLS + col) as usize];
        if *at == 0 {
            *at = names.push(Location::a1(row, col)) + 1;
        }
        *at - 1
    }
}

struct ReportRows {
    code: u32,
    name: u32,
    parents: (Option<u32>, Option<u32>),
    year: i32,
    file: u32,
    rows: usize,
}

/// Rows made into a chunk of the frame's columns at a time: a part's vectors take about 12 MB
/// and the columns made of them as much again.
struct PartRows(usize);

impl Default for PartRows {
    fn default() -> PartRows {
        PartRows(1 << 19)
    }
}

impl TidyBuilder {
    /// Rows pushed so far.
    pub(crate) fn rows(&self) -> usize {
        self.made_rows + self.keys.len()
    }

    /// The number of a unit name among the frame's names (numbered now if new): the
    /// [`TidyBuilder::push`] of a report with this name gives its rows the same.
    pub(crate) fn name_id(&mut self, name: &str) -> u32 {
        self.names.id(name)
    }

    /// The unit name numbered `id` by [`TidyBuilder::name_id`].
    pub(crate) fn name(&self, id: u32) -> &str {
        &self.names.categories.strings[id as usize]
    }

    /// About `rows` rows expected in all: each part's vectors are allocated once, for the
    /// part's size or what is left, instead of doubling (which touches twice the memory and
    /// copies every row again).
    pub(crate) fn expect_rows(&mut self, rows: usize) {
        self.expected = rows;
        self.reserve_part();
    }

    fn reserve_part(&mut self) {
        // A part ends after the report that reaches its size: room for one more report's
        // rows (a few hundred; past this the vectors grow as they are written).
        let part = self.expected.saturating_sub(self.made_rows).min(self.part.0 + 4096);
        let more = part.saturating_sub(self.keys.len());
        self.template.reserve(more);
        self.keys.reserve(more);
        self.value.reserve(more);
        self.published.reserve(more);
        self.origin.reserve(more);
        self.sheet.reserve(more);
        self.has_sheet.reserve(more);
        self.cell.reserve(more);
        self.has_cell.reserve(more);
    }

    /// Append one checked report's rows: published and inferred values in reading order, then
    /// the derived subtotals. An error only where polars cannot make a part's columns.
    pub(crate) fn push(&mut self, c: &CheckedReport) -> Result<()> {
        let r = c.report();
        let before = self.keys.len();
        let sheets: Vec<u32> = r.sheets.iter().map(|s| self.sheets.id(s)).collect();
        // A row without a cell of its own — a subtotal, a value of published text that could
        // not be placed — has its table's file and sheet, so a report is one source.
        let table_of = |table: Table| r.tables.iter().find(|t| t.table == table).map(|t| t.cell);
        let row =
            |b: &mut TidyBuilder, key: Key, value: Option<i64>, origin: Origin, at: Option<CellRef>, own| {
                b.template.push(r.template_of(key.table).index() as u8);
                b.keys.push(key);
                b.value.push(value.unwrap_or(0));
                b.published.push(value.is_some());
                b.origin.push(origin as u8);
                let sheet = at.and_then(|at| sheets.get(at.sheet as usize).copied());
                b.sheet.push(sheet.unwrap_or(0));
                b.has_sheet.push(sheet.is_some());
                let cell = at.filter(|_| own).map(|at| b.cells.id((at.row, at.col), &mut b.cell_names));
                b.cell.push(cell.unwrap_or(0));
                b.has_cell.push(cell.is_some());
            };
        // The few blanks the identities filled, to look up only those.
        let inferred: KeySet =
            c.in_order().iter().filter(|(_, res)| res.origin == Origin::Inferred).map(|(k, _)| *k).collect();
        for v in &r.values {
            let (value, origin) = match inferred.contains(v.key).then(|| c.get(v.key)).flatten() {
                Some(res) => (res.value, Origin::Inferred),
                None => (v.value, Origin::Published),
            };
            row(self, v.key, value, origin, v.cell.or_else(|| table_of(v.key.table)), v.cell.is_some());
        }
        let table = table_of(Table::Applications);
        for (key, res) in c.in_order().iter().filter(|(_, res)| res.origin == Origin::Derived) {
            row(self, *key, res.value, Origin::Derived, table, false);
        }
        let reg = registry();
        let file = self.files.id(&r.source.display().to_string());
        self.reports.push(ReportRows {
            code: r.division_code,
            name: self.names.id(&r.division_name),
            parents: (reg.prefecture_of(r.division_code), reg.province_of(r.division_code)),
            year: r.year,
            file,
            rows: self.keys.len() - before,
        });
        if self.keys.len() >= self.part.0 { self.make_part() } else { Ok(()) }
    }

    /// The frame: a chunk per part of [`PartRows`] rows.
    pub(crate) fn finish(mut self) -> Result<DataFrame> {
        if self.made.is_empty() || !self.keys.is_empty() {
            self.make_part()?;
        }
        cols::frame(self.made_rows, self.made)
    }

    /// The rows pushed since the last part become a chunk of every column, and the vectors
    /// start again. The vectors that hold a column's values as polars lays them out (values,
    /// ids, validity) become its buffers without a copy.
    fn make_part(&mut self) -> Result<()> {
        let columns = self.part_columns()?;
        self.made_rows += columns.first().map_or(0, Column::len);
        if self.made.is_empty() {
            self.made = columns;
        } else {
            for (made, part) in self.made.iter_mut().zip(columns) {
                made.append_owned(part).map_err(|e| cols::polars_error("making the tidy frame", e))?;
            }
        }
        self.reserve_part();
        Ok(())
    }

    fn part_columns(&mut self) -> Result<Vec<Column>> {
        let height = self.keys.len();
        let reports = std::mem::take(&mut self.reports);
        // A report's value, once per row of it.
        fn per_row<T: Copy>(reports: &[ReportRows], height: usize, f: impl Fn(&ReportRows) -> T) -> Vec<T> {
            let mut out = Vec::with_capacity(height);
            for r in reports {
                out.extend(std::iter::repeat_n(f(r), r.rows));
            }
            out
        }
        let names = self.names.categories.ids(cols::DIVISION_NAME)?;
        let name_ids = per_row(&reports, height, |r| names[r.name as usize]);
        let files = self.files.categories.ids(cols::FILE)?;
        let file_ids = per_row(&reports, height, |r| files[r.file as usize]);
        let sheets = self.sheets.categories.ids(cols::SHEET)?;
        let mut sheet_ids = std::mem::take(&mut self.sheet);
        for s in &mut sheet_ids {
            *s = sheets.get(*s as usize).copied().unwrap_or(0);
        }
        let cells = self.cell_names.ids(cols::CELL)?;
        let mut cell_ids = std::mem::take(&mut self.cell);
        for c in &mut cell_ids {
            *c = cells.get(*c as usize).copied().unwrap_or(0);
        }
        // Each report's parents, null where the registry has none.
        let parent = |i: usize| -> UInt32Chunked {
            let mut valid = MutableBitmap::with_capacity(height);
            let mut codes = Vec::with_capacity(height);
            for r in &reports {
                let p = if i == 0 { r.parents.0 } else { r.parents.1 };
                valid.extend_constant(r.rows, p.is_some());
                codes.extend(std::iter::repeat_n(p.unwrap_or(0), r.rows));
            }
            cols::with_validity(
                if i == 0 { cols::PREFECTURE_CODE } else { cols::PROVINCE_CODE },
                codes,
                valid,
            )
        };
        let (keys, template, origin) = (
            std::mem::take(&mut self.keys),
            std::mem::take(&mut self.template),
            std::mem::take(&mut self.origin),
        );
        let (value, published) = (std::mem::take(&mut self.value), std::mem::take(&mut self.published));
        let (has_sheet, has_cell) = (std::mem::take(&mut self.has_sheet), std::mem::take(&mut self.has_cell));
        // The columns are made side by side on the threads (most of the time goes to polars
        // checking each category id against its categories).
        type Task<'a> = Box<dyn FnOnce() -> Result<Vec<Column>> + Send + 'a>;
        let one = |c: Column| Ok(vec![c]);
        let tasks: Vec<Task> = vec![
            Box::new(|| {
                one(UInt32Chunked::from_vec(
                    cols::DIVISION_CODE.into(),
                    per_row(&reports, height, |r| r.code),
                )
                .into_column())
            }),
            Box::new(|| {
                one(cols::categorical_ids(
                    cols::DIVISION_NAME,
                    UInt32Chunked::from_vec(cols::DIVISION_NAME.into(), name_ids),
                )?)
            }),
            Box::new(|| one(parent(0).into_column())),
            Box::new(|| one(parent(1).into_column())),
            Box::new(|| {
                one(Int32Chunked::from_vec(cols::YEAR.into(), per_row(&reports, height, |r| r.year))
                    .into_column())
            }),
            Box::new(|| {
                one(cols::enum_column(
                    cols::TEMPLATE,
                    &cols::codes(Template::ALL, Template::code),
                    template.into_iter(),
                )?)
            }),
            Box::new(|| Ok(cols::key_columns(keys.into_iter())?.into())),
            Box::new(|| one(cols::with_validity::<Int64Type>(cols::VALUE, value, published).into_column())),
            Box::new(|| {
                one(cols::enum_column(
                    cols::ORIGIN,
                    &cols::codes(Origin::ALL, Origin::code),
                    origin.into_iter(),
                )?)
            }),
            Box::new(|| {
                one(cols::categorical_ids(cols::FILE, UInt32Chunked::from_vec(cols::FILE.into(), file_ids))?)
            }),
            Box::new(|| {
                one(cols::categorical_ids(
                    cols::SHEET,
                    cols::with_validity(cols::SHEET, sheet_ids, has_sheet),
                )?)
            }),
            Box::new(|| {
                one(cols::categorical_ids(cols::CELL, cols::with_validity(cols::CELL, cell_ids, has_cell))?)
            }),
        ];
        let made: Vec<Vec<Column>> = tasks.into_par_iter().map(|task| task()).collect::<Result<_>>()?;
        Ok(made.into_iter().flatten().collect())
    }
}

/// Distinct strings numbered in the order first met.
#[derive(Default)]
struct Numbering {
    ids: HashMap<String, u32>,
    categories: Categories,
}

impl Numbering {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.categories.push(s.to_string());
        self.ids.insert(s.to_string(), id);
        id
    }
}

/// Strings by number, with their polars category ids (found once per string, when its rows
/// become columns).
#[derive(Default)]
struct Categories {
    strings: Vec<String>,
    ids: Vec<u32>,
    /// Held while the ids are in use: without it polars may drop the mapping between chunks.
    mapping: Option<Arc<CategoricalMapping>>,
}

impl Categories {
    fn push(&mut self, s: String) -> u32 {
        self.strings.push(s);
        (self.strings.len() - 1) as u32
    }

    /// The category id of every string so far.
    fn ids(&mut self, column: &str) -> Result<&[u32]> {
        self.mapping.get_or_insert_with(cols::category_mapping);
        if self.ids.len() < self.strings.len() {
            let new: Vec<&str> = self.strings[self.ids.len()..].iter().map(String::as_str).collect();
            self.ids.extend(cols::category_ids(column, &new)?);
        }
        Ok(&self.ids)
    }
}

/// The wide view: one row per report, one column per `table.item.measure` cell of either
/// template (money in 分), inferred values included; a cell the report does not have is null.
///
/// ```
/// use xxgk::read::ReadOptions;
/// let batch = ReadOptions::new().from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real"))?;
/// let checked = xxgk::validate::reports(batch.reports);
/// let wide = xxgk::frame::wide(&checked)?;
/// assert_eq!(wide.height(), 1);
/// let granted = wide.column("applications.granted.total")?.i64()?.get(0);
/// assert_eq!(granted, Some(4));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn wide(checked: &Checked) -> Result<DataFrame> {
    let mut keys: Vec<Key> = cells(Template::V2021).to_vec();
    for k in cells(Template::V2019) {
        if !keys.contains(k) {
            keys.push(*k);
        }
    }
    keys.sort();
    let reports = checked.reports();
    let n = reports.len();
    let mut columns: Vec<Column> = vec![
        Series::new(
            cols::DIVISION_CODE.into(),
            reports.iter().map(|c| c.report().division_code).collect::<Vec<_>>(),
        )
        .into(),
        cols::categorical(
            cols::DIVISION_NAME,
            reports.iter().map(|c| Some(c.report().division_name.as_str())),
        )?,
        Series::new(cols::YEAR.into(), reports.iter().map(|c| c.report().year).collect::<Vec<_>>()).into(),
        cols::enum_column(
            cols::TEMPLATE,
            &cols::codes(Template::ALL, Template::code),
            reports.iter().map(|c| c.report().template.index() as u8),
        )?,
    ];
    for key in keys {
        let values: Vec<Option<i64>> = reports
            .iter()
            .map(|c| c.get(key).filter(|res| res.origin != Origin::Derived).and_then(|res| res.value))
            .collect();
        columns.push(Series::new(key.to_string().into(), values).into());
    }
    cols::frame(n, columns)
}

fn io(path: &Path, source: std::io::Error) -> Error {
    Error::new(ErrorKind::Io { location: Location::file(path), source })
}

/// The `.parquet` files at `path` (a file, or a folder at any depth); with `first`, the walk
/// stops at the first one. Entries are told apart by the type the directory listing gives, so
/// a folder of workbooks costs no `stat` per file; links are followed.
fn parquet_files(path: &Path, first: bool, out: &mut Vec<PathBuf>) -> Result<()> {
    let meta = std::fs::metadata(path).map_err(|e| io(path, e))?;
    if meta.is_file() {
        if is_parquet(path) {
            out.push(path.to_path_buf());
        }
        return Ok(());
    }
    for entry in std::fs::read_dir(path).map_err(|e| io(path, e))? {
        if first && !out.is_empty() {
            break;
        }
        let entry = entry.map_err(|e| io(path, e))?;
        let (kind, path) = (entry.file_type().map_err(|e| io(&entry.path(), e))?, entry.path());
        if kind.is_dir() || kind.is_symlink() {
            parquet_files(&path, first, out)?;
        } else if kind.is_file() && is_parquet(&path) {
            out.push(path);
        }
    }
    Ok(())
}

fn is_parquet(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
}

/// Whether `path` is a stored dataset: a `.parquet` file, or a folder holding one (at any
/// depth).
///
/// ```
/// let root = env!("CARGO_MANIFEST_DIR");
/// assert!(!xxgk::frame::is_dataset(format!("{root}/data/sample")));
/// ```
pub fn is_dataset(path: impl AsRef<Path>) -> bool {
    let mut files = Vec::new();
    parquet_files(path.as_ref(), true, &mut files).is_ok() && !files.is_empty()
}

/// Read a stored tidy dataset — a `.parquet` file, or every `.parquet` file under a folder
/// (hive partitions, in path order) — into one `LazyFrame`, checked against the tidy frame's
/// contract (see [`check`]).
///
/// The part files are read with polars-io's Parquet reader and concatenated (polars' own lazy
/// scanner would bring its HTTP stack into the build).
///
/// ```
/// use xxgk::polars::prelude::*;
/// let batch = xxgk::read::ReadOptions::new().from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real"))?;
/// let tidy = xxgk::frame::tidy(&xxgk::validate::reports(batch.reports))?;
/// let dir = std::env::temp_dir().join("xxgk-doc-read-dataset");
/// # let _ = std::fs::remove_dir_all(&dir);
/// xxgk::output::parquet_dataset(&tidy, &dir, &xxgk::frame::PARTITIONS)?;
/// let back = xxgk::frame::read_dataset(&dir)?.collect()?;
/// assert!(back.equals_missing(&tidy));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_dataset(path: impl AsRef<Path>) -> Result<LazyFrame> {
    let path = path.as_ref();
    let mut files = Vec::new();
    parquet_files(path, false, &mut files)?;
    files.sort();
    if files.is_empty() {
        return Err(io(path, std::io::Error::new(std::io::ErrorKind::NotFound, "no .parquet file here")));
    }
    let mut parts = Vec::with_capacity(files.len());
    for f in &files {
        let file = std::fs::File::open(f).map_err(|e| io(f, e))?;
        let df = ParquetReader::new(file).finish().map_err(|e| {
            Error::new(ErrorKind::Unreadable {
                location: Location::file(f),
                message: "cannot read this Parquet file".into(),
                source: Some(Box::new(e)),
            })
        })?;
        parts.push(check(df.lazy())?);
    }
    concat(parts, UnionArgs::default()).map_err(|e| cols::polars_error("concatenating the dataset", e))
}

/// Turn a tidy frame back into reports: one per unit, year and file, with its published values
/// (an inferred value goes back to blank, as it was read; derived subtotals are left out), its
/// cells and sheet names, and each table's template. What validation needs, so a stored dataset
/// can be checked like the workbooks it came from; diagnostics are not stored and come back
/// empty. Rows of one unit-year and file form one report (a file holding the same unit-year
/// twice gives one report with the first of each cell).
///
/// ```
/// let batch = xxgk::read::ReadOptions::new().from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real"))?;
/// let original = batch.reports[0].clone();
/// let tidy = xxgk::frame::tidy(&xxgk::validate::reports(batch.reports))?;
/// use xxgk::polars::prelude::IntoLazy;
/// let back = xxgk::frame::reports(tidy.lazy())?;
/// assert_eq!(back[0].values, original.values);
/// assert_eq!(back[0].location(back[0].values[0].cell), original.location(original.values[0].cell));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn reports(tidy: LazyFrame) -> Result<Vec<Report>> {
    let df = checked(tidy)?;
    let err = |e| cols::polars_error("reading a tidy frame", e);
    let text = |name: &str| -> Result<Vec<Option<String>>> {
        let c = df.column(name).map_err(err)?.cast(&DataType::String).map_err(err)?;
        Ok(c.str().map_err(err)?.iter().map(|s| s.map(str::to_string)).collect())
    };
    let codes = |name: &str| -> Result<Vec<u8>> {
        let c = df.column(name).map_err(err)?.to_physical_repr();
        Ok(c.u8().map_err(err)?.iter().map(|x| x.unwrap_or(0)).collect())
    };
    let code = df.column(cols::DIVISION_CODE).map_err(err)?.u32().map_err(err)?.clone();
    let year = df.column(cols::YEAR).map_err(err)?.i32().map_err(err)?.clone();
    let value = df.column(cols::VALUE).map_err(err)?.i64().map_err(err)?.clone();
    let (names, files, sheets, cells) =
        (text(cols::DIVISION_NAME)?, text(cols::FILE)?, text(cols::SHEET)?, text(cols::CELL)?);
    let (templates, items, measures, origins) =
        (codes(cols::TEMPLATE)?, codes(cols::ITEM)?, codes(cols::MEASURE)?, codes(cols::ORIGIN)?);
    let mut out: Vec<Report> = Vec::new();
    let mut index: std::collections::HashMap<(u32, i32, Option<String>), usize> = Default::default();
    let reg = registry();
    for i in 0..df.height() {
        let origin = Origin::ALL[origins[i] as usize];
        if origin == Origin::Derived {
            continue;
        }
        let (Some(c), Some(y)) = (code.get(i), year.get(i)) else { continue };
        let key = Key::new(Item::ALL[items[i] as usize], Measure::ALL[measures[i] as usize]);
        let at = *index.entry((c, y, files[i].clone())).or_insert_with(|| {
            out.push(Report {
                division_code: c,
                division_name: names[i]
                    .clone()
                    .or_else(|| reg.get(c).map(|d| d.name.clone()))
                    .unwrap_or_else(|| c.to_string()),
                year: y,
                template: Template::for_year(y),
                tables: Vec::new(),
                source: PathBuf::from(files[i].clone().unwrap_or_default()),
                sheets: Vec::new(),
                values: Vec::new(),
                diagnostics: Vec::new(),
            });
            out.len() - 1
        });
        let r = &mut out[at];
        if r.values.iter().any(|v| v.key == key) {
            continue;
        }
        let sheet = match &sheets[i] {
            Some(s) => match r.sheets.iter().position(|n| n == s) {
                Some(p) => Some(p as u16),
                None => {
                    r.sheets.push(s.clone());
                    Some((r.sheets.len() - 1) as u16)
                }
            },
            None => None,
        };
        let cell = cells[i].as_deref().and_then(Location::parse_a1).map(|(row, col)| CellRef {
            sheet: sheet.unwrap_or(0),
            row,
            col,
        });
        if !r.tables.iter().any(|t| t.table == key.table) {
            let template = Template::ALL[templates[i] as usize];
            r.tables.push(TableRead { table: key.table, template, cell: cell.unwrap_or_default() });
        }
        let published = if origin == Origin::Inferred { None } else { value.get(i) };
        r.values.push(Value { key, value: published, cell, note: None });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::ReadOptions;
    use crate::rollup::Level;

    /// A frame made in parts of a few hundred rows — a chunk per part, parts ending inside and
    /// at the end of reports — is the frame made in one, and rolls up and compares the same.
    #[test]
    fn a_frame_made_in_parts_is_the_frame_made_at_once() -> Result<()> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample");
        let mut options = ReadOptions::new();
        options.manifest(format!("{dir}/manifest.csv"))?;
        let checked = crate::validate::reports(options.from_path(dir)?.reports);
        let whole = tidy(&checked)?;
        let mut builder = TidyBuilder { part: PartRows(700), ..TidyBuilder::default() };
        for c in checked.reports() {
            builder.push(c)?;
        }
        let parts = builder.finish()?;
        let chunks = parts.column(cols::VALUE).map_err(|e| cols::polars_error("test", e))?.n_chunks();
        assert!(chunks > 3, "{chunks} chunks");
        assert_eq!(whole.column(cols::VALUE).map_err(|e| cols::polars_error("test", e))?.n_chunks(), 1);
        assert!(parts.equals_missing(&whole));
        assert_eq!(reports(parts.clone().lazy())?, reports(whole.clone().lazy())?);
        for level in [Level::Unit, Level::Prefecture, Level::Province] {
            let sums = |frame: &DataFrame| -> Result<DataFrame> {
                let by = crate::rollup::by(frame.clone().lazy(), level)?;
                crate::compare::years(by)?.collect().map_err(|e| cols::polars_error("test", e))
            };
            assert!(sums(&parts)?.equals_missing(&sums(&whole)?), "{level:?}");
        }
        Ok(())
    }
}
