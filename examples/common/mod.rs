//! What the three command-line examples share: the options, loading with diagnostics on
//! stderr, and the formatting of tables for people.

#![allow(dead_code)]

use std::error::Error;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use xxgk::normalize::yuan;
use xxgk::read::{ReadOptions, Report};
use xxgk::rollup::Level;
use xxgk::schema::{Key, Severity, Unit};
use xxgk::validate::Validation;

pub const USAGE: &str = "\
usage: cargo run --release --example EXAMPLE -- [OPTIONS] [PATH]...
  PATH         files or folders to load (default: data/sample)
  --level L    prefecture (default) | province | nation | unit      (summary, year_over_year)
  --year Y     only this year (repeatable)
  --format F   table (default) | csv | json | parquet
  --out FILE   write there instead of stdout (required for parquet: a folder)
  --manifest M CSV with header `path,unit,year` for files whose unit or year the reader cannot tell";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Csv,
    Json,
    Parquet,
}

#[derive(Debug)]
pub struct Args {
    pub paths: Vec<PathBuf>,
    pub level: Level,
    pub years: Vec<i32>,
    pub format: Format,
    pub out: Option<PathBuf>,
    pub manifest: Option<PathBuf>,
}

/// Parse the command line; `Err` is a usage error (exit status 2), or `--help` (empty message).
pub fn parse(with_level: bool) -> Result<Args, String> {
    let mut args = Args {
        paths: Vec::new(),
        level: Level::Prefecture,
        years: Vec::new(),
        format: Format::Table,
        out: None,
        manifest: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--level" if with_level => {
                let v = value("--level")?;
                args.level = v.parse().map_err(|_| format!("unknown level {v:?}"))?;
            }
            "--year" => {
                let v = value("--year")?;
                args.years.push(v.parse().map_err(|_| format!("--year wants a year, not {v:?}"))?);
            }
            "--format" => {
                args.format = match value("--format")?.as_str() {
                    "table" => Format::Table,
                    "csv" => Format::Csv,
                    "json" => Format::Json,
                    "parquet" => Format::Parquet,
                    other => return Err(format!("unknown format {other:?}")),
                }
            }
            "--out" => args.out = Some(PathBuf::from(value("--out")?)),
            "--manifest" => args.manifest = Some(PathBuf::from(value("--manifest")?)),
            "-h" | "--help" => return Err(String::new()),
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            path => args.paths.push(PathBuf::from(path)),
        }
    }
    if args.format == Format::Parquet && args.out.is_none() {
        return Err("--format parquet needs --out DIR".into());
    }
    if args.paths.is_empty() {
        args.paths.push(PathBuf::from("data/sample"));
    }
    Ok(args)
}

/// Run an example: usage errors exit 2, nothing loaded exits 1, errors are printed.
pub fn run(with_level: bool, body: impl FnOnce(&Args, Loaded) -> Result<(), Box<dyn Error>>) -> ExitCode {
    let args = match parse(with_level) {
        Ok(a) => a,
        Err(message) if message.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let loaded = match load(&args) {
        Ok(Some(l)) => l,
        Ok(None) => return ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    match body(&args, loaded) {
        Ok(()) => ExitCode::SUCCESS,
        // `… | head`: the reader left; that is not an error.
        Err(e) if broken_pipe(e.as_ref()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

pub struct Loaded {
    pub reports: Vec<Report>,
    pub validation: Validation,
    pub files: usize,
    /// Diagnostics by severity: errors, warnings, infos.
    pub counts: [usize; 3],
}

impl Loaded {
    /// One line on what was loaded: reports, units, years, templates, diagnostics.
    pub fn summary(&self) -> String {
        let units: std::collections::BTreeSet<u32> = self.reports.iter().map(|r| r.division_code).collect();
        let years: std::collections::BTreeSet<i32> = self.reports.iter().map(|r| r.year).collect();
        let span = match (years.first(), years.last()) {
            (Some(a), Some(b)) if a != b => format!("{a}–{b}"),
            (Some(a), _) => a.to_string(),
            _ => String::new(),
        };
        let by = |t| self.reports.iter().filter(|r| r.template == t).count();
        format!(
            "loaded {} reports from {} files: {} units, {span}; {} in the 2019 format, {} in the 2021 format; diagnostics: {} errors, {} warnings, {} infos",
            self.reports.len(),
            self.files,
            units.len(),
            by(xxgk::schema::Template::V2019),
            by(xxgk::schema::Template::V2021),
            self.counts[0],
            self.counts[1],
            self.counts[2],
        )
    }
}

/// Load every path; diagnostics to stderr. `None` when nothing could be loaded.
pub fn load(args: &Args) -> Result<Option<Loaded>, Box<dyn Error>> {
    let mut reports = Vec::new();
    let mut files = 0;
    let mut counts = [0usize; 3];
    let mut infos: std::collections::BTreeMap<&'static str, usize> = Default::default();
    for path in &args.paths {
        let mut opts = ReadOptions::new();
        let manifest = args.manifest.clone().or_else(|| {
            let m = path.join("manifest.csv");
            m.is_file().then_some(m)
        });
        if let Some(m) = manifest {
            opts.manifest(&m)?;
        }
        opts.progress(|done, total| {
            if total >= 100 {
                eprint!("\rloading {done}/{total} files");
                if done == total {
                    eprintln!();
                }
            }
        });
        let batch = match opts.from_path(path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: {e}");
                continue;
            }
        };
        files += batch.files;
        for d in batch.all_diagnostics() {
            counts[match d.severity {
                Severity::Error => 0,
                Severity::Warning => 1,
                Severity::Info => 2,
            }] += 1;
            if d.severity == Severity::Info {
                *infos.entry(d.kind.code()).or_default() += 1;
            } else {
                eprintln!("{d}");
            }
        }
        reports.extend(batch.reports);
    }
    for (kind, n) in infos {
        let what = if kind == "blank" { "blank cells kept blank (not 0)" } else { kind };
        eprintln!("info: {n} {what}");
    }
    if reports.is_empty() {
        eprintln!("error: no report could be loaded from {}", show_paths(&args.paths));
        return Ok(None);
    }
    let validation = xxgk::validate::reports(&reports);
    if validation.inferred.len() <= 10 {
        for i in &validation.inferred {
            eprintln!("info: {}: {} inferred as {} from {} [inferred]", i.cell, i.key, i.value, i.rule);
        }
    } else {
        eprintln!(
            "info: {} blank cells inferred from the identities (the validate example lists them)",
            validation.inferred.len()
        );
    }
    Ok(Some(Loaded { reports, validation, files, counts }))
}

fn show_paths(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
}

/// A value as the outputs show it: counts as integers, money in 元 with two decimals.
pub fn show(key: Key, value: Option<i64>) -> String {
    match value {
        None => String::new(),
        Some(x) if key.measure.unit() == Unit::Money => yuan(x),
        Some(x) => x.to_string(),
    }
}

/// The same, as a JSON value.
pub fn json_value(key: Key, value: Option<i64>) -> serde_json::Value {
    match value {
        None => serde_json::Value::Null,
        Some(x) if key.measure.unit() == Unit::Money => serde_json::json!(x as f64 / 100.0),
        Some(x) => serde_json::json!(x),
    }
}

/// Where output goes: `--out FILE` or stdout.
pub fn sink(args: &Args) -> Result<Box<dyn Write>, Box<dyn Error>> {
    Ok(match &args.out {
        Some(p) => Box::new(std::io::BufWriter::new(std::fs::File::create(p)?)),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    })
}

/// Write CSV records (the first is the header).
pub fn write_csv(
    args: &Args,
    header: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<(), Box<dyn Error>> {
    let mut w = csv::Writer::from_writer(sink(args)?);
    w.write_record(header)?;
    for r in rows {
        w.write_record(&r)?;
    }
    w.flush()?;
    Ok(())
}

pub fn write_json(args: &Args, records: &[serde_json::Value]) -> Result<(), Box<dyn Error>> {
    let mut out = sink(args)?;
    xxgk::output::json(&mut out, records)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

/// Add a `province` column from a division-code column, for partitioning.
pub fn with_province(df: &mut polars::prelude::DataFrame, code_column: &str) -> Result<(), Box<dyn Error>> {
    use polars::prelude::*;
    let reg = xxgk::divisions::registry();
    let codes = df.column(code_column)?.u32()?.clone();
    let province: Vec<Option<u32>> = codes.iter().map(|c| c.and_then(|c| reg.province_of(c))).collect();
    df.with_column(Column::from(Series::new("province".into(), province)))?;
    Ok(())
}

pub fn write_parquet(args: &Args, df: &polars::prelude::DataFrame) -> Result<(), Box<dyn Error>> {
    let dir = args.out.as_deref().unwrap_or(Path::new("out"));
    let files = xxgk::output::parquet_dataset(df, dir, &["year", "province"])?;
    eprintln!("wrote {} Parquet files under {}", files.len(), dir.display());
    Ok(())
}

/// Display width: CJK characters take two columns.
pub fn width(s: &str) -> usize {
    s.chars().map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 }).sum()
}

/// Pad to a display width.
pub fn pad(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(width(s))))
}

pub fn lpad(s: &str, w: usize) -> String {
    format!("{}{s}", " ".repeat(w.saturating_sub(width(s))))
}

/// Print rows of cells as aligned columns (first column left, the rest right-aligned).
pub fn print_table(out: &mut dyn Write, rows: &[Vec<String>]) -> std::io::Result<()> {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| rows.iter().filter_map(|r| r.get(c)).map(|s| width(s)).max().unwrap_or(0))
        .collect();
    for r in rows {
        let mut line = String::new();
        for (c, cell) in r.iter().enumerate() {
            if c == 0 {
                line.push_str(&pad(cell, widths[c]));
            } else {
                line.push_str("  ");
                line.push_str(&lpad(cell, widths[c]));
            }
        }
        writeln!(out, "  {}", line.trim_end())?;
    }
    Ok(())
}

/// An item's label with its numbering, for people.
pub fn item_label(key: Key, year: i32) -> String {
    let t = xxgk::schema::Template::for_year(year);
    format!("{}{}", key.item.numbering().unwrap_or(""), key.item.label_in(t))
}

fn broken_pipe(e: &(dyn Error + 'static)) -> bool {
    let io = e.downcast_ref::<std::io::Error>().or_else(|| {
        match e.downcast_ref::<csv::Error>().map(csv::Error::kind) {
            Some(csv::ErrorKind::Io(io)) => Some(io),
            _ => None,
        }
    });
    io.is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}
