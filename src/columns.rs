//! What the frame-making modules share: column names, the polars dtypes built from the schema,
//! column builders, and the check every incoming frame passes once at the entry of a stage.
//!
//! Kept private: the column names and dtypes are documented on the frames that carry them
//! ([`frame`](crate::frame), [`rollup`](crate::rollup), [`compare`](crate::compare)).

use std::collections::BTreeSet;

use foldhash::{HashMap, HashMapExt};
use polars::prelude::*;

use crate::error::{Error, ErrorKind, Result};
use crate::report::Origin;
use crate::schema::{Item, Key, Measure, Severity, Table, Template, Unit};

pub(crate) const DIVISION_CODE: &str = "division_code";
pub(crate) const DIVISION_NAME: &str = "division_name";
pub(crate) const PREFECTURE_CODE: &str = "prefecture_code";
pub(crate) const PROVINCE_CODE: &str = "province_code";
pub(crate) const YEAR: &str = "year";
pub(crate) const TEMPLATE: &str = "template";
pub(crate) const TABLE: &str = "table";
pub(crate) const ITEM: &str = "item";
pub(crate) const MEASURE: &str = "measure";
pub(crate) const UNIT: &str = "unit";
pub(crate) const VALUE: &str = "value";
pub(crate) const ORIGIN: &str = "origin";
pub(crate) const FILE: &str = "file";
pub(crate) const SHEET: &str = "sheet";
pub(crate) const CELL: &str = "cell";
pub(crate) const LEVEL: &str = "level";
pub(crate) const CODE: &str = "code";
pub(crate) const NAME: &str = "name";
pub(crate) const BLANK_UNITS: &str = "blank_units";
pub(crate) const INFERRED_UNITS: &str = "inferred_units";
pub(crate) const UNITS_REPORTED: &str = "units_reported";
pub(crate) const UNITS_EXPECTED: &str = "units_expected";
pub(crate) const RULE: &str = "rule";
pub(crate) const SEVERITY: &str = "severity";
pub(crate) const KIND: &str = "kind";

/// The `unit` column's categories: counts in 件, money in 分.
pub(crate) const UNITS: [&str; 2] = ["件", "分"];
/// The `severity` column's categories.
pub(crate) const SEVERITIES: [&str; 3] = ["info", "warning", "error"];

pub(crate) fn polars_error(context: &str, e: PolarsError) -> Error {
    Error::new(ErrorKind::Frame { context: context.to_string(), source: Box::new(e) })
}

pub(crate) fn codes<T: Copy>(all: &[T], code: impl Fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|&t| code(t)).collect()
}

/// An `Enum` dtype whose categories are `categories`, in order.
pub(crate) fn enum_dtype(categories: &[&str]) -> DataType {
    // The categories are the schema's codes: unique by construction.
    let frozen = FrozenCategories::new(categories.iter().copied()).expect("schema codes are unique");
    DataType::from_frozen_categories(frozen)
}

/// The dtype of the string-like columns that repeat (names, files, sheets, cells): polars'
/// global categories, so frames from different loads concatenate and join.
pub(crate) fn categorical_dtype() -> DataType {
    DataType::from_categories(Categories::global())
}

/// A polars `Enum` column from category indices into `categories`.
pub(crate) fn enum_column(
    name: &str,
    categories: &[&str],
    indices: impl Iterator<Item = u8>,
) -> Result<Column> {
    let physical = UInt8Chunked::from_vec(name.into(), indices.collect::<Vec<u8>>()).into_series();
    Series::from_cats_and_dtype(&physical, &enum_dtype(categories), true)
        .map(Column::from)
        .map_err(|e| polars_error(name, e))
}

/// A categorical column from strings, each distinct string hashed into the categories once.
pub(crate) fn categorical<'a>(name: &str, values: impl Iterator<Item = Option<&'a str>>) -> Result<Column> {
    let mut index: HashMap<&str, u32> = HashMap::new();
    let mut distinct: Vec<&str> = Vec::new();
    let positions: Vec<Option<u32>> = values
        .map(|v| {
            v.map(|s| {
                *index.entry(s).or_insert_with(|| {
                    distinct.push(s);
                    (distinct.len() - 1) as u32
                })
            })
        })
        .collect();
    categorical_from(name, &distinct, positions.into_iter())
}

/// A categorical column from its distinct strings and each row's position among them (`None`
/// null): for columns whose rows the caller already knows by number (a report's file, a cell).
pub(crate) fn categorical_from(
    name: &str,
    distinct: &[&str],
    positions: impl Iterator<Item = Option<u32>>,
) -> Result<Column> {
    let _held = category_mapping();
    let ids = category_ids(name, distinct)?;
    let physical: Vec<Option<u32>> = positions.map(|p| p.map(|p| ids[p as usize])).collect();
    categorical_ids(name, UInt32Chunked::new(name.into(), &physical))
}

/// The global categories' string ↔ id mapping: polars keeps it only while something holds it,
/// so ids found by [`category_ids`] stay valid as long as the caller holds this.
pub(crate) fn category_mapping() -> Arc<CategoricalMapping> {
    Categories::global().mapping()
}

/// The global category id of each string (each hashed into the categories once); hold
/// [`category_mapping`] for as long as the ids are used.
pub(crate) fn category_ids(name: &str, distinct: &[&str]) -> Result<Vec<u32>> {
    let err = |e| polars_error(name, e);
    let cats = Series::new(name.into(), distinct).cast(&categorical_dtype()).map_err(err)?;
    let ids = cats.to_physical_repr();
    // Every string is a category now: none is null.
    Ok(ids.u32().map_err(err)?.iter().map(|id| id.unwrap_or(0)).collect())
}

/// A categorical column from a chunked array of category ids that [`category_ids`] gave.
pub(crate) fn categorical_ids(name: &str, ids: UInt32Chunked) -> Result<Column> {
    let err = |e| polars_error(name, e);
    Series::from_cats_and_dtype(&ids.into_series(), &categorical_dtype(), true).map(Column::from).map_err(err)
}

/// A column of `values`, null where `valid` is false (both moved in, nothing copied).
pub(crate) fn with_validity<T: PolarsNumericType>(
    name: &str,
    values: Vec<T::Native>,
    valid: polars_arrow::bitmap::MutableBitmap,
) -> ChunkedArray<T> {
    let validity = (valid.unset_bits() > 0).then(|| valid.into());
    ChunkedArray::from_vec_validity(name.into(), values, validity)
}

pub(crate) fn frame(height: usize, columns: Vec<Column>) -> Result<DataFrame> {
    DataFrame::new(height, columns).map_err(|e| polars_error("building a frame", e))
}

/// The index of a measure's unit in [`UNITS`].
pub(crate) fn unit_index(measure: Measure) -> u8 {
    match measure.unit() {
        Unit::Money => 1,
        _ => 0,
    }
}

pub(crate) fn severity_index(severity: Severity) -> u8 {
    match severity {
        Severity::Info => 0,
        Severity::Warning => 1,
        Severity::Error => 2,
    }
}

/// The `table`, `item`, `measure` and `unit` Enum columns of a sequence of keys.
pub(crate) fn key_columns(keys: impl Iterator<Item = Key>) -> Result<[Column; 4]> {
    // Sized once: a frame's worth of rows grown by doubling holds up to twice that at the end.
    let n = keys.size_hint().0;
    let new = || Vec::with_capacity(n);
    let (mut table, mut item, mut measure, mut unit) = (new(), new(), new(), new());
    for k in keys {
        table.push(k.table.index() as u8);
        item.push(k.item.index() as u8);
        measure.push(k.measure.index() as u8);
        unit.push(unit_index(k.measure));
    }
    Ok([
        enum_column(TABLE, &codes(Table::ALL, Table::code), table.into_iter())?,
        enum_column(ITEM, &codes(Item::ALL, Item::code), item.into_iter())?,
        enum_column(MEASURE, &codes(Measure::ALL, Measure::code), measure.into_iter())?,
        enum_column(UNIT, &UNITS, unit.into_iter())?,
    ])
}

/// The column of [`key_of`]s, while a stage needs it.
pub(crate) const KEY: &str = "cell_key";

// The cell part of a key: table (2 bits), item (6), measure (5).
const _: () = assert!(Table::ALL.len() <= 4 && Item::ALL.len() <= 64 && Measure::ALL.len() <= 32);

/// One u64 per group (`code`, a u32), year and cell (its table, item and measure codes),
/// ordered as (code, year, table, item, measure) are: its high 48 bits the group-year, its low
/// 16 the cell (13 used). Sorting and grouping one integer instead of five is several times
/// faster. Years are 1–65,535 (checked at the entry).
pub(crate) fn key_of(group: u32, year: i32, table: u8, item: u8, measure: u8) -> u64 {
    (u64::from(group) << 32)
        | (u64::from(year as u16) << 16)
        | (u64::from(table) << 11)
        | (u64::from(item) << 5)
        | u64::from(measure)
}

/// An expression true on the rows of one schema cell (by the Enums' physical codes).
pub(crate) fn is_key(key: Key) -> Expr {
    col(ITEM)
        .to_physical()
        .eq(lit(key.item.index() as u8))
        .and(col(MEASURE).to_physical().eq(lit(key.measure.index() as u8)))
}

fn column_error(column: &str, message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Column { column: column.to_string(), message: message.into() })
}

/// What a column of an incoming frame must hold.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    /// An Enum of these codes; String, Categorical or another Enum is cast after its values
    /// are checked.
    Codes(&'static str),
    /// Polars' global categorical; String is cast.
    Categorical,
    /// A string; Categorical is cast.
    Text,
    /// An integer of this dtype; other integer dtypes are cast after a range check.
    Int(IntType),
}

/// The integer dtypes the frames use.
#[derive(Clone, Copy, Debug)]
pub(crate) enum IntType {
    U32,
    /// A report year: an i32 from 1 to 65,535 (what [`key_of`] can hold), checked always.
    Year,
    I64,
}

impl IntType {
    fn dtype(self) -> DataType {
        match self {
            IntType::U32 => DataType::UInt32,
            IntType::Year => DataType::Int32,
            IntType::I64 => DataType::Int64,
        }
    }
    fn range(self) -> (f64, f64) {
        match self {
            IntType::U32 => (0.0, u32::MAX as f64),
            IntType::Year => (1.0, u16::MAX as f64),
            IntType::I64 => (i64::MIN as f64, i64::MAX as f64),
        }
    }
}

/// Which codes an Enum column of the contract takes.
fn codes_of(what: &str) -> Vec<&'static str> {
    match what {
        TEMPLATE => codes(Template::ALL, Template::code),
        TABLE => codes(Table::ALL, Table::code),
        ITEM => codes(Item::ALL, Item::code),
        MEASURE => codes(Measure::ALL, Measure::code),
        UNIT => UNITS.to_vec(),
        ORIGIN => codes(Origin::ALL, Origin::code),
        SEVERITY => SEVERITIES.to_vec(),
        RULE => codes(crate::schema::Rule::ALL, crate::schema::Rule::code),
        _ => Vec::new(),
    }
}

impl Kind {
    fn dtype(self) -> DataType {
        match self {
            Kind::Codes(what) => enum_dtype(&codes_of(what)),
            Kind::Categorical => categorical_dtype(),
            Kind::Text => DataType::String,
            Kind::Int(t) => t.dtype(),
        }
    }
}

/// One column of a contract: its name, what it holds, whether it may hold nulls, and what to
/// put in its place when an incoming frame lacks it (`None`: required).
#[derive(Clone, Debug)]
pub(crate) struct Spec {
    pub name: &'static str,
    pub kind: Kind,
    pub nullable: bool,
    pub default: Option<Expr>,
}

pub(crate) fn required(name: &'static str, kind: Kind, nullable: bool) -> Spec {
    Spec { name, kind, nullable, default: None }
}

pub(crate) fn optional(name: &'static str, kind: Kind, default: Expr) -> Spec {
    Spec { name, kind, nullable: true, default: Some(default) }
}

/// The cell columns every contract has: `table`, `item` and `measure` (required), `unit` (from
/// the measure when a frame lacks it).
pub(crate) fn cell_specs() -> [Spec; 4] {
    [
        required(TABLE, Kind::Codes(TABLE), false),
        required(ITEM, Kind::Codes(ITEM), false),
        required(MEASURE, Kind::Codes(MEASURE), false),
        optional(
            UNIT,
            Kind::Codes(UNIT),
            when(col(MEASURE).cast(DataType::String).eq(lit(Measure::Amount.code())))
                .then(lit(UNITS[1]))
                .otherwise(lit(UNITS[0])),
        ),
    ]
}

/// Check an incoming frame against a contract, once: every required column present with a
/// usable dtype, no null where none may be, every code one of the schema's. The frame is
/// collected here, once (the columns the contract names, nothing else), so that the stage's own
/// plan reads it from memory instead of running the caller's plan again; what comes back has
/// exactly the contract's columns, in its order and dtypes. A problem is an
/// [`ErrorKind::Column`] naming the column (and the value); nothing is dropped silently.
pub(crate) fn conform(mut lf: LazyFrame, what: &str, specs: &[Spec]) -> Result<DataFrame> {
    let schema = lf.collect_schema().map_err(|e| polars_error(what, e))?;
    // Expressions for one pass over the collected frame: unknown codes, integer ranges.
    let mut probes: Vec<Expr> = Vec::new();
    let mut casts: Vec<Expr> = Vec::new();
    let mut present: Vec<Expr> = Vec::new();
    let mut not_null: Vec<&str> = Vec::new();
    for spec in specs {
        let name = spec.name;
        let Some(dtype) = schema.get(name) else {
            match &spec.default {
                Some(default) => {
                    casts.push(default.clone().cast(spec.kind.dtype()).alias(name));
                    continue;
                }
                None => {
                    let have: Vec<&str> = schema.iter_names().map(|n| n.as_str()).collect();
                    return Err(column_error(
                        name,
                        format!("{what} needs this column; the frame has {}", have.join(", ")),
                    ));
                }
            }
        };
        present.push(col(name));
        let target = spec.kind.dtype();
        if !spec.nullable {
            not_null.push(name);
        }
        let mismatch =
            || column_error(name, format!("{what} needs {} here, not {dtype}", describe(spec.kind)));
        if *dtype == target || matches!(dtype, DataType::Null) {
            casts.push(col(name).cast(target).alias(name));
            continue;
        }
        let text = matches!(dtype, DataType::String | DataType::Categorical(..) | DataType::Enum(..));
        match spec.kind {
            Kind::Codes(_) => {
                if !text {
                    return Err(mismatch());
                }
                probes.push(
                    col(name)
                        .cast(DataType::String)
                        .unique()
                        .implode(false)
                        .alias(format!("{name}\u{0}codes")),
                );
                casts.push(col(name).cast(DataType::String).cast(target).alias(name));
            }
            Kind::Categorical | Kind::Text => {
                if !text {
                    return Err(mismatch());
                }
                casts.push(col(name).cast(DataType::String).cast(target).alias(name));
            }
            Kind::Int(_) => {
                if !dtype.is_integer() {
                    return Err(mismatch());
                }
                probes.push(col(name).min().cast(DataType::Float64).alias(format!("{name}\u{0}min")));
                probes.push(col(name).max().cast(DataType::Float64).alias(format!("{name}\u{0}max")));
                casts.push(col(name).cast(target).alias(name));
            }
        }
    }
    if probes.is_empty() {
        // Every column has its dtype already (xxgk's own frames): one pass, then the nulls.
        let df = lf.select(casts).collect().map_err(|e| polars_error(what, e))?;
        check_nulls(&df, &not_null)?;
        check_years(&df, specs)?;
        return Ok(df);
    }
    let df = lf.select(present).collect().map_err(|e| polars_error(what, e))?;
    check_nulls(&df, &not_null)?;
    let found = df.clone().lazy().select(probes).collect().map_err(|e| polars_error(what, e))?;
    for spec in specs {
        check_probes(&found, spec)?;
    }
    let df = df.lazy().select(casts).collect().map_err(|e| polars_error(what, e))?;
    check_years(&df, specs)?;
    Ok(df)
}

/// The years of a collected frame within what a report year can be.
fn check_years(df: &DataFrame, specs: &[Spec]) -> Result<()> {
    for spec in specs.iter().filter(|s| matches!(s.kind, Kind::Int(IntType::Year))) {
        let Ok(c) = df.column(spec.name) else { continue };
        let years = c.i32().map_err(|e| polars_error(spec.name, e))?;
        let (lo, hi) = IntType::Year.range();
        for v in [years.min(), years.max()].into_iter().flatten() {
            if f64::from(v) < lo || f64::from(v) > hi {
                return Err(column_error(spec.name, format!("{v} is not a report year")));
            }
        }
    }
    Ok(())
}

fn check_nulls(df: &DataFrame, not_null: &[&str]) -> Result<()> {
    for &name in not_null {
        let n = df.column(name).map_err(|e| polars_error(name, e))?.null_count();
        if n > 0 {
            return Err(column_error(name, format!("{n} rows have no value here; every row needs one")));
        }
    }
    Ok(())
}

fn describe(kind: Kind) -> String {
    match kind {
        Kind::Codes(what) => format!("the {what} codes (an Enum, Categorical or String column)"),
        Kind::Categorical | Kind::Text => "text (a Categorical or String column)".into(),
        Kind::Int(t) => format!("an integer column ({})", t.dtype()),
    }
}

fn check_probes(found: &DataFrame, spec: &Spec) -> Result<()> {
    let name = spec.name;
    let get = |suffix: &str| found.column(&format!("{name}\u{0}{suffix}")).ok();
    if let Some(values) = get("codes") {
        let allowed: BTreeSet<&str> = match spec.kind {
            Kind::Codes(what) => codes_of(what).into_iter().collect(),
            _ => BTreeSet::new(),
        };
        let list = values.list().map_err(|e| polars_error(name, e))?;
        let mut unknown: Vec<String> = Vec::new();
        if let Some(series) = list.get_as_series(0) {
            let strings = series.str().map_err(|e| polars_error(name, e))?;
            for s in strings.iter().flatten() {
                if !allowed.contains(s) {
                    unknown.push(format!("{s:?}"));
                }
            }
        }
        if !unknown.is_empty() {
            unknown.sort();
            let n = unknown.len();
            unknown.truncate(5);
            let more = if n > 5 { format!(" and {} more", n - 5) } else { String::new() };
            return Err(column_error(
                name,
                format!("not a code of the schema: {}{more}", unknown.join(", ")),
            ));
        }
    }
    if let (Some(min), Some(max), Kind::Int(t)) = (get("min"), get("max"), spec.kind) {
        let (lo, hi) = t.range();
        for c in [min, max] {
            let v = c.f64().ok().and_then(|c| c.get(0));
            if let Some(v) = v.filter(|v| *v < lo || *v > hi) {
                return Err(match t {
                    IntType::Year => column_error(name, format!("{v} is not a report year")),
                    _ => column_error(name, format!("{v} does not fit in {}", t.dtype())),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_ids_make_the_column_their_strings_make() {
        let rows = [Some("七里河区"), Some("A1"), None, Some("七里河区"), Some("B12"), None, Some("A1")];
        let distinct = ["七里河区", "A1", "B12"];
        let _held = category_mapping();
        let ids = category_ids("cell", &distinct).expect("ids");
        let at = |s: &str| ids[distinct.iter().position(|d| *d == s).expect("distinct")];
        let physical: Vec<Option<u32>> = rows.iter().map(|r| r.map(at)).collect();
        let made = categorical_ids("cell", UInt32Chunked::new("cell".into(), &physical)).expect("column");
        let cast = Series::new("cell".into(), &rows).cast(&categorical_dtype()).expect("cast");
        assert_eq!(made.dtype(), cast.dtype());
        assert!(made.as_materialized_series().equals_missing(&cast), "{made:?}");
        let strings = made.cast(&DataType::String).expect("strings");
        assert_eq!(strings.str().expect("str").iter().collect::<Vec<_>>(), rows);
    }

    #[test]
    fn an_id_the_categories_do_not_hold_is_an_error() {
        let _held = category_mapping();
        let valid = category_ids("file", &["新源县.xlsx"]).expect("ids")[0];
        let unheld = u32::MAX - 7;
        // Unheld ids alone (with a null), and one beside a held id.
        for ids in [vec![Some(unheld), None, Some(unheld + 1), Some(unheld)], vec![Some(valid), Some(unheld)]]
        {
            let column = categorical_ids("file", UInt32Chunked::new("file".into(), &ids));
            assert!(column.is_err(), "{ids:?}: {column:?}");
        }
        let fine = categorical_ids("file", UInt32Chunked::new("file".into(), &[Some(valid), None]));
        assert_eq!(fine.expect("column").null_count(), 1);
        let codes = ["forced", "only_if"];
        let column = enum_column("kind", &codes, [1, 0, 1].into_iter()).expect("column");
        let strings = column.cast(&DataType::String).expect("strings");
        let strings: Vec<Option<&str>> = strings.str().expect("str").iter().collect();
        assert_eq!(strings, [Some("only_if"), Some("forced"), Some("only_if")]);
        assert!(enum_column("kind", &codes, [0, 2].into_iter()).is_err());
    }
}
