//! Sums of units' reports: by prefecture, province or nation from the division registry, or by
//! a grouping of your own — each with its coverage (units reported, expected, missing).
//!
//! Derived group subtotals (`withheld`, `unable`, `not_processed`, and 2021 `other`) are items
//! of their own. A sum over units where some values are blank counts them in `blank_units`;
//! blank is never taken for 0, and a sum where every unit is blank is blank.
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
//! let sums = by_level(&batch.reports, &checked, Level::Prefecture);
//! let cov = sums.coverage.iter().find(|c| c.year == 2022).ok_or("no 2022")?;
//! assert_eq!((cov.name.as_str(), cov.reported.len(), cov.expected.len()), ("伊犁哈萨克自治州", 11, 11));
//! let key = Key::new(Item::NewReceived, Measure::Total);
//! assert!(sums.rows.iter().any(|r| r.year == 2022 && r.key == key && r.value.is_some()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap};

use polars::prelude::*;

use crate::divisions::registry;
use crate::error::Result;
use crate::frame::{frame, key_columns};
use crate::read::Report;
use crate::schema::Key;
use crate::validate::Validation;

/// A level of the division hierarchy to sum to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Each reporting unit as loaded: no aggregation.
    Unit,
    /// 地级: the prefecture of each county-level unit.
    Prefecture,
    /// 省级.
    Province,
    /// The whole country (code 0).
    Nation,
}

impl Level {
    /// The lowercase code (`unit`, `prefecture`, `province`, `nation`).
    ///
    /// ```
    /// assert_eq!("province".parse::<xxgk::rollup::Level>()?.code(), "province");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn code(self) -> &'static str {
        match self {
            Level::Unit => "unit",
            Level::Prefecture => "prefecture",
            Level::Province => "province",
            Level::Nation => "nation",
        }
    }
}

impl std::str::FromStr for Level {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Level> {
        match s {
            "unit" => Ok(Level::Unit),
            "prefecture" => Ok(Level::Prefecture),
            "province" => Ok(Level::Province),
            "nation" => Ok(Level::Nation),
            _ => Err(crate::Error::new(crate::ErrorKind::UnknownCode { what: "level", code: s.to_string() })),
        }
    }
}

/// Groups of your own: each a code, a name and its member units.
///
/// ```
/// use xxgk::rollup::Grouping;
/// // 伊犁州直属 (its 11 units) and the whole 伊犁州 with 塔城地区 and 阿勒泰地区.
/// let mut g = Grouping::new("custom");
/// g.add_division(1, "伊犁州直属", 654000);
/// for d in [654000, 654200, 654300] {
///     g.add_division(2, "伊犁州全州", d);
/// }
/// assert_eq!(g.members(1).len(), 11);
/// assert!(g.members(2).len() > 11);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Grouping {
    label: String,
    names: BTreeMap<u32, String>,
    members: BTreeMap<u32, BTreeSet<u32>>,
}

impl Grouping {
    /// An empty grouping; `label` fills the `level` column of its rows.
    ///
    /// ```
    /// let g = xxgk::rollup::Grouping::new("伊犁州直属");
    /// assert!(g.members(1).is_empty());
    /// ```
    pub fn new(label: impl Into<String>) -> Grouping {
        Grouping { label: label.into(), ..Grouping::default() }
    }

    /// Add one unit to group `code` named `name`.
    ///
    /// ```
    /// let mut g = xxgk::rollup::Grouping::new("plain");
    /// g.add_unit(1, "南疆样本", 654025).add_unit(1, "南疆样本", 654026);
    /// assert_eq!(g.members(1), vec![654025, 654026]);
    /// ```
    pub fn add_unit(&mut self, code: u32, name: &str, unit: u32) -> &mut Grouping {
        self.names.entry(code).or_insert_with(|| name.to_string());
        self.members.entry(code).or_default().insert(unit);
        self
    }

    /// Add every county-level unit under `division` (see
    /// [`Registry::expected_units`](crate::divisions::Registry::expected_units)) to group `code`.
    ///
    /// ```
    /// let mut g = xxgk::rollup::Grouping::new("custom");
    /// g.add_division(7, "伊犁州直属", 654000);
    /// assert_eq!(g.members(7).len(), 11);
    /// ```
    pub fn add_division(&mut self, code: u32, name: &str, division: u32) -> &mut Grouping {
        for unit in registry().expected_units(division) {
            self.add_unit(code, name, unit);
        }
        self
    }

    /// The member units of group `code`.
    ///
    /// ```
    /// let mut g = xxgk::rollup::Grouping::new("custom");
    /// g.add_unit(1, "一", 654025);
    /// assert_eq!(g.members(1), vec![654025]);
    /// ```
    pub fn members(&self, code: u32) -> Vec<u32> {
        self.members.get(&code).map(|m| m.iter().copied().collect()).unwrap_or_default()
    }
}

/// One summed cell.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Row {
    /// `unit`, `prefecture`, `province`, `nation`, or a grouping's label.
    pub level: String,
    /// The group's code (a division code; 0 for the nation).
    pub code: u32,
    /// The group's name.
    pub name: String,
    /// The year.
    pub year: i32,
    /// The cell (derived group subtotals included).
    pub key: Key,
    /// The sum over the units with a value; `None` when every unit's value is blank.
    pub value: Option<i64>,
    /// How many units have this cell blank (left out of the sum).
    pub blank_units: u32,
    /// Units of the group that reported this year.
    pub units_reported: u32,
    /// Units the group has.
    pub units_expected: u32,
}

/// Who reported, per group and year.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Coverage {
    /// As in [`Row::level`].
    pub level: String,
    /// The group's code.
    pub code: u32,
    /// The group's name.
    pub name: String,
    /// The year.
    pub year: i32,
    /// Units that reported (sorted codes).
    pub reported: Vec<u32>,
    /// Units expected (sorted codes).
    pub expected: Vec<u32>,
    /// Expected units without a report.
    pub missing: Vec<u32>,
    /// Reports under the group that are not among its expected units (a prefecture office's own
    /// report): listed, not summed.
    pub outside: Vec<u32>,
}

/// The result of a rollup.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Rollup {
    /// The sums, ordered by group, year, then cell.
    pub rows: Vec<Row>,
    /// Coverage per group and year.
    pub coverage: Vec<Coverage>,
}

/// Sum to a level of the registry.
///
/// ```
/// use xxgk::rollup::{by_level, Level};
/// # let batch = xxgk::read::ReadOptions::new().from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real"))?;
/// let checked = xxgk::validate::reports(&batch.reports);
/// let province = by_level(&batch.reports, &checked, Level::Province);
/// assert_eq!((province.coverage[0].code, province.coverage[0].reported.len()), (650000, 1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn by_level(reports: &[Report], validation: &Validation, level: Level) -> Rollup {
    let reg = registry();
    let group_of = |code: u32| -> Option<u32> {
        match level {
            Level::Unit => Some(code),
            Level::Prefecture => reg.prefecture_of(code),
            Level::Province => reg.province_of(code),
            Level::Nation => Some(0),
        }
    };
    let name_of = |code: u32| -> String {
        match (level, code) {
            (Level::Nation, _) => "全国".to_string(),
            _ => reg.get(code).map_or_else(|| code.to_string(), |d| d.name.clone()),
        }
    };
    let expected_of = |code: u32| -> Vec<u32> {
        match level {
            Level::Unit => vec![code],
            _ => reg.expected_units(code),
        }
    };
    sum(reports, validation, level.code(), |c| group_of(c).into_iter().collect(), name_of, expected_of)
}

/// Sum by a grouping of your own; a unit may belong to several groups.
///
/// ```
/// use xxgk::rollup::{by_grouping, Grouping};
/// # let batch = xxgk::read::ReadOptions::new().from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real"))?;
/// let checked = xxgk::validate::reports(&batch.reports);
/// let mut g = Grouping::new("custom");
/// g.add_unit(1, "新源与昭苏", 654025).add_unit(1, "新源与昭苏", 654026);
/// let sums = by_grouping(&batch.reports, &checked, &g);
/// assert_eq!(sums.coverage[0].missing, vec![654026]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn by_grouping(reports: &[Report], validation: &Validation, grouping: &Grouping) -> Rollup {
    let mut groups_of: HashMap<u32, Vec<u32>> = HashMap::new();
    for (g, members) in &grouping.members {
        for &u in members {
            groups_of.entry(u).or_default().push(*g);
        }
    }
    sum(
        reports,
        validation,
        &grouping.label,
        |c| groups_of.get(&c).cloned().unwrap_or_default(),
        |g| grouping.names.get(&g).cloned().unwrap_or_default(),
        |g| grouping.members(g),
    )
}

#[derive(Default)]
struct Acc {
    sum: i64,
    known: u32,
    blank: u32,
}

fn sum(
    reports: &[Report],
    validation: &Validation,
    label: &str,
    groups_of: impl Fn(u32) -> Vec<u32>,
    name_of: impl Fn(u32) -> String,
    expected_of: impl Fn(u32) -> Vec<u32>,
) -> Rollup {
    let mut seen: BTreeSet<(u32, i32)> = BTreeSet::new();
    let mut reported: BTreeMap<(u32, i32), (BTreeSet<u32>, BTreeSet<u32>)> = BTreeMap::new();
    let mut accs: BTreeMap<(u32, i32, Key), Acc> = BTreeMap::new();
    let mut expected: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for (i, r) in reports.iter().enumerate() {
        // A unit-year reported twice is summed once (the first read).
        if !seen.insert((r.division_code, r.year)) {
            continue;
        }
        let Some(cells) = validation.cells(i) else { continue };
        for g in groups_of(r.division_code) {
            let exp = expected.entry(g).or_insert_with(|| expected_of(g));
            let entry = reported.entry((g, r.year)).or_default();
            if exp.binary_search(&r.division_code).is_err() {
                entry.1.insert(r.division_code);
                continue;
            }
            entry.0.insert(r.division_code);
            for (key, res) in cells {
                let acc = accs.entry((g, r.year, *key)).or_default();
                match res.value {
                    Some(x) => {
                        acc.sum += x;
                        acc.known += 1;
                    }
                    None => acc.blank += 1,
                }
            }
        }
    }
    let mut out = Rollup::default();
    let mut names: BTreeMap<u32, String> = BTreeMap::new();
    for ((g, year), (units, outside)) in &reported {
        let exp = &expected[g];
        let name = names.entry(*g).or_insert_with(|| name_of(*g)).clone();
        out.coverage.push(Coverage {
            level: label.to_string(),
            code: *g,
            name,
            year: *year,
            reported: units.iter().copied().collect(),
            expected: exp.clone(),
            missing: exp.iter().copied().filter(|u| !units.contains(u)).collect(),
            outside: outside.iter().copied().collect(),
        });
    }
    for ((g, year, key), acc) in accs {
        let (units, _) = &reported[&(g, year)];
        out.rows.push(Row {
            level: label.to_string(),
            code: g,
            name: names[&g].clone(),
            year,
            key,
            value: (acc.known > 0).then_some(acc.sum),
            blank_units: acc.blank,
            units_reported: units.len() as u32,
            units_expected: expected[&g].len() as u32,
        });
    }
    out
}

impl Rollup {
    /// The rows as a DataFrame: `level, code, name, year, table, item, measure, value,
    /// blank_units, units_reported, units_expected` (money in 分).
    ///
    /// ```
    /// let empty = xxgk::rollup::Rollup::default();
    /// assert_eq!(empty.frame()?.width(), 11);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn frame(&self) -> Result<DataFrame> {
        let rows = &self.rows;
        let col = |f: &dyn Fn(&Row) -> u32, name: &str| -> Column {
            Series::new(name.into(), rows.iter().map(f).collect::<Vec<u32>>()).into()
        };
        let [table, item, measure] = key_columns(rows.iter().map(|x| x.key))?;
        let columns = vec![
            Series::new("level".into(), rows.iter().map(|r| r.level.as_str()).collect::<Vec<_>>()).into(),
            col(&|r| r.code, "code"),
            Series::new("name".into(), rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>()).into(),
            Series::new("year".into(), rows.iter().map(|r| r.year).collect::<Vec<_>>()).into(),
            table,
            item,
            measure,
            Series::new("value".into(), rows.iter().map(|r| r.value).collect::<Vec<_>>()).into(),
            col(&|r| r.blank_units, "blank_units"),
            col(&|r| r.units_reported, "units_reported"),
            col(&|r| r.units_expected, "units_expected"),
        ];
        frame(rows.len(), columns)
    }
}
