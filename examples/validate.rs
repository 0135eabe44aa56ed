//! The reports that do not add up: every identity of the national format (national-schema §4)
//! checked per report, and the blanks the identities allowed to infer.
//!
//! Reads workbooks or a tidy dataset (turned back into reports with `xxgk::frame::reports`) and
//! checks them with `xxgk::validate::reports`.
//!
//! Run it like this:
//!
//! ```text
//! cargo run --release --example validate -- [--year Y] [--format F] [--out FILE] [--tidy] [PATH]...
//!
//! 察布查尔锡伯自治县 2023 A2 error applications.total.natural_person: 写 31, 应为 30 (差 +1)
//!   data/sample/2023/察布查尔锡伯自治县-2023.xlsx!Sheet1!D48 …
//! ```
//!
//! `--format csv|json|parquet` writes the violations frame itself: `division_code,
//! division_name, year, rule, severity, table, item, measure, unit, expected, actual,
//! difference, source` (`rule` is the identity's id, A1 … A4, S1 … S5; money in 分).

#[path = "common/mod.rs"]
mod common;

use std::error::Error;
use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use common::{Input, Loaded};
use xxgk::polars::prelude::IntoLazy;
use xxgk::schema::Rule;

/// The reports that do not add up, and the blanks the identities gave back.
#[derive(Parser, Debug)]
#[command(name = "validate")]
struct Cli {
    #[command(flatten)]
    input: Input,
}

fn main() -> ExitCode {
    common::run(|c: &Cli| &c.input, validate)
}

fn validate(cli: &Cli, loaded: Loaded) -> Result<(), Box<dyn Error>> {
    let input = &cli.input;
    let checked = loaded.checked()?;
    let mut violations = common::years(checked.frame()?.lazy(), input).collect()?;
    if common::write_frame(input, &mut violations, &["year"])? {
        return Ok(());
    }
    let keep = |y: i32| input.years.is_empty() || input.years.contains(&y);
    let mut out = common::sink(input)?;
    let reports = checked.reports().iter().filter(|c| keep(c.report().year)).count();
    let inferred: Vec<_> = checked.inferred.iter().filter(|i| keep(i.year)).collect();
    let severity = common::strings(violations.column("severity")?)?;
    let errors = severity.iter().filter(|s| s.as_deref() == Some("error")).count();
    writeln!(
        out,
        "{reports} reports checked: {errors} errors, {} warnings, {} blanks inferred",
        violations.height() - errors,
        inferred.len()
    )?;
    let keys = common::keys(&violations)?;
    let name = common::strings(violations.column("division_name")?)?;
    let year = common::int64s(violations.column("year")?)?;
    let rule = common::strings(violations.column("rule")?)?;
    let money = common::strings(violations.column("unit")?)?;
    let [expected, actual, difference] = ["expected", "actual", "difference"]
        .map(|c| violations.column(c).map_err(Box::<dyn Error>::from).and_then(common::int64s));
    let (expected, actual, difference) = (expected?, actual?, difference?);
    let source = common::strings(violations.column("source")?)?;
    for i in 0..violations.height() {
        let is_money = money[i].as_deref() == Some("分");
        let rule_id: Rule = rule[i].as_deref().unwrap_or_default().parse()?;
        writeln!(
            out,
            "{} {} {} {} {}: 写 {}, 应为 {} (差 {}{}) — {}",
            name[i].as_deref().unwrap_or(""),
            year[i].unwrap_or(0),
            rule_id,
            severity[i].as_deref().unwrap_or(""),
            keys[i],
            common::show(actual[i], is_money),
            common::show(expected[i], is_money),
            if difference[i].unwrap_or(0) > 0 { "+" } else { "" },
            common::show(difference[i], is_money),
            rule_id.statement()
        )?;
        writeln!(out, "  {}", source[i].as_deref().unwrap_or("").replace("; ", " "))?;
    }
    for i in inferred {
        writeln!(
            out,
            "inferred {} {} {} = {} ({}) {}",
            i.division_code, i.year, i.key, i.value, i.rule, i.cell
        )?;
    }
    out.flush()?;
    Ok(())
}
