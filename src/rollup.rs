//! Sums of units' values: by prefecture, province or nation from the division registry, or by a
//! grouping of your own — each sum with its coverage (units reported and expected).
//!
//! A rollup is a polars transformation: a tidy frame ([`frame`](crate::frame)) in, a rollup
//! `LazyFrame` out. The tidy frame can be one just built from workbooks, a stored dataset read
//! back with [`frame::read_dataset`](crate::frame::read_dataset), or a caller's own frame with
//! the tidy columns; it is checked once at the entry ([`frame::check`](crate::frame::check)).
//!
//! The rules, the same whatever the frame came from:
//!
//! | what | rule |
//! |---|---|
//! | blanks | a blank is never taken for 0: a sum is over the units with a value, `blank_units` counts the others, and a sum where every unit is blank is blank |
//! | inferred values | summed like published ones; `inferred_units` counts them |
//! | group subtotals | rows of the tidy frame marked `derived` (blank when a sub-item is blank), summed like any other cell |
//! | a unit-year reported twice | for each unit, year and table, only the rows of the first source — by `file`, then `sheet`, in byte order — are summed |
//! | units outside the group | a unit under the group that is not one of its expected units (a prefecture office's own report) is left out of the sums and listed by [`coverage`] |
//! | units the registry does not place | left out of a prefecture, province or nation rollup (a unit-level rollup keeps them) |
//!
//! The rollup frame has one row per group, year and cell:
//!
//! | column | type | meaning |
//! |---|---|---|
//! | `level` | str | `unit`, `prefecture`, `province`, `nation`, or a grouping's label |
//! | `code`, `name` | u32, str | the group (a division code; 0 for the nation) |
//! | `year`, `table`, `item`, `measure`, `unit` | | as in the tidy frame |
//! | `value` | i64 | the sum (null: every unit blank) |
//! | `origin` | enum | `derived` for a group subtotal, else `inferred` if any unit's value was, else `published` |
//! | `blank_units`, `inferred_units` | u32 | units whose value is blank / was inferred |
//! | `units_reported`, `units_expected` | u32 | the group's units that reported that year / that it has |
//!
//! ```
//! use xxgk::polars::prelude::*;
//! use xxgk::rollup::Level;
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample");
//! let mut opts = xxgk::read::ReadOptions::new();
//! opts.manifest(format!("{dir}/manifest.csv"))?;
//! let checked = xxgk::validate::reports(opts.from_dir(dir)?.reports);
//! let tidy = xxgk::frame::tidy(&checked)?;
//! let sums = xxgk::rollup::by(tidy.lazy(), Level::Prefecture)?
//!     .filter(col("year").eq(lit(2022)).and(col("item").eq(lit("new_received"))).and(col("measure").eq(lit("total"))))
//!     .collect()?;
//! assert_eq!(sums.column("name")?.str()?.get(0), Some("伊犁哈萨克自治州"));
//! assert_eq!(sums.column("units_reported")?.u32()?.get(0), Some(11));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use polars::prelude::*;
use rayon::prelude::*;

use crate::columns as cols;
use crate::divisions::registry;
use crate::error::Result;
use crate::report::Origin;
use crate::schema::{Item, Measure, Table};

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

/// What to sum by: a level of the registry, or a grouping of your own. Both convert, so
/// `rollup::by(tidy, Level::Prefecture)` and `rollup::by(tidy, &grouping)` read as they should.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Groups {
    /// A level of the division registry.
    Level(Level),
    /// Groups of your own.
    Custom(Grouping),
}

impl From<Level> for Groups {
    fn from(level: Level) -> Groups {
        Groups::Level(level)
    }
}

impl From<Grouping> for Groups {
    fn from(grouping: Grouping) -> Groups {
        Groups::Custom(grouping)
    }
}

impl From<&Grouping> for Groups {
    fn from(grouping: &Grouping) -> Groups {
        Groups::Custom(grouping.clone())
    }
}

impl Groups {
    fn label(&self) -> &str {
        match self {
            Groups::Level(level) => level.code(),
            Groups::Custom(g) => &g.label,
        }
    }
}

const GROUP: &str = "group";
const MEMBER: &str = "member";

/// Which group each unit belongs to (`member`: one of the group's expected units; else a unit
/// under the group that is outside it), and each group's name and number of expected units.
#[derive(Clone)]
struct Membership {
    members: DataFrame,
    groups: DataFrame,
}

/// The membership of a registry level (prefecture, province or nation): built once, the
/// registry being fixed.
fn registry_membership(level: Level) -> Result<Membership> {
    static LEVELS: OnceLock<[Membership; 3]> = OnceLock::new();
    let levels = match LEVELS.get() {
        Some(built) => built,
        None => {
            let built = [
                build_registry_membership(Level::Prefecture)?,
                build_registry_membership(Level::Province)?,
                build_registry_membership(Level::Nation)?,
            ];
            LEVELS.get_or_init(|| built)
        }
    };
    Ok(levels[match level {
        Level::Prefecture => 0,
        Level::Province => 1,
        _ => 2,
    }]
    .clone())
}

fn build_registry_membership(level: Level) -> Result<Membership> {
    let reg = registry();
    let group_of = |code: u32| match level {
        Level::Prefecture => reg.prefecture_of(code),
        Level::Province => reg.province_of(code),
        _ => Some(0),
    };
    let (mut unit, mut group, mut member) = (Vec::new(), Vec::new(), Vec::new());
    let mut units_of: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
    for d in reg.divisions() {
        let Some(g) = group_of(d.code) else { continue };
        let units = units_of.entry(g).or_insert_with(|| reg.expected_units(g).into_iter().collect());
        unit.push(d.code);
        group.push(g);
        member.push(units.contains(&d.code));
    }
    let name = |g: u32| match level {
        Level::Nation => "全国".to_string(),
        _ => reg.get(g).map_or_else(|| g.to_string(), |d| d.name.clone()),
    };
    let groups: Vec<(u32, String, u32)> =
        units_of.iter().map(|(g, u)| (*g, name(*g), u.len() as u32)).collect();
    Ok(Membership { members: members_frame(unit, group, member)?, groups: groups_frame(&groups)? })
}

fn members_frame(unit: Vec<u32>, group: Vec<u32>, member: Vec<bool>) -> Result<DataFrame> {
    cols::frame(
        unit.len(),
        vec![
            Series::new(cols::DIVISION_CODE.into(), unit).into(),
            Series::new(GROUP.into(), group).into(),
            Series::new(MEMBER.into(), member).into(),
        ],
    )
}

fn groups_frame(groups: &[(u32, String, u32)]) -> Result<DataFrame> {
    cols::frame(
        groups.len(),
        vec![
            Series::new(GROUP.into(), groups.iter().map(|g| g.0).collect::<Vec<u32>>()).into(),
            Series::new(cols::NAME.into(), groups.iter().map(|g| g.1.as_str()).collect::<Vec<_>>()).into(),
            Series::new(cols::UNITS_EXPECTED.into(), groups.iter().map(|g| g.2).collect::<Vec<u32>>()).into(),
        ],
    )
}

fn custom_membership(grouping: &Grouping) -> Result<Membership> {
    let (mut unit, mut group, mut member) = (Vec::new(), Vec::new(), Vec::new());
    let mut groups = Vec::new();
    for (g, units) in &grouping.members {
        for &u in units {
            unit.push(u);
            group.push(*g);
            member.push(true);
        }
        groups.push((*g, grouping.names.get(g).cloned().unwrap_or_default(), units.len() as u32));
    }
    Ok(Membership { members: members_frame(unit, group, member)?, groups: groups_frame(&groups)? })
}

/// Every unit its own group, named as in the frame, else as in the registry, else by its code.
fn unit_groups(tidy: &LazyFrame) -> Result<LazyFrame> {
    static NAMES: OnceLock<DataFrame> = OnceLock::new();
    let names = match NAMES.get() {
        Some(names) => names,
        None => {
            let reg = registry();
            let codes: Vec<u32> = reg.divisions().map(|d| d.code).collect();
            let names: Vec<&str> = reg.divisions().map(|d| d.name.as_str()).collect();
            let frame = cols::frame(
                codes.len(),
                vec![
                    Series::new(GROUP.into(), codes).into(),
                    Series::new("registry_name".into(), names).into(),
                ],
            )?;
            NAMES.get_or_init(|| frame)
        }
    };
    Ok(tidy
        .clone()
        .select([col(cols::DIVISION_CODE).alias(GROUP), col(cols::DIVISION_NAME)])
        .unique_stable(Some(polars::prelude::cols([GROUP])), UniqueKeepStrategy::First)
        .join(names.clone().lazy(), [col(GROUP)], [col(GROUP)], JoinArgs::new(JoinType::Left))
        .select([
            col(GROUP),
            coalesce(&[
                col(cols::DIVISION_NAME).cast(DataType::String),
                col("registry_name"),
                col(GROUP).cast(DataType::String),
            ])
            .alias(cols::NAME),
            lit(1u32).alias(cols::UNITS_EXPECTED),
        ]))
}

/// The checked tidy frame without what the duplicate rule leaves out — for each unit, year and
/// table, the rows of every source but the first by `file` then `sheet` (byte order, a missing
/// sheet last) — and the unit-years it holds (`division_code`, `year`).
fn first_sources(tidy: LazyFrame) -> Result<(DataFrame, DataFrame)> {
    let tidy = crate::frame::checked(tidy)?;
    let physical = |name: &str| -> Result<Series> {
        Ok(tidy.column(name).map_err(err)?.as_materialized_series().to_physical_repr().into_owned())
    };
    let [code, year, table, file, sheet] = [
        physical(cols::DIVISION_CODE)?,
        physical(cols::YEAR)?,
        physical(cols::TABLE)?,
        physical(cols::FILE)?,
        physical(cols::SHEET)?,
    ];
    // A report's rows come together (in xxgk's frames and in a dataset read back): its source
    // is read where one of the five changes, without hashing every row — each range of rows on
    // a thread, the first sight of each source kept in row order, with the row where each run
    // of a source starts.
    type Source = [Option<u32>; 5];
    let changes: Vec<Vec<(usize, Source)>> = ranges(tidy.height())
        .into_par_iter()
        .map(|(at, len)| -> Result<Vec<(usize, Source)>> {
            let mut out = Vec::new();
            let mut previous = None;
            let mut record = |at: usize, source: Source| {
                if previous != Some(source) {
                    out.push((at, source));
                }
                previous = Some(source);
            };
            // A block of rows at a time: a few small buffers reused, not a copy of five columns.
            for start in (at..at + len).step_by(BLOCK) {
                let n = BLOCK.min(at + len - start);
                // A block across two of the frame's chunks made one, for the slice paths.
                let block = |s: &Series| s.slice(start as i64, n).rechunk();
                let (c, y, t, f, s) =
                    (block(&code), block(&year), block(&table), block(&file), block(&sheet));
                // Without nulls, in the frame's own types (xxgk's frames): over the values
                // themselves, no cast.
                if let (Ok(c), Ok(y), Ok(t), Ok(f), Ok(s)) = (c.u32(), y.i32(), t.u8(), f.u32(), s.u32())
                    && let (Ok(c), Ok(y), Ok(t), Ok(f), Ok(s)) =
                        (c.cont_slice(), y.cont_slice(), t.cont_slice(), f.cont_slice(), s.cont_slice())
                {
                    for j in 0..n {
                        // Most rows are their report's row before again.
                        if j > 0
                            && (c[j], y[j], t[j], f[j], s[j])
                                == (c[j - 1], y[j - 1], t[j - 1], f[j - 1], s[j - 1])
                        {
                            continue;
                        }
                        // A negative year is no u32: null, as the cast below makes it.
                        let year = u32::try_from(y[j]).ok();
                        record(start + j, [Some(c[j]), year, Some(u32::from(t[j])), Some(f[j]), Some(s[j])]);
                    }
                    continue;
                }
                let part = |s: &Series| -> Result<UInt32Chunked> {
                    s.cast(&DataType::UInt32).map_err(err)?.u32().cloned().map_err(err)
                };
                let (c, y, t, f, s) = (part(&c)?, part(&y)?, part(&t)?, part(&f)?, part(&s)?);
                let rows = c.iter().zip(y.iter()).zip(t.iter()).zip(f.iter()).zip(s.iter());
                for (j, ((((c, y), t), f), s)) in rows.enumerate() {
                    record(start + j, [c, y, t, f, s]);
                }
            }
            Ok(out)
        })
        .collect::<Result<_>>()?;
    let runs: Vec<(usize, Source)> = changes.into_iter().flatten().collect();
    let mut sources: Vec<Source> = Vec::new();
    let mut seen: HashSet<Source> = HashSet::new();
    for &(_, source) in &runs {
        if seen.insert(source) {
            sources.push(source);
        }
    }
    let tables: HashSet<[Option<u32>; 3]> = sources.iter().map(|s| [s[0], s[1], s[2]]).collect();
    if tables.len() == sources.len() {
        // One source per unit-year-table: nothing to leave out (the usual case).
        let mut units: Vec<(u32, i32)> = sources
            .iter()
            .filter_map(|s| Some((s[0]?, s[1]? as i32)))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        units.sort_unstable();
        return Ok((tidy, unit_years(&units)?));
    }
    // Several sources for some unit-year-table: the first by file, then sheet (byte order, a
    // missing one last) is kept, found among the distinct sources (not the rows); the rows of
    // the others are left out a run at a time, the frame kept as slices of itself.
    let mapping = |name: &str| -> Result<Arc<CategoricalMapping>> {
        match tidy.column(name).map_err(err)?.dtype() {
            DataType::Categorical(_, mapping) => Ok(mapping.clone()),
            other => {
                Err(err(PolarsError::SchemaMismatch(format!("{name} is {other}, not categorical").into())))
            }
        }
    };
    let (files, sheets) = (mapping(cols::FILE)?, mapping(cols::SHEET)?);
    // A file or sheet name's place in byte order, a missing one last.
    type Order<'a> = (bool, Option<&'a str>);
    fn order(names: &CategoricalMapping, id: Option<u32>) -> Order<'_> {
        let text = id.and_then(|id| names.cat_to_str(id));
        (text.is_none(), text)
    }
    let mut first: HashMap<[Option<u32>; 3], (Order, Order, Source)> = HashMap::new();
    for source in sources {
        let (file, sheet) = (order(&files, source[3]), order(&sheets, source[4]));
        let table = [source[0], source[1], source[2]];
        match first.get(&table) {
            Some((f, s, _)) if (f, s) <= (&file, &sheet) => {}
            _ => {
                first.insert(table, (file, sheet, source));
            }
        }
    }
    let kept: HashSet<Source> = first.values().map(|(_, _, source)| *source).collect();
    let mut keep: Vec<(usize, usize)> = Vec::new();
    let ends = runs.iter().skip(1).map(|(at, _)| *at).chain([tidy.height()]);
    for (&(start, source), end) in runs.iter().zip(ends) {
        if !kept.contains(&source) {
            continue;
        }
        match keep.last_mut() {
            Some(last) if last.1 == start => last.1 = end,
            _ => keep.push((start, end)),
        }
    }
    let mut parts = keep.iter().map(|&(start, end)| tidy.slice(start as i64, end - start));
    let mut kept_rows = parts.next().unwrap_or_else(|| tidy.clear());
    for part in parts {
        kept_rows.vstack_mut_owned(part).map_err(err)?;
    }
    if keep.len() > 64 {
        // Left-out rows scattered through the frame: one copy instead of many small chunks.
        kept_rows.rechunk_mut_par();
    }
    let mut units: Vec<(u32, i32)> =
        kept.iter().filter_map(|s| Some((s[0]?, s[1]? as i32))).collect::<HashSet<_>>().into_iter().collect();
    units.sort_unstable();
    Ok((kept_rows, unit_years(&units)?))
}

/// The unit-years (`division_code`, `year`) of a frame, as a frame.
fn unit_years(units: &[(u32, i32)]) -> Result<DataFrame> {
    cols::frame(
        units.len(),
        vec![
            Series::new(cols::DIVISION_CODE.into(), units.iter().map(|u| u.0).collect::<Vec<_>>()).into(),
            Series::new(cols::YEAR.into(), units.iter().map(|u| u.1).collect::<Vec<_>>()).into(),
        ],
    )
}

/// Rows read at a time where a range's columns are copied or cast: small enough to stay in the
/// cache and in the allocator's reused memory.
const BLOCK: usize = 1 << 14;

/// Rows per piece of work split over the threads: about four pieces per thread, none under
/// [`BLOCK`] rows.
fn chunk_size(n: usize) -> usize {
    n.div_ceil(rayon::current_num_threads() * 4).max(BLOCK)
}

/// Rows `0..n` as (start, length) ranges of [`chunk_size`], in order.
fn ranges(n: usize) -> Vec<(usize, usize)> {
    let size = chunk_size(n);
    (0..n).step_by(size).map(|at| (at, size.min(n - at))).collect()
}

fn err(e: PolarsError) -> crate::Error {
    cols::polars_error("rolling up", e)
}

/// A tidy frame, checked and deduplicated, placed in its groups.
struct Placed {
    /// The rows that count: with their `group`, or with their `division_code` where
    /// `group_of` says each unit's one group.
    rows: LazyFrame,
    /// Each unit's group, where every unit of the rows is in exactly one (the levels of the
    /// registry): a look-up by code instead of a `group` column as long as the frame.
    group_of: Option<HashMap<u32, u32>>,
    /// The unit-years, with their `group` and whether they are a `member` of it.
    units: LazyFrame,
    /// The groups: `group`, `name`, `units_expected`.
    groups: LazyFrame,
}

fn placed(tidy: LazyFrame, groups: &Groups) -> Result<Placed> {
    let (tidy, units) = first_sources(tidy)?;
    let m = match groups {
        Groups::Level(Level::Unit) => {
            let names = unit_groups(&tidy.clone().lazy())?;
            let group = tidy.column(cols::DIVISION_CODE).map_err(err)?.clone().with_name(GROUP.into());
            let rows = with_keys(grouped(tidy.clone(), None, group)?)?;
            let as_group = col(cols::DIVISION_CODE).alias(GROUP);
            return Ok(Placed {
                rows: rows.lazy(),
                group_of: None,
                units: units.lazy().with_columns([as_group, lit(true).alias(MEMBER)]),
                groups: names,
            });
        }
        Groups::Level(level) => registry_membership(*level)?,
        Groups::Custom(grouping) => custom_membership(grouping)?,
    };
    // Each row once per group it is a member of (a unit may be in several groups of a
    // grouping of your own): looked up by code, not joined.
    let mut member_of: HashMap<u32, Vec<u32>> = HashMap::new();
    {
        let code = m.members.column(cols::DIVISION_CODE).and_then(|c| c.u32().cloned()).map_err(err)?;
        let group = m.members.column(GROUP).and_then(|c| c.u32().cloned()).map_err(err)?;
        let member = m.members.column(MEMBER).and_then(|c| c.bool().cloned()).map_err(err)?;
        for ((c, g), is) in code.iter().zip(group.iter()).zip(member.iter()) {
            if let (Some(c), Some(g), Some(true)) = (c, g, is) {
                member_of.entry(c).or_default().push(g);
            }
        }
    }
    let on = [col(cols::DIVISION_CODE)];
    let units_in = |units: DataFrame| {
        units.lazy().join(m.members.clone().lazy(), on.clone(), on.clone(), JoinArgs::new(JoinType::Inner))
    };
    // Every unit in one group: the rows as they are, each one's group looked up when summed.
    let unit_codes = units.column(cols::DIVISION_CODE).and_then(|c| c.u32().cloned()).map_err(err)?;
    if unit_codes.iter().all(|c| c.is_some_and(|c| member_of.get(&c).is_some_and(|g| g.len() == 1))) {
        let group_of = member_of.into_iter().filter(|(_, g)| g.len() == 1).map(|(c, g)| (c, g[0])).collect();
        let rows = tidy.select(ROW_COLUMNS.into_iter().chain([cols::DIVISION_CODE])).map_err(err)?;
        return Ok(Placed {
            rows: rows.lazy(),
            group_of: Some(group_of),
            units: units_in(units),
            groups: m.groups.lazy(),
        });
    }
    let codes = tidy.column(cols::DIVISION_CODE).and_then(|c| c.u32().cloned()).map_err(err)?;
    // The rows to keep, `None` while every row so far is in exactly one group (the usual case:
    // no list of every row's index is made).
    let mut take: Option<Vec<IdxSize>> = None;
    let mut group: Vec<u32> = Vec::with_capacity(codes.len());
    // Rows come report by report: the previous row's code answers most look-ups.
    let mut last: Option<(u32, &[u32])> = None;
    // Without nulls (xxgk's own frames, a chunk per part of the load): over the values.
    let each: Box<dyn Iterator<Item = Option<u32>>> = if codes.null_count() == 0 {
        Box::new(codes.downcast_iter().flat_map(|a| a.values().iter().map(|&c| Some(c))))
    } else {
        Box::new(codes.iter())
    };
    for (i, code) in each.enumerate() {
        let groups = match (code, last) {
            (None, _) => &[][..],
            (Some(code), Some((c, g))) if c == code => g,
            (Some(code), _) => {
                let g = member_of.get(&code).map_or(&[][..], Vec::as_slice);
                last = Some((code, g));
                g
            }
        };
        if take.is_none() && groups.len() != 1 {
            take = Some((0..i as IdxSize).collect());
        }
        match &mut take {
            None => group.push(groups[0]),
            Some(take) => {
                for &g in groups {
                    take.push(i as IdxSize);
                    group.push(g);
                }
            }
        }
    }
    let rows = grouped(tidy, take, Column::new(GROUP.into(), group))?;
    Ok(Placed { rows: rows.lazy(), group_of: None, units: units_in(units), groups: m.groups.lazy() })
}

/// The tidy frame's columns a rollup reads, besides the group.
const ROW_COLUMNS: [&str; 7] =
    [cols::YEAR, cols::TABLE, cols::ITEM, cols::MEASURE, cols::UNIT, cols::VALUE, cols::ORIGIN];

/// The rows `take` of the tidy frame (all of them, in order, for `None`) with their `group`.
fn grouped(tidy: DataFrame, take: Option<Vec<IdxSize>>, group: Column) -> Result<DataFrame> {
    let rows = tidy.select(ROW_COLUMNS).map_err(err)?;
    let mut rows = match take {
        None => rows,
        Some(take) => rows.take(&IdxCa::from_vec("take".into(), take)).map_err(err)?,
    };
    rows.with_column(group).map_err(err)?;
    Ok(rows)
}

/// The columns a row's [`key_of`](cols::key_of) is made of: group, year and the cell's
/// table, item and measure codes.
struct KeyParts<'a> {
    /// The group, or the unit where `group_of` gives each unit's group.
    group: UInt32Chunked,
    group_of: Option<&'a HashMap<u32, u32>>,
    year: Int32Chunked,
    table: UInt8Chunked,
    item: UInt8Chunked,
    measure: UInt8Chunked,
}

impl<'a> KeyParts<'a> {
    /// The parts of `rows`' keys: their `group`, or with `group_of` the group of their
    /// `division_code`.
    fn of(rows: &DataFrame, group_of: Option<&'a HashMap<u32, u32>>) -> Result<KeyParts<'a>> {
        let code = |name: &str| -> Result<UInt8Chunked> {
            let c = rows.column(name).map_err(err)?.to_physical_repr();
            c.u8().cloned().map_err(err)
        };
        let group = if group_of.is_some() { cols::DIVISION_CODE } else { GROUP };
        Ok(KeyParts {
            group: rows.column(group).and_then(|c| c.u32().cloned()).map_err(err)?,
            group_of,
            year: rows.column(cols::YEAR).and_then(|c| c.i32().cloned()).map_err(err)?,
            table: code(cols::TABLE)?,
            item: code(cols::ITEM)?,
            measure: code(cols::MEASURE)?,
        })
    }

    /// The keys of rows `at..at + out.len()`, written into `out`.
    fn fill(&self, at: usize, out: &mut [u64]) {
        let (at, len) = (at as i64, out.len());
        // A range across two of the frame's chunks made one, for the slice path below.
        let (g, y) = (
            self.group.slice(at, len).rechunk().into_owned(),
            self.year.slice(at, len).rechunk().into_owned(),
        );
        let part = |c: &UInt8Chunked| c.slice(at, len).rechunk().into_owned();
        let (t, i, m) = (part(&self.table), part(&self.item), part(&self.measure));
        // A unit's group (rows come report by report: the row before's unit answers most).
        let mut last: Option<(u32, u32)> = None;
        let mut group = |g: u32| match (self.group_of, last) {
            (None, _) => g,
            (Some(_), Some((unit, group))) if unit == g => group,
            (Some(group_of), _) => {
                // Every unit's group is there (`Placed::group_of`).
                let group = group_of.get(&g).copied().unwrap_or_default();
                last = Some((g, group));
                group
            }
        };
        // Without nulls (xxgk's own frames): over the values themselves.
        if let (Ok(g), Ok(y), Ok(t), Ok(i), Ok(m)) =
            (g.cont_slice(), y.cont_slice(), t.cont_slice(), i.cont_slice(), m.cont_slice())
        {
            for (j, k) in out.iter_mut().enumerate() {
                *k = cols::key_of(group(g[j]), y[j], t[j], i[j], m[j]);
            }
            return;
        }
        let rows = g.iter().zip(y.iter()).zip(t.iter().zip(i.iter()).zip(m.iter()));
        for (k, ((g, y), ((t, i), m))) in out.iter_mut().zip(rows) {
            let v = |v: Option<u8>| v.unwrap_or(0);
            *k = cols::key_of(g.map_or(0, &mut group), y.unwrap_or(0), v(t), v(i), v(m));
        }
    }
}

/// `rows` with the [`key_of`](cols::key_of) of their group, year and cell, each range of
/// rows on a thread.
fn with_keys(mut rows: DataFrame) -> Result<DataFrame> {
    let parts = KeyParts::of(&rows, None)?;
    let mut key = vec![0u64; rows.height()];
    let size = chunk_size(key.len());
    key.par_chunks_mut(size).enumerate().for_each(|(n, out)| parts.fill(n * size, out));
    rows.with_column(Column::new(cols::KEY.into(), key)).map_err(err)?;
    Ok(rows)
}

/// Sum a tidy frame by a level of the registry or by a grouping of your own (see the module
/// docs for the rules and the columns). The frame is checked and summed here (one pass over its
/// rows), and each group-year's name and counts put beside its sums.
///
/// ```
/// use xxgk::polars::prelude::*;
/// use xxgk::rollup::{Grouping, Level};
/// // A caller's own frame: two units, one of which left the cell blank.
/// let tidy = df!(
///     "division_code" => [654025u32, 654026], "year" => [2022i32, 2022],
///     "table" => ["applications", "applications"], "item" => ["granted", "granted"],
///     "measure" => ["total", "total"], "value" => [Some(4i64), None],
/// )?;
/// let sums = xxgk::rollup::by(tidy.clone().lazy(), Level::Prefecture)?.collect()?;
/// assert_eq!(sums.column("value")?.i64()?.get(0), Some(4));
/// assert_eq!(sums.column("blank_units")?.u32()?.get(0), Some(1));
/// assert_eq!(sums.column("units_reported")?.u32()?.get(0), Some(2));
/// assert_eq!(sums.column("units_expected")?.u32()?.get(0), Some(11));
///
/// let mut g = Grouping::new("plain");
/// g.add_unit(1, "新源", 654025);
/// let mine = xxgk::rollup::by(tidy.lazy(), &g)?.collect()?;
/// assert_eq!((mine.height(), mine.column("level")?.str()?.get(0)), (1, Some("plain")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn by(tidy: LazyFrame, groups: impl Into<Groups>) -> Result<LazyFrame> {
    let groups = groups.into();
    let placed = placed(tidy, &groups)?;
    let reported = placed
        .units
        .filter(col(MEMBER))
        .group_by([col(GROUP), col(cols::YEAR)])
        .agg([len().cast(DataType::UInt32).alias(cols::UNITS_REPORTED)]);
    let keyed = placed.rows;
    let origin = col(cols::ORIGIN).to_physical();
    let inferred = origin.clone().eq(lit(Origin::Inferred as u8)).cast(DataType::UInt32);
    let cell = [GROUP, cols::YEAR, cols::TABLE, cols::ITEM, cols::MEASURE, cols::UNIT];
    let sums = match one_row_per_key(keyed.clone(), &groups)? {
        // Each unit on its own, each cell once: its rows are its sums.
        Some(sorted) => sorted
            .lazy()
            .select(
                cell.iter()
                    .map(|c| col(*c))
                    .chain([
                        col(cols::KEY),
                        col(cols::VALUE),
                        origin.clone().alias(cols::ORIGIN),
                        col(cols::VALUE).is_null().cast(DataType::UInt32).alias(cols::BLANK_UNITS),
                        inferred.alias(cols::INFERRED_UNITS),
                    ])
                    .collect::<Vec<_>>(),
            )
            .collect()
            .map_err(err)?,
        None => sum_by_key(keyed.collect().map_err(err)?, placed.group_of.as_ref())?,
    };
    let on = |names: &[&str]| names.iter().map(|n| col(*n)).collect::<Vec<_>>();
    // Each group-year's name and counts (a small frame), put beside its sums.
    let info = reported.join(placed.groups, on(&[GROUP]), on(&[GROUP]), JoinArgs::new(JoinType::Left));
    let mut sums = with_info(sums, info.collect().map_err(err)?)?;
    // The highest origin's code (physical: derived over inferred over published; none is
    // published) as the origin itself.
    let highest = sums.column(cols::ORIGIN).and_then(|c| c.u8().cloned()).map_err(err)?;
    let origins = cols::enum_column(
        cols::ORIGIN,
        &cols::codes(Origin::ALL, Origin::code),
        highest.iter().map(Option::unwrap_or_default),
    )?;
    sums.with_column(origins).map_err(err)?;
    Ok(sums.lazy().select([
        lit(groups.label()).alias(cols::LEVEL),
        col(GROUP).alias(cols::CODE),
        col(cols::NAME),
        col(cols::YEAR),
        col(cols::TABLE),
        col(cols::ITEM),
        col(cols::MEASURE),
        col(cols::UNIT),
        col(cols::VALUE),
        col(cols::ORIGIN),
        col(cols::BLANK_UNITS),
        col(cols::INFERRED_UNITS),
        col(cols::UNITS_REPORTED),
        col(cols::UNITS_EXPECTED),
    ]))
}

/// The sums with their group-year's `name`, `units_reported` and `units_expected` from `info`
/// (one row per group and year; none: nulls, as a left join gives). The sums come a
/// group-year at a time (in key order): each group-year is looked up once, and the columns
/// taken from `info` by row — no join over every sum.
fn with_info(mut sums: DataFrame, info: DataFrame) -> Result<DataFrame> {
    let pairs = |df: &DataFrame| -> Result<(UInt32Chunked, Int32Chunked)> {
        let group = df.column(GROUP).and_then(|c| c.u32().cloned()).map_err(err)?;
        Ok((group, df.column(cols::YEAR).and_then(|c| c.i32().cloned()).map_err(err)?))
    };
    let (group, year) = pairs(&info)?;
    let at: HashMap<(u32, i32), IdxSize> =
        (0..).zip(group.iter().zip(year.iter())).filter_map(|(i, (g, y))| Some(((g?, y?), i))).collect();
    let (group, year) = pairs(&sums)?;
    let mut last: Option<((u32, i32), Option<IdxSize>)> = None;
    let rows: IdxCa = group
        .iter()
        .zip(year.iter())
        .map(|(g, y)| {
            let key = g.zip(y)?;
            match last {
                Some((k, row)) if k == key => row,
                _ => {
                    let row = at.get(&key).copied();
                    last = Some((key, row));
                    row
                }
            }
        })
        .collect();
    let taken = info
        .select([cols::NAME, cols::UNITS_REPORTED, cols::UNITS_EXPECTED])
        .and_then(|d| d.take(&rows))
        .map_err(err)?;
    sums.hstack_mut(taken.columns()).map_err(err)?;
    Ok(sums)
}

/// One cell of one group-year: its sum so far. 24 bytes (polars' u32 row index): the sums of
/// a national prefecture rollup (390,000) are held twice at its peak, in the ranges' arrays
/// and in order.
#[derive(Clone)]
struct Sum {
    /// The first row summed (over the whole frame: ranges are merged in row order);
    /// [`Sum::NONE`] before any.
    first: IdxSize,
    total: i64,
    any: bool,
    blanks: u32,
    inferred: u32,
    origin: u8,
}

impl Sum {
    /// No row yet (a frame's rows are numbered below `IdxSize::MAX`).
    const NONE: IdxSize = IdxSize::MAX;
    const EMPTY: Sum = Sum { first: Sum::NONE, total: 0, any: false, blanks: 0, inferred: 0, origin: 0 };

    fn has_rows(&self) -> bool {
        self.first != Sum::NONE
    }

    /// Add the sums of rows that come after this one's.
    fn add(&mut self, later: &Sum) {
        if !self.has_rows() {
            self.first = later.first;
        }
        self.total += later.total;
        self.any |= later.any;
        self.blanks += later.blanks;
        self.inferred += later.inferred;
        self.origin = self.origin.max(later.origin);
    }
}

/// A cell's index among a [`Partial`]'s cells: none yet.
const NO_CELL: u16 = u16::MAX;

/// The sums of one range of rows: a group-year found once per run of rows (rows come report by
/// report), its cells in a dense array, indexed in the order the range first met them.
struct Partial {
    group_years: HashMap<u64, usize>,
    sums: Vec<Vec<Sum>>,
    /// A key's low 16 bits (the cell; 13 used) → its index in each group-year's array.
    cell_index: Vec<u16>,
}

impl Partial {
    /// The sums of rows `at..at + len`.
    fn of(parts: &KeyParts, value: &Int64Chunked, origin: &UInt8Chunked, at: usize, len: usize) -> Partial {
        let inferred = Origin::Inferred as u8;
        let mut out =
            Partial { group_years: HashMap::new(), sums: Vec::new(), cell_index: vec![NO_CELL; 1 << 16] };
        let mut cells: u16 = 0;
        let mut last: Option<(u64, usize)> = None;
        // The keys a block of rows at a time, not a column of them.
        let mut block = vec![0u64; BLOCK.min(len)];
        for start in (at..at + len).step_by(BLOCK) {
            let n = BLOCK.min(at + len - start);
            parts.fill(start, &mut block[..n]);
            let mut add = |j: usize, v: Option<i64>, o: u8| {
                let k = block[j];
                let gy = k >> 16;
                let slot = match last {
                    Some((g, s)) if g == gy => s,
                    _ => {
                        let sums = &mut out.sums;
                        let s = *out.group_years.entry(gy).or_insert_with(|| {
                            sums.push(Vec::new());
                            sums.len() - 1
                        });
                        last = Some((gy, s));
                        s
                    }
                };
                let c = &mut out.cell_index[(k & 0xFFFF) as usize];
                if *c == NO_CELL {
                    *c = cells;
                    cells += 1;
                }
                let row = &mut out.sums[slot];
                if row.len() <= *c as usize {
                    row.resize(*c as usize + 1, Sum::EMPTY);
                }
                let sum = &mut row[*c as usize];
                if !sum.has_rows() {
                    sum.first = (start + j) as IdxSize;
                }
                match v {
                    Some(v) => {
                        sum.total += v;
                        sum.any = true;
                    }
                    None => sum.blanks += 1,
                }
                sum.origin = sum.origin.max(o);
                sum.inferred += u32::from(o == inferred);
            };
            let value = value.slice(start as i64, n);
            let origin = origin.slice(start as i64, n);
            // In one piece, the origins without nulls (xxgk's own frames): over the values and
            // the validity bits themselves, not polars' iterators of options.
            let (value, origin) = (value.rechunk(), origin.rechunk());
            if let (Some(values), Ok(origins)) = (value.downcast_iter().next(), origin.cont_slice()) {
                let (numbers, valid) = (values.values().as_slice(), values.validity());
                for (j, (&v, &o)) in numbers.iter().zip(origins).enumerate() {
                    add(j, valid.is_none_or(|b| b.get_bit(j)).then_some(v), o);
                }
                continue;
            }
            for (j, (v, o)) in value.iter().zip(origin.iter()).enumerate() {
                add(j, v, o.unwrap_or(0));
            }
        }
        out
    }
}

/// The sums of keyed rows, one row per [`key_of`](cols::key_of), in key order: the cell's
/// columns from its first row; `value` the sum of the values (null when every one is blank);
/// `origin` the highest origin (physical: derived over inferred over published);
/// `blank_units`, `inferred_units`. One pass, a range of rows per thread ([`Partial`]), the
/// ranges' sums added in row order — polars' group-by with these ten aggregates took several
/// times as long over a national frame. The group-years and cells found are put in order at
/// the end (a few thousand and at most 8,192 of them), so the sums come out sorted without
/// sorting them.
fn sum_by_key(rows: DataFrame, group_of: Option<&HashMap<u32, u32>>) -> Result<DataFrame> {
    // A range per thread: every row costs the same, and each range's sums are added at the end.
    let size = rows.height().div_ceil(rayon::current_num_threads()).max(BLOCK);
    sum_in_ranges(rows, group_of, size)
}

/// [`sum_by_key`] with ranges of `size` rows.
fn sum_in_ranges(rows: DataFrame, group_of: Option<&HashMap<u32, u32>>, size: usize) -> Result<DataFrame> {
    let parts = KeyParts::of(&rows, group_of)?;
    let value = rows.column(cols::VALUE).and_then(|c| c.i64().cloned()).map_err(err)?;
    let origin = rows.column(cols::ORIGIN).map_err(err)?.to_physical_repr();
    let origin = origin.u8().map_err(err)?;
    let (n, size) = (rows.height(), size.max(1));
    let partials: Vec<Partial> = (0..n)
        .step_by(size)
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|at| Partial::of(&parts, &value, origin, at, size.min(n - at)))
        .collect();
    // Key order: group-years by their high bits, each with where it is in every range (in row
    // order); within each, the cells by their code.
    let mut group_years: HashMap<u64, Vec<(usize, usize)>> = HashMap::new();
    for (p, partial) in partials.iter().enumerate() {
        for (&gy, &slot) in &partial.group_years {
            group_years.entry(gy).or_default().push((p, slot));
        }
    }
    let mut group_years: Vec<(u64, Vec<(usize, usize)>)> = group_years.into_iter().collect();
    group_years.sort_unstable_by_key(|(gy, _)| *gy);
    let codes: Vec<u64> = (0u64..1 << 16)
        .filter(|&code| partials.iter().any(|p| p.cell_index[code as usize] != NO_CELL))
        .collect();
    let mut found: Vec<Sum> = Vec::new();
    let mut keys: Vec<u64> = Vec::new();
    for (gy, places) in &group_years {
        for &code in &codes {
            let mut sum: Option<Sum> = None;
            for &(p, slot) in places {
                let partial = &partials[p];
                let c = partial.cell_index[code as usize];
                let Some(part) = partial.sums[slot].get(usize::from(c)).filter(|s| s.has_rows()) else {
                    continue;
                };
                match &mut sum {
                    Some(sum) => sum.add(part),
                    None => sum = Some(part.clone()),
                }
            }
            if let Some(sum) = sum {
                found.push(sum);
                keys.push((gy << 16) | code);
            }
        }
    }
    drop(partials);
    // The unit from the cell's first row; the group, year and cell from the key (the rows may
    // hold units instead of groups).
    // Every sum found has a row (a range's empty cells are passed by above).
    let first: Vec<IdxSize> = found.iter().map(|s| s.first).collect();
    let mut out = rows
        .select([cols::UNIT])
        .and_then(|d| d.take(&IdxCa::from_vec("first".into(), first)))
        .map_err(err)?;
    let bits = |shift: u32, width: u32| keys.iter().map(move |k| ((k >> shift) & ((1 << width) - 1)) as u8);
    let value: Int64Chunked = found.iter().map(|s| s.any.then_some(s.total)).collect();
    for column in [
        Column::new(GROUP.into(), keys.iter().map(|k| (k >> 32) as u32).collect::<Vec<_>>()),
        Column::new(cols::YEAR.into(), keys.iter().map(|k| ((k >> 16) & 0xFFFF) as i32).collect::<Vec<_>>()),
        cols::enum_column(cols::TABLE, &cols::codes(Table::ALL, Table::code), bits(11, 2))?,
        cols::enum_column(cols::ITEM, &cols::codes(Item::ALL, Item::code), bits(5, 6))?,
        cols::enum_column(cols::MEASURE, &cols::codes(Measure::ALL, Measure::code), bits(0, 5))?,
        Column::new(cols::KEY.into(), keys),
        value.with_name(cols::VALUE.into()).into_column(),
        UInt8Chunked::from_vec(cols::ORIGIN.into(), found.iter().map(|s| s.origin).collect()).into_column(),
        UInt32Chunked::from_vec(cols::BLANK_UNITS.into(), found.iter().map(|s| s.blanks).collect())
            .into_column(),
        UInt32Chunked::from_vec(cols::INFERRED_UNITS.into(), found.iter().map(|s| s.inferred).collect())
            .into_column(),
    ] {
        out.with_column(column).map_err(err)?;
    }
    Ok(out)
}

/// At the unit level, the rows sorted by key when no key repeats (a frame holds each cell of a
/// unit-year once per source, and one source is left): no group-by is needed then.
fn one_row_per_key(keyed: LazyFrame, groups: &Groups) -> Result<Option<DataFrame>> {
    if !matches!(groups, Groups::Level(Level::Unit)) {
        return Ok(None);
    }
    let sorted = keyed.sort([cols::KEY], SortMultipleOptions::default()).collect().map_err(err)?;
    let keys = sorted.column(cols::KEY).map_err(err)?.u64().map_err(err)?;
    let mut previous = None;
    for k in keys.iter() {
        if k == previous {
            return Ok(None);
        }
        previous = k;
    }
    Ok(Some(sorted))
}

/// Who reported, per group and year: `level, code, name, year, units_reported, units_expected`
/// and the sorted unit codes `reported`, `missing` (expected, no report) and `outside` (a
/// report under the group from a unit that is not one of its expected units — a prefecture
/// office's own: listed here, not summed). A group appears for the years in which at least one
/// of its units reported.
///
/// ```
/// use xxgk::polars::prelude::*;
/// use xxgk::rollup::Level;
/// let tidy = df!(
///     "division_code" => [654025u32, 654000], "year" => [2022i32, 2022],
///     "table" => ["applications", "applications"], "item" => ["granted", "granted"],
///     "measure" => ["total", "total"], "value" => [Some(4i64), Some(1)],
/// )?;
/// let cov = xxgk::rollup::coverage(tidy.lazy(), Level::Prefecture)?.collect()?;
/// assert_eq!(cov.column("units_reported")?.u32()?.get(0), Some(1));
/// let missing = cov.column("missing")?.list()?.get_as_series(0).ok_or("no list")?;
/// assert_eq!(missing.len(), 10); // 新源县 reported; 10 of 伊犁州's 11 units did not
/// let outside = cov.column("outside")?.list()?.get_as_series(0).ok_or("no list")?;
/// assert_eq!(outside.u32()?.get(0), Some(654000)); // the prefecture's own report
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn coverage(tidy: LazyFrame, groups: impl Into<Groups>) -> Result<LazyFrame> {
    let groups = groups.into();
    let placed = placed(tidy, &groups)?;
    let present = placed.units.collect().map_err(err)?.lazy();
    let on = |names: &[&str]| names.iter().map(|n| col(*n)).collect::<Vec<_>>();
    let group_years =
        present.clone().select([col(GROUP), col(cols::YEAR)]).unique(None, UniqueKeepStrategy::Any);
    let list = |rows: LazyFrame, name: &str| {
        group_years
            .clone()
            .join(rows, on(&[GROUP, cols::YEAR]), on(&[GROUP, cols::YEAR]), JoinArgs::new(JoinType::Left))
            .group_by([col(GROUP), col(cols::YEAR)])
            .agg([col(cols::DIVISION_CODE).drop_nulls().sort(SortOptions::default()).alias(name)])
    };
    let unit_year = |lf: LazyFrame| lf.select([col(GROUP), col(cols::YEAR), col(cols::DIVISION_CODE)]);
    let reported = list(unit_year(present.clone().filter(col(MEMBER))), "reported");
    let outside = list(unit_year(present.clone().filter(col(MEMBER).not())), "outside");
    // Each group-year's expected units: from the membership, or (a unit level) the unit itself.
    let expected_units = match &groups {
        Groups::Level(Level::Unit) => {
            present.clone().select([col(GROUP), col(cols::DIVISION_CODE), col(MEMBER)])
        }
        Groups::Level(level) => registry_membership(*level)?.members.lazy(),
        Groups::Custom(grouping) => custom_membership(grouping)?.members.lazy(),
    };
    let expected = group_years.clone().join(
        expected_units.filter(col(MEMBER)).select([col(GROUP), col(cols::DIVISION_CODE)]),
        on(&[GROUP]),
        on(&[GROUP]),
        JoinArgs::new(JoinType::Inner),
    );
    let absent = expected.join(
        unit_year(present.filter(col(MEMBER))),
        on(&[GROUP, cols::YEAR, cols::DIVISION_CODE]),
        on(&[GROUP, cols::YEAR, cols::DIVISION_CODE]),
        JoinArgs::new(JoinType::Anti),
    );
    let missing = list(absent, "missing");
    let by = on(&[GROUP, cols::YEAR]);
    Ok(group_years
        .join(reported, by.clone(), by.clone(), JoinArgs::new(JoinType::Left))
        .join(missing, by.clone(), by.clone(), JoinArgs::new(JoinType::Left))
        .join(outside, by.clone(), by, JoinArgs::new(JoinType::Left))
        .join(placed.groups, on(&[GROUP]), on(&[GROUP]), JoinArgs::new(JoinType::Left))
        .select([
            lit(groups.label()).alias(cols::LEVEL),
            col(GROUP).alias(cols::CODE),
            col(cols::NAME),
            col(cols::YEAR),
            col("reported").list().len().cast(DataType::UInt32).alias(cols::UNITS_REPORTED),
            col(cols::UNITS_EXPECTED),
            col("reported"),
            col("missing"),
            col("outside"),
        ])
        .sort([cols::CODE, cols::YEAR], SortMultipleOptions::default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Item, Measure, Table};

    /// The sums are the same however the rows are cut into ranges: each range summed on its own
    /// (on the threads there are), the ranges added in row order — the first row, blanks,
    /// inferred counts and origins of a cell met in several ranges included. And the same
    /// whether each row's group is looked up by its unit or read from a `group` column.
    #[test]
    fn sums_are_the_same_however_the_rows_are_split() -> Result<()> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample");
        let mut options = crate::read::ReadOptions::new();
        options.manifest(format!("{dir}/manifest.csv"))?;
        let tidy = crate::load::from_path(&options, dir)?.tidy;
        let placed = placed(tidy.lazy(), &Groups::Level(Level::Prefecture))?;
        let group_of = placed.group_of.as_ref().expect("each unit in one prefecture");
        let rows = placed.rows.collect().map_err(err)?;
        let n = rows.height();
        let whole = sum_in_ranges(rows.clone(), Some(group_of), n)?;
        // Cells summed from more than one unit: the ranges below cut through them.
        let units = whole.column(cols::BLANK_UNITS).map_err(err)?.u32().map_err(err)?.clone();
        assert!(whole.height() < n && units.iter().flatten().any(|b| b > 0));
        for size in [97, 1000, n / 3, n - 1] {
            let sums = sum_in_ranges(rows.clone(), Some(group_of), size)?;
            assert!(sums.equals_missing(&whole), "ranges of {size} rows");
        }
        assert!(sum_by_key(rows.clone(), Some(group_of))?.equals_missing(&whole));
        // The groups as a column of the rows.
        let codes = rows.column(cols::DIVISION_CODE).map_err(err)?.u32().map_err(err)?;
        let groups: Vec<u32> =
            codes.iter().map(|c| c.and_then(|c| group_of.get(&c).copied()).unwrap_or(0)).collect();
        let mut with_groups = rows.drop(cols::DIVISION_CODE).map_err(err)?;
        with_groups.with_column(Column::new(GROUP.into(), groups)).map_err(err)?;
        assert!(sum_in_ranges(with_groups, None, 1000)?.equals_missing(&whole));
        // Origins with nulls (a frame of one's own) are read the general way: a null is
        // published.
        let published = col(cols::ORIGIN).to_physical().eq(lit(Origin::Published as u8));
        let nulls = rows
            .clone()
            .lazy()
            .with_column(when(published).then(lit(NULL)).otherwise(col(cols::ORIGIN)).alias(cols::ORIGIN))
            .collect()
            .map_err(err)?;
        assert!(nulls.column(cols::ORIGIN).map_err(err)?.null_count() > 0);
        assert!(sum_in_ranges(nulls, Some(group_of), 1000)?.equals_missing(&whole));
        Ok(())
    }

    /// Keys sort as their parts do, their high 48 bits are the group-year and their low 16 the
    /// cell: the one-pass sums and the year-over-year merge rely on all three.
    #[test]
    fn keys_sort_as_their_parts() {
        let (last_item, last_measure) = ((Item::ALL.len() - 1) as u8, (Measure::ALL.len() - 1) as u8);
        let mut parts = Vec::new();
        for code in [0u32, 110101, 654025, u32::MAX] {
            for year in [1i32, 2019, 2022, 65_535] {
                for table in 0..Table::ALL.len() as u8 {
                    for (item, measure) in
                        [(0u8, 0u8), (0, last_measure), (5, 3), (last_item, 0), (last_item, last_measure)]
                    {
                        parts.push((code, year, table, item, measure));
                    }
                }
            }
        }
        let key = |&(c, y, t, i, m): &(u32, i32, u8, u8, u8)| cols::key_of(c, y, t, i, m);
        let mut by_key = parts.clone();
        by_key.sort_by_key(key);
        parts.sort();
        assert_eq!(by_key, parts);
        for p in &parts {
            let (c, y, t, i, m) = *p;
            assert_eq!(key(p) >> 16, (u64::from(c) << 16) | u64::from(y as u16));
            assert_eq!(key(p) & 0xFFFF, (u64::from(t) << 11) | (u64::from(i) << 5) | u64::from(m));
        }
    }
}
