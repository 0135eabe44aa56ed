//! The reports that do not add up: every identity of the national format (national-schema §4)
//! checked per report, and the blanks the identities allowed to infer.
//!
//! Run it like this:
//!
//! ```text
//! cargo run --release --example validate -- [--year Y] [--format F] [--out FILE] [PATH]...
//!
//! 察布查尔锡伯自治县 2023 A2 error applications.total.natural_person: 写 31, 应为 30 (差 +1)
//!   data/sample/2023/察布查尔锡伯自治县-2023.xlsx!Sheet1!D48 …
//! ```
//!
//! CSV columns: `division_code,division_name,year,rule,table,item,measure,expected,actual,difference,source`
//! (`rule` is the identity's id, A1 … A4, S1 … S5; money in 元).

#[path = "common/mod.rs"]
mod common;

use std::error::Error;
use std::io::Write;
use std::process::ExitCode;

use common::{Args, Format, Loaded};
use xxgk::validate::Violation;

fn main() -> ExitCode {
    common::run(false, validate)
}

fn validate(args: &Args, loaded: Loaded) -> Result<(), Box<dyn Error>> {
    let mut checked = loaded.validation;
    let keep = |y: i32| args.years.is_empty() || args.years.contains(&y);
    checked.violations.retain(|v| keep(v.year));
    checked.inferred.retain(|i| keep(i.year));
    let v: &[Violation] = &checked.violations;
    match args.format {
        Format::Csv => common::write_csv(
            args,
            &[
                "division_code",
                "division_name",
                "year",
                "rule",
                "table",
                "item",
                "measure",
                "expected",
                "actual",
                "difference",
                "source",
            ],
            v.iter().map(|x| {
                vec![
                    x.division_code.to_string(),
                    x.division_name.clone(),
                    x.year.to_string(),
                    x.rule.to_string(),
                    x.key.table.to_string(),
                    x.key.item.to_string(),
                    x.key.measure.to_string(),
                    common::show(x.key, Some(x.expected)),
                    common::show(x.key, Some(x.actual)),
                    common::show(x.key, Some(x.difference)),
                    x.cells.join("; "),
                ]
            }),
        ),
        Format::Json => {
            let records: Vec<serde_json::Value> = v
                .iter()
                .map(|x| {
                    serde_json::json!({
                        "division_code": x.division_code, "division_name": x.division_name, "year": x.year,
                        "rule": x.rule, "severity": x.severity, "table": x.key.table, "item": x.key.item,
                        "measure": x.key.measure,
                        "expected": common::json_value(x.key, Some(x.expected)),
                        "actual": common::json_value(x.key, Some(x.actual)),
                        "difference": common::json_value(x.key, Some(x.difference)),
                        "source": x.cells,
                    })
                })
                .collect();
            common::write_json(args, &records)
        }
        Format::Parquet => {
            let mut df = checked.frame()?;
            common::with_province(&mut df, "division_code")?;
            common::write_parquet(args, &df)
        }
        Format::Table => {
            let mut out = common::sink(args)?;
            let reports = loaded.reports.iter().filter(|r| keep(r.year)).count();
            let errors = v.iter().filter(|x| x.severity == xxgk::schema::Severity::Error).count();
            writeln!(
                out,
                "{reports} reports checked: {errors} errors, {} warnings, {} blanks inferred",
                v.len() - errors,
                checked.inferred.len()
            )?;
            for x in v {
                writeln!(
                    out,
                    "{} {} {} {} {}: 写 {}, 应为 {} (差 {:+}) — {}",
                    x.division_name,
                    x.year,
                    x.rule,
                    x.severity,
                    x.key,
                    common::show(x.key, Some(x.actual)),
                    common::show(x.key, Some(x.expected)),
                    x.difference,
                    x.rule.statement()
                )?;
                writeln!(out, "  {}", x.cells.join(" "))?;
            }
            for i in &checked.inferred {
                writeln!(
                    out,
                    "inferred {} {} {} = {} ({}) {}",
                    i.division_code, i.year, i.key, i.value, i.rule, i.cell
                )?;
            }
            out.flush()?;
            Ok(())
        }
    }
}
