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
/// `granted_share` (（一）予以公开 / （七）总计, in %), `withheld_share` (（三）不予公开 / （七）总计),
/// `review_correction_rate` (行政复议 结果纠正 / concluded reviews: 维持 + 纠正 + 其他结果) and
/// `reviews_per_100` (行政复议 总计 per 100 new applications). A rate is null where a term is
/// blank or the denominator is 0.
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
            get(Item::NewReceived, Measure::Total).alias("received"),
            review(Measure::Total).alias("reviews"),
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
            share(col("reviews"), col("received")).alias("reviews_per_100"),
        ])
        .sort(group, SortMultipleOptions::default()))
}

/// What to rank units by: a cell of the schema, or one of the [`rates`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Metric {
    /// A cell's value (a count, or money in 分).
    Cell(Key),
    /// （一）予以公开 / （七）总计, in %.
    GrantedShare,
    /// （三）不予公开 / （七）总计, in %.
    WithheldShare,
    /// 行政复议 结果纠正 / concluded reviews, in %.
    ReviewCorrectionRate,
    /// 行政复议 总计 per 100 new applications.
    ReviewsPer100,
}

impl Metric {
    /// The metric's code: the rate's column name, or the cell's `table.item.measure`.
    ///
    /// ```
    /// use xxgk::compare::Metric;
    /// assert_eq!(Metric::GrantedShare.code(), "granted_share");
    /// let m: Metric = "applications.new_received.total".parse()?;
    /// assert_eq!(m.code(), "applications.new_received.total");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn code(self) -> String {
        match self {
            Metric::Cell(key) => key.to_string(),
            Metric::GrantedShare => "granted_share".into(),
            Metric::WithheldShare => "withheld_share".into(),
            Metric::ReviewCorrectionRate => "review_correction_rate".into(),
            Metric::ReviewsPer100 => "reviews_per_100".into(),
        }
    }
}

impl std::str::FromStr for Metric {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Metric> {
        Ok(match s {
            "granted_share" => Metric::GrantedShare,
            "withheld_share" => Metric::WithheldShare,
            "review_correction_rate" => Metric::ReviewCorrectionRate,
            "reviews_per_100" => Metric::ReviewsPer100,
            key => Metric::Cell(key.parse().map_err(|_| {
                crate::Error::new(crate::ErrorKind::UnknownCode { what: "metric", code: key.to_string() })
            })?),
        })
    }
}

/// How far outside the quartiles a value must lie to be flagged: Tukey's "far out" fences.
pub const FENCE: f64 = 3.0;

/// Rank the groups of a rollup frame among their peers — units within their prefecture,
/// prefectures within their province, provinces within the nation — by a [`Metric`], each year.
///
/// One row per group and year with a value: `level, year, peer_code, peer_name, code, name,
/// value, rank` (1 for the largest), `peers` (how many share the peer group and have a value),
/// `median, q1, q3` (quartiles by linear interpolation), `low_fence, high_fence`
/// (`q1 − 3 × IQR`, `q3 + 3 × IQR`) and `outlier`: the value lies beyond a fence. Where the
/// interquartile range is 0 no fence is drawn and nothing is flagged; a group without a value
/// (blank) is not ranked.
///
/// ```
/// use xxgk::polars::prelude::*;
/// use xxgk::compare::Metric;
/// // Five units of 伊犁州: four alike, one far above.
/// let rollup = df!(
///     "level" => ["unit"; 5], "code" => [654002u32, 654003, 654004, 654021, 654022],
///     "year" => [2022i32; 5], "table" => ["applications"; 5], "item" => ["new_received"; 5],
///     "measure" => ["total"; 5], "value" => [Some(10i64), Some(12), Some(11), Some(13), Some(90)],
/// )?;
/// let ranks = xxgk::compare::rank(rollup.lazy(), "applications.new_received.total".parse()?)?.collect()?;
/// let flagged: Vec<Option<u32>> = ranks.lazy().filter(col("outlier")).select([col("code")]).collect()?
///     .column("code")?.u32()?.iter().collect();
/// assert_eq!(flagged, [Some(654022)]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn rank(rollup: LazyFrame, metric: Metric) -> Result<LazyFrame> {
    let err = |e| cols::polars_error("ranking", e);
    let rollup = cols::conform(rollup, "a rollup frame", &contract())?;
    // (level, code, name, year, value) of every group with a value.
    let values: DataFrame = match metric {
        Metric::Cell(key) => rollup
            .lazy()
            .filter(cols::is_key(key))
            .select([
                col(cols::LEVEL),
                col(cols::CODE),
                col(cols::NAME),
                col(cols::YEAR),
                col(cols::VALUE).cast(DataType::Float64),
            ])
            .collect()
            .map_err(err)?,
        rate => rates(rollup.lazy())?
            .select([
                col(cols::LEVEL),
                col(cols::CODE),
                col(cols::NAME),
                col(cols::YEAR),
                col(rate.code()).alias(cols::VALUE),
            ])
            .collect()
            .map_err(err)?,
    };
    let text = |name: &str| -> Result<Vec<Option<String>>> {
        let c = values.column(name).map_err(err)?.cast(&DataType::String).map_err(err)?;
        Ok(c.str().map_err(err)?.iter().map(|s| s.map(str::to_string)).collect())
    };
    let (level, name) = (text(cols::LEVEL)?, text(cols::NAME)?);
    let code: Vec<Option<u32>> =
        values.column(cols::CODE).and_then(|c| c.u32().cloned()).map_err(err)?.iter().collect();
    let year: Vec<Option<i32>> =
        values.column(cols::YEAR).and_then(|c| c.i32().cloned()).map_err(err)?.iter().collect();
    let value: Vec<Option<f64>> =
        values.column(cols::VALUE).and_then(|c| c.f64().cloned()).map_err(err)?.iter().collect();
    let reg = crate::divisions::registry();
    // Peers: the groups one level up in the registry.
    let peer_of = |level: &str, code: u32| -> Result<Option<u32>> {
        Ok(match level {
            "unit" => reg.prefecture_of(code),
            "prefecture" => reg.province_of(code),
            "province" => Some(0),
            other => {
                return Err(crate::Error::new(crate::ErrorKind::Usage(format!(
                    "{other} groups have no peers in the registry: rank units, prefectures or provinces"
                ))));
            }
        })
    };
    let mut peers: std::collections::BTreeMap<(i32, u32), Vec<usize>> = std::collections::BTreeMap::new();
    for i in 0..values.height() {
        let (Some(c), Some(y), Some(_)) = (code[i], year[i], value[i].filter(|v| v.is_finite())) else {
            continue;
        };
        if let Some(p) = peer_of(level[i].as_deref().unwrap_or(""), c)? {
            peers.entry((y, p)).or_default().push(i);
        }
    }
    #[derive(Default)]
    struct Out {
        level: Vec<String>,
        year: Vec<i32>,
        peer_code: Vec<u32>,
        peer_name: Vec<String>,
        code: Vec<u32>,
        name: Vec<String>,
        value: Vec<f64>,
        rank: Vec<u32>,
        peers: Vec<u32>,
        stats: [Vec<f64>; 5],
        outlier: Vec<bool>,
    }
    let mut out = Out::default();
    for ((y, p), mut members) in peers {
        members.sort_by(|&a, &b| {
            value[b].partial_cmp(&value[a]).unwrap_or(std::cmp::Ordering::Equal).then(code[a].cmp(&code[b]))
        });
        let mut sorted: Vec<f64> = members.iter().filter_map(|&i| value[i]).collect();
        sorted.sort_by(f64::total_cmp);
        let [q1, median, q3] = [0.25, 0.5, 0.75].map(|q| quantile(&sorted, q));
        let iqr = q3 - q1;
        let (low, high) = (q1 - FENCE * iqr, q3 + FENCE * iqr);
        let peer_name = if p == 0 {
            "全国".to_string()
        } else {
            reg.get(p).map_or_else(|| p.to_string(), |d| d.name.clone())
        };
        for (r, &i) in members.iter().enumerate() {
            let v = value[i].unwrap_or(f64::NAN);
            out.level.push(level[i].clone().unwrap_or_default());
            out.year.push(y);
            out.peer_code.push(p);
            out.peer_name.push(peer_name.clone());
            out.code.push(code[i].unwrap_or(0));
            out.name.push(name[i].clone().unwrap_or_default());
            out.value.push(v);
            out.rank.push(r as u32 + 1);
            out.peers.push(members.len() as u32);
            for (s, x) in out.stats.iter_mut().zip([median, q1, q3, low, high]) {
                s.push(x);
            }
            out.outlier.push(iqr > 0.0 && (v < low || v > high));
        }
    }
    let n = out.code.len();
    let [median, q1, q3, low, high] = out.stats;
    let columns: Vec<Column> = vec![
        Column::new(cols::LEVEL.into(), out.level),
        Column::new(cols::YEAR.into(), out.year),
        Column::new("peer_code".into(), out.peer_code),
        Column::new("peer_name".into(), out.peer_name),
        Column::new(cols::CODE.into(), out.code),
        Column::new(cols::NAME.into(), out.name),
        Column::new(cols::VALUE.into(), out.value),
        Column::new("rank".into(), out.rank),
        Column::new("peers".into(), out.peers),
        Column::new("median".into(), median),
        Column::new("q1".into(), q1),
        Column::new("q3".into(), q3),
        Column::new("low_fence".into(), low),
        Column::new("high_fence".into(), high),
        Column::new("outlier".into(), out.outlier),
    ];
    Ok(cols::frame(n, columns)?.lazy())
}

/// The `q` quantile of sorted values by linear interpolation between the nearest ranks.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        n => {
            let at = q * (n - 1) as f64;
            let (lo, hi) = (at.floor() as usize, at.ceil() as usize);
            sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo as f64)
        }
    }
}
