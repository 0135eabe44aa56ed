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
use rayon::prelude::*;

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

/// Whether a cell (its item and measure codes) compares between `year` and the year before:
/// [`comparable`] in both years' templates, looked up in a table made once.
fn compares(item: u8, measure: u8, year: i32) -> bool {
    static TABLE: std::sync::OnceLock<Vec<[bool; 3]>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let (v19, v21) = (Template::V2019, Template::V2021);
        Item::ALL
            .iter()
            .flat_map(|&i| Measure::ALL.iter().map(move |&m| Key::new(i, m)))
            .map(|key| [comparable(key, v19, v19), comparable(key, v19, v21), comparable(key, v21, v21)])
            .collect()
    });
    // The 2021 template from 2021's reports on: a year up to 2020 compares the 2019 template
    // with itself, 2021 the 2019 template with the 2021 one, a later year the 2021 with itself.
    let pair = usize::from(year > 2020) + usize::from(year > 2021);
    table.get(usize::from(item) * Measure::ALL.len() + usize::from(measure)).is_some_and(|t| t[pair])
}

/// One row of a level's comparison: the rollup row it shows, and last year's row of its cell.
struct Compared {
    /// This year's row; for a cell last year had and this year lacks, last year's.
    row: IdxSize,
    /// Last year's row of the cell, if it had one.
    prev: Option<IdxSize>,
    /// A cell last year had and this year lacks: `row` is last year's, the year is the next.
    gone: bool,
}

/// One level's comparison, in one pass over its rows in key order (code, year, cell: the
/// order a rollup comes in; other frames are put in it first). A group-year's rows are a run
/// of that order, its cells ascending, and the same group's year before is the run just
/// before it: the two runs are merged cell by cell, so each row meets last year's row of its
/// cell without a join, and the rows come out in key order without a sort.
fn years_of_level(part: DataFrame) -> Result<DataFrame> {
    let err = |e| cols::polars_error("comparing years", e);
    let n = part.height();
    let column = |name: &str| part.column(name).map_err(err);
    // Never null (the contract).
    let code: Vec<u32> = column(cols::CODE)?.u32().map_err(err)?.into_no_null_iter().collect();
    let year: Vec<i32> = column(cols::YEAR)?.i32().map_err(err)?.into_no_null_iter().collect();
    let codes = |name: &str| -> Result<Vec<u8>> {
        let c = column(name)?.to_physical_repr();
        Ok(c.u8().map_err(err)?.into_no_null_iter().collect())
    };
    let (table, item, measure) = (codes(cols::TABLE)?, codes(cols::ITEM)?, codes(cols::MEASURE)?);
    let keys: Vec<u64> = (0..n)
        .into_par_iter()
        .map(|i| cols::key_of(code[i], year[i], table[i], item[i], measure[i]))
        .collect();
    let mut order: Vec<IdxSize> = (0..n as IdxSize).collect();
    if !keys.is_sorted() {
        order.par_sort_unstable_by_key(|&i| keys[i as usize]);
    }
    let key = |at: usize| keys[order[at] as usize];
    if let Some(twice) = (1..n).find(|&at| key(at) == key(at - 1)) {
        let row = part.get_row(order[twice] as usize).map_err(err)?;
        let cells: Vec<String> = row.0.iter().take(7).map(|v| v.to_string()).collect();
        return Err(crate::Error::new(crate::ErrorKind::Column {
            column: cols::KEY.into(),
            message: format!("the rollup frame holds one cell twice: {}", cells.join(", ")),
        }));
    }
    // The runs of each group-year (a key's high 48 bits), as ranges of `order`.
    let mut runs: Vec<(u64, usize, usize)> = Vec::new();
    for at in 0..n {
        match runs.last_mut() {
            Some((gy, _, end)) if *gy == key(at) >> 16 => *end = at + 1,
            _ => runs.push((key(at) >> 16, at, at + 1)),
        }
    }
    // A group compared in a year has rows that year and the year before (years are ≥ 1, so
    // the year before is the same group's).
    let mut out: Vec<Compared> = Vec::with_capacity(n);
    for pair in runs.windows(2) {
        let ((before, mut b, b_end), (now, mut a, a_end)) = (pair[0], pair[1]);
        if before + 1 != now {
            continue;
        }
        let cell = |at: usize| key(at) & 0xFFFF;
        while a < a_end || b < b_end {
            let this = (a < a_end).then(|| cell(a));
            let last = (b < b_end).then(|| cell(b));
            let compared = match (this, last) {
                (Some(t), Some(l)) if t == l => {
                    let c = Compared { row: order[a], prev: Some(order[b]), gone: false };
                    (a, b) = (a + 1, b + 1);
                    c
                }
                (Some(t), l) if l.is_none_or(|l| t < l) => {
                    a += 1;
                    Compared { row: order[a - 1], prev: None, gone: false }
                }
                _ => {
                    b += 1;
                    Compared { row: order[b - 1], prev: Some(order[b - 1]), gone: true }
                }
            };
            out.push(compared);
        }
    }
    // The columns.
    let values =
        |name: &str| -> Result<Vec<Option<i64>>> { Ok(column(name)?.i64().map_err(err)?.iter().collect()) };
    let counts =
        |name: &str| -> Result<Vec<Option<u32>>> { Ok(column(name)?.u32().map_err(err)?.iter().collect()) };
    let (value, (blank, inferred)) = rayon::join(
        || values(cols::VALUE),
        || rayon::join(|| counts(cols::BLANK_UNITS), || counts(cols::INFERRED_UNITS)),
    );
    let (value, blank, inferred) = (value?, blank?, inferred?);
    let this_year = |c: &Compared| year[c.row as usize] + i32::from(c.gone);
    let now = |c: &Compared| if c.gone { None } else { value[c.row as usize] };
    let before = |c: &Compared| c.prev.and_then(|p| value[p as usize]);
    let delta = |c: &Compared| now(c).zip(before(c)).map(|(v, p)| v.wrapping_sub(p));
    let pct_change =
        |c: &Compared| delta(c).zip(before(c).filter(|&p| p != 0)).map(|(d, p)| d as f64 / p as f64 * 100.0);
    // Each column straight from the rows compared (polars' builders from vectors of options
    // took a third of the comparison).
    let int64 = |name: &str, f: &dyn Fn(&Compared) -> Option<i64>| -> Column {
        out.iter().map(f).collect::<Int64Chunked>().with_name(name.into()).into_column()
    };
    let counted = |name: &str, v: &[Option<u32>], prev: bool| -> Column {
        out.iter()
            .map(|c| match prev {
                true => c.prev.and_then(|p| v[p as usize]),
                false if c.gone => None,
                false => v[c.row as usize],
            })
            .collect::<UInt32Chunked>()
            .with_name(name.into())
            .into_column()
    };
    let rows = IdxCa::from_vec("rows".into(), out.iter().map(|c| c.row).collect());
    // The columns side by side on the threads, each one pass over the rows compared.
    type Task<'a> = Box<dyn Fn() -> Column + Send + Sync + 'a>;
    let tasks: Vec<Task> = vec![
        Box::new(|| Column::new(cols::YEAR.into(), out.iter().map(this_year).collect::<Vec<i32>>())),
        Box::new(|| int64(cols::VALUE, &now)),
        Box::new(|| int64("prev_value", &before)),
        Box::new(|| int64("delta", &delta)),
        Box::new(|| {
            out.iter()
                .map(pct_change)
                .collect::<Float64Chunked>()
                .with_name("pct_change".into())
                .into_column()
        }),
        Box::new(|| {
            let comparable =
                out.iter().map(|c| compares(item[c.row as usize], measure[c.row as usize], this_year(c)));
            Column::new("comparable".into(), comparable.collect::<Vec<bool>>())
        }),
        Box::new(|| counted(cols::BLANK_UNITS, &blank, false)),
        Box::new(|| counted("prev_blank_units", &blank, true)),
        Box::new(|| counted(cols::INFERRED_UNITS, &inferred, false)),
        Box::new(|| counted("prev_inferred_units", &inferred, true)),
    ];
    let (taken, made) = rayon::join(
        || {
            part.select([
                cols::LEVEL,
                cols::CODE,
                cols::NAME,
                cols::TABLE,
                cols::ITEM,
                cols::MEASURE,
                cols::UNIT,
            ])
            .and_then(|d| d.take(&rows))
        },
        || tasks.par_iter().map(|task| task()).collect::<Vec<Column>>(),
    );
    let mut compared = taken.map_err(err)?;
    for c in made {
        compared.with_column(c).map_err(err)?;
    }
    compared
        .select([
            cols::LEVEL,
            cols::CODE,
            cols::NAME,
            cols::YEAR,
            cols::TABLE,
            cols::ITEM,
            cols::MEASURE,
            cols::UNIT,
            cols::VALUE,
            "prev_value",
            "delta",
            "pct_change",
            "comparable",
            cols::BLANK_UNITS,
            "prev_blank_units",
            cols::INFERRED_UNITS,
            "prev_inferred_units",
        ])
        .map_err(err)
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
