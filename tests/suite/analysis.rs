//! Validation, the tidy frame, rollups and comparisons: on the bundled data, against an
//! independent sum over the checked reports, and as properties.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use polars::prelude::*;
use proptest::prelude::*;
use xxgk::report::{Origin, Report, Value};
use xxgk::rollup::{Grouping, Level};
use xxgk::schema::{Item, Key, Measure, Rule, Template, cells, equations};
use xxgk::validate::{self, Checked};
use xxgk::{ErrorKind, ReadOptions};

use crate::read::{load_real, load_sample, root};
use crate::sample;

pub(crate) fn report(code: u32, year: i32, values: &BTreeMap<Key, Option<i64>>) -> Report {
    Report {
        division_code: code,
        division_name: xxgk::divisions::registry().get(code).map(|d| d.name.clone()).unwrap_or_default(),
        year,
        template: Template::for_year(year),
        tables: Vec::new(),
        source: format!("{code}-{year}.xlsx").into(),
        sheets: Vec::new(),
        values: values.iter().map(|(k, v)| Value { key: *k, value: *v, cell: None, note: None }).collect(),
        diagnostics: Vec::new(),
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

pub(crate) fn strings(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    let c = df.column(name).expect(name).cast(&DataType::String).expect("cast to text");
    c.str().expect("text").iter().map(|s| s.map(str::to_string)).collect()
}

fn ints(df: &DataFrame, name: &str) -> Vec<Option<i64>> {
    let c = df.column(name).expect(name).cast(&DataType::Int64).expect("cast to i64");
    c.i64().expect("i64").iter().collect()
}

fn keys(df: &DataFrame) -> Vec<Key> {
    strings(df, "item")
        .into_iter()
        .zip(strings(df, "measure"))
        .map(|(i, m)| {
            let item: Item = i.expect("item").parse().expect("item code");
            Key::new(item, m.expect("measure").parse().expect("measure code"))
        })
        .collect()
}

fn tidy_of(checked: &Checked) -> DataFrame {
    xxgk::frame::tidy(checked).expect("tidy frame")
}

fn collect(lf: xxgk::Result<LazyFrame>) -> DataFrame {
    lf.expect("plan").collect().expect("collect")
}

/// One rollup row as (value, blank_units, inferred_units, units_reported, units_expected).
type Summed = (Option<i64>, i64, i64, i64, i64);

fn rollup_rows(df: &DataFrame) -> BTreeMap<(u32, i32, Key), Summed> {
    let k = keys(df);
    let (code, year, value) = (ints(df, "code"), ints(df, "year"), ints(df, "value"));
    let (blank, inferred) = (ints(df, "blank_units"), ints(df, "inferred_units"));
    let (reported, expected) = (ints(df, "units_reported"), ints(df, "units_expected"));
    (0..df.height())
        .map(|i| {
            let at = (code[i].expect("code") as u32, year[i].expect("year") as i32, k[i]);
            let summed = (
                value[i],
                blank[i].expect("blank"),
                inferred[i].expect("inferred"),
                reported[i].expect("reported"),
                expected[i].expect("expected"),
            );
            (at, summed)
        })
        .collect()
}

/// The rollup computed without polars, straight from the checked reports: what the frame
/// version must equal. Of two reports of one unit-year, the one whose file sorts first counts.
fn oracle(checked: &Checked, group_of: impl Fn(u32) -> Option<u32>) -> BTreeMap<(u32, i32, Key), Summed> {
    let reg = xxgk::divisions::registry();
    let mut first: BTreeMap<(u32, i32), (String, usize)> = BTreeMap::new();
    for (i, c) in checked.reports().iter().enumerate() {
        let r = c.report();
        let path = r.source.display().to_string();
        let e = first.entry((r.division_code, r.year)).or_insert((path.clone(), i));
        if path < e.0 {
            *e = (path, i);
        }
    }
    let mut units: BTreeMap<(u32, i32), BTreeSet<u32>> = BTreeMap::new();
    // (sum, known, blank, inferred) per group, year and cell.
    type Acc = (i64, i64, i64, i64);
    let mut acc: BTreeMap<(u32, i32, Key), Acc> = BTreeMap::new();
    for (&(code, year), &(_, i)) in &first {
        let Some(g) = group_of(code) else { continue };
        if !reg.expected_units(g).contains(&code) {
            continue;
        }
        units.entry((g, year)).or_default().insert(code);
        for (key, res) in checked.reports()[i].cells() {
            let a = acc.entry((g, year, *key)).or_default();
            match res.value {
                Some(x) => {
                    a.0 += x;
                    a.1 += 1;
                }
                None => a.2 += 1,
            }
            if res.origin == Origin::Inferred {
                a.3 += 1;
            }
        }
    }
    acc.into_iter()
        .map(|((g, y, k), (sum, known, blank, inferred))| {
            let reported = units[&(g, y)].len() as i64;
            let expected = reg.expected_units(g).len() as i64;
            ((g, y, k), ((known > 0).then_some(sum), blank, inferred, reported, expected))
        })
        .collect()
}

#[test]
fn xinyuan_lost_value_is_inferred_and_marked() {
    let batch = load_real();
    let checked = validate::reports(batch.reports);
    assert!(checked.violations.is_empty(), "{:#?}", checked.violations);
    assert_eq!(checked.inferred.len(), 1);
    let i = &checked.inferred[0];
    assert_eq!((i.key, i.value), (Key::new(Item::NewReceived, Measure::OtherOrg), 0));
    assert!(i.cell.ends_with("新源县-2022.xlsx!Sheet1!I23"), "{}", i.cell);
    let tidy = tidy_of(&checked);
    let origins = strings(&tidy, "origin");
    let count = |o: &str| origins.iter().filter(|x| x.as_deref() == Some(o)).count();
    // 10 + 175 + 15 cells of the 2021 format, one of them inferred; 4 subtotals × 7 columns.
    assert_eq!((count("published"), count("inferred"), count("derived")), (199, 1, 28));
    let values = ints(&tidy, "value");
    let k = keys(&tidy);
    let row = |key: Key| (0..tidy.height()).find(|&r| k[r] == key).expect("row");
    // The three 行政规范性文件 cells stay blank: null, not 0, and published as blank.
    for m in [Measure::Issued, Measure::Repealed, Measure::InForce] {
        let r = row(Key::new(Item::NormativeDocuments, m));
        assert_eq!((values[r], origins[r].as_deref()), (None, Some("published")));
    }
    let lost = row(Key::new(Item::NewReceived, Measure::OtherOrg));
    assert_eq!((values[lost], origins[lost].as_deref()), (Some(0), Some("inferred")));
    assert_eq!(strings(&tidy, "cell")[lost].as_deref(), Some("I23"));
    // A subtotal: derived, from its table's file and sheet, without a cell.
    let withheld = row(Key::new(Item::Withheld, Measure::Total));
    assert_eq!((values[withheld], origins[withheld].as_deref()), (Some(1), Some("derived")));
    assert_eq!(strings(&tidy, "sheet")[withheld].as_deref(), Some("Sheet1"));
    assert_eq!(strings(&tidy, "cell")[withheld], None);
    // Money in 分, said so by the unit column.
    let fees = row(Key::new(Item::Fees, Measure::Amount));
    assert_eq!((values[fees], strings(&tidy, "unit")[fees].as_deref()), (Some(439_074_500), Some("分")));
    for name in ["table", "item", "measure", "unit", "origin", "template"] {
        assert!(matches!(tidy.column(name).expect(name).dtype(), DataType::Enum(..)), "{name}");
    }
    for name in ["division_name", "file", "sheet", "cell"] {
        assert!(matches!(tidy.column(name).expect(name).dtype(), DataType::Categorical(..)), "{name}");
    }
}

#[test]
fn sample_violations_are_exactly_the_planted_one() {
    let batch = load_sample();
    let checked = validate::reports(batch.reports);
    let found: Vec<(u32, i32, Rule, String)> =
        checked.violations.iter().map(|v| (v.division_code, v.year, v.rule, v.key.to_string())).collect();
    assert_eq!(
        found,
        vec![
            (654022, 2023, Rule::A1, "applications.new_received.natural_person".to_string()),
            (654022, 2023, Rule::A2, "applications.total.natural_person".to_string()),
            (654022, 2023, Rule::A3, "applications.total.total".to_string()),
        ]
    );
    let a2 = &checked.violations[1];
    assert_eq!((a2.expected, a2.actual, a2.difference), (a2.actual - 1, a2.expected + 1, 1));
    let frame = checked.frame().expect("findings frame");
    let n = checked.violations.len();
    assert_eq!(frame.height(), n + checked.inferred.len());
    assert_eq!(strings(&frame, "rule")[..n], ["A1", "A2", "A3"].map(|r| Some(r.to_string())));
    assert_eq!(strings(&frame, "kind")[..n], vec![Some("definite".to_string()); 3]);
    assert_eq!(strings(&frame, "severity")[..n], vec![Some("error".to_string()); 3]);
    assert_eq!(ints(&frame, "difference")[..n], [Some(-1), Some(1), Some(-1)]);
    assert!(strings(&frame, "kind")[n..].iter().all(|k| k.as_deref() == Some("forced")));
    assert!(ints(&frame, "actual")[n..].iter().all(Option::is_none), "a forced value was blank");
    // Every inferred value is one the generator wrote as a dash or an empty cell for 0.
    assert!(!checked.inferred.is_empty());
    assert!(checked.inferred.iter().all(|i| i.value == 0));
}

#[test]
fn rollups_equal_the_sum_of_the_checked_reports_at_every_level() {
    let checked = validate::reports(load_sample().reports);
    let tidy = tidy_of(&checked);
    let reg = xxgk::divisions::registry();
    type GroupOf<'a> = Box<dyn Fn(u32) -> Option<u32> + 'a>;
    let levels: [(Level, GroupOf); 4] = [
        (Level::Unit, Box::new(Some)),
        (Level::Prefecture, Box::new(|c| reg.prefecture_of(c))),
        (Level::Province, Box::new(|c| reg.province_of(c))),
        (Level::Nation, Box::new(|_| Some(0))),
    ];
    for (level, group_of) in levels {
        let frame = collect(xxgk::rollup::by(tidy.clone().lazy(), level));
        let got = rollup_rows(&frame);
        let mut want = oracle(&checked, group_of);
        if level == Level::Unit {
            // A unit is its own group: it expects itself.
            for v in want.values_mut() {
                v.4 = 1;
            }
        }
        assert_eq!(got.len(), want.len(), "{level:?}");
        for (at, w) in &want {
            assert_eq!(got.get(at), Some(w), "{level:?} {at:?}");
        }
        assert!(strings(&frame, "level").iter().all(|l| l.as_deref() == Some(level.code())));
    }
    let prefecture = collect(xxgk::rollup::by(tidy.clone().lazy(), Level::Prefecture));
    let names = strings(&prefecture, "name");
    assert!(names.iter().all(|n| n.as_deref() == Some("伊犁哈萨克自治州")));
    // A sum with an inferred member says so; a subtotal is derived.
    let k = keys(&prefecture);
    let origins = strings(&prefecture, "origin");
    let inferred = ints(&prefecture, "inferred_units");
    for r in 0..prefecture.height() {
        let want = if k[r].item.is_derived(Template::V2021) && k[r].item != Item::Other {
            "derived"
        } else if inferred[r] > Some(0) {
            "inferred"
        } else {
            "published"
        };
        if k[r].item != Item::Other {
            assert_eq!(origins[r].as_deref(), Some(want), "{}", k[r]);
        }
    }
}

#[test]
fn rollups_come_in_code_year_and_cell_order_however_the_rows_arrive() {
    let tidy = tidy_of(&validate::reports(load_sample().reports));
    // The rows backwards: units, years and cells all arrive in reverse order.
    let backwards = tidy.reverse();
    let mut custom = Grouping::new("two");
    custom.add_unit(2, "乙", 654025).add_unit(2, "乙", 654002).add_unit(1, "甲", 654028);
    let groupings: [(&str, xxgk::rollup::Groups); 4] = [
        ("unit", Level::Unit.into()),
        ("prefecture", Level::Prefecture.into()),
        ("nation", Level::Nation.into()),
        ("custom", (&custom).into()),
    ];
    for (name, groups) in groupings {
        let forwards = collect(xxgk::rollup::by(tidy.clone().lazy(), groups.clone()));
        let got = collect(xxgk::rollup::by(backwards.clone().lazy(), groups));
        assert!(got.height() > 50, "{name}: {} rows", got.height());
        assert!(got.equals_missing(&forwards), "{name}: the order of the rows changed the rollup");
        let physical = |c: &str| -> Vec<u32> {
            let s = got.column(c).expect(c).to_physical_repr().cast(&DataType::UInt32).expect("u32");
            s.u32().expect("u32").iter().map(|v| v.expect("no nulls")).collect()
        };
        let (code, year, table, item, measure) =
            (physical("code"), physical("year"), physical("table"), physical("item"), physical("measure"));
        let order: Vec<[u32; 5]> =
            (0..got.height()).map(|r| [code[r], year[r], table[r], item[r], measure[r]]).collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{name}: rows out of key order");
    }
}

#[test]
fn coverage_lists_reported_missing_and_outside_units() {
    let checked = validate::reports(load_sample().reports);
    let tidy = tidy_of(&checked);
    let cov = collect(xxgk::rollup::coverage(tidy.clone().lazy(), Level::Prefecture));
    assert_eq!(ints(&cov, "year"), (2019..=2023).map(Some).collect::<Vec<_>>());
    assert!(ints(&cov, "units_reported").iter().all(|n| *n == Some(11)));
    // A custom grouping: the whole 伊犁州 (with 塔城地区 and 阿勒泰地区) expects more units.
    let mut g = Grouping::new("custom");
    for d in [654000, 654200, 654300] {
        g.add_division(1, "伊犁州全州", d);
    }
    let whole = collect(xxgk::rollup::coverage(tidy.clone().lazy(), &g));
    let row = ints(&whole, "year").iter().position(|y| *y == Some(2022)).expect("2022");
    let expected = g.members(1).len() as i64;
    assert_eq!(ints(&whole, "units_reported")[row], Some(11));
    assert_eq!(ints(&whole, "units_expected")[row], Some(expected));
    let missing =
        whole.column("missing").expect("missing").list().expect("list").get_as_series(row).expect("row");
    assert_eq!(missing.len() as i64, expected - 11);
    // Each unit is its own group: reported, expecting itself, missing nothing.
    let units = collect(xxgk::rollup::coverage(tidy.clone().lazy(), Level::Unit));
    assert_eq!(units.height(), 55);
    assert!(
        ints(&units, "units_reported").iter().chain(&ints(&units, "units_expected")).all(|n| *n == Some(1))
    );
    let none = units.column("missing").expect("missing").list().expect("list").get_as_series(0).expect("row");
    assert_eq!(none.len(), 0);
    assert_eq!(strings(&units, "name")[0].as_deref(), Some("伊宁市"));
    // The nation expects every county-level unit.
    let nation = collect(xxgk::rollup::coverage(tidy.lazy(), Level::Nation));
    assert!(ints(&nation, "units_expected")[0] > Some(2800));
    // A prefecture's own report is outside its expected units: listed, not summed.
    let values = BTreeMap::from([(Key::new(Item::Granted, Measure::Total), Some(5))]);
    let own = validate::reports(vec![report(654000, 2022, &values), report(654025, 2022, &values)]);
    let t = tidy_of(&own);
    let cov = collect(xxgk::rollup::coverage(t.clone().lazy(), Level::Prefecture));
    let outside =
        cov.column("outside").expect("outside").list().expect("list").get_as_series(0).expect("row");
    assert_eq!(outside.u32().expect("u32").iter().collect::<Vec<_>>(), [Some(654000)]);
    let sums = collect(xxgk::rollup::by(t.lazy(), Level::Prefecture));
    let granted = rollup_rows(&sums)[&(654000, 2022, Key::new(Item::Granted, Measure::Total))];
    assert_eq!((granted.0, granted.3), (Some(5), 1));
}

#[test]
fn a_unit_year_reported_twice_counts_once_from_its_first_source() {
    let key = Key::new(Item::Granted, Measure::Total);
    let first = BTreeMap::from([(key, Some(3))]);
    let second = BTreeMap::from([(key, Some(30))]);
    let mut a = report(654025, 2022, &first);
    let mut b = report(654025, 2022, &second);
    a.source = "b/新源县.xlsx".into();
    b.source = "a/新源县.xlsx".into(); // sorts first: it counts, though read second
    let checked = validate::reports(vec![a, b]);
    let tidy = tidy_of(&checked);
    assert_eq!(tidy.height(), 2, "the tidy frame keeps both");
    let sums = rollup_rows(&collect(xxgk::rollup::by(tidy.clone().lazy(), Level::Prefecture)));
    assert_eq!(sums[&(654000, 2022, key)].0, Some(30));
    assert_eq!(sums[&(654000, 2022, key)].3, 1);
    // The rule reads the frame, not the order: reversed rows give the same sums.
    let reversed = tidy.reverse();
    let again = rollup_rows(&collect(xxgk::rollup::by(reversed.lazy(), Level::Prefecture)));
    assert_eq!(again, sums);
    // One file, two sheets of the same unit-year: the first sheet counts.
    let sheets = df!(
        "division_code" => [654025u32, 654025], "year" => [2022i32, 2022],
        "table" => ["applications"; 2], "item" => ["granted"; 2], "measure" => ["total"; 2],
        "value" => [Some(7i64), Some(70)], "file" => ["伊犁州.xlsx"; 2], "sheet" => ["新源县(2)", "新源县"],
    )
    .expect("frame");
    let sums = rollup_rows(&collect(xxgk::rollup::by(sheets.lazy(), Level::Unit)));
    assert_eq!(sums[&(654025, 2022, key)].0, Some(70));
}

#[test]
fn the_first_source_of_each_unit_year_counts_however_the_sources_are_interleaved() {
    // 11 units × 10 years, each reported by two files whose rows alternate ("x/…" read first,
    // "w/…" sorts first and counts), and one unit-year read from two sheets of one file where
    // one row has no sheet (a missing sheet sorts last).
    let codes = [654002u32, 654003, 654004, 654021, 654022, 654023, 654024, 654025, 654026, 654027, 654028];
    let mut rows: Vec<(u32, i32, i64, String, Option<String>)> = Vec::new();
    for (u, &code) in codes.iter().enumerate() {
        for year in 2015..2025 {
            let i = (u as i64) * 100 + i64::from(year - 2015);
            rows.push((code, year, 1000 + i, format!("x/{code}-{year}.xlsx"), Some("表".into())));
            rows.push((code, year, i, format!("w/{code}-{year}.xlsx"), Some("表".into())));
        }
    }
    rows.push((654025, 2030, 7, "z/新源县.xlsx".into(), None));
    rows.push((654025, 2030, 70, "z/新源县.xlsx".into(), Some("新源县".into())));
    let frame = |rows: &[(u32, i32, i64, String, Option<String>)]| {
        df!(
            "division_code" => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            "year" => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            "table" => vec!["applications"; rows.len()],
            "item" => vec!["granted"; rows.len()],
            "measure" => vec!["total"; rows.len()],
            "value" => rows.iter().map(|r| Some(r.2)).collect::<Vec<_>>(),
            "file" => rows.iter().map(|r| r.3.clone()).collect::<Vec<_>>(),
            "sheet" => rows.iter().map(|r| r.4.clone()).collect::<Vec<_>>(),
        )
        .expect("frame")
    };
    let key = Key::new(Item::Granted, Measure::Total);
    // All of them (more runs left out than the frame is kept in slices for), a few of them
    // (kept as slices), and all of them backwards.
    let mut reversed = rows.clone();
    reversed.reverse();
    for (name, rows) in [("all", &rows[..]), ("a few", &rows[180..]), ("reversed", &reversed[..])] {
        let sums = rollup_rows(&collect(xxgk::rollup::by(frame(rows).lazy(), Level::Unit)));
        let units: BTreeSet<(u32, i32)> = rows.iter().map(|r| (r.0, r.1)).collect();
        assert_eq!(sums.len(), units.len(), "{name}");
        for &(code, year) in &units {
            let expected = match (code, year) {
                (654025, 2030) => 70,
                _ => {
                    codes.iter().position(|&c| c == code).expect("code") as i64 * 100 + i64::from(year - 2015)
                }
            };
            assert_eq!(sums[&(code, year, key)].0, Some(expected), "{name}: {code} {year}");
        }
    }
}

#[test]
fn an_incoming_frame_is_checked_once_and_named_in_errors() {
    let good = || {
        df!(
            "division_code" => [654025i64, 654026], "year" => [2022i64, 2022],
            "table" => ["applications"; 2], "item" => ["granted"; 2], "measure" => ["total"; 2],
            "value" => [Some(4i32), None],
        )
        .expect("frame")
    };
    // Plain strings and other integer types are cast: the frame rolls up.
    let sums = collect(xxgk::rollup::by(good().lazy(), Level::Prefecture));
    assert_eq!(ints(&sums, "value"), [Some(4)]);
    let message = |df: DataFrame| -> String {
        let err = xxgk::rollup::by(df.lazy(), Level::Prefecture).err().expect("refused");
        assert!(matches!(err.kind(), ErrorKind::Column { .. }), "{err}");
        err.to_string()
    };
    let mut df = good();
    df.drop_in_place("item").expect("drop");
    assert!(
        message(df).starts_with(
            "column \"item\": a tidy frame needs this column; the frame has division_code, year,"
        )
    );
    let mut df = good();
    df.replace("item", Column::from(Series::new("item".into(), ["granted", "withheld.secret"])))
        .expect("replace");
    assert_eq!(message(df), "column \"item\": not a code of the schema: \"withheld.secret\"");
    let mut df = good();
    df.replace("value", Column::from(Series::new("value".into(), [4.5f64, 1.0]))).expect("replace");
    assert_eq!(message(df), "column \"value\": a tidy frame needs an integer column (i64) here, not f64");
    let mut df = good();
    df.replace("year", Column::from(Series::new("year".into(), [Some(2022i64), None]))).expect("replace");
    assert_eq!(message(df), "column \"year\": 1 rows have no value here; every row needs one");
    let mut df = good();
    df.replace("division_code", Column::from(Series::new("division_code".into(), [654025i64, -1])))
        .expect("replace");
    assert_eq!(message(df), "column \"division_code\": -1 does not fit in u32");
    // The comparison checks its rollup frame the same way.
    let mut sums = sums;
    sums.drop_in_place("level").expect("drop");
    let err = xxgk::compare::years(sums.lazy()).err().expect("refused");
    assert!(err.to_string().starts_with("column \"level\": a rollup frame needs this column"), "{err}");
}

#[test]
fn year_over_year_marks_the_template_change_and_keeps_blanks() {
    let checked = validate::reports(load_sample().reports);
    let sums = xxgk::rollup::by(tidy_of(&checked).lazy(), Level::Prefecture).expect("rollup");
    let changes = collect(xxgk::compare::years(sums.clone()));
    let sums = sums.collect().expect("sums");
    // A rollup frame in any order compares the same (the comparison puts it in key order).
    let backwards = collect(xxgk::compare::years(sums.reverse().lazy()));
    assert!(changes.height() > 0 && backwards.equals_missing(&changes));
    // No rows, or one year alone: nothing to compare, in the same columns.
    let one_year = sums.clone().lazy().filter(col("year").eq(lit(2019))).collect().expect("2019");
    for nothing in [sums.clear(), one_year] {
        let none = collect(xxgk::compare::years(nothing.lazy()));
        assert_eq!(none.height(), 0);
        assert_eq!(none.schema(), changes.schema());
    }
    let k = keys(&changes);
    let year = ints(&changes, "year");
    let comparable: Vec<Option<bool>> =
        changes.column("comparable").expect("comparable").bool().expect("bool").iter().collect();
    let at =
        |y: i64, key: Key| (0..changes.height()).find(|&r| year[r] == Some(y) && k[r] == key).expect("row");
    assert_eq!(comparable[at(2021, Key::new(Item::Other, Measure::Total))], Some(true));
    assert_eq!(comparable[at(2021, Key::new(Item::OtherOther, Measure::Total))], Some(false));
    assert_eq!(comparable[at(2021, Key::new(Item::Penalty, Measure::Decisions))], Some(true));
    assert_eq!(comparable[at(2021, Key::new(Item::Regulations, Measure::Issued))], Some(false));
    assert_eq!(comparable[at(2022, Key::new(Item::Regulations, Measure::Issued))], Some(true));
    assert!(!year.contains(&Some(2019)), "2019 has no year before it");
    // Every row against the rollup it came from.
    let summed = rollup_rows(&sums);
    let (value, prev, delta) =
        (ints(&changes, "value"), ints(&changes, "prev_value"), ints(&changes, "delta"));
    let (blank, prev_blank) = (ints(&changes, "blank_units"), ints(&changes, "prev_blank_units"));
    let pct: Vec<Option<f64>> =
        changes.column("pct_change").expect("pct").f64().expect("f64").iter().collect();
    for r in 0..changes.height() {
        let y = year[r].expect("year") as i32;
        let this = summed.get(&(654000, y, k[r]));
        let before = summed.get(&(654000, y - 1, k[r]));
        assert_eq!(value[r], this.and_then(|s| s.0), "{y} {}", k[r]);
        assert_eq!(prev[r], before.and_then(|s| s.0), "{y} {}", k[r]);
        assert_eq!(blank[r], this.map(|s| s.1));
        assert_eq!(prev_blank[r], before.map(|s| s.1));
        assert_eq!(delta[r], value[r].zip(prev[r]).map(|(a, b)| a - b));
        let want = delta[r].zip(prev[r]).filter(|(_, p)| *p != 0).map(|(d, p)| d as f64 / p as f64 * 100.0);
        assert_eq!(pct[r], want);
    }
    // Every cell either year has is a row, and nothing else.
    let rows: BTreeSet<(i32, Key)> =
        (0..changes.height()).map(|r| (year[r].expect("year") as i32, k[r])).collect();
    let mut want: BTreeSet<(i32, Key)> = BTreeSet::new();
    for &(_, y, key) in summed.keys() {
        for later in [y, y + 1] {
            if (2020..=2023).contains(&later) {
                want.insert((later, key));
            }
        }
    }
    assert_eq!(rows, want);
    assert_eq!(rows.len(), changes.height());
    // A cell the 2019 format had and the 2021 format lacks: last year's value, no value now.
    let procurement = at(2021, Key::new(Item::Procurement, Measure::Projects));
    assert_eq!((value[procurement], comparable[procurement]), (None, Some(false)));
    assert!(prev[procurement].is_some());
    // Two levels stacked in one frame are compared each on its own.
    let checked_sums = xxgk::rollup::by(tidy_of(&checked).lazy(), Level::Province).expect("rollup");
    let stacked = concat(
        [xxgk::rollup::by(tidy_of(&checked).lazy(), Level::Prefecture).expect("rollup"), checked_sums],
        UnionArgs::default(),
    )
    .expect("concat");
    let both = collect(xxgk::compare::years(stacked));
    assert_eq!(both.height(), 2 * changes.height());
    assert_eq!(strings(&both, "level")[0].as_deref(), Some("prefecture"));
    assert_eq!(ints(&both, "delta")[..changes.height()], ints(&changes, "delta")[..]);
    // A rollup frame that holds a cell twice cannot be compared: said so.
    let twice = concat([sums.clone().lazy(), sums.clone().lazy()], UnionArgs::default()).expect("concat");
    let err = xxgk::compare::years(twice).err().expect("refused");
    assert!(err.to_string().contains("the rollup frame holds one cell twice"), "{err}");
    let rates = collect(xxgk::compare::rates(
        xxgk::rollup::by(tidy_of(&checked).lazy(), Level::Prefecture).expect("rollup"),
    ));
    let granted: Vec<Option<f64>> =
        rates.column("granted_share").expect("share").f64().expect("f64").iter().collect();
    for (r, y) in ints(&rates, "year").iter().enumerate() {
        let y = y.expect("year") as i32;
        let part = summed[&(654000, y, Key::new(Item::Granted, Measure::Total))].0.expect("granted");
        let whole = summed[&(654000, y, Key::new(Item::Total, Measure::Total))].0.expect("total");
        assert_eq!(granted[r], Some(part as f64 / whole as f64 * 100.0));
    }
}

#[test]
fn a_stored_dataset_reads_back_as_the_same_frame_and_the_same_reports() {
    let checked = validate::reports(load_sample().reports);
    let tidy = tidy_of(&checked);
    let dir = scratch("tidy_dataset");
    let files = xxgk::output::parquet_dataset(&tidy, &dir, &xxgk::frame::PARTITIONS).expect("write");
    assert_eq!(files.len(), 5);
    // Each part holds exactly its partition's rows.
    for f in &files {
        let part = xxgk::frame::read_dataset(f).expect("part").collect().expect("collect");
        let year: i64 =
            f.to_string_lossy().split("year=").nth(1).and_then(|s| s[..4].parse().ok()).expect("year");
        assert!(ints(&part, "year").iter().all(|y| *y == Some(year)));
        assert!(ints(&part, "province_code").iter().all(|p| *p == Some(650000)));
        let want = tidy.clone().lazy().filter(col("year").eq(lit(year as i32))).collect().expect("filter");
        assert!(part.equals_missing(&want), "{f:?}");
    }
    let back = xxgk::frame::read_dataset(&dir).expect("read").collect().expect("collect");
    assert!(xxgk::frame::is_dataset(&dir) && xxgk::frame::is_dataset(&files[0]));
    // A dataset reached through a link is found and read whole.
    #[cfg(unix)]
    {
        let holder = scratch("tidy_dataset_link");
        std::os::unix::fs::symlink(&dir, holder.join("linked")).expect("link");
        assert!(xxgk::frame::is_dataset(&holder));
        let linked = xxgk::frame::read_dataset(&holder).expect("read").collect().expect("collect");
        assert!(linked.equals_missing(&back));
    }
    assert_eq!(back.schema(), tidy.schema());
    assert!(back.equals_missing(&tidy));
    // Read back in pieces (one per part), it sums as the frame in one piece does.
    assert!(back.column("value").expect("value").as_materialized_series().n_chunks() > 1);
    for level in [Level::Unit, Level::Prefecture, Level::Province] {
        let pieces = collect(xxgk::rollup::by(back.clone().lazy(), level));
        assert!(pieces.equals_missing(&collect(xxgk::rollup::by(tidy.clone().lazy(), level))), "{level:?}");
    }
    // A second dataset is never written over the first.
    assert!(xxgk::output::parquet_dataset(&tidy, &dir, &xxgk::frame::PARTITIONS).is_err());
    // Turned back into reports, the dataset validates as the workbooks did.
    let reports = xxgk::frame::reports(back.lazy()).expect("reports");
    let again = validate::reports(reports);
    assert_eq!(again.violations, checked.violations);
    assert_eq!(again.inferred, checked.inferred);
    assert!(tidy_of(&again).equals_missing(&tidy));
}

#[test]
fn frames_write_as_csv_and_json_with_exact_values() {
    let checked = validate::reports(load_real().reports);
    let mut sums = collect(xxgk::rollup::by(tidy_of(&checked).lazy(), Level::Unit));
    let mut csv = Vec::new();
    xxgk::output::csv(&mut csv, &mut sums).expect("csv");
    let csv = String::from_utf8(csv).expect("utf-8");
    assert!(csv.starts_with("level,code,name,year,table,item,measure,unit,value,origin,blank_units,inferred_units,units_reported,units_expected\n"));
    assert!(
        csv.contains("\nunit,654025,新源县,2022,proactive,fees,amount,分,439074500,published,0,0,1,1\n"),
        "{csv}"
    );
    assert!(csv.contains(",applications,new_received,other_org,件,0,inferred,0,1,1,1\n"), "{csv}");
    assert!(csv.contains(",proactive,normative_documents,issued,件,,published,1,0,1,1\n"), "{csv}");
    let mut json = Vec::new();
    xxgk::output::json_frame(&mut json, &sums).expect("json");
    let records: serde_json::Value = serde_json::from_slice(&json).expect("valid JSON");
    let records = records.as_array().expect("array");
    assert_eq!(records.len(), sums.height());
    let blank =
        records.iter().find(|r| r["item"] == "normative_documents" && r["measure"] == "issued").expect("row");
    assert_eq!((&blank["value"], &blank["blank_units"]), (&serde_json::Value::Null, &serde_json::json!(1)));
    // Lists (the coverage's units) are arrays.
    let cov = collect(xxgk::rollup::coverage(tidy_of(&checked).lazy(), Level::Prefecture));
    let mut json = Vec::new();
    xxgk::output::json_frame(&mut json, &cov).expect("json");
    let records: serde_json::Value = serde_json::from_slice(&json).expect("valid JSON");
    assert_eq!(records[0]["reported"], serde_json::json!([654025]));
    assert_eq!(records[0]["missing"].as_array().map(Vec::len), Some(10));
}

#[test]
fn read_dataset_refuses_what_is_not_a_tidy_dataset() {
    let dir = scratch("not_a_dataset");
    assert!(!xxgk::frame::is_dataset(&dir));
    let err = xxgk::frame::read_dataset(&dir).err().expect("empty folder");
    assert!(err.to_string().ends_with("no .parquet file here"), "{err}");
    let df = df!("year" => [2022i32], "value" => [1i64]).expect("frame");
    xxgk::output::parquet_dataset(&df, &dir, &[]).expect("write");
    let err = xxgk::frame::read_dataset(&dir).err().expect("not tidy");
    assert!(err.to_string().starts_with("column \"division_code\": a tidy frame needs this column"), "{err}");
    std::fs::write(dir.join("part-1.parquet"), b"not parquet").expect("write");
    let _ = std::fs::remove_file(dir.join("part-0.parquet"));
    let err = xxgk::frame::read_dataset(&dir).err().expect("corrupt");
    assert!(err.to_string().contains("part-1.parquet: cannot read this Parquet file"), "{err}");
    assert!(matches!(err.kind(), xxgk::ErrorKind::Unreadable { .. }));
    assert!(err.location().is_some_and(|l| l.file.as_ref().is_some_and(|f| f.ends_with("part-1.parquet"))));
}

#[test]
fn the_frames_do_not_depend_on_the_thread_count() {
    let dir = root().join("data/sample");
    let tidy = |n| {
        let mut o = ReadOptions::new();
        o.threads(n).manifest(dir.join("manifest.csv")).expect("manifest");
        let batch = o.from_dir(&dir).expect("sample");
        let diagnostics: Vec<String> = batch.all_diagnostics().map(|d| d.to_string()).collect();
        (tidy_of(&validate::reports(batch.reports)), diagnostics)
    };
    let (one, d1) = tidy(1);
    let (three, d3) = tidy(3);
    assert!(one.equals_missing(&three));
    assert_eq!(d1, d3);
}

fn unit_values() -> impl Strategy<Value = Vec<Option<i64>>> {
    prop::collection::vec(prop::option::weighted(0.8, 0i64..1000), 11)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// A rollup equals the sum of its members; blanks are counted, never added as 0.
    #[test]
    fn a_rollup_is_the_sum_of_its_members(values in unit_values(), year in 2019i32..2025) {
        let key = Key::new(Item::Granted, Measure::NaturalPerson);
        let reports: Vec<Report> = sample::YILI.iter().zip(&values).map(|(&(code, _), v)| {
            report(code, year, &BTreeMap::from([(key, *v)]))
        }).collect();
        let checked = validate::reports(reports);
        let sums = rollup_rows(&collect(xxgk::rollup::by(tidy_of(&checked).lazy(), Level::Prefecture)));
        let row = sums[&(654000, year, key)];
        let known: Vec<i64> = values.iter().flatten().copied().collect();
        prop_assert_eq!(row.0, (!known.is_empty()).then(|| known.iter().sum::<i64>()));
        prop_assert_eq!(row.1 as usize, values.len() - known.len());
        prop_assert_eq!(row.3, 11);
    }

    /// Comparing a dataset with itself (the same values in two years) gives zero deltas.
    #[test]
    fn compare_x_with_x_has_zero_deltas(seed in any::<u64>(), year in 2020i32..2025) {
        let mut carry = sample::Carry::default();
        let values = sample::consistent(year, &mut sample::Rng::new(seed), &mut carry);
        let values: BTreeMap<Key, Option<i64>> = values.into_iter().map(|(k, v)| (k, Some(v))).collect();
        let mut same_year_before = values.clone();
        // Keep only the cells that exist in both years' templates.
        same_year_before.retain(|k, _| k.in_template(Template::for_year(year - 1)));
        let checked = validate::reports(vec![report(654025, year - 1, &same_year_before), report(654025, year, &values)]);
        let sums = xxgk::rollup::by(tidy_of(&checked).lazy(), Level::Unit).expect("rollup");
        let changes = collect(xxgk::compare::years(sums));
        prop_assert!(changes.height() > 0);
        let (value, prev, delta) = (ints(&changes, "value"), ints(&changes, "prev_value"), ints(&changes, "delta"));
        let pct: Vec<Option<f64>> = changes.column("pct_change").expect("pct").f64().expect("f64").iter().collect();
        for r in 0..changes.height() {
            if value[r].is_some() && prev[r].is_some() {
                prop_assert_eq!(delta[r], Some(0));
                prop_assert!(pct[r].is_none_or(|p| p == 0.0));
            }
        }
    }

    /// A consistent report has no violations; changing one cell flags exactly the identities
    /// that contain it (directly or through a derived group subtotal).
    #[test]
    fn one_changed_cell_flags_exactly_its_identities(seed in any::<u64>(), year in 2019i32..2024, pick in any::<prop::sample::Index>(), delta in 1i64..5) {
        let mut carry = sample::Carry::default();
        let clean = sample::consistent(year, &mut sample::Rng::new(seed), &mut carry);
        let values: BTreeMap<Key, Option<i64>> = clean.iter().map(|(k, v)| (*k, Some(*v))).collect();
        let checked = validate::reports(vec![report(654025, year, &values)]);
        prop_assert!(checked.violations.is_empty(), "{:?}", checked.violations);

        let t = Template::for_year(year);
        let keys: Vec<Key> = cells(t).to_vec();
        let key = keys[pick.index(keys.len())];
        let mut changed = values.clone();
        changed.insert(key, Some(clean[&key] + delta));
        let checked = validate::reports(vec![report(654025, year, &changed)]);
        let flagged: Vec<(Rule, Key)> = checked.violations.iter().map(|v| (v.rule, v.key)).collect();
        // The identities that contain the cell, or the derived subtotal over it.
        let group = key.item.parent().filter(|p| !p.members(t).is_empty()).map(|g| Key::new(g, key.measure));
        let contains = |k: Key| k == key || Some(k) == group;
        let mut expected: Vec<(Rule, Key)> = equations(t)
            .iter()
            .filter(|e| !e.is_cross_year() && e.terms().any(|term| contains(term.key)))
            .filter(|e| e.relation == xxgk::schema::Relation::Equal)
            .map(|e| (e.rule, e.lhs[0].key))
            .collect();
        // S5 (对外公开总数量 ≥ 本年新公开数量) can only break when the smaller side grows past the larger.
        if key.measure == Measure::Disclosed {
            let total = clean[&Key::new(key.item, Measure::DisclosedTotal)];
            if clean[&key] + delta > total {
                expected.push((Rule::S5, Key::new(key.item, Measure::DisclosedTotal)));
            }
        }
        let mut flagged_sorted = flagged.clone();
        flagged_sorted.sort();
        expected.sort();
        expected.dedup();
        prop_assert_eq!(flagged_sorted, expected, "changed {}", key);
    }
}

/// Rankings: eleven generated units of 伊犁州, one of them given forty times its new
/// applications. Where the generated data has no outlier of its own (most seeds; a random
/// draw sometimes has one), after the planting exactly that unit is flagged, ranked first, with
/// the quartiles of its peers; a rate ranks by its own formula.
#[test]
fn a_planted_outlier_is_the_one_unit_flagged() {
    use xxgk::compare::{Metric, rank};
    let new = Key::new(Item::NewReceived, Measure::Total);
    let metric: Metric = "applications.new_received.total".parse().expect("metric");
    let year = 2022;
    let mut clean_seeds = 0;
    for seed in 0..12u64 {
        let generated: Vec<BTreeMap<Key, i64>> = (0..sample::YILI.len() as u64)
            .map(|i| {
                sample::consistent(year, &mut sample::Rng::new(seed * 100 + i), &mut sample::Carry::default())
            })
            .collect();
        let ranked = |values: &[BTreeMap<Key, i64>], metric: Metric| -> DataFrame {
            let reports = sample::YILI
                .iter()
                .zip(values)
                .map(|(&(code, _), v)| report(code, year, &v.iter().map(|(k, x)| (*k, Some(*x))).collect()))
                .collect();
            let sums =
                xxgk::rollup::by(tidy_of(&validate::reports(reports)).lazy(), Level::Unit).expect("rollup");
            collect(rank(sums, metric))
        };
        let flagged = |df: &DataFrame| -> Vec<u32> {
            let (code, out) =
                (ints(df, "code"), df.column("outlier").expect("outlier").bool().expect("bool").clone());
            code.iter()
                .zip(out.iter())
                .filter(|(_, o)| *o == Some(true))
                .map(|(c, _)| c.expect("code") as u32)
                .collect()
        };
        let natural = ranked(&generated, metric);
        if !flagged(&natural).is_empty() {
            // Whoever the draw flagged lies beyond a fence.
            let (value, out) = (
                natural.column("value").expect("value").f64().expect("f64"),
                natural.column("outlier").expect("o").bool().expect("bool"),
            );
            let (low, high) = (
                natural.column("low_fence").expect("l").f64().expect("f64"),
                natural.column("high_fence").expect("h").f64().expect("f64"),
            );
            for r in 0..natural.height() {
                let v = value.get(r).expect("value");
                assert_eq!(out.get(r), Some(v < low.get(r).expect("low") || v > high.get(r).expect("high")));
            }
            continue;
        }
        clean_seeds += 1;

        let planted = (seed as usize * 7) % sample::YILI.len();
        let mut values = generated.clone();
        *values[planted].get_mut(&new).expect("new applications") *= 40;
        let df = ranked(&values, metric);
        let code = sample::YILI[planted].0;
        assert_eq!(flagged(&df), vec![code], "seed {seed}");
        assert_eq!(df.height(), sample::YILI.len());
        let (codes, ranks, peers) = (ints(&df, "code"), ints(&df, "rank"), ints(&df, "peers"));
        let first = ranks.iter().position(|r| *r == Some(1)).expect("a first");
        assert_eq!(codes[first], Some(i64::from(code)));
        assert!(peers.iter().all(|p| *p == Some(sample::YILI.len() as i64)));
        assert!(strings(&df, "peer_name").iter().all(|p| p.as_deref() == Some("伊犁哈萨克自治州")));
        // The quartiles interpolate linearly between ranks: with eleven values q1 lies halfway
        // between the 3rd and 4th smallest, the median is the 6th, q3 halfway between 8th and 9th.
        let mut sorted: Vec<i64> = values.iter().map(|v| v[&new]).collect();
        sorted.sort_unstable();
        let float = |name: &str| df.column(name).expect(name).f64().expect("f64").get(0).expect("value");
        assert_eq!(
            [float("q1"), float("median"), float("q3")],
            [(sorted[2] + sorted[3]) as f64 / 2.0, sorted[5] as f64, (sorted[7] + sorted[8]) as f64 / 2.0]
        );
        assert_eq!(float("high_fence"), float("q3") + 3.0 * (float("q3") - float("q1")));

        // A rate: the share granted, computed per unit from its own cells.
        let shares = ranked(&values, Metric::GrantedShare);
        let by_code: BTreeMap<i64, f64> = ints(&shares, "code")
            .into_iter()
            .zip(shares.column("value").expect("value").f64().expect("f64").iter())
            .map(|(c, v)| (c.expect("code"), v.expect("value")))
            .collect();
        for (&(code, _), v) in sample::YILI.iter().zip(&values) {
            let expected = 100.0 * v[&Key::new(Item::Granted, Measure::Total)] as f64
                / v[&Key::new(Item::Total, Measure::Total)] as f64;
            assert!((by_code[&i64::from(code)] - expected).abs() < 1e-9, "{code}");
        }
    }
    assert!(clean_seeds >= 6, "only {clean_seeds} of 12 draws had no outlier of their own");
}

/// Prefectures rank within their province; groups with no registry parent above are refused.
#[test]
fn prefectures_rank_within_their_province_and_the_nation_has_no_peers() {
    let values = BTreeMap::from([(Key::new(Item::NewReceived, Measure::Total), Some(5))]);
    let reports =
        vec![report(654025, 2022, &values), report(652301, 2022, &values), report(110101, 2022, &values)];
    let tidy = tidy_of(&validate::reports(reports));
    let metric: xxgk::compare::Metric = "applications.new_received.total".parse().expect("metric");
    let df = collect(xxgk::compare::rank(
        xxgk::rollup::by(tidy.clone().lazy(), Level::Prefecture).expect("rollup"),
        metric,
    ));
    let peers: BTreeMap<i64, Option<String>> =
        ints(&df, "code").into_iter().map(|c| c.expect("code")).zip(strings(&df, "peer_name")).collect();
    assert_eq!(peers[&654000].as_deref(), Some("新疆维吾尔自治区"));
    assert_eq!(peers[&652300].as_deref(), Some("新疆维吾尔自治区"));
    assert_eq!(peers[&110100].as_deref(), Some("北京市"));
    let nation = xxgk::compare::rank(xxgk::rollup::by(tidy.lazy(), Level::Nation).expect("rollup"), metric);
    let err = nation.and_then(|lf| lf.collect().map_err(Into::into)).expect_err("the nation has no peers");
    assert!(matches!(err.kind(), ErrorKind::Usage(_)), "{err}");
}

#[test]
fn an_empty_frame_rolls_up_and_compares_to_empty_frames_in_the_same_columns() {
    let tidy = tidy_of(&validate::reports(load_sample().reports));
    for level in [Level::Unit, Level::Prefecture] {
        let full = collect(xxgk::rollup::by(tidy.clone().lazy(), level));
        let empty = collect(xxgk::rollup::by(tidy.clear().lazy(), level));
        assert!(full.height() > 0);
        assert_eq!((empty.height(), empty.schema()), (0, full.schema()));
        let changes = collect(xxgk::compare::years(full.lazy()));
        let none = collect(xxgk::compare::years(empty.lazy()));
        assert_eq!((none.height(), none.schema()), (0, changes.schema()));
        assert_eq!(collect(xxgk::rollup::coverage(tidy.clear().lazy(), level)).height(), 0);
    }
}
