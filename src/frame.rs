//! [`Report`]s → polars DataFrames: the tidy frame every later stage reads, and the wide view.
//!
//! Both are built once, column by column, from all reports together — never a frame per file.
//! Categorical columns are polars `Enum`s whose categories are the schema's codes.
//!
//! | column | type | meaning |
//! |---|---|---|
//! | `division_code` | u32 | GB/T 2260 code of the reporting unit |
//! | `division_name` | str | its official name |
//! | `prefecture_code`, `province_code` | u32 | its parents, from the registry (null if unknown) |
//! | `year` | i32 | the report year |
//! | `template` | enum `2019` / `2021` | the template the table was read in |
//! | `table`, `item`, `measure` | enum | the schema codes |
//! | `value` | i64 | counts in 件, money in 分; **null is blank**, never 0 |
//! | `origin` | enum `published` / `inferred` | see [`validate`](crate::validate) |
//! | `source` | str | `file!sheet!cell` |

use polars::prelude::*;

use crate::divisions::registry;
use crate::error::{Error, ErrorKind, Result};
use crate::read::Report;
use crate::schema::{Item, Key, Measure, Table, Template, cells};
use crate::validate::{Origin, Validation};

pub(crate) fn polars_error(context: &str, e: PolarsError) -> Error {
    Error::new(ErrorKind::Frame { context: context.to_string(), source: Box::new(e) })
}

/// A polars `Enum` column from category indices into `categories`.
pub(crate) fn enum_column(name: &str, categories: &[&str], indices: Vec<u8>) -> Result<Column> {
    let frozen = FrozenCategories::new(categories.iter().copied()).map_err(|e| polars_error(name, e))?;
    let dtype = DataType::from_frozen_categories(frozen);
    let physical = Series::new(name.into(), indices);
    Series::from_cats_and_dtype(&physical, &dtype, true).map(Column::from).map_err(|e| polars_error(name, e))
}

pub(crate) fn codes<T: Copy>(all: &[T], code: impl Fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|&t| code(t)).collect()
}

pub(crate) fn frame(height: usize, columns: Vec<Column>) -> Result<DataFrame> {
    DataFrame::new(height, columns).map_err(|e| polars_error("building a frame", e))
}

/// The `table`, `item` and `measure` Enum columns of a sequence of keys.
pub(crate) fn key_columns(keys: impl Iterator<Item = Key>) -> Result<[Column; 3]> {
    let (mut table, mut item, mut measure) = (Vec::new(), Vec::new(), Vec::new());
    for k in keys {
        table.push(k.table.index() as u8);
        item.push(k.item.index() as u8);
        measure.push(k.measure.index() as u8);
    }
    Ok([
        enum_column("table", &codes(Table::ALL, Table::code), table)?,
        enum_column("item", &codes(Item::ALL, Item::code), item)?,
        enum_column("measure", &codes(Measure::ALL, Measure::code), measure)?,
    ])
}

/// The tidy frame: one row per published or inferred value (blank values are rows with a null
/// value, so blank stays apart from 0 and from absent).
///
/// ```
/// use xxgk::read::ReadOptions;
/// let batch = ReadOptions::new().from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real"))?;
/// let checked = xxgk::validate::reports(&batch.reports);
/// let tidy = xxgk::frame::tidy(&batch.reports, &checked)?;
/// assert_eq!(tidy.height(), 200); // 10 + 175 + 15 cells of the 2021 format
/// assert_eq!(tidy.column("value")?.null_count(), 3); // 4 blanks, one of them inferred
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn tidy(reports: &[Report], validation: &Validation) -> Result<DataFrame> {
    let n: usize = reports.iter().map(|r| r.values.len()).sum();
    let mut code = Vec::with_capacity(n);
    let mut name = Vec::with_capacity(n);
    let mut prefecture = Vec::with_capacity(n);
    let mut province = Vec::with_capacity(n);
    let mut year = Vec::with_capacity(n);
    let mut template = Vec::with_capacity(n);
    let mut keys = Vec::with_capacity(n);
    let mut value = Vec::with_capacity(n);
    let mut origin = Vec::with_capacity(n);
    let mut source = Vec::with_capacity(n);
    let reg = registry();
    for (i, r) in reports.iter().enumerate() {
        let resolved = validation.cells(i);
        let (pre, pro) = (reg.prefecture_of(r.division_code), reg.province_of(r.division_code));
        for v in &r.values {
            let (x, o) = match resolved.and_then(|c| c.get(&v.key)) {
                Some(res) if res.origin == Origin::Inferred => (res.value, Origin::Inferred),
                _ => (v.value, Origin::Published),
            };
            code.push(r.division_code);
            name.push(r.division_name.as_str());
            prefecture.push(pre);
            province.push(pro);
            year.push(r.year);
            template.push(r.template_of(v.key.table).index() as u8);
            keys.push(v.key);
            value.push(x);
            origin.push(o as u8);
            source.push(r.location(v.cell).to_string());
        }
    }
    let [table, item, measure] = key_columns(keys.into_iter())?;
    let columns = vec![
        Series::new("division_code".into(), code).into(),
        Series::new("division_name".into(), name).into(),
        Series::new("prefecture_code".into(), prefecture).into(),
        Series::new("province_code".into(), province).into(),
        Series::new("year".into(), year).into(),
        enum_column("template", &codes(Template::ALL, Template::code), template)?,
        table,
        item,
        measure,
        Series::new("value".into(), value).into(),
        enum_column("origin", &["published", "inferred"], origin)?,
        Series::new("source".into(), source).into(),
    ];
    frame(n, columns)
}

/// The wide view: one row per report, one column per `table.item.measure` cell of either
/// template (money in 分), inferred values included; a cell the report does not have is null.
/// `validation` must be the result of [`validate::reports`](crate::validate::reports) on the
/// same reports (as for [`tidy`]).
///
/// ```
/// use xxgk::read::ReadOptions;
/// let batch = ReadOptions::new().from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real"))?;
/// let checked = xxgk::validate::reports(&batch.reports);
/// let wide = xxgk::frame::wide(&batch.reports, &checked)?;
/// assert_eq!(wide.height(), 1);
/// let granted = wide.column("applications.granted.total")?.i64()?.get(0);
/// assert_eq!(granted, Some(4));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn wide(reports: &[Report], validation: &Validation) -> Result<DataFrame> {
    let mut keys: Vec<Key> = cells(Template::V2021).to_vec();
    for k in cells(Template::V2019) {
        if !keys.contains(k) {
            keys.push(*k);
        }
    }
    keys.sort();
    let n = reports.len();
    let mut columns: Vec<Column> = vec![
        Series::new("division_code".into(), reports.iter().map(|r| r.division_code).collect::<Vec<_>>())
            .into(),
        Series::new(
            "division_name".into(),
            reports.iter().map(|r| r.division_name.as_str()).collect::<Vec<_>>(),
        )
        .into(),
        Series::new("year".into(), reports.iter().map(|r| r.year).collect::<Vec<_>>()).into(),
        enum_column(
            "template",
            &codes(Template::ALL, Template::code),
            reports.iter().map(|r| r.template.index() as u8).collect(),
        )?,
    ];
    for key in keys {
        let values: Vec<Option<i64>> = (0..n)
            .map(|i| match validation.cells(i).and_then(|c| c.get(&key)) {
                Some(res) if res.origin != Origin::Derived => res.value,
                _ => None,
            })
            .collect();
        columns.push(Series::new(key.to_string().into(), values).into());
    }
    frame(n, columns)
}
