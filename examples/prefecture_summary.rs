//! The prefecture summary: what every prefecture (or province, the nation, each unit) received
//! and decided each year, with who reported.
//!
//! Reads every workbook under PATH (default `data/sample`, the synthetic 伊犁哈萨克自治州; a
//! `manifest.csv` at the top of a PATH folder is used unless `--manifest` names another) — or a
//! tidy dataset written by `--tidy --format parquet` — checks the identities, infers what they
//! allow, and sums the units to the chosen level with `xxgk::rollup::by`. Derived group
//! subtotals (（三）不予公开 …) are rows of their own.
//!
//! Run it like this:
//!
//! ```text
//! cargo run --release --example prefecture_summary -- [--level L] [--year Y] [--format F] [--out FILE] [--tidy] [PATH]...
//!
//! loaded 55 reports from 52 files: 11 units, 2019–2023; 22 in the 2019 format, 33 in the 2021 format; diagnostics: 0 errors, 0 warnings, 14 infos
//!
//! 伊犁哈萨克自治州 2022年: 11/11 个县级单位
//!   三、收到和处理政府信息公开申请情况
//!   item                                   自然人  商业企业  …  总计
//!   一、本年新收政府信息公开申请数量           23         3  …    31
//!   …
//! ```
//!
//! `--format csv|json|parquet` writes the rollup frame itself: `level, code, name, year, table,
//! item, measure, unit, value, origin, blank_units, inferred_units, units_reported,
//! units_expected` — counts in 件, money in 分 (the `unit` column says which); the table shows
//! money in 元 and marks a sum with `*n` when n units left the cell blank and `~n` when n of its
//! values were inferred.
//!
//! `--rank METRIC` ranks the level's groups among their peers instead — units within their
//! prefecture (`--level unit`), prefectures within their province — by a rate
//! (`granted_share`, `withheld_share`, `review_correction_rate`, `reviews_per_100`) or any cell
//! (`applications.new_received.total`), and prints each peer group's top and bottom `--top N`
//! with its quartiles and the outliers beyond 3 × IQR (`xxgk::compare::rank`; the machine
//! formats write that frame).
//!
//! `--format svg --item KEY [--year Y] [--out FILE]` draws one cell (`table.item.measure`, e.g.
//! `applications.new_received.total`) for every group of the level in year Y (default: the
//! latest) as bars (`xxgk::output::chart::units`; cargo feature `charts`). `--within CODE` keeps
//! the units of one prefecture or province, for every output.
//!
//! `--format xlsx --out FILE` writes the summed report in the national layout of each year's
//! template, one sheet per group and year, with sheets of coverage, findings and tidy rows
//! (`xxgk::output::xlsx`; needs the default cargo feature `xlsx`).
//!
//! Exit status: 0 when a report loaded, 1 when none did, 2 for a usage error.

#[path = "common/mod.rs"]
mod common;

use std::collections::HashMap;
use std::error::Error;
use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use common::{Input, LevelArg, Loaded};
use xxgk::compare::Metric;
use xxgk::polars::prelude::*;
use xxgk::schema::{Item, Key, Measure, Table, Template, Unit, measures};

/// The prefecture summary: each group's three tables summed over its units, with coverage.
#[derive(Parser, Debug)]
#[command(name = "prefecture_summary")]
struct Cli {
    #[command(flatten)]
    level: LevelArg,
    #[command(flatten)]
    input: Input,
    /// Rank the level's groups among their peers by a metric: granted_share, withheld_share,
    /// review_correction_rate, reviews_per_100, or a cell as table.item.measure
    #[arg(long, value_name = "METRIC")]
    rank: Option<Metric>,
    /// With --rank: how many groups to show from the top and from the bottom
    #[arg(long, value_name = "N", default_value_t = 3)]
    top: usize,
    /// With --format svg: the cell to draw for each group, as table.item.measure
    #[arg(long, value_name = "KEY", required_if_eq("format", "svg"))]
    item: Option<Key>,
    /// Only the units within this prefecture or province (a division code)
    #[arg(long, value_name = "CODE")]
    within: Option<u32>,
}

fn main() -> ExitCode {
    common::run(
        |c: &Cli| &c.input,
        |c: &Cli| c.input.format == common::Format::Xlsx && c.rank.is_none(),
        summary,
    )
}

fn summary(cli: &Cli, loaded: Loaded) -> Result<(), Box<dyn Error>> {
    let level: xxgk::rollup::Level = cli.level.level.into();
    let input = &cli.input;
    if input.format == common::Format::Xlsx && cli.rank.is_none() {
        return handover(cli, loaded);
    }
    let (files, counts) = (loaded.files, loaded.counts);
    let tidy = within(common::years(loaded.tidy()?, input), cli.within).collect()?;
    let mut sums = xxgk::rollup::by(tidy.clone().lazy(), level)?.collect()?;
    if input.format == common::Format::Svg {
        return chart(cli, &sums);
    }
    if let Some(metric) = cli.rank {
        let mut ranks = xxgk::compare::rank(sums.lazy(), metric)?.collect()?;
        if common::write_frame(input, &mut ranks, &["year"])? {
            return Ok(());
        }
        let mut out = common::sink(input)?;
        writeln!(out, "{}\n", common::summary(files, counts, &tidy)?)?;
        print_ranks(&mut out, &ranks, metric, cli.top)?;
        out.flush()?;
        return Ok(());
    }
    if common::write_frame(input, &mut sums, &["year"])? {
        return Ok(());
    }
    let coverage = xxgk::rollup::coverage(tidy.clone().lazy(), level)?.collect()?;
    let rates = xxgk::compare::rates(sums.clone().lazy())?.collect()?;
    let mut out = common::sink(input)?;
    writeln!(out, "{}\n", common::summary(files, counts, &tidy)?)?;
    let cells = Cells::from(&sums)?;
    let codes = common::int64s(coverage.column("code")?)?;
    let names = common::strings(coverage.column("name")?)?;
    let years = common::int64s(coverage.column("year")?)?;
    let reported = common::int64s(coverage.column("units_reported")?)?;
    let expected = common::int64s(coverage.column("units_expected")?)?;
    let missing = coverage.column("missing")?.list()?.clone();
    let rate_rows = rates_by_group(&rates)?;
    for i in 0..coverage.height() {
        let (Some(code), Some(year)) = (codes[i], years[i]) else { continue };
        let year = year as i32;
        write!(
            out,
            "{} {year}年: {}/{} 个县级单位",
            names[i].as_deref().unwrap_or(""),
            reported[i].unwrap_or(0),
            expected[i].unwrap_or(0)
        )?;
        let absent: Vec<Option<i64>> = match missing.get_as_series(i) {
            Some(s) => s.cast(&DataType::Int64)?.i64()?.iter().collect(),
            None => Vec::new(),
        };
        match absent.len() {
            0 => {}
            n if n <= 20 => write!(out, "（未报: {}）", common::names(&absent).join("、"))?,
            n => write!(out, "（未报 {n} 个）")?,
        }
        writeln!(out)?;
        for table in Table::ALL {
            print_table(&mut out, &cells, code, year, *table)?;
        }
        if let Some(r) = rate_rows.get(&(code, year)) {
            let pct = |x: Option<f64>| x.map_or("—".to_string(), |x| format!("{x:.1}%"));
            writeln!(
                out,
                "  予以公开占比 {}  不予公开占比 {}  行政复议纠错率 {}\n",
                pct(r[0]),
                pct(r[1]),
                pct(r[2])
            )?;
        }
    }
    out.flush()?;
    Ok(())
}

/// `--within CODE`: the rows of the units in that prefecture or province (or that unit).
fn within(tidy: LazyFrame, code: Option<u32>) -> LazyFrame {
    match code {
        None => tidy,
        Some(c) => tidy.filter(
            col("division_code")
                .eq(lit(c))
                .or(col("prefecture_code").eq(lit(c)))
                .or(col("province_code").eq(lit(c))),
        ),
    }
}

/// `--format svg --item KEY`: one cell in one year for every group, as bars.
#[cfg(feature = "charts")]
fn chart(cli: &Cli, sums: &DataFrame) -> Result<(), Box<dyn Error>> {
    let key = cli.item.ok_or("--format svg needs --item KEY")?;
    let year = match cli.input.years.iter().max() {
        Some(&y) => y,
        None => sums.column("year")?.i32()?.max().ok_or("nothing to draw: no year has a value")?,
    };
    common::write_svg(&cli.input, &xxgk::output::chart::units(sums, key, year)?)
}

#[cfg(not(feature = "charts"))]
fn chart(_: &Cli, _: &DataFrame) -> Result<(), Box<dyn Error>> {
    Err("this build draws no charts (cargo feature `charts`)".into())
}

/// `--format xlsx`: the summed report in the national layout, with coverage, findings and the
/// tidy rows, as a workbook.
#[cfg(feature = "xlsx")]
fn handover(cli: &Cli, loaded: Loaded) -> Result<(), Box<dyn Error>> {
    let level: xxgk::rollup::Level = cli.level.level.into();
    let input = &cli.input;
    let path = input.out.as_deref().ok_or("--format xlsx needs --out FILE")?;
    let checked = loaded.checked()?;
    let tidy = within(common::years(xxgk::frame::tidy(&checked)?.lazy(), input), cli.within).collect()?;
    let rollup = xxgk::rollup::by(tidy.clone().lazy(), level)?.collect()?;
    let coverage = xxgk::rollup::coverage(tidy.clone().lazy(), level)?.collect()?;
    let mut findings = common::years(checked.frame()?.lazy(), input);
    if cli.within.is_some() {
        // The findings of the units kept.
        let units = tidy.clone().lazy().select([col("division_code")]).unique(None, UniqueKeepStrategy::Any);
        findings = findings.join(
            units,
            [col("division_code")],
            [col("division_code")],
            JoinArgs::new(JoinType::Semi),
        );
    }
    let findings = findings.collect()?;
    let parts = xxgk::output::Handover {
        rollup: &rollup,
        coverage: &coverage,
        findings: Some(&findings),
        tidy: Some(&tidy),
    };
    xxgk::output::xlsx(path, &parts)?;
    eprintln!("wrote {}: {} group-years in the national layout", path.display(), coverage.height());
    Ok(())
}

#[cfg(not(feature = "xlsx"))]
fn handover(_: &Cli, _: Loaded) -> Result<(), Box<dyn Error>> {
    Err("this build has no xlsx writer (cargo feature `xlsx`)".into())
}

/// `--rank`: each peer group's top and bottom `top` groups, its quartiles and its outliers.
fn print_ranks(
    out: &mut dyn Write,
    ranks: &DataFrame,
    metric: Metric,
    top: usize,
) -> Result<(), Box<dyn Error>> {
    let peer = common::int64s(ranks.column("peer_code")?)?;
    let peer_name = common::strings(ranks.column("peer_name")?)?;
    let year = common::int64s(ranks.column("year")?)?;
    let name = common::strings(ranks.column("name")?)?;
    let rank = common::int64s(ranks.column("rank")?)?;
    let value = common::float64s(ranks.column("value")?)?;
    let outlier = common::bools(ranks.column("outlier")?)?;
    let stat = |c: &str| common::float64s(ranks.column(c)?);
    let (median, q1, q3) = (stat("median")?, stat("q1")?, stat("q3")?);
    let show = |v: Option<f64>| -> String {
        let Some(v) = v else { return "—".into() };
        match metric {
            Metric::Cell(key) if key.measure.unit() == Unit::Money => format!("{:.2} 元", v / 100.0),
            Metric::Cell(_) => format!("{v}"),
            Metric::ReviewsPer100 => format!("{v:.2}"),
            _ => format!("{v:.1}%"),
        }
    };
    // Rows come grouped by (year, peer group), ranked within each.
    let mut start = 0;
    while start < ranks.height() {
        let end = (start..ranks.height())
            .find(|&i| (peer[i], year[i]) != (peer[start], year[start]))
            .unwrap_or(ranks.height());
        writeln!(
            out,
            "{} {}年 — {}: {} ranked, median {}, quartiles {} – {}",
            peer_name[start].as_deref().unwrap_or(""),
            year[start].unwrap_or(0),
            metric.code(),
            end - start,
            show(median[start]),
            show(q1[start]),
            show(q3[start]),
        )?;
        let mut grid = common::new_table();
        grid.set_header(["rank", "name", "value", ""]);
        let shown: Vec<usize> = if end - start <= 2 * top {
            (start..end).collect()
        } else {
            (start..start + top).chain(end - top..end).collect()
        };
        for (n, &i) in shown.iter().enumerate() {
            if n > 0 && i != shown[n - 1] + 1 {
                grid.add_row(["…", "", "", ""]);
            }
            let flag = if outlier[i] == Some(true) { "outlier" } else { "" };
            grid.add_row([
                rank[i].map_or(String::new(), |r| r.to_string()),
                name[i].clone().unwrap_or_default(),
                show(value[i]),
                flag.into(),
            ]);
        }
        common::align_numbers(&mut grid);
        writeln!(out, "{grid}")?;
        let flagged: Vec<String> = (start..end)
            .filter(|&i| outlier[i] == Some(true))
            .map(|i| format!("{} ({})", name[i].as_deref().unwrap_or(""), show(value[i])))
            .collect();
        if !flagged.is_empty() {
            writeln!(out, "  beyond 3 × IQR of their peers: {}", flagged.join("、"))?;
        }
        writeln!(out)?;
        start = end;
    }
    Ok(())
}

/// One summed cell as the table shows it.
struct Sum {
    value: Option<i64>,
    blank: i64,
    inferred: i64,
}

/// The rollup frame's cells by group, year and key.
struct Cells(HashMap<(i64, i32, Key), Sum>);

impl Cells {
    fn from(sums: &DataFrame) -> Result<Cells, Box<dyn Error>> {
        let keys = common::keys(sums)?;
        let code = common::int64s(sums.column("code")?)?;
        let year = common::int64s(sums.column("year")?)?;
        let value = common::int64s(sums.column("value")?)?;
        let blank = common::int64s(sums.column("blank_units")?)?;
        let inferred = common::int64s(sums.column("inferred_units")?)?;
        let mut map = HashMap::new();
        for i in 0..sums.height() {
            let (Some(c), Some(y)) = (code[i], year[i]) else { continue };
            let sum =
                Sum { value: value[i], blank: blank[i].unwrap_or(0), inferred: inferred[i].unwrap_or(0) };
            map.insert((c, y as i32, keys[i]), sum);
        }
        Ok(Cells(map))
    }
}

/// Share granted, share withheld and review correction rate, per group and year.
type RatesByGroup = HashMap<(i64, i32), [Option<f64>; 3]>;

fn rates_by_group(rates: &DataFrame) -> Result<RatesByGroup, Box<dyn Error>> {
    let code = common::int64s(rates.column("code")?)?;
    let year = common::int64s(rates.column("year")?)?;
    let granted = common::float64s(rates.column("granted_share")?)?;
    let withheld = common::float64s(rates.column("withheld_share")?)?;
    let corrected = common::float64s(rates.column("review_correction_rate")?)?;
    let mut map = HashMap::new();
    for i in 0..rates.height() {
        if let (Some(code), Some(year)) = (code[i], year[i]) {
            map.insert((code, year as i32), [granted[i], withheld[i], corrected[i]]);
        }
    }
    Ok(map)
}

fn print_table(
    out: &mut dyn Write,
    cells: &Cells,
    code: i64,
    year: i32,
    table: Table,
) -> Result<(), Box<dyn Error>> {
    let t = Template::for_year(year);
    let get = |key: Key| cells.0.get(&(code, year, key));
    let items: Vec<Item> = Item::ALL.iter().copied().filter(|i| i.table() == table).collect();
    let cols: Vec<Measure> = measures(table, t)
        .into_iter()
        .filter(|&m| table != Table::Proactive || items.iter().any(|&i| get(Key::new(i, m)).is_some()))
        .collect();
    if cols.is_empty() || !items.iter().any(|&i| cols.iter().any(|&m| get(Key::new(i, m)).is_some())) {
        return Ok(());
    }
    writeln!(out, "  {}", table.label())?;
    let head = |m: &Measure| match m.unit() {
        Unit::Money => format!("{}（元）", m.label_in(t).trim_end_matches("（单位：万元）")),
        _ => m.label_in(t).to_string(),
    };
    let mut grid = common::new_table();
    grid.set_header(std::iter::once("item".to_string()).chain(cols.iter().map(head)));
    let (mut blanks, mut inferred) = (false, false);
    for &item in &items {
        let sums: Vec<Option<&Sum>> = cols.iter().map(|&m| get(Key::new(item, m))).collect();
        if sums.iter().all(Option::is_none) {
            continue;
        }
        let mut line = vec![format!("{} {}", item.code(), common::item_label(Key::new(item, cols[0]), year))];
        for (s, m) in sums.iter().zip(&cols) {
            line.push(match s {
                None => String::new(),
                Some(s) => {
                    let mut text = common::show(s.value, m.unit() == Unit::Money);
                    if s.blank > 0 {
                        blanks = true;
                        text.push_str(&format!("*{}", s.blank));
                    }
                    if s.inferred > 0 {
                        inferred = true;
                        text.push_str(&format!("~{}", s.inferred));
                    }
                    text
                }
            });
        }
        grid.add_row(line);
    }
    common::align_numbers(&mut grid);
    writeln!(out, "{grid}")?;
    if blanks {
        writeln!(out, "  (*n: n units left this cell blank; the sum is over the others)")?;
    }
    if inferred {
        writeln!(out, "  (~n: n units' values were blank and inferred from the identities)")?;
    }
    Ok(())
}
