//! The prefecture summary: what every prefecture (or province, the nation, each unit) received
//! and decided each year, with who reported.
//!
//! Reads every workbook under PATH (default `data/sample`, the synthetic 伊犁哈萨克自治州; a
//! `manifest.csv` at the top of a PATH folder is used unless `--manifest` names another),
//! checks the identities, infers what they allow, and sums the units to the chosen level.
//! Derived group subtotals (（三）不予公开 …) are rows of their own; a sum where some units left
//! a cell blank is marked `*` with the count.
//!
//! Run it like this:
//!
//! ```text
//! cargo run --release --example prefecture_summary -- [--level L] [--year Y] [--format F] [--out FILE] [PATH]...
//!
//! loaded 55 reports from 52 files: 11 units, 2019–2023; 22 in the 2019 format, 33 in the 2021 format; diagnostics: 0 errors, 0 warnings, 478 infos
//!
//! 伊犁哈萨克自治州 2022年: 11/11 个县级单位
//!   三、收到和处理政府信息公开申请情况
//!   item                                   自然人  商业企业  …  总计
//!   一、本年新收政府信息公开申请数量           23         3  …    31
//!   …
//! ```
//!
//! CSV columns: `level,code,name,year,table,item,measure,value,units_reported,units_expected`
//! (money in 元 with two decimals). Exit status: 0 when a report loaded, 1 when none did, 2 for
//! a usage error.

#[path = "common/mod.rs"]
mod common;

use std::error::Error;
use std::io::Write;
use std::process::ExitCode;

use common::{Args, Format, Loaded};
use xxgk::rollup::{Row, by_level};
use xxgk::schema::{Item, Key, Measure, Table, Template, measures};

fn main() -> ExitCode {
    common::run(true, summary)
}

fn summary(args: &Args, loaded: Loaded) -> Result<(), Box<dyn Error>> {
    let mut rollup = by_level(&loaded.reports, &loaded.validation, args.level);
    if !args.years.is_empty() {
        rollup.rows.retain(|r| args.years.contains(&r.year));
        rollup.coverage.retain(|c| args.years.contains(&c.year));
    }
    match args.format {
        Format::Csv => common::write_csv(
            args,
            &[
                "level",
                "code",
                "name",
                "year",
                "table",
                "item",
                "measure",
                "value",
                "units_reported",
                "units_expected",
            ],
            rollup.rows.iter().map(|r| {
                vec![
                    r.level.clone(),
                    r.code.to_string(),
                    r.name.clone(),
                    r.year.to_string(),
                    r.key.table.to_string(),
                    r.key.item.to_string(),
                    r.key.measure.to_string(),
                    common::show(r.key, r.value),
                    r.units_reported.to_string(),
                    r.units_expected.to_string(),
                ]
            }),
        ),
        Format::Json => {
            let records: Vec<serde_json::Value> = rollup
                .rows
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "level": r.level, "code": r.code, "name": r.name, "year": r.year,
                        "table": r.key.table, "item": r.key.item, "measure": r.key.measure,
                        "value": common::json_value(r.key, r.value), "blank_units": r.blank_units,
                        "units_reported": r.units_reported, "units_expected": r.units_expected,
                    })
                })
                .collect();
            common::write_json(args, &records)
        }
        Format::Parquet => {
            let mut df = rollup.frame()?;
            common::with_province(&mut df, "code")?;
            common::write_parquet(args, &df)
        }
        Format::Table => {
            let mut out = common::sink(args)?;
            writeln!(out, "{}\n", loaded.summary())?;
            let rates = xxgk::compare::rates(&rollup);
            for cov in &rollup.coverage {
                let missing: Vec<String> = cov
                    .missing
                    .iter()
                    .map(|&c| xxgk::divisions::registry().get(c).map_or(c.to_string(), |d| d.name.clone()))
                    .collect();
                write!(
                    out,
                    "{} {}年: {}/{} 个县级单位",
                    cov.name,
                    cov.year,
                    cov.reported.len(),
                    cov.expected.len()
                )?;
                if !missing.is_empty() && missing.len() <= 20 {
                    write!(out, "（未报: {}）", missing.join("、"))?;
                } else if !missing.is_empty() {
                    write!(out, "（未报 {} 个）", missing.len())?;
                }
                writeln!(out)?;
                let rows: Vec<&Row> =
                    rollup.rows.iter().filter(|r| r.code == cov.code && r.year == cov.year).collect();
                for table in Table::ALL {
                    print_table(&mut out, &rows, *table, cov.year)?;
                }
                if let Some(r) = rates.iter().find(|r| r.code == cov.code && r.year == cov.year) {
                    let pct = |x: Option<f64>| x.map_or("—".to_string(), |x| format!("{x:.1}%"));
                    writeln!(
                        out,
                        "  予以公开占比 {}  不予公开占比 {}  行政复议纠错率 {}\n",
                        pct(r.granted_share),
                        pct(r.withheld_share),
                        pct(r.review_correction_rate)
                    )?;
                }
            }
            out.flush()?;
            Ok(())
        }
    }
}

fn print_table(out: &mut dyn Write, rows: &[&Row], table: Table, year: i32) -> Result<(), Box<dyn Error>> {
    let t = Template::for_year(year);
    let rows: Vec<&&Row> = rows.iter().filter(|r| r.key.table == table).collect();
    if rows.is_empty() {
        return Ok(());
    }
    writeln!(out, "  {}", table.label())?;
    let cols: Vec<Measure> = match table {
        Table::Proactive => {
            let mut ms: Vec<Measure> = Vec::new();
            for m in measures(table, t) {
                if rows.iter().any(|r| r.key.measure == m) {
                    ms.push(m);
                }
            }
            ms
        }
        _ => measures(table, t),
    };
    let head = |m: &Measure| match m.unit() {
        xxgk::schema::Unit::Money => format!("{}（元）", m.label_in(t).trim_end_matches("（单位：万元）")),
        _ => m.label_in(t).to_string(),
    };
    let mut grid = vec![std::iter::once("item".to_string()).chain(cols.iter().map(head)).collect()];
    let mut blanks = 0;
    for &item in Item::ALL.iter().filter(|i| i.table() == table) {
        let cells: Vec<Option<&&Row>> =
            cols.iter().map(|&m| rows.iter().copied().find(|r| r.key == Key::new(item, m))).collect();
        if cells.iter().all(Option::is_none) {
            continue;
        }
        let mut line = vec![format!("{} {}", item.code(), common::item_label(Key::new(item, cols[0]), year))];
        for c in cells {
            line.push(match c {
                None => String::new(),
                Some(r) if r.blank_units > 0 => {
                    blanks += 1;
                    format!("{}*{}", common::show(r.key, r.value), r.blank_units)
                }
                Some(r) => common::show(r.key, r.value),
            });
        }
        grid.push(line);
    }
    common::print_table(out, &grid)?;
    if blanks > 0 {
        writeln!(out, "  (*n: n units left this cell blank; the sum is over the others)")?;
    }
    Ok(())
}
