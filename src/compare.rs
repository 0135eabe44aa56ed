//! Year over year, at any level: a rollup frame ([`rollup::by`](crate::rollup::by)) in, the
//! year-over-year frame out — each cell's value, the year before's, the change, and whether the
//! two years' formats mean the same by that cell. 2020 → 2021 crosses the template change,
//! where `other` compares only as a whole and table 二 only where national-schema §6 allows
//! ([`schema::comparable`](crate::schema::comparable)).
//!
//! | column | type | meaning |
//! |---|---|---|
//! | `level`, `code`, `name`, `year`, `table`, `item`, `measure`, `unit` | | as in the rollup; `year` is the later year |
//! | `value`, `prev_value` | i64 | this year's and last year's sums (null: blank, or no such cell that year) |
//! | `delta` | i64 | `value − prev_value`, when both are known |
//! | `pct_change` | f64 | `delta / prev_value × 100`; null when the previous value is 0 or unknown |
//! | `comparable` | bool | whether the cell means the same in both years' formats |
//! | `blank_units`, `prev_blank_units` | u32 | units that left the cell blank, each year |
//! | `inferred_units`, `prev_inferred_units` | u32 | units whose value was inferred, each year |
//!
//! A group is compared in a year when the rollup has it in that year and the year before;
//! every cell either year has is a row.
//!
//! ```
//! use xxgk::polars::prelude::*;
//! use xxgk::rollup::Level;
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample");
//! let mut opts = xxgk::read::ReadOptions::new();
//! opts.manifest(format!("{dir}/manifest.csv"))?;
//! let tidy = xxgk::frame::tidy(&xxgk::validate::reports(opts.from_dir(dir)?.reports))?;
//! let changes = xxgk::compare::years(xxgk::rollup::by(tidy.lazy(), Level::Prefecture)?)?
//!     .filter(col("year").eq(lit(2021)).and(col("measure").eq(lit("total"))))
//!     .collect()?;
//! let comparable = |item: &str| -> Result<Option<bool>, Box<dyn std::error::Error>> {
//!     let row = changes.clone().lazy().filter(col("item").eq(lit(item))).collect()?;
//!     Ok(row.column("comparable")?.bool()?.get(0))
//! };
//! assert_eq!(comparable("other")?, Some(true)); // the group compares across formats
//! assert_eq!(comparable("other.other")?, Some(false)); // its 2021 parts do not
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use polars::prelude::*;

use crate::columns::{self as cols, IntType, Kind, Spec, optional, required};
use crate::error::Result;
use crate::schema::{Item, Key, Measure, Table, Template, comparable};

/// A rollup frame's contract, as [`years`] and [`rates`] check it.
fn contract() -> Vec<Spec> {
    let group = [
        required(cols::LEVEL, Kind::Text, false),
        required(cols::CODE, Kind::Int(IntType::U32), false),
        optional(cols::NAME, Kind::Text, lit(NULL)),
        required(cols::YEAR, Kind::Int(IntType::Year), false),
    ];
    let sums = [
        required(cols::VALUE, Kind::Int(IntType::I64), true),
        optional(cols::BLANK_UNITS, Kind::Int(IntType::U32), lit(0u32)),
        optional(cols::INFERRED_UNITS, Kind::Int(IntType::U32), lit(0u32)),
    ];
    group.into_iter().chain(cols::cell_specs()).chain(sums).collect()
}

/// The column joining each row to whether its cell compares.
const LOOKUP: &str = "comparability";

/// Whether each cell compares across two consecutive years, by the [`lookup`] of its item,
/// measure and the two years' templates (built once).
fn comparability() -> Result<LazyFrame> {
    static FRAME: std::sync::OnceLock<DataFrame> = std::sync::OnceLock::new();
    if let Some(df) = FRAME.get() {
        return Ok(df.clone().lazy());
    }
    let df = build_comparability()?;
    Ok(FRAME.get_or_init(|| df).clone().lazy())
}

fn build_comparability() -> Result<DataFrame> {
    let mut index: Vec<u32> = Vec::new();
    let mut ok: Vec<bool> = Vec::new();
    for &item in Item::ALL {
        for &measure in Measure::ALL {
            for (from, to) in [
                (Template::V2019, Template::V2019),
                (Template::V2019, Template::V2021),
                (Template::V2021, Template::V2021),
            ] {
                index.push(lookup_index(
                    item.index(),
                    measure.index(),
                    from == Template::V2021,
                    to == Template::V2021,
                ));
                ok.push(comparable(Key::new(item, measure), from, to));
            }
        }
    }
    let n = index.len();
    let columns: Vec<Column> =
        vec![Series::new(LOOKUP.into(), index).into(), Series::new("comparable".into(), ok).into()];
    cols::frame(n, columns)
}

fn lookup_index(item: usize, measure: usize, from_2021: bool, to_2021: bool) -> u32 {
    ((item * Measure::ALL.len() + measure) * 4 + usize::from(from_2021) * 2 + usize::from(to_2021)) as u32
}

/// [`lookup_index`] as an expression over a frame's rows (`year` the later year).
fn lookup() -> Expr {
    let u32_of = |e: Expr| e.cast(DataType::UInt32);
    (u32_of(col(cols::ITEM).to_physical()) * lit(Measure::ALL.len() as u32)
        + u32_of(col(cols::MEASURE).to_physical()))
        * lit(4u32)
        + u32_of(col(cols::YEAR).gt(lit(2021))) * lit(2u32)
        + u32_of(col(cols::YEAR).gt(lit(2020)))
}

fn on(names: &[&str]) -> Vec<Expr> {
    names.iter().map(|n| col(*n)).collect()
}

/// Compare every year of a rollup frame with the year before, for every group that has both
/// (see the module docs for the columns). The frame is checked here.
///
/// ```
/// use xxgk::polars::prelude::*;
/// let rollup = df!(
///     "level" => ["unit", "unit"], "code" => [654025u32, 654025], "year" => [2021i32, 2022],
///     "table" => ["applications", "applications"], "item" => ["granted", "granted"],
///     "measure" => ["total", "total"], "value" => [Some(4i64), Some(5)],
/// )?;
/// let changes = xxgk::compare::years(rollup.lazy())?.collect()?;
/// assert_eq!(changes.height(), 1);
/// assert_eq!(changes.column("delta")?.i64()?.get(0), Some(1));
/// assert_eq!(changes.column("pct_change")?.f64()?.get(0), Some(25.0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn years(rollup: LazyFrame) -> Result<LazyFrame> {
    let rollup = cols::conform(rollup, "a rollup frame", &contract())?;
    let err = |e| cols::polars_error("comparing years", e);
    // Each level on its own (a rollup frame has one; a caller's may stack several).
    let mut parts = Vec::new();
    for part in rollup.partition_by_stable([cols::LEVEL], true).map_err(err)? {
        parts.push(years_of_level(part)?.lazy());
    }
    if parts.is_empty() {
        // No rows: the comparison's columns, empty.
        return Ok(years_of_level(rollup)?.lazy());
    }
    concat(parts, UnionArgs::default()).map_err(err)
}

/// One level's comparison. Each group's cells are sorted into series (code, cell, year), so
/// last year's value is the row before, when that row is the same cell a year earlier; a cell
/// that last year had and this year lacks becomes a row of its own. Sorting and shifting one
/// integer key is what makes this fast: a join of the frame with itself is several times
/// slower at the national unit level.
fn years_of_level(part: DataFrame) -> Result<DataFrame> {
    const SERIES: &str = "series_key";
    const BASE: &str = "series_base";
    const GROUP_YEAR: &str = "group_year";
    let err = |e| cols::polars_error("comparing years", e);
    // A series is one group's cell over the years: (code, cell), then the year.
    let base = cols::u64_of(col(cols::CODE)) * lit(1u64 << 32) + cols::cell_code() * lit(cols::YEAR_STEP);
    let sorted = part
        .lazy()
        .with_columns([
            cols::cell_key(col(cols::CODE)).alias(cols::KEY),
            base.alias(BASE),
            (cols::u64_of(col(cols::CODE)) * lit(cols::YEAR_STEP) + cols::u64_of(col(cols::YEAR)))
                .alias(GROUP_YEAR),
        ])
        .with_column((col(BASE) + cols::u64_of(col(cols::YEAR))).alias(SERIES))
        .sort([SERIES], SortMultipleOptions::default())
        .collect()
        .map_err(err)?;
    if let Some(twice) = repeated(&sorted, SERIES)? {
        let row = sorted.get_row(twice).map_err(err)?;
        let cells: Vec<String> = row.0.iter().take(7).map(|v| v.to_string()).collect();
        return Err(crate::Error::new(crate::ErrorKind::Column {
            column: cols::KEY.into(),
            message: format!("the rollup frame holds one cell twice: {}", cells.join(", ")),
        }));
    }
    // The row `n` before (after, for a negative `n`) is the same cell `n` years earlier.
    let same_series = |n: i64| {
        col(BASE)
            .eq(col(BASE).shift(lit(n)))
            .and((col(cols::YEAR) - col(cols::YEAR).shift(lit(n))).eq(lit(n as i32)))
            .fill_null(lit(false))
    };
    let prev = |c: &str| {
        when(same_series(1)).then(col(c).shift(lit(1))).otherwise(lit(NULL)).alias(format!("prev_{c}"))
    };
    let this = sorted.clone().lazy().with_columns([
        prev(cols::VALUE),
        prev(cols::BLANK_UNITS),
        prev(cols::INFERRED_UNITS),
    ]);
    // A cell last year had and this year lacks: a row of this year with no value.
    let gone = sorted.clone().lazy().filter(same_series(-1).not()).with_columns([
        col(cols::VALUE).alias("prev_value"),
        col(cols::BLANK_UNITS).alias("prev_blank_units"),
        col(cols::INFERRED_UNITS).alias("prev_inferred_units"),
        lit(NULL).cast(DataType::Int64).alias(cols::VALUE),
        lit(NULL).cast(DataType::UInt32).alias(cols::BLANK_UNITS),
        lit(NULL).cast(DataType::UInt32).alias(cols::INFERRED_UNITS),
        (col(cols::YEAR) + lit(1)).alias(cols::YEAR),
        (col(cols::KEY) + lit(cols::YEAR_STEP)).alias(cols::KEY),
        (col(GROUP_YEAR) + lit(1u64)).alias(GROUP_YEAR),
    ]);
    // Groups compared in a year: those with rows that year and the year before.
    let groups = sorted
        .select([GROUP_YEAR])
        .and_then(|g| g.unique_stable(None, UniqueKeepStrategy::Any, None))
        .map_err(err)?;
    let both = groups.clone().lazy().join(
        groups.lazy().with_columns([(col(GROUP_YEAR) + lit(1u64)).alias(GROUP_YEAR)]),
        [col(GROUP_YEAR)],
        [col(GROUP_YEAR)],
        JoinArgs::new(JoinType::Semi),
    );
    let delta = col(cols::VALUE) - col("prev_value");
    concat([this, gone], UnionArgs::default())
        .map_err(err)?
        .join(both, [col(GROUP_YEAR)], [col(GROUP_YEAR)], JoinArgs::new(JoinType::Semi))
        .with_column(lookup().alias(LOOKUP))
        .join(comparability()?, [col(LOOKUP)], [col(LOOKUP)], JoinArgs::new(JoinType::Left))
        .sort([cols::KEY], SortMultipleOptions::default())
        .select([
            col(cols::LEVEL),
            col(cols::CODE),
            col(cols::NAME),
            col(cols::YEAR),
            col(cols::TABLE),
            col(cols::ITEM),
            col(cols::MEASURE),
            col(cols::UNIT),
            col(cols::VALUE),
            col("prev_value"),
            delta.clone().alias("delta"),
            when(col("prev_value").neq(lit(0)))
                .then(delta.cast(DataType::Float64) / col("prev_value").cast(DataType::Float64) * lit(100.0))
                .otherwise(lit(NULL).cast(DataType::Float64))
                .alias("pct_change"),
            col("comparable").fill_null(lit(false)),
            col(cols::BLANK_UNITS),
            col("prev_blank_units"),
            col(cols::INFERRED_UNITS),
            col("prev_inferred_units"),
        ])
        .collect()
        .map_err(err)
}

/// The first row whose `column` equals the row before's, in a frame sorted by it.
fn repeated(df: &DataFrame, column: &str) -> Result<Option<usize>> {
    let keys = df.column(column).and_then(|c| c.u64().cloned()).map_err(|e| cols::polars_error(column, e))?;
    let mut previous = None;
    for (i, k) in keys.iter().enumerate() {
        if k.is_some() && k == previous {
            return Ok(Some(i));
        }
        previous = k;
    }
    Ok(None)
}

/// The rates a reader wants, per group and year of a rollup frame: `level, code, name, year,`
/// `granted_share` (（一）予以公开 / （七）总计, in %), `withheld_share` (（三）不予公开 / （七）总计)
/// and `review_correction_rate` (行政复议 结果纠正 / concluded reviews: 维持 + 纠正 + 其他结果).
/// A rate is null where a term is blank or the denominator is 0.
///
/// ```
/// use xxgk::polars::prelude::*;
/// let rollup = df!(
///     "level" => ["unit", "unit"], "code" => [654025u32, 654025], "year" => [2022i32, 2022],
///     "table" => ["applications", "applications"], "item" => ["granted", "total"],
///     "measure" => ["total", "total"], "value" => [Some(4i64), Some(5)],
/// )?;
/// let rates = xxgk::compare::rates(rollup.lazy())?.collect()?;
/// assert_eq!(rates.column("granted_share")?.f64()?.get(0), Some(80.0));
/// assert_eq!(rates.column("review_correction_rate")?.f64()?.get(0), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn rates(rollup: LazyFrame) -> Result<LazyFrame> {
    let rollup = cols::conform(rollup, "a rollup frame", &contract())?.lazy();
    let get =
        |item: Item, measure: Measure| col(cols::VALUE).filter(cols::is_key(Key::new(item, measure))).first();
    let review = |m: Measure| get(Item::Review, m);
    let share = |part: Expr, whole: Expr| {
        when(whole.clone().neq(lit(0)))
            .then(part.cast(DataType::Float64) / whole.cast(DataType::Float64) * lit(100.0))
            .otherwise(lit(NULL).cast(DataType::Float64))
    };
    let group = [cols::LEVEL, cols::CODE, cols::YEAR];
    debug_assert_eq!(Item::Review.table(), Table::ReviewLitigation);
    Ok(rollup
        .group_by(on(&group))
        .agg([
            col(cols::NAME).first(),
            get(Item::Granted, Measure::Total).alias("granted"),
            get(Item::Withheld, Measure::Total).alias("withheld"),
            get(Item::Total, Measure::Total).alias("total"),
            review(Measure::Corrected).alias("corrected"),
            (review(Measure::Upheld) + review(Measure::Corrected) + review(Measure::Other))
                .alias("concluded"),
        ])
        .select([
            col(cols::LEVEL),
            col(cols::CODE),
            col(cols::NAME),
            col(cols::YEAR),
            share(col("granted"), col("total")).alias("granted_share"),
            share(col("withheld"), col("total")).alias("withheld_share"),
            share(col("corrected"), col("concluded")).alias("review_correction_rate"),
        ])
        .sort(group, SortMultipleOptions::default()))
}
