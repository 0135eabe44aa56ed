//! What the three command-line examples share: their common options, loading workbooks or a
//! stored tidy dataset (diagnostics and a progress bar on stderr), writing a frame in the chosen
//! format, and showing values to people.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::error::Error;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, ValueEnum};
use comfy_table::{CellAlignment, Table, presets};
use indicatif::ProgressBar;
use xxgk::polars::prelude::*;
use xxgk::read::ReadOptions;
use xxgk::report::{DiagnosticKind, Report};
use xxgk::rollup::Level;
use xxgk::schema::{Item, Key, Measure, Severity, Template};
use xxgk::validate::Checked;

/// mimalloc, as polars recommends for its own binaries: glibc's allocator keeps the memory of
/// the many small allocations of reading thousands of workbooks on threads it cannot give
/// back (the national set peaks ~100 MB higher with it, and runs slower). A library leaves the
/// allocator to the program; these programs choose. Without transparent huge pages (the
/// `no_thp` feature): with them, each first touch of fresh memory has the kernel zero 2 MB, and
/// the national set's one-thread run spent ~0.8 s in the kernel instead of ~0.4 s.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The options every example has.
#[derive(Args, Debug)]
pub struct Input {
    /// Files or folders to load: workbooks, or a tidy dataset written with `--tidy --format parquet`
    #[arg(value_name = "PATH", default_value = "data/sample")]
    pub paths: Vec<PathBuf>,
    /// Only this year (repeatable)
    #[arg(long = "year", value_name = "Y")]
    pub years: Vec<i32>,
    /// How to write the result: a table for people, or the frame as CSV, JSON, a Parquet
    /// dataset or a workbook
    #[arg(long, value_enum, value_name = "F", default_value_t = Format::Table)]
    pub format: Format,
    /// Write there instead of stdout (for parquet: a new folder; for xlsx: a file; required)
    #[arg(long, value_name = "FILE", required_if_eq_any([("format", "parquet"), ("format", "xlsx")]))]
    pub out: Option<PathBuf>,
    /// A CSV with the header `path,unit,year` for files whose unit or year the reader cannot tell
    /// (default: a manifest.csv at the top of a PATH folder)
    #[arg(long, value_name = "M")]
    pub manifest: Option<PathBuf>,
    /// Write the tidy frame of what was loaded (every published, inferred and derived value,
    /// with its origin and source) instead of the result
    #[arg(long)]
    pub tidy: bool,
}

/// The level to sum to.
#[derive(Args, Debug)]
pub struct LevelArg {
    /// The level to sum to
    #[arg(long, value_enum, value_name = "L", default_value_t = LevelName::Prefecture)]
    pub level: LevelName,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LevelName {
    Unit,
    Prefecture,
    Province,
    Nation,
}

impl From<LevelName> for Level {
    fn from(l: LevelName) -> Level {
        match l {
            LevelName::Unit => Level::Unit,
            LevelName::Prefecture => Level::Prefecture,
            LevelName::Province => Level::Province,
            LevelName::Nation => Level::Nation,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    Parquet,
    /// A workbook (prefecture_summary: the summed report in the national layout).
    Xlsx,
    /// A chart (year_over_year: one group's main series; prefecture_summary --item: bars).
    Svg,
}

/// Run an example: usage errors exit 2 (clap), nothing loaded exits 1, errors are printed.
/// `reports` says whether the body needs the reports themselves ([`Loaded::checked`]); when it
/// does not, files are read, checked and framed a chunk at a time (`xxgk::load`), so memory
/// stays small whatever the number of files.
pub fn run<C: Parser>(
    input: impl Fn(&C) -> &Input,
    reports: impl Fn(&C) -> bool,
    body: impl FnOnce(&C, Loaded) -> Result<(), Box<dyn Error>>,
) -> ExitCode {
    let cli = C::parse();
    let keep = reports(&cli) && !input(&cli).tidy;
    let loaded = match load(input(&cli), keep) {
        Ok(Some(l)) => l,
        Ok(None) => return ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let result = if input(&cli).tidy {
        loaded.tidy().and_then(|t| write_tidy(input(&cli), t))
    } else {
        body(&cli, loaded)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // `… | head`: the reader left; that is not an error.
        Err(e) if broken_pipe(e.as_ref()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

/// What the paths held: reports read from workbooks (kept, or already checked and framed), and
/// tidy datasets read back.
pub struct Loaded {
    /// The reports, when the body asked for them.
    pub reports: Vec<Report>,
    /// Otherwise the workbooks' tidy frame, checked.
    pub framed: Option<DataFrame>,
    pub stored: Vec<LazyFrame>,
    pub files: usize,
    /// Diagnostics by severity: errors, warnings, infos.
    pub counts: [usize; 3],
}

/// Load every path; diagnostics to stderr. `None` when nothing could be loaded.
pub fn load(input: &Input, keep_reports: bool) -> Result<Option<Loaded>, Box<dyn Error>> {
    let mut loaded =
        Loaded { reports: Vec::new(), framed: None, stored: Vec::new(), files: 0, counts: [0; 3] };
    let mut opts = ReadOptions::new();
    let mut paths = Vec::new();
    for path in &input.paths {
        if xxgk::frame::is_dataset(path) {
            match xxgk::frame::read_dataset(path) {
                Ok(tidy) => {
                    loaded.stored.push(tidy);
                    loaded.files += 1;
                }
                Err(e) => eprintln!("error: {e}"),
            }
            continue;
        }
        if !path.exists() {
            eprintln!("error: {}: no such file or folder", path.display());
            continue;
        }
        let manifest = input.manifest.clone().or_else(|| {
            let m = path.join("manifest.csv");
            m.is_file().then_some(m)
        });
        if let Some(m) = manifest {
            opts.manifest(&m)?;
        }
        paths.push(path.clone());
    }
    let bar = ProgressBar::no_length();
    let b = bar.clone();
    opts.progress(move |done, total| {
        b.set_length(total as u64);
        b.set_position(done as u64);
    });
    let diagnostics = if paths.is_empty() {
        Vec::new()
    } else if keep_reports {
        let mut batch = xxgk::report::Batch::default();
        for path in &paths {
            match opts.from_path(path) {
                Ok(b) => {
                    batch.files += b.files;
                    batch.diagnostics.extend(b.all_diagnostics().cloned());
                    batch.reports.extend(b.reports);
                }
                Err(e) => eprintln!("error: {e}"),
            }
        }
        for r in &mut batch.reports {
            r.diagnostics.clear();
        }
        let blanks = batch.reports.iter().flat_map(|r| &r.values).filter(|v| v.value.is_none()).count();
        if blanks > 0 {
            eprintln!("info: {blanks} blank cells read");
        }
        loaded.files += batch.files;
        loaded.reports = batch.reports;
        batch.diagnostics
    } else {
        let l = xxgk::load::from_paths(&opts, &paths)?;
        loaded.files += l.files;
        let published = col("origin").eq(lit("published"));
        let blanks = l.tidy.clone().lazy().filter(published.and(col("value").is_null())).collect()?.height();
        if blanks > 0 {
            eprintln!("info: {blanks} blank cells kept blank (not 0)");
        }
        tell_inferred(&l.checked);
        if l.reports > 0 {
            loaded.framed = Some(l.tidy);
        }
        l.diagnostics
    };
    bar.finish_and_clear();
    let mut infos: BTreeMap<&'static str, usize> = BTreeMap::new();
    for d in &diagnostics {
        loaded.counts[match d.severity {
            Severity::Error => 0,
            Severity::Warning => 1,
            Severity::Info => 2,
        }] += 1;
        if d.kind == DiagnosticKind::Blank {
            continue;
        } else if d.severity == Severity::Info {
            *infos.entry(d.kind.code()).or_default() += 1;
        } else {
            eprintln!("{d}");
        }
    }
    for (kind, n) in infos {
        eprintln!("info: {n} {kind}");
    }
    if loaded.reports.is_empty() && loaded.framed.is_none() && loaded.stored.is_empty() {
        let paths: Vec<String> = input.paths.iter().map(|p| p.display().to_string()).collect();
        eprintln!("error: no report could be loaded from {}", paths.join(", "));
        return Ok(None);
    }
    Ok(Some(loaded))
}

/// Tell stderr what the identities gave back.
fn tell_inferred(checked: &Checked) {
    if checked.inferred.len() <= 10 {
        for i in &checked.inferred {
            eprintln!("info: {}: {} inferred as {} from {} [inferred]", i.cell, i.key, i.value, i.rule);
        }
    } else {
        eprintln!(
            "info: {} blank cells inferred from the identities (the validate example lists them)",
            checked.inferred.len()
        );
    }
}

/// Validate reports, telling stderr what the identities gave back.
fn validate(reports: Vec<Report>) -> Checked {
    let checked = xxgk::validate::reports(reports);
    tell_inferred(&checked);
    checked
}

impl Loaded {
    /// The tidy frame of everything loaded: the workbooks' (validated) and the stored
    /// datasets' (which carry their inferred and derived values already).
    pub fn tidy(self) -> Result<LazyFrame, Box<dyn Error>> {
        let mut frames = self.stored;
        if let Some(framed) = self.framed {
            frames.insert(0, framed.lazy());
        } else if !self.reports.is_empty() {
            frames.insert(0, xxgk::frame::tidy(&validate(self.reports))?.lazy());
        }
        Ok(concat(frames, UnionArgs::default())?)
    }

    /// Every report loaded, validated together: the workbooks' and those of the stored
    /// datasets, turned back into reports. Only when the example asked `run` for reports.
    pub fn checked(self) -> Result<Checked, Box<dyn Error>> {
        if self.framed.is_some() {
            return Err("the reports were framed as they were read (common::run asked for none)".into());
        }
        let mut reports = self.reports;
        for tidy in self.stored {
            reports.extend(xxgk::frame::reports(tidy)?);
        }
        Ok(validate(reports))
    }
}

/// One line on what was loaded: reports, units, years, templates, diagnostics.
pub fn summary(files: usize, counts: [usize; 3], tidy: &DataFrame) -> Result<String, Box<dyn Error>> {
    let reports = tidy
        .clone()
        .lazy()
        .select([col("division_code"), col("year"), col("file")])
        .unique(None, UniqueKeepStrategy::Any)
        .collect()?;
    let units = reports.column("division_code")?.n_unique()?;
    let years: Vec<i32> = reports.column("year")?.i32()?.iter().flatten().collect();
    let span = match (years.iter().min(), years.iter().max()) {
        (Some(a), Some(b)) if a != b => format!("{a}–{b}"),
        (Some(a), _) => a.to_string(),
        _ => String::new(),
    };
    let old = years.iter().filter(|&&y| Template::for_year(y) == Template::V2019).count();
    Ok(format!(
        "loaded {} reports from {files} files: {units} units, {span}; {old} in the 2019 format, {} in the 2021 format; diagnostics: {} errors, {} warnings, {} infos",
        reports.height(),
        reports.height() - old,
        counts[0],
        counts[1],
        counts[2],
    ))
}

/// Keep the rows of the chosen years (all when none is chosen).
pub fn years(lf: LazyFrame, input: &Input) -> LazyFrame {
    if input.years.is_empty() {
        return lf;
    }
    lf.filter(col("year").is_in(lit(Series::new("years".into(), &input.years)).implode(false), false))
}

/// Where output goes: `--out FILE` or stdout.
pub fn sink(input: &Input) -> Result<Box<dyn Write>, Box<dyn Error>> {
    Ok(match &input.out {
        Some(p) => Box::new(std::io::BufWriter::new(std::fs::File::create(p)?)),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    })
}

/// Write a frame in a machine format (`--format csv|json|parquet`); `false` for the table,
/// which each example draws itself.
pub fn write_frame(input: &Input, df: &mut DataFrame, partitions: &[&str]) -> Result<bool, Box<dyn Error>> {
    match input.format {
        Format::Table => return Ok(false),
        Format::Csv => {
            let mut out = sink(input)?;
            xxgk::output::csv(&mut out, df)?;
            out.flush()?;
        }
        Format::Json => {
            let mut out = sink(input)?;
            xxgk::output::json_frame(&mut out, df)?;
            out.flush()?;
        }
        Format::Parquet => {
            let dir = input.out.as_deref().ok_or("--format parquet needs --out DIR")?;
            let files = xxgk::output::parquet_dataset(df, dir, partitions)?;
            eprintln!("wrote {} Parquet files under {}", files.len(), dir.display());
        }
        Format::Xlsx => {
            let path = input.out.as_deref().ok_or("--format xlsx needs --out FILE")?;
            write_xlsx(path, df)?;
        }
        Format::Svg => {
            return Err("--format svg: this output is a frame, not a chart (see the example's help)".into());
        }
    }
    Ok(true)
}

/// Write a chart (SVG text) to `--out FILE` or stdout.
pub fn write_svg(input: &Input, svg: &str) -> Result<(), Box<dyn Error>> {
    let mut out = sink(input)?;
    out.write_all(svg.as_bytes())?;
    out.flush()?;
    if let Some(path) = &input.out {
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

#[cfg(feature = "xlsx")]
fn write_xlsx(path: &std::path::Path, df: &DataFrame) -> Result<(), Box<dyn Error>> {
    let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("xxgk");
    xxgk::output::xlsx_frames(path, &[(name, df)])?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

#[cfg(not(feature = "xlsx"))]
fn write_xlsx(_: &std::path::Path, _: &DataFrame) -> Result<(), Box<dyn Error>> {
    Err("this build has no xlsx writer (cargo feature `xlsx`)".into())
}

/// `--tidy`: the tidy frame itself, in any format (a table shows money in 元).
fn write_tidy(input: &Input, tidy: LazyFrame) -> Result<(), Box<dyn Error>> {
    let mut df = years(tidy, input).collect()?;
    if write_frame(input, &mut df, &xxgk::frame::PARTITIONS)? {
        return Ok(());
    }
    let mut out = sink(input)?;
    writeln!(out, "{}", frame_table(&df)?)?;
    out.flush()?;
    Ok(())
}

/// A frame as a table for people: every column, money values in 元.
pub fn frame_table(df: &DataFrame) -> Result<Table, Box<dyn Error>> {
    let names: Vec<String> = df.get_column_names().iter().map(|n| n.to_string()).collect();
    let money: Vec<bool> = match df.column("unit") {
        Ok(u) => strings(u)?.iter().map(|u| u.as_deref() == Some("分")).collect(),
        Err(_) => vec![false; df.height()],
    };
    let columns: Vec<Vec<String>> = df
        .columns()
        .iter()
        .map(|c| {
            let is_value = ["value", "prev_value", "delta", "expected", "actual", "difference"]
                .contains(&c.name().as_str());
            Ok(match (is_value, c.dtype().is_integer()) {
                (true, true) => int64s(c)?.iter().zip(&money).map(|(v, &m)| show(*v, m)).collect(),
                _ => strings(c)?.into_iter().map(Option::unwrap_or_default).collect(),
            })
        })
        .collect::<Result<_, Box<dyn Error>>>()?;
    let mut table = new_table();
    table.set_header(
        names.iter().map(|n| if n == "unit" { "unit (values in 件 / 元)".to_string() } else { n.clone() }),
    );
    for row in 0..df.height() {
        table.add_row(columns.iter().map(|c| c[row].clone()));
    }
    Ok(table)
}

/// A table in the examples' style.
pub fn new_table() -> Table {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_BORDERS_ONLY);
    t
}

/// Right-align every column but the first.
pub fn align_numbers(table: &mut Table) {
    for (i, c) in table.column_iter_mut().enumerate() {
        if i > 0 {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
}

/// A value as people read it: counts as integers, money (分) in 元 with two decimals, blank empty.
pub fn show(value: Option<i64>, money: bool) -> String {
    match value {
        None => String::new(),
        Some(x) if money => xxgk::normalize::yuan(x),
        Some(x) => x.to_string(),
    }
}

/// A column's values as text (Enum and categorical columns give their codes).
pub fn strings(c: &Column) -> Result<Vec<Option<String>>, Box<dyn Error>> {
    let s = c.cast(&DataType::String)?;
    Ok(s.str()?.iter().map(|v| v.map(str::to_string)).collect())
}

pub fn int64s(c: &Column) -> Result<Vec<Option<i64>>, Box<dyn Error>> {
    Ok(c.cast(&DataType::Int64)?.i64()?.iter().collect())
}

pub fn float64s(c: &Column) -> Result<Vec<Option<f64>>, Box<dyn Error>> {
    Ok(c.cast(&DataType::Float64)?.f64()?.iter().collect())
}

pub fn bools(c: &Column) -> Result<Vec<Option<bool>>, Box<dyn Error>> {
    Ok(c.bool()?.iter().collect())
}

/// The schema cell of each row, from the `item` and `measure` columns.
pub fn keys(df: &DataFrame) -> Result<Vec<Key>, Box<dyn Error>> {
    let items = strings(df.column("item")?)?;
    let measures = strings(df.column("measure")?)?;
    items
        .iter()
        .zip(&measures)
        .map(|(i, m)| {
            let item: Item = i.as_deref().unwrap_or_default().parse()?;
            let measure: Measure = m.as_deref().unwrap_or_default().parse()?;
            Ok(Key::new(item, measure))
        })
        .collect()
}

/// An item's label with its numbering, for people.
pub fn item_label(key: Key, year: i32) -> String {
    let t = Template::for_year(year);
    format!("{}{}", key.item.numbering().unwrap_or(""), key.item.label_in(t))
}

/// Division names for codes, for people.
pub fn names(codes: &[Option<i64>]) -> Vec<String> {
    let reg = xxgk::divisions::registry();
    codes
        .iter()
        .flatten()
        .map(|&c| u32::try_from(c).ok().and_then(|c| reg.get(c)).map_or(c.to_string(), |d| d.name.clone()))
        .collect()
}

fn broken_pipe(e: &(dyn Error + 'static)) -> bool {
    let mut cur: Option<&(dyn Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return io.kind() == std::io::ErrorKind::BrokenPipe;
        }
        if let Some(p) = err.downcast_ref::<PolarsError>() {
            return p.to_string().contains("Broken pipe");
        }
        cur = err.source();
    }
    false
}
