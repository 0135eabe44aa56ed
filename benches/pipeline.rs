//! Benchmarks, one group per stage: `load` (against calamine's bare open-and-read of the same
//! files), `validate`, `rollup` and `compare` on a generated national dataset.
//!
//! Run with `cargo bench --bench pipeline` (add `-- load` for one group). The workbooks are
//! written once into `target/bench-data/` by the sample generator.

#[path = "../examples/generate_dataset/sample.rs"]
mod sample;

use std::path::{Path, PathBuf};

use calamine::{Data, Reader, open_workbook_auto};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use xxgk::polars::prelude::{DataFrame, IntoLazy};
use xxgk::read::ReadOptions;
use xxgk::report::{Report, Value};
use xxgk::rollup::Level;
use xxgk::schema::Template;

const STYLES: [sample::Style; 4] =
    [sample::Style::Template, sample::Style::ThreeSheets, sample::Style::Messy, sample::Style::TextAndBlanks];

/// 240 workbooks: 120 county-level units of 新疆 × 2022–2023, in the four layouts.
fn workbooks() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    let reg = xxgk::divisions::registry();
    let units: Vec<u32> = reg.expected_units(650000).into_iter().take(120).collect();
    let mut files = Vec::new();
    for year in [2022, 2023] {
        let year_dir = dir.join(year.to_string());
        std::fs::create_dir_all(&year_dir).expect("bench data folder");
        for (i, &code) in units.iter().enumerate() {
            let name = reg.get(code).map(|d| d.name.clone()).unwrap_or_default();
            let path = year_dir.join(format!("{name}-{code}-{year}.xlsx"));
            if !path.exists() {
                let mut carry = sample::Carry::default();
                let mut rng = sample::Rng::new(u64::from(code) + year as u64);
                let values = sample::consistent(year, &mut rng, &mut carry);
                let values = sample::blank_some_zeros(&values, &mut rng);
                sample::write_report(&path, Some(&name), year, &values, STYLES[i % 4], code as u64, true)
                    .expect("write workbook");
            }
            files.push(path);
        }
    }
    files
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

fn load(c: &mut Criterion) {
    let files = workbooks();
    let mut g = c.benchmark_group("load");
    g.sample_size(10);
    g.throughput(Throughput::Elements(files.len() as u64));
    g.bench_function("calamine_open_and_read_1_thread", |b| b.iter(|| calamine_open_and_read(&files)));
    let mut one = ReadOptions::new();
    one.threads(1);
    g.bench_function("xxgk_read_1_thread", |b| b.iter(|| one.from_paths(&files)));
    let all = ReadOptions::new();
    g.bench_function("xxgk_read_all_threads", |b| b.iter(|| all.from_paths(&files)));
    g.finish();
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

/// Rollup and comparison: the sample and the national set (the figures issue 8 compares).
fn rollup_compare(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample");
    let mut opts = ReadOptions::new();
    opts.manifest(dir.join("manifest.csv")).expect("manifest");
    let sample = xxgk::frame::tidy(&xxgk::validate::reports(opts.from_dir(&dir).expect("sample").reports))
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

criterion_group!(benches, load, stages, rollup_compare);
criterion_main!(benches);
