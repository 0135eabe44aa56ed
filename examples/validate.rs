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
//! 55 reports checked: 3 errors, 0 warnings, 463 blanks inferred
//! 察布查尔锡伯自治县 2023 A1 error applications.new_received.natural_person: parts 19, total 18 — …
//!   data/sample/2023/察布查尔锡伯自治县-2023.xlsx!Sheet1!D23 …
//! inferred 伊宁市 2019 applications.carried_over.research_institution = 0 (A3) data/sample/2019/伊宁市-2019.xlsx!Sheet1!F28
//! ```
//!
//! `--format csv|json|parquet` writes the findings frame itself (`xxgk::validate::Checked::frame`):
//! `division_code, division_name, year, rule, kind, severity, table, item, measure, unit,
//! expected, actual, difference, message, source, blanks` — `rule` the identity (A1 … A4,
//! S1 … S5), `kind` what was found: `definite` (cannot hold), `only_if` (holds only if a named
//! blank is non-zero), `forced` (a blank the identities pin, inferred); money in 分.

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
    common::run(|c: &Cli| &c.input, |_: &Cli| true, validate)
}

fn validate(cli: &Cli, loaded: Loaded) -> Result<(), Box<dyn Error>> {
    let input = &cli.input;
    let checked = loaded.checked()?;
    let mut findings = common::years(checked.frame()?.lazy(), input).collect()?;
    if common::write_frame(input, &mut findings, &["year"])? {
        return Ok(());
    }
    let reports =
        checked.reports().iter().filter(|c| input.years.is_empty() || input.years.contains(&c.report().year));
    let kind = common::strings(findings.column("kind")?)?;
    let severity = common::strings(findings.column("severity")?)?;
    let count =
        |column: &[Option<String>], what: &str| column.iter().filter(|s| s.as_deref() == Some(what)).count();
    let mut out = common::sink(input)?;
    writeln!(
        out,
        "{} reports checked: {} errors, {} warnings, {} blanks inferred",
        reports.count(),
        count(&severity, "error"),
        count(&severity, "warning"),
        count(&kind, "forced"),
    )?;
    let keys = common::keys(&findings)?;
    let name = common::strings(findings.column("division_name")?)?;
    let year = common::int64s(findings.column("year")?)?;
    let rule = common::strings(findings.column("rule")?)?;
    let message = common::strings(findings.column("message")?)?;
    let source = common::strings(findings.column("source")?)?;
    let blanks = common::strings(findings.column("blanks")?)?;
    let expected = common::int64s(findings.column("expected")?)?;
    for i in 0..findings.height() {
        let text = |c: &[Option<String>]| c[i].clone().unwrap_or_default();
        if kind[i].as_deref() == Some("forced") {
            let at = text(&source);
            writeln!(
                out,
                "inferred {} {} {} = {} ({}) {at}",
                text(&name),
                year[i].unwrap_or(0),
                keys[i],
                expected[i].unwrap_or(0),
                text(&rule)
            )?;
            continue;
        }
        let rule_id: Rule = text(&rule).parse()?;
        writeln!(
            out,
            "{} {} {} {} {}: {} — {}",
            text(&name),
            year[i].unwrap_or(0),
            rule_id,
            text(&severity),
            keys[i],
            text(&message),
            rule_id.statement()
        )?;
        writeln!(out, "  {}", text(&source).replace("; ", " "))?;
        if kind[i].as_deref() == Some("only_if") {
            writeln!(out, "  blank: {}", text(&blanks).replace("; ", " "))?;
        }
    }
    out.flush()?;
    Ok(())
}
