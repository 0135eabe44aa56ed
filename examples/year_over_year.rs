//! Year over year: each cell's value, the year before, the change, and whether the two years'
//! formats mean the same by it (2020 → 2021 crosses the template change), at any level.
//!
//! Reads workbooks or a tidy dataset (see `prefecture_summary`), sums them with
//! `xxgk::rollup::by` and compares with `xxgk::compare::years`.
//!
//! Run it like this:
//!
//! ```text
//! cargo run --release --example year_over_year -- [--level L] [--year Y] [--format F] [--out FILE] [--tidy] [PATH]...
//!
//! 伊犁哈萨克自治州 2021年 vs 2020年
//!   item                                          2020   2021  变化   变化率  可比
//!   new_received.total 一、本年新收…               301    322   +21    +7.0%   是
//! ```
//!
//! `--format csv|json|parquet` writes the comparison frame itself: `level, code, name, year,
//! table, item, measure, unit, value, prev_value, delta, pct_change, comparable, blank_units,
//! prev_blank_units, inferred_units, prev_inferred_units` (counts in 件, money in 分). `--year Y`
//! keeps the comparisons ending in year Y. The table shows the totals of tables 三 and 四 and all
//! of table 二, money in 元.
//!
//! `--format svg [--group CODE] [--out FILE]` draws one group's main series over the years —
//! new applications, granted, withheld, administrative reviews and suits — with the 2021
//! template change marked (`xxgk::output::chart::years`; cargo feature `charts`, on by default).
//! The group is the first of the level unless `--group` names one (a division code; 0 is the
//! nation).

#[path = "common/mod.rs"]
mod common;

use std::error::Error;
use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use common::{Input, LevelArg, Loaded};
use xxgk::schema::{Measure, Table, Unit};

/// Year over year: each cell against the year before, across the 2021 template change.
#[derive(Parser, Debug)]
#[command(name = "year_over_year")]
struct Cli {
    #[command(flatten)]
    level: LevelArg,
    #[command(flatten)]
    input: Input,
    /// With --format svg: the group to draw (a division code of the level; 0 for the nation)
    #[arg(long, value_name = "CODE")]
    group: Option<u32>,
}

fn main() -> ExitCode {
    common::run(|c: &Cli| &c.input, |_: &Cli| false, year_over_year)
}

fn year_over_year(cli: &Cli, loaded: Loaded) -> Result<(), Box<dyn Error>> {
    let input = &cli.input;
    let sums = xxgk::rollup::by(loaded.tidy()?, xxgk::rollup::Level::from(cli.level.level))?;
    if input.format == common::Format::Svg {
        return chart(cli, common::years(sums, input).collect()?);
    }
    let mut changes = common::years(xxgk::compare::years(sums)?, input).collect()?;
    if common::write_frame(input, &mut changes, &["year"])? {
        return Ok(());
    }
    let keys = common::keys(&changes)?;
    let code = common::int64s(changes.column("code")?)?;
    let name = common::strings(changes.column("name")?)?;
    let year = common::int64s(changes.column("year")?)?;
    let value = common::int64s(changes.column("value")?)?;
    let prev = common::int64s(changes.column("prev_value")?)?;
    let delta = common::int64s(changes.column("delta")?)?;
    let pct = common::float64s(changes.column("pct_change")?)?;
    let comparable = common::bools(changes.column("comparable")?)?;
    let mut out = common::sink(input)?;
    let mut i = 0;
    while i < changes.height() {
        // One table per group and year: the rows are sorted by both.
        let (c, y) = (code[i], year[i].unwrap_or(0) as i32);
        let end =
            (i..changes.height()).find(|&j| code[j] != c || year[j] != year[i]).unwrap_or(changes.height());
        writeln!(out, "{} {y}年 vs {}年", name[i].as_deref().unwrap_or(""), y - 1)?;
        let mut grid = common::new_table();
        grid.set_header([
            "item".to_string(),
            format!("{}", y - 1),
            format!("{y}"),
            "变化".into(),
            "变化率".into(),
            "可比".into(),
        ]);
        for j in i..end {
            let key = keys[j];
            if key.table != Table::Proactive && key.measure != Measure::Total {
                continue;
            }
            let money = key.measure.unit() == Unit::Money;
            grid.add_row([
                format!("{}.{} {}", key.item, key.measure, common::item_label(key, y)),
                common::show(prev[j], money),
                common::show(value[j], money),
                delta[j]
                    .map(|d| format!("{}{}", if d > 0 { "+" } else { "" }, common::show(Some(d), money)))
                    .unwrap_or_default(),
                pct[j].map(|p| format!("{p:+.1}%")).unwrap_or_default(),
                if comparable[j] == Some(true) { "是" } else { "否" }.into(),
            ]);
        }
        common::align_numbers(&mut grid);
        writeln!(out, "{grid}\n")?;
        i = end;
    }
    out.flush()?;
    Ok(())
}

/// `--format svg`: the chosen group's main series over the years.
#[cfg(feature = "charts")]
fn chart(cli: &Cli, sums: xxgk::polars::prelude::DataFrame) -> Result<(), Box<dyn Error>> {
    let code = match cli.group {
        Some(code) => code,
        None => sums.column("code")?.u32()?.get(0).ok_or("nothing to draw: no group has a value")?,
    };
    common::write_svg(&cli.input, &xxgk::output::chart::years(&sums, code)?)
}

#[cfg(not(feature = "charts"))]
fn chart(_: &Cli, _: xxgk::polars::prelude::DataFrame) -> Result<(), Box<dyn Error>> {
    Err("this build draws no charts (cargo feature `charts`)".into())
}
