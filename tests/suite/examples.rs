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
            "unit",
            "value",
            "origin",
            "blank_units",
            "inferred_units",
            "units_reported",
            "units_expected"
        ]
    );
    // The expected values the generator wrote, summed by hand.
    let expected = std::fs::read_to_string(root().join("data/sample/expected.csv")).expect("expected.csv");
    let sum = |cell: &str| -> i64 {
        expected
            .lines()
            .filter(|l| l.contains(&format!(",2022,{cell},")))
            .filter_map(|l| l.rsplit(',').next().and_then(|v| v.parse::<i64>().ok()))
            .sum()
    };
    let row = |item: &str, m: &str| rows.iter().find(|r| r[5] == item && r[6] == m).expect("row").clone();
    let total = row("new_received", "total");
    assert_eq!((total[0].as_str(), total[1].as_str(), total[3].as_str()), ("prefecture", "654000", "2022"));
    assert_eq!(total[8], sum("applications.new_received.total").to_string());
    assert_eq!((total[12].as_str(), total[13].as_str()), ("11", "11"));
    assert!(rows[1..].iter().all(|r| r[3] == "2022"));
    // Money exact, in 分, said so by the unit column.
    let fees = row("fees", "amount");
    assert_eq!((fees[7].as_str(), fees[8].clone()), ("分", sum("proactive.fees.amount").to_string()));
    // A sum over blanks says how many units left the cell blank, and how many were inferred.
    let blanks: i64 = rows[1..].iter().map(|r| r[10].parse::<i64>().expect("blank_units")).sum();
    let inferred: i64 = rows[1..].iter().map(|r| r[11].parse::<i64>().expect("inferred_units")).sum();
    assert!(blanks > 0 && inferred > 0, "{blanks} {inferred}");
    assert!(rows[1..].iter().any(|r| r[9] == "inferred") && rows[1..].iter().any(|r| r[9] == "derived"));
}

#[test]
fn prefecture_summary_on_the_real_report_at_unit_level() {
    let o = run("prefecture_summary", &["--level", "unit", "--format", "csv", "data/real"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = csv_rows(&o);
    let get = |item: &str, m: &str| {
        rows.iter().find(|r| r[5] == item && r[6] == m).map(|r| (r[8].clone(), r[9].clone(), r[10].clone()))
    };
    let cell = |v: &str, o: &str, b: &str| Some((v.to_string(), o.to_string(), b.to_string()));
    assert_eq!(get("licensing", "decisions"), cell("8209", "published", "0"));
    assert_eq!(get("fees", "amount"), cell("439074500", "published", "0")); // 439.0745 万元
    assert_eq!(get("new_received", "other_org"), cell("0", "inferred", "0"));
    assert_eq!(get("normative_documents", "issued"), cell("", "published", "1")); // blank stays blank
    assert_eq!(get("withheld", "total"), cell("1", "derived", "0"));
    assert!(stderr(&o).contains("inferred as 0 from A1"), "{}", stderr(&o));
    // The table shows money in 元.
    let table = run("prefecture_summary", &["--level", "unit", "data/real"]);
    assert!(stdout(&table).contains("4390745.00"), "{}", stdout(&table));
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
            "year",
            "table",
            "item",
            "measure",
            "unit",
            "value",
            "prev_value",
            "delta",
            "pct_change",
            "comparable",
            "blank_units",
            "prev_blank_units",
            "inferred_units",
            "prev_inferred_units"
        ]
    );
    let find = |item: &str, m: &str| rows.iter().find(|r| r[5] == item && r[6] == m).cloned().expect("row");
    assert_eq!(find("other", "total")[12], "true");
    assert_eq!(find("other.other", "total")[12], "false");
    assert_eq!(find("penalty", "decisions")[12], "true");
    assert_eq!(find("regulations", "issued")[12], "false");
    let t = find("new_received", "total");
    let (v, p, d): (i64, i64, i64) =
        (t[8].parse().expect("v"), t[9].parse().expect("p"), t[10].parse().expect("d"));
    assert_eq!(v - p, d);
    assert!(rows[1..].iter().all(|r| r[3] == "2021"));
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
            "kind",
            "severity",
            "table",
            "item",
            "measure",
            "unit",
            "expected",
            "actual",
            "difference",
            "message",
            "source",
            "blanks"
        ]
    );
    let rules: Vec<(&str, &str, &str, &str, &str)> = rows[1..]
        .iter()
        .filter(|r| r[4] != "forced")
        .map(|r| (r[0].as_str(), r[2].as_str(), r[3].as_str(), r[4].as_str(), r[5].as_str()))
        .collect();
    let planted = ("654022", "2023");
    assert_eq!(
        rules,
        [
            (planted.0, planted.1, "A1", "definite", "error"),
            (planted.0, planted.1, "A2", "definite", "error"),
            (planted.0, planted.1, "A3", "definite", "error")
        ]
    );
    assert!(rows[2][14].contains("察布查尔锡伯自治县-2023.xlsx!Sheet1!D"), "{}", rows[2][14]);
    assert_eq!(rows[2][13], "parts 18, total 19");
    // The blanks the identities pin are rows too: forced, inferred, with their cell.
    let forced: Vec<&Vec<String>> = rows[1..].iter().filter(|r| r[4] == "forced").collect();
    assert!(!forced.is_empty());
    assert!(forced.iter().all(|r| r[5] == "info" && r[10] == "0" && r[11].is_empty() && r[14] == r[15]));

    let real = run("validate", &["data/real"]);
    assert!(real.status.success());
    assert!(
        stdout(&real).contains("1 reports checked: 0 errors, 0 warnings, 1 blanks inferred"),
        "{}",
        stdout(&real)
    );
    let json = run("validate", &["--format", "json", "data/real"]);
    let records: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(records.as_array().map(Vec::len), Some(1), "the one forced value");
    assert_eq!(
        (&records[0]["kind"], &records[0]["item"]),
        (&serde_json::json!("forced"), &serde_json::json!("new_received"))
    );
}

#[test]
fn exit_status_follows_the_contract() {
    let usage = run("prefecture_summary", &["--level", "galaxy"]);
    assert_eq!(usage.status.code(), Some(2));
    assert!(stderr(&usage).contains("invalid value 'galaxy' for '--level <L>'"), "{}", stderr(&usage));
    assert_eq!(run("validate", &["--level", "unit"]).status.code(), Some(2), "validate has no --level");
    let help = run("year_over_year", &["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(
        stdout(&help).contains("--manifest <M>") && stdout(&help).contains("--level <L>"),
        "{}",
        stdout(&help)
    );
    let help = run("validate", &["--help"]);
    assert!(!stdout(&help).contains("--level"), "each example lists only its own options");
    assert_eq!(run("year_over_year", &["--format", "parquet"]).status.code(), Some(2));
    let empty = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("empty_folder");
    std::fs::create_dir_all(&empty).expect("dir");
    let nothing = run("prefecture_summary", &[empty.to_str().expect("path")]);
    assert_eq!(nothing.status.code(), Some(1));
    assert!(stderr(&nothing).contains("no report could be loaded"));
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn read_parquet(file: &std::path::Path) -> polars::prelude::DataFrame {
    ParquetReader::new(std::fs::File::open(file).expect("parquet file")).finish().expect("read back")
}

#[test]
fn parquet_output_is_the_frame_partitioned_by_year() {
    let out = scratch("summary_parquet");
    let o = run("prefecture_summary", &["--format", "parquet", "--out", out.to_str().expect("path")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = csv_rows(&run("prefecture_summary", &["--format", "csv"]));
    for year in 2019..=2023 {
        let df = read_parquet(&out.join(format!("year={year}/part-0.parquet")));
        let rows: Vec<&Vec<String>> = csv[1..].iter().filter(|r| r[3] == year.to_string()).collect();
        assert_eq!(df.height(), rows.len(), "{year}");
        // The partition holds the same values as the CSV rows of its year.
        let values = df.column("value").expect("value").i64().expect("i64").clone();
        let blanks = df.column("blank_units").expect("blank_units").u32().expect("u32").clone();
        for (i, r) in rows.iter().enumerate() {
            assert_eq!(values.get(i).map(|v| v.to_string()).unwrap_or_default(), r[8], "{year} row {i}");
            assert_eq!(blanks.get(i).map(|v| v.to_string()), Some(r[10].clone()));
        }
    }
    // Writing again into the same folder would mix two datasets: refused.
    let again = run("prefecture_summary", &["--format", "parquet", "--out", out.to_str().expect("path")]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("already holds Parquet files"), "{}", stderr(&again));
}

#[test]
fn the_tidy_dataset_fed_back_gives_the_same_csv_at_every_level() {
    let out = scratch("tidy_parquet");
    let dir = out.to_str().expect("path");
    let o = run("prefecture_summary", &["--tidy", "--format", "parquet", "--out", dir]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("year=2022/province_code=650000/part-0.parquet").is_file());
    for example in ["prefecture_summary", "year_over_year"] {
        for level in ["unit", "prefecture", "province", "nation"] {
            let from_workbooks = run(example, &["--level", level, "--format", "csv"]);
            let from_dataset = run(example, &["--level", level, "--format", "csv", dir]);
            assert!(from_dataset.status.success(), "{}", stderr(&from_dataset));
            assert!(from_workbooks.stdout.len() > 1000, "{example} {level}");
            assert!(from_workbooks.stdout == from_dataset.stdout, "{example} --level {level} differs");
        }
    }
    let a = run("validate", &["--format", "csv"]);
    let b = run("validate", &["--format", "csv", dir]);
    assert_eq!(stdout(&a), stdout(&b));
    // The tidy frame itself, as CSV: every published, inferred and derived value with its source.
    let tidy = csv_rows(&run("prefecture_summary", &["--tidy", "--format", "csv", "--year", "2022"]));
    assert_eq!(
        tidy[0],
        [
            "division_code",
            "division_name",
            "prefecture_code",
            "province_code",
            "year",
            "template",
            "table",
            "item",
            "measure",
            "unit",
            "value",
            "origin",
            "file",
            "sheet",
            "cell"
        ]
    );
    for origin in ["published", "inferred", "derived"] {
        assert!(tidy[1..].iter().any(|r| r[11] == origin), "{origin}");
    }
    let from_dataset =
        csv_rows(&run("prefecture_summary", &["--tidy", "--format", "csv", "--year", "2022", dir]));
    assert_eq!(tidy, from_dataset);
}

/// `--rank`: the frame ranks the units by the rollup's own values; the table shows the top and
/// bottom with the first-ranked unit named.
#[test]
fn prefecture_summary_ranks_units_by_a_cell() {
    let args = ["--level", "unit", "--year", "2023", "--format", "csv"];
    let sums = csv_rows(&run("prefecture_summary", &args));
    let col = |rows: &[Vec<String>], name: &str| rows[0].iter().position(|h| h == name).expect(name);
    let new: std::collections::BTreeMap<String, f64> = sums[1..]
        .iter()
        .filter(|r| r[col(&sums, "item")] == "new_received" && r[col(&sums, "measure")] == "total")
        .map(|r| (r[col(&sums, "code")].clone(), r[col(&sums, "value")].parse().expect("a number")))
        .collect();
    assert_eq!(new.len(), 11);
    let o = run("prefecture_summary", &[&args[..], &["--rank", "applications.new_received.total"]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let ranks = csv_rows(&o);
    assert_eq!(ranks.len(), 12);
    let mut previous = f64::INFINITY;
    for (i, r) in ranks[1..].iter().enumerate() {
        let value: f64 = r[col(&ranks, "value")].parse().expect("a number");
        assert_eq!(value, new[&r[col(&ranks, "code")]]);
        assert!(value <= previous);
        previous = value;
        assert_eq!(r[col(&ranks, "rank")], (i + 1).to_string());
        assert_eq!(r[col(&ranks, "peer_name")], "伊犁哈萨克自治州");
    }
    let table = run(
        "prefecture_summary",
        &["--level", "unit", "--year", "2023", "--rank", "applications.new_received.total", "--top", "2"],
    );
    assert!(table.status.success(), "{}", stderr(&table));
    let text = stdout(&table);
    assert!(text.contains("伊犁哈萨克自治州 2023年 — applications.new_received.total: 11 ranked"), "{text}");
    assert!(
        text.contains(&ranks[1][col(&ranks, "name")]) && text.contains(&ranks[11][col(&ranks, "name")]),
        "{text}"
    );
    assert!(!text.contains(&ranks[5][col(&ranks, "name")]), "only the top and bottom two: {text}");
    let bad = run("prefecture_summary", &["--rank", "applications.nonsense.total"]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
}

/// `--format svg`: year_over_year draws the prefecture's series, prefecture_summary draws bars
/// of the chosen cell for the units of `--within`, and says when the cell is missing.
#[cfg(feature = "charts")]
#[test]
fn the_examples_draw_charts() {
    let dir = scratch("charts");
    std::fs::create_dir_all(&dir).expect("scratch folder");
    let series = dir.join("series.svg");
    let o = run("year_over_year", &["--format", "svg", "--out", series.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let svg = std::fs::read_to_string(&series).expect("the chart");
    assert!(
        svg.starts_with("<svg")
            && svg.contains("伊犁哈萨克自治州（654000）")
            && svg.contains("2021年起新版统计表")
    );

    let o = run(
        "prefecture_summary",
        &[
            "--level",
            "unit",
            "--within",
            "654000",
            "--year",
            "2022",
            "--format",
            "svg",
            "--item",
            "applications.new_received.total",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let svg = stdout(&o);
    assert!(svg.contains("2022年 各县级单位：本年新收政府信息公开申请数量（总计）"), "{svg}");
    assert_eq!(svg.matches("fill=\"#0072B2\"").count(), 11, "a bar per unit");
    let o = run("prefecture_summary", &["--level", "unit", "--within", "652300", "--format", "csv"]);
    assert_eq!(csv_rows(&o).len(), 1, "no unit of 昌吉州 in the sample: {}", stderr(&o));

    let o = run("prefecture_summary", &["--format", "svg"]);
    assert_eq!(o.status.code(), Some(2), "--item is required: {}", stderr(&o));
}

/// The folder: the seed text (新源县), a web page (伊宁县), a PDF (霍城县) and a workbook
/// (尼勒克县) load together, and each unit's sums are the values it published (新源县's row the
/// text could not place comes back by inference).
#[cfg(all(feature = "pdf", feature = "html"))]
#[test]
fn prefecture_summary_reads_every_published_format() {
    let o = run("prefecture_summary", &["--level", "unit", "--format", "csv", "data/published"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = csv_rows(&o);
    let col = |name: &str| rows[0].iter().position(|h| h == name).expect(name);
    let got: std::collections::BTreeMap<(String, String), String> = rows[1..]
        .iter()
        .map(|r| {
            let key = format!("{}.{}.{}", r[col("table")], r[col("item")], r[col("measure")]);
            ((r[col("code")].clone(), key), r[col("value")].clone())
        })
        .collect();
    let codes: std::collections::BTreeSet<&String> = got.keys().map(|k| &k.0).collect();
    assert_eq!(codes.into_iter().cloned().collect::<Vec<_>>(), ["654021", "654023", "654025", "654028"]);
    let expected = std::fs::read_to_string(root().join("data/published/expected.csv")).expect("expected.csv");
    let mut checked = 0;
    for line in expected.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f[3].is_empty() {
            continue; // published blank: the sum may be blank or inferred
        }
        assert_eq!(got.get(&(f[0].to_string(), f[2].to_string())).map(String::as_str), Some(f[3]), "{line}");
        checked += 1;
    }
    assert!(checked > 600, "{checked}");
}
