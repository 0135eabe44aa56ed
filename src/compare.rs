//! Year over year, at any level: value, previous value, delta, percent change, and whether the
//! two years mean the same by that cell — 2020 → 2021 crosses the template change, where
//! `other` compares only as a whole and table 二 only where national-schema §6 allows.
//!
//! ```
//! use xxgk::read::ReadOptions;
//! use xxgk::rollup::{by_level, Level};
//! use xxgk::schema::{Item, Key, Measure};
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample");
//! let mut opts = ReadOptions::new();
//! opts.manifest(format!("{dir}/manifest.csv"))?;
//! let batch = opts.from_dir(dir)?;
//! let checked = xxgk::validate::reports(&batch.reports);
//! let changes = xxgk::compare::years(&by_level(&batch.reports, &checked, Level::Prefecture));
//! let other_2021 = changes.iter().find(|c| c.year == 2021 && c.key == Key::new(Item::Other, Measure::Total));
//! assert_eq!(other_2021.map(|c| c.comparable), Some(true)); // the group compares across formats
//! let sub_2021 = changes.iter().find(|c| c.year == 2021 && c.key == Key::new(Item::OtherOther, Measure::Total));
//! assert_eq!(sub_2021.map(|c| c.comparable), Some(false)); // its 2021 parts do not
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;

use crate::error::Result;
use crate::frame::{self as frames, key_columns};
use crate::rollup::{Rollup, Row};
use crate::schema::{Item, Key, Measure, Template, comparable};

/// One cell compared with the year before.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Change {
    /// As in the rollup.
    pub level: String,
    /// The group's (or unit's) code.
    pub code: u32,
    /// Its name.
    pub name: String,
    /// The cell.
    pub key: Key,
    /// The later year.
    pub year: i32,
    /// This year's value (`None`: blank or absent).
    pub value: Option<i64>,
    /// Last year's value.
    pub prev_value: Option<i64>,
    /// `value − prev_value`, when both are known.
    pub delta: Option<i64>,
    /// `delta / prev_value × 100`; `None` when the previous value is 0 or unknown.
    pub pct_change: Option<f64>,
    /// Whether the cell means the same in both years' formats.
    pub comparable: bool,
}

/// Compare every year with the year before, for every group of a rollup that has both.
///
/// ```
/// use xxgk::rollup::{by_level, Level};
/// # let batch = xxgk::read::ReadOptions::new().from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real"))?;
/// let checked = xxgk::validate::reports(&batch.reports);
/// // One year only: nothing to compare with.
/// assert!(xxgk::compare::years(&by_level(&batch.reports, &checked, Level::Unit)).is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn years(rollup: &Rollup) -> Vec<Change> {
    let mut by: BTreeMap<(String, u32, i32), BTreeMap<Key, &Row>> = BTreeMap::new();
    for row in &rollup.rows {
        by.entry((row.level.clone(), row.code, row.year)).or_default().insert(row.key, row);
    }
    let mut out = Vec::new();
    for ((level, code, year), cur) in &by {
        let Some(prev) = by.get(&(level.clone(), *code, year - 1)) else { continue };
        let keys: BTreeSet<Key> = cur.keys().chain(prev.keys()).copied().collect();
        let name = cur.values().next().map(|r| r.name.clone()).unwrap_or_default();
        let (from, to) = (Template::for_year(year - 1), Template::for_year(*year));
        for key in keys {
            let value = cur.get(&key).and_then(|r| r.value);
            let prev_value = prev.get(&key).and_then(|r| r.value);
            let delta = value.zip(prev_value).map(|(a, b)| a - b);
            let pct_change =
                delta.zip(prev_value).filter(|(_, p)| *p != 0).map(|(d, p)| d as f64 / p as f64 * 100.0);
            out.push(Change {
                level: level.clone(),
                code: *code,
                name: name.clone(),
                key,
                year: *year,
                value,
                prev_value,
                delta,
                pct_change,
                comparable: comparable(key, from, to),
            });
        }
    }
    out
}

/// The rates a reader wants, per group and year.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Rates {
    /// As in the rollup.
    pub level: String,
    /// The group's code.
    pub code: u32,
    /// Its name.
    pub name: String,
    /// The year.
    pub year: i32,
    /// （一）予以公开 / （七）总计 (total column), in %.
    pub granted_share: Option<f64>,
    /// （三）不予公开 / （七）总计, in %.
    pub withheld_share: Option<f64>,
    /// 行政复议 结果纠正 / concluded reviews (维持 + 纠正 + 其他结果), in %.
    pub review_correction_rate: Option<f64>,
}

/// Share granted, share withheld and the review correction rate of each group and year.
///
/// ```
/// # use xxgk::read::ReadOptions;
/// # let batch = ReadOptions::new().from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real"))?;
/// # let checked = xxgk::validate::reports(&batch.reports);
/// use xxgk::rollup::{by_level, Level};
/// let rates = xxgk::compare::rates(&by_level(&batch.reports, &checked, Level::Unit));
/// assert_eq!(rates[0].granted_share, Some(80.0)); // 新源县 2022: 4 of 5
/// assert_eq!(rates[0].review_correction_rate, Some(0.0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn rates(rollup: &Rollup) -> Vec<Rates> {
    type Cells = BTreeMap<Key, Option<i64>>;
    let mut by: BTreeMap<(String, u32, i32), (String, Cells)> = BTreeMap::new();
    for row in &rollup.rows {
        by.entry((row.level.clone(), row.code, row.year))
            .or_insert_with(|| (row.name.clone(), BTreeMap::new()))
            .1
            .insert(row.key, row.value);
    }
    let share = |a: Option<i64>, b: Option<i64>| {
        a.zip(b).filter(|(_, b)| *b != 0).map(|(a, b)| a as f64 / b as f64 * 100.0)
    };
    by.into_iter()
        .map(|((level, code, year), (name, v))| {
            let get = |i, m| v.get(&Key::new(i, m)).copied().flatten();
            let total = get(Item::Total, Measure::Total);
            let concluded = [Measure::Upheld, Measure::Corrected, Measure::Other]
                .iter()
                .map(|&m| get(Item::Review, m))
                .sum::<Option<i64>>();
            Rates {
                level,
                code,
                name,
                year,
                granted_share: share(get(Item::Granted, Measure::Total), total),
                withheld_share: share(get(Item::Withheld, Measure::Total), total),
                review_correction_rate: share(get(Item::Review, Measure::Corrected), concluded),
            }
        })
        .collect()
}

/// Changes as a DataFrame: `level, code, name, table, item, measure, year, value, prev_value,
/// delta, pct_change, comparable` (money in 分).
///
/// ```
/// assert_eq!(xxgk::compare::frame(&[])?.width(), 12);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn frame(changes: &[Change]) -> Result<DataFrame> {
    let c = changes;
    let [table, item, measure] = key_columns(c.iter().map(|x| x.key))?;
    let columns = vec![
        Series::new("level".into(), c.iter().map(|r| r.level.as_str()).collect::<Vec<_>>()).into(),
        Series::new("code".into(), c.iter().map(|r| r.code).collect::<Vec<_>>()).into(),
        Series::new("name".into(), c.iter().map(|r| r.name.as_str()).collect::<Vec<_>>()).into(),
        table,
        item,
        measure,
        Series::new("year".into(), c.iter().map(|r| r.year).collect::<Vec<_>>()).into(),
        Series::new("value".into(), c.iter().map(|r| r.value).collect::<Vec<_>>()).into(),
        Series::new("prev_value".into(), c.iter().map(|r| r.prev_value).collect::<Vec<_>>()).into(),
        Series::new("delta".into(), c.iter().map(|r| r.delta).collect::<Vec<_>>()).into(),
        Series::new("pct_change".into(), c.iter().map(|r| r.pct_change).collect::<Vec<_>>()).into(),
        Series::new("comparable".into(), c.iter().map(|r| r.comparable).collect::<Vec<_>>()).into(),
    ];
    frames::frame(c.len(), columns)
}
