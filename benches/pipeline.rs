//! Benchmarks on a generated national dataset (`generate_dataset --national`), one group per
//! stage, against the floor: calamine's own open-and-read of every sheet of the same files.
//!
//! | group | what |
//! |---|---|
//! | `floor` | calamine opens each workbook and reads every sheet, one thread: nothing else |
//! | `load` | xxgk reads the same files into reports (`xxgk_*`), and into the checked tidy frame in one pass (`checked_frame_*`, `xxgk::load`), one thread and all threads |
//! | `validate`, `frame`, `rollup`, `compare` | each stage on what the one before made |
//! | `pipeline` | `xxgk::load` (read, validate, tidy frame) → prefecture rollup → year over year → CSV |
//! | `stages`, `rollup_compare` | the stages on in-memory national reports (no files) and on the bundled sample |
//!
//! By default the dataset is the first 300 county-level units over 2021–2022 (about 600
//! reports), so that `cargo bench --bench pipeline` takes minutes; `XXGK_BENCH_FULL=1` uses
//! every unit over 2021–2025 (about 14,000 reports in 12,800 files). The workbooks are written
//! once under `target/bench-national-*`. One thread for the whole pipeline means
//! `RAYON_NUM_THREADS=1 POLARS_MAX_THREADS=1` (see BENCHMARKS.md).

#[path = "../examples/generate_dataset/sample.rs"]
mod sample;

/// The allocator the examples use (see `examples/common`), for the floor and xxgk alike.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::{Path, PathBuf};

use calamine::{Data, Reader, open_workbook_auto};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use xxgk::polars::prelude::{DataFrame, IntoLazy};
use xxgk::read::ReadOptions;
use xxgk::report::{Report, Value};
use xxgk::rollup::Level;
use xxgk::schema::Template;

/// The national dataset's folder, written on first use: (folder, files).
fn national_dataset() -> (PathBuf, Vec<PathBuf>) {
    let full = std::env::var_os("XXGK_BENCH_FULL").is_some_and(|v| v != "0");
    let (units, years) = if full { (None, 2021..=2025) } else { (Some(300), 2021..=2022) };
    let name = match units {
        Some(n) => format!("target/bench-national-{n}-{}-{}", years.start(), years.end()),
        None => format!("target/bench-national-all-{}-{}", years.start(), years.end()),
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    if !dir.join("manifest.csv").is_file() {
        let _ = std::fs::remove_dir_all(&dir);
        let n = sample::write_national(&dir, years, units).expect("write the national dataset");
        eprintln!("wrote {} reports in {} files under {}", n.reports, n.files, dir.display());
    }
    let mut files = Vec::new();
    walk(&dir, &mut files);
    files.sort();
    (dir, files)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("dataset folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "xlsx") {
            out.push(path);
        }
    }
}

/// The floor: calamine opens each workbook and reads every sheet.
fn calamine_open_and_read(files: &[PathBuf]) -> usize {
    let mut cells = 0;
    for f in files {
        let mut wb = open_workbook_auto(f).expect("open");
        for name in wb.sheet_names() {
            let range = wb.worksheet_range(&name).expect("sheet");
            cells += range.used_cells().filter(|(_, _, d)| !matches!(d, Data::Empty)).count();
        }
    }
    cells
}

fn reader(dir: &Path, threads: usize) -> ReadOptions {
    let mut opts = ReadOptions::new();
    opts.threads(threads).manifest(dir.join("manifest.csv")).expect("manifest");
    opts
}

fn collect(lf: xxgk::Result<xxgk::polars::prelude::LazyFrame>) -> DataFrame {
    lf.and_then(|lf| Ok(lf.collect()?)).expect("collect")
}

/// The whole pipeline: what `prefecture_summary --format csv` and `year_over_year` do.
fn pipeline(opts: &ReadOptions, files: &[PathBuf]) -> usize {
    let tidy = xxgk::load::from_paths(opts, files).expect("load").tidy;
    let mut sums = collect(xxgk::rollup::by(tidy.lazy(), Level::Prefecture));
    let changes = collect(xxgk::compare::years(sums.clone().lazy()));
    let mut csv = Vec::new();
    xxgk::output::csv(&mut csv, &mut sums).expect("csv");
    csv.len() + changes.height()
}

fn national_files(c: &mut Criterion) {
    let (dir, files) = national_dataset();
    let mut g = c.benchmark_group("floor");
    g.sample_size(10);
    g.throughput(Throughput::Elements(files.len() as u64));
    g.bench_function("calamine_1_thread", |b| b.iter(|| calamine_open_and_read(&files)));
    g.finish();

    let mut g = c.benchmark_group("load");
    g.sample_size(10);
    g.throughput(Throughput::Elements(files.len() as u64));
    let (one, all) = (reader(&dir, 1), reader(&dir, 0));
    g.bench_function("xxgk_1_thread", |b| b.iter(|| one.from_paths(&files)));
    g.bench_function("xxgk_all_threads", |b| b.iter(|| all.from_paths(&files)));
    // Read, check and frame in one pass (`xxgk::load`): what the examples run.
    g.bench_function("checked_frame_1_thread", |b| {
        b.iter(|| xxgk::load::from_paths(&one, &files).expect("load"))
    });
    g.bench_function("checked_frame_all_threads", |b| {
        b.iter(|| xxgk::load::from_paths(&all, &files).expect("load"))
    });
    g.finish();

    let reports = all.from_paths(&files).reports;
    let mut g = c.benchmark_group("validate");
    g.sample_size(10);
    g.throughput(Throughput::Elements(reports.len() as u64));
    g.bench_function("reports", |b| b.iter(|| xxgk::validate::reports(reports.clone())));
    g.finish();

    let checked = xxgk::validate::reports(reports);
    let mut g = c.benchmark_group("frame");
    g.sample_size(10);
    g.bench_function("tidy", |b| b.iter(|| xxgk::frame::tidy(&checked).expect("tidy")));
    g.finish();

    let tidy = xxgk::frame::tidy(&checked).expect("tidy");
    let mut g = c.benchmark_group("rollup");
    g.sample_size(10);
    g.bench_function("prefecture", |b| {
        b.iter(|| collect(xxgk::rollup::by(tidy.clone().lazy(), Level::Prefecture)))
    });
    g.bench_function("unit", |b| b.iter(|| collect(xxgk::rollup::by(tidy.clone().lazy(), Level::Unit))));
    g.finish();

    let sums = collect(xxgk::rollup::by(tidy.clone().lazy(), Level::Prefecture));
    let units = collect(xxgk::rollup::by(tidy.clone().lazy(), Level::Unit));
    let mut g = c.benchmark_group("compare");
    g.sample_size(10);
    g.bench_function("prefecture", |b| b.iter(|| collect(xxgk::compare::years(sums.clone().lazy()))));
    g.bench_function("unit", |b| b.iter(|| collect(xxgk::compare::years(units.clone().lazy()))));
    g.finish();

    let mut g = c.benchmark_group("pipeline");
    g.sample_size(10);
    g.throughput(Throughput::Elements(files.len() as u64));
    g.bench_function("prefecture_summary", |b| b.iter(|| pipeline(&all, &files)));
    g.finish();
}

/// A national dataset in memory: every county-level unit, two years, consistent values.
fn national() -> Vec<Report> {
    national_with(Some)
}

/// The same, with every zero left blank, as many offices write their reports.
fn national_zeros_blank() -> Vec<Report> {
    national_with(|v| (v != 0).then_some(v))
}

fn national_with(write: impl Fn(i64) -> Option<i64>) -> Vec<Report> {
    let reg = xxgk::divisions::registry();
    let mut out = Vec::new();
    for code in reg.expected_units(0) {
        let mut carry = sample::Carry::default();
        let mut rng = sample::Rng::new(u64::from(code));
        for year in [2020, 2021] {
            let values = sample::consistent(year, &mut rng, &mut carry);
            out.push(Report {
                division_code: code,
                division_name: reg.get(code).map(|d| d.name.clone()).unwrap_or_default(),
                year,
                template: Template::for_year(year),
                tables: Vec::new(),
                source: PathBuf::from(format!("{code}-{year}.xlsx")),
                sheets: Vec::new(),
                values: values
                    .into_iter()
                    .map(|(key, v)| Value { key, value: write(v), cell: None, note: None })
                    .collect(),
                diagnostics: Vec::new(),
            });
        }
    }
    out
}

fn stages(c: &mut Criterion) {
    let reports = national();
    let mut g = c.benchmark_group("stages");
    g.sample_size(10);
    g.throughput(Throughput::Elements(reports.len() as u64));
    g.bench_function("validate", |b| b.iter(|| xxgk::validate::reports(reports.clone())));
    let blank = national_zeros_blank();
    g.bench_function("validate_zeros_blank", |b| b.iter(|| xxgk::validate::reports(blank.clone())));
    let checked = xxgk::validate::reports(reports);
    g.bench_function("tidy_frame", |b| b.iter(|| xxgk::frame::tidy(&checked).expect("tidy")));
    let tidy = xxgk::frame::tidy(&checked).expect("tidy");
    g.bench_function("rollup_prefecture", |b| b.iter(|| rollup(&tidy, Level::Prefecture)));
    let sums = rollup(&tidy, Level::Prefecture);
    g.bench_function("compare", |b| {
        b.iter(|| {
            xxgk::compare::years(sums.clone().lazy()).and_then(|lf| Ok(lf.collect()?)).expect("compare")
        })
    });
    g.finish();
}

fn rollup(tidy: &DataFrame, level: Level) -> DataFrame {
    xxgk::rollup::by(tidy.clone().lazy(), level).and_then(|lf| Ok(lf.collect()?)).expect("rollup")
}

/// A rollup and its comparison, collected: on the sample and on the national set.
fn rollup_and_compare(tidy: &DataFrame, level: Level) -> usize {
    let sums = xxgk::rollup::by(tidy.clone().lazy(), level).expect("rollup");
    xxgk::compare::years(sums).and_then(|lf| Ok(lf.collect()?)).expect("compare").height()
}

/// Rollup and comparison: the sample and the national set in memory.
fn rollup_compare(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample");
    let sample =
        xxgk::frame::tidy(&xxgk::validate::reports(reader(&dir, 0).from_dir(&dir).expect("sample").reports))
            .expect("tidy");
    let national = xxgk::frame::tidy(&xxgk::validate::reports(national())).expect("tidy");
    let mut g = c.benchmark_group("rollup_compare");
    g.sample_size(10);
    g.bench_function("sample_prefecture", |b| b.iter(|| rollup_and_compare(&sample, Level::Prefecture)));
    g.bench_function("sample_unit", |b| b.iter(|| rollup_and_compare(&sample, Level::Unit)));
    g.bench_function("national_prefecture", |b| b.iter(|| rollup_and_compare(&national, Level::Prefecture)));
    g.bench_function("national_unit", |b| b.iter(|| rollup_and_compare(&national, Level::Unit)));
    g.finish();
}

criterion_group!(benches, national_files, stages, rollup_compare);
criterion_main!(benches);
