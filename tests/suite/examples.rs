//! Run each example as a user would and check what it prints (csv's `cmd_for_example`). The
//! binaries are the ones `cargo test` builds beside the test binary: run these tests through
//! `cargo test` (a bare `cargo test --test main` does not rebuild the examples).

use std::path::PathBuf;
use std::process::{Command, Output};

use polars_io::prelude::{ParquetReader, SerReader};

use crate::read::root;

/// The example binaries `cargo test` has built beside the test binary.
fn example(name: &str) -> Command {
    let exe = std::env::current_exe().expect("test binary");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target dir").join("examples");
    let mut cmd = Command::new(dir.join(name));
    cmd.current_dir(root());
    cmd
}

fn run(name: &str, args: &[&str]) -> Output {
    example(name).args(args).output().expect("the example runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn csv_rows(o: &Output) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_reader(o.stdout.as_slice());
    let mut rows = vec![r.headers().expect("header").iter().map(str::to_string).collect()];
    rows.extend(r.records().map(|x| x.expect("record").iter().map(str::to_string).collect()));
    rows
}

#[test]
fn prefecture_summary_with_no_arguments_summarises_the_sample() {
    let o = run("prefecture_summary", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("loaded 55 reports from 52 files: 11 units, 2019–2023; 22 in the 2019 format, 33 in the 2021 format; diagnostics: 0 errors, 0 warnings"), "{text}");
    for year in 2019..=2023 {
        assert!(text.contains(&format!("伊犁哈萨克自治州 {year}年: 11/11 个县级单位")), "{text}");
    }
    assert!(text.contains("一、本年新收政府信息公开申请数量"));
    // Loading the sample is clean: the planted error is for the validate example.
    assert!(!stderr(&o).contains("error:"), "{}", stderr(&o));
}

#[test]
fn prefecture_summary_csv_sums_the_expected_values() {
    let o = run("prefecture_summary", &["--format", "csv", "--year", "2022", "data/sample"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = csv_rows(&o);
    assert_eq!(
        rows[0],
        [
            "level",
            "code",
            "name",
            "year",
            "table",
            "item",
            "measure",
            "value",
            "units_reported",
            "units_expected"
        ]
    );
    // The expected values the generator wrote, summed by hand.
    let expected = std::fs::read_to_string(root().join("data/sample/expected.csv")).expect("expected.csv");
    let sum: i64 = expected
        .lines()
        .filter(|l| l.contains(",2022,applications.new_received.total,"))
        .filter_map(|l| l.rsplit(',').next().and_then(|v| v.parse::<i64>().ok()))
        .sum();
    let row = rows.iter().find(|r| r[5] == "new_received" && r[6] == "total").expect("row");
    assert_eq!((row[0].as_str(), row[1].as_str(), row[3].as_str()), ("prefecture", "654000", "2022"));
    assert_eq!(row[7], sum.to_string());
    assert_eq!((row[8].as_str(), row[9].as_str()), ("11", "11"));
    // Money in 元 with two decimals.
    let fees = rows.iter().find(|r| r[5] == "fees" && r[6] == "amount").expect("fees");
    assert!(fees[7].split_once('.').is_some_and(|(_, d)| d.len() == 2), "{:?}", fees);
}

#[test]
fn prefecture_summary_on_the_real_report_at_unit_level() {
    let o = run("prefecture_summary", &["--level", "unit", "--format", "csv", "data/real"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = csv_rows(&o);
    let get = |item: &str, m: &str| rows.iter().find(|r| r[5] == item && r[6] == m).map(|r| r[7].clone());
    assert_eq!(get("licensing", "decisions").as_deref(), Some("8209"));
    assert_eq!(get("fees", "amount").as_deref(), Some("4390745.00")); // 439.0745 万元
    assert_eq!(get("new_received", "other_org").as_deref(), Some("0")); // inferred
    assert_eq!(get("normative_documents", "issued").as_deref(), Some("")); // blank stays blank
    assert!(stderr(&o).contains("inferred as 0 from A1"), "{}", stderr(&o));
}

#[test]
fn year_over_year_marks_the_template_change() {
    let o = run("year_over_year", &["--format", "csv", "--year", "2021"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = csv_rows(&o);
    assert_eq!(
        rows[0],
        [
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
            "comparable"
        ]
    );
    let find = |item: &str, m: &str| rows.iter().find(|r| r[4] == item && r[5] == m).cloned().expect("row");
    assert_eq!(find("other", "total")[11], "true");
    assert_eq!(find("other.other", "total")[11], "false");
    assert_eq!(find("penalty", "decisions")[11], "true");
    assert_eq!(find("regulations", "issued")[11], "false");
    let t = find("new_received", "total");
    let (v, p, d): (i64, i64, i64) =
        (t[7].parse().expect("v"), t[8].parse().expect("p"), t[9].parse().expect("d"));
    assert_eq!(v - p, d);
    let real = run("year_over_year", &["--format", "csv", "data/real"]);
    assert!(real.status.success(), "one year loads; there is nothing to compare");
    assert_eq!(csv_rows(&real).len(), 1, "the header only");
    let table = run("year_over_year", &["--year", "2022"]);
    assert!(stdout(&table).contains("伊犁哈萨克自治州 2022年 vs 2021年"));
}

#[test]
fn validate_lists_the_planted_error_and_the_real_reports_inference() {
    let o = run("validate", &["--format", "csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = csv_rows(&o);
    assert_eq!(
        rows[0],
        [
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
            "source"
        ]
    );
    let rules: Vec<(&str, &str, &str)> =
        rows[1..].iter().map(|r| (r[0].as_str(), r[2].as_str(), r[3].as_str())).collect();
    assert_eq!(rules, [("654022", "2023", "A1"), ("654022", "2023", "A2"), ("654022", "2023", "A3")]);
    assert!(rows[2][10].contains("察布查尔锡伯自治县-2023.xlsx!Sheet1!D"), "{}", rows[2][10]);

    let real = run("validate", &["data/real"]);
    assert!(real.status.success());
    assert!(
        stdout(&real).contains("1 reports checked: 0 errors, 0 warnings, 1 blanks inferred"),
        "{}",
        stdout(&real)
    );
    let json = run("validate", &["--format", "json", "data/real"]);
    assert_eq!(stdout(&json).trim(), "[]");
}

#[test]
fn exit_status_follows_the_contract() {
    let usage = run("prefecture_summary", &["--level", "galaxy"]);
    assert_eq!(usage.status.code(), Some(2));
    assert!(stderr(&usage).contains("usage:"));
    assert_eq!(run("validate", &["--level", "unit"]).status.code(), Some(2), "validate has no --level");
    let help = run("year_over_year", &["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout(&help).contains("--manifest M"));
    assert_eq!(run("year_over_year", &["--format", "parquet"]).status.code(), Some(2));
    let empty = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("empty_folder");
    std::fs::create_dir_all(&empty).expect("dir");
    let nothing = run("prefecture_summary", &[empty.to_str().expect("path")]);
    assert_eq!(nothing.status.code(), Some(1));
    assert!(stderr(&nothing).contains("no report could be loaded"));
}

#[test]
fn parquet_output_is_a_hive_partitioned_dataset() {
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("summary_parquet");
    let _ = std::fs::remove_dir_all(&out);
    let o = run("prefecture_summary", &["--format", "parquet", "--out", out.to_str().expect("path")]);
    assert!(o.status.success(), "{}", stderr(&o));
    for year in 2019..=2023 {
        let file = out.join(format!("year={year}/province=650000/part-0.parquet"));
        let df = ParquetReader::new(std::fs::File::open(&file).expect("parquet file"))
            .finish()
            .expect("read back");
        assert!(df.height() > 200, "{file:?}");
        assert!(df.column("units_expected").is_ok());
    }
}
