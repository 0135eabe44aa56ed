//! Year over year: each cell's value, the year before, the change, and whether the two years'
//! formats mean the same by it (2020 → 2021 crosses the template change).
//!
//! Run it like this:
//!
//! ```text
//! cargo run --release --example year_over_year -- [--level L] [--year Y] [--format F] [--out FILE] [PATH]...
//!
//! 伊犁哈萨克自治州 2021年 vs 2020年
//!   item                                          2020   2021  变化   变化率  可比
//!   new_received.total 一、本年新收…               301    322   +21    +7.0%   是
//! ```
//!
//! CSV columns: `level,code,name,table,item,measure,year,value,prev_value,delta,pct_change,comparable`
//! (money in 元). `--year Y` keeps the comparisons ending in year Y.

#[path = "common/mod.rs"]
mod common;

use std::error::Error;
use std::io::Write;
use std::process::ExitCode;

use common::{Args, Format, Loaded};
use xxgk::compare::{Change, years};
use xxgk::rollup::by_level;
use xxgk::schema::{Measure, Table};

fn main() -> ExitCode {
    common::run(true, year_over_year)
}

fn year_over_year(args: &Args, loaded: Loaded) -> Result<(), Box<dyn Error>> {
    let rollup = by_level(&loaded.reports, &loaded.validation, args.level);
    let mut changes = years(&rollup);
    if !args.years.is_empty() {
        changes.retain(|c| args.years.contains(&c.year));
    }
    let pct = |c: &Change| c.pct_change.map(|p| format!("{p:.2}")).unwrap_or_default();
    match args.format {
        Format::Csv => common::write_csv(
            args,
            &[
                "level",
                "code",
                "name",
                "table",
                "item",
                "measure",
                "year",
                "value",
                "prev_value",
                "delta",
                "pct_change",
                "comparable",
            ],
            changes.iter().map(|c| {
                vec![
                    c.level.clone(),
                    c.code.to_string(),
                    c.name.clone(),
                    c.key.table.to_string(),
                    c.key.item.to_string(),
                    c.key.measure.to_string(),
                    c.year.to_string(),
                    common::show(c.key, c.value),
                    common::show(c.key, c.prev_value),
                    common::show(c.key, c.delta),
                    pct(c),
                    c.comparable.to_string(),
                ]
            }),
        ),
        Format::Json => {
            let records: Vec<serde_json::Value> = changes
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "level": c.level, "code": c.code, "name": c.name,
                        "table": c.key.table, "item": c.key.item, "measure": c.key.measure, "year": c.year,
                        "value": common::json_value(c.key, c.value),
                        "prev_value": common::json_value(c.key, c.prev_value),
                        "delta": common::json_value(c.key, c.delta),
                        "pct_change": c.pct_change, "comparable": c.comparable,
                    })
                })
                .collect();
            common::write_json(args, &records)
        }
        Format::Parquet => {
            let mut df = xxgk::compare::frame(&changes)?;
            common::with_province(&mut df, "code")?;
            common::write_parquet(args, &df)
        }
        Format::Table => {
            let mut out = common::sink(args)?;
            let mut groups: Vec<(u32, i32, String)> =
                changes.iter().map(|c| (c.code, c.year, c.name.clone())).collect();
            groups.dedup();
            for (code, year, name) in groups {
                writeln!(out, "{name} {year}年 vs {}年", year - 1)?;
                let mut grid = vec![vec![
                    "item".to_string(),
                    format!("{}", year - 1),
                    format!("{year}"),
                    "变化".into(),
                    "变化率".into(),
                    "可比".into(),
                ]];
                // For people: the totals of tables 三 and 四 and all of table 二; CSV/JSON have every cell.
                for c in changes.iter().filter(|c| c.code == code && c.year == year) {
                    if c.key.table != Table::Proactive && c.key.measure != Measure::Total {
                        continue;
                    }
                    grid.push(vec![
                        format!("{}.{} {}", c.key.item, c.key.measure, common::item_label(c.key, year)),
                        common::show(c.key, c.prev_value),
                        common::show(c.key, c.value),
                        c.delta
                            .map(|d| {
                                if d > 0 {
                                    format!("+{}", common::show(c.key, Some(d)))
                                } else {
                                    common::show(c.key, Some(d))
                                }
                            })
                            .unwrap_or_default(),
                        c.pct_change.map(|p| format!("{p:+.1}%")).unwrap_or_default(),
                        if c.comparable { "是" } else { "否" }.into(),
                    ]);
                }
                common::print_table(&mut out, &grid)?;
                writeln!(out)?;
            }
            out.flush()?;
            Ok(())
        }
    }
}
