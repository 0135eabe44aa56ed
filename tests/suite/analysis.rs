//! Validation, the tidy frame, rollups and comparisons: on the bundled data and as properties.

use std::collections::BTreeMap;

use polars::prelude::*;
use proptest::prelude::*;
use xxgk::read::{Report, Value};
use xxgk::rollup::{Grouping, Level, by_grouping, by_level};
use xxgk::schema::{Item, Key, Measure, Rule, Template, cells, equations};
use xxgk::validate;

use crate::read::{load_real, load_sample};
use crate::sample;

fn report(code: u32, year: i32, values: &BTreeMap<Key, Option<i64>>) -> Report {
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

#[test]
fn xinyuan_lost_value_is_inferred_and_marked() {
    let batch = load_real();
    let checked = validate::reports(&batch.reports);
    assert!(checked.violations.is_empty(), "{:#?}", checked.violations);
    assert_eq!(checked.inferred.len(), 1);
    let i = &checked.inferred[0];
    assert_eq!((i.key, i.value), (Key::new(Item::NewReceived, Measure::OtherOrg), 0));
    assert!(i.cell.ends_with("新源县-2022.xlsx!Sheet1!I23"), "{}", i.cell);
    let tidy = xxgk::frame::tidy(&batch.reports, &checked).expect("tidy");
    assert_eq!(tidy.height(), 200);
    // The three 行政规范性文件 cells stay blank: null, not 0.
    assert_eq!(tidy.column("value").expect("value").null_count(), 3);
    let origin = tidy.column("origin").expect("origin").cast(&DataType::String).expect("cast");
    let inferred: Vec<usize> = origin
        .str()
        .expect("str")
        .iter()
        .enumerate()
        .filter(|(_, o)| *o == Some("inferred"))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(inferred.len(), 1);
    let item = tidy.column("item").expect("item").cast(&DataType::String).expect("cast");
    assert_eq!(item.str().expect("str").get(inferred[0]), Some("new_received"));
    assert!(matches!(tidy.column("item").expect("item").dtype(), DataType::Enum(..)));
    // A group-by on the Enum columns works with the enabled polars features.
    let by_table = tidy
        .clone()
        .lazy()
        .group_by([col("table")])
        .agg([col("value").sum().alias("sum"), col("value").null_count().alias("blank")])
        .sort(["table"], Default::default())
        .collect()
        .expect("group_by");
    assert_eq!(by_table.height(), 3);
}

#[test]
fn sample_violations_are_exactly_the_planted_one() {
    let batch = load_sample();
    let checked = validate::reports(&batch.reports);
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
    let frame = checked.frame().expect("violations frame");
    assert_eq!(frame.height(), 3);
    // Every inferred value is one the generator wrote as a dash or an empty cell for 0.
    assert!(checked.inferred.iter().all(|i| i.value == 0));
}

#[test]
fn prefecture_rollup_covers_the_eleven_units_and_sums_them() {
    let batch = load_sample();
    let checked = validate::reports(&batch.reports);
    let sums = by_level(&batch.reports, &checked, Level::Prefecture);
    for year in 2019..=2023 {
        let cov = sums.coverage.iter().find(|c| c.year == year).expect("coverage");
        assert_eq!(
            (cov.code, cov.reported.len(), cov.expected.len(), cov.missing.len()),
            (654000, 11, 11, 0)
        );
    }
    let key = Key::new(Item::NewReceived, Measure::Total);
    for year in 2019..=2023 {
        let units: i64 = (0..batch.reports.len())
            .filter(|&i| batch.reports[i].year == year)
            .filter_map(|i| checked.cells(i).and_then(|c| c.get(&key)).and_then(|c| c.value))
            .sum();
        let row = sums.rows.iter().find(|r| r.year == year && r.key == key).expect("row");
        assert_eq!(row.value, Some(units), "{year}");
    }
    // Custom grouping: the whole 伊犁州 (with 塔城地区 and 阿勒泰地区) expects more units than it has reports.
    let mut g = Grouping::new("custom");
    for d in [654000, 654200, 654300] {
        g.add_division(1, "伊犁州全州", d);
    }
    let whole = by_grouping(&batch.reports, &checked, &g);
    let cov = whole.coverage.iter().find(|c| c.year == 2022).expect("coverage");
    assert_eq!(cov.reported.len(), 11);
    assert!(cov.missing.len() > 10);
    // A nation-level sum has the whole country as expected units.
    let nation = by_level(&batch.reports, &checked, Level::Nation);
    assert!(nation.coverage[0].expected.len() > 2800);
    let df = sums.frame().expect("frame");
    assert_eq!(df.height(), sums.rows.len());
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
        let checked = validate::reports(&reports);
        let sums = by_level(&reports, &checked, Level::Prefecture);
        let row = sums.rows.iter().find(|r| r.key == key).expect("row");
        let known: Vec<i64> = values.iter().flatten().copied().collect();
        prop_assert_eq!(row.value, (!known.is_empty()).then(|| known.iter().sum::<i64>()));
        prop_assert_eq!(row.blank_units as usize, values.len() - known.len());
        prop_assert_eq!(row.units_reported, 11);
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
        let reports = vec![report(654025, year - 1, &same_year_before), report(654025, year, &values)];
        let checked = validate::reports(&reports);
        let changes = xxgk::compare::years(&by_level(&reports, &checked, Level::Unit));
        prop_assert!(!changes.is_empty());
        for c in changes.iter().filter(|c| c.value.is_some() && c.prev_value.is_some()) {
            prop_assert_eq!(c.delta, Some(0), "{}", c.key);
            prop_assert!(c.pct_change.is_none_or(|p| p == 0.0));
        }
    }

    /// A consistent report has no violations; changing one cell flags exactly the identities
    /// that contain it (directly or through a derived group subtotal).
    #[test]
    fn one_changed_cell_flags_exactly_its_identities(seed in any::<u64>(), year in 2019i32..2024, pick in any::<prop::sample::Index>(), delta in 1i64..5) {
        let mut carry = sample::Carry::default();
        let clean = sample::consistent(year, &mut sample::Rng::new(seed), &mut carry);
        let values: BTreeMap<Key, Option<i64>> = clean.iter().map(|(k, v)| (*k, Some(*v))).collect();
        let checked = validate::reports(&[report(654025, year, &values)]);
        prop_assert!(checked.violations.is_empty(), "{:?}", checked.violations);

        let t = Template::for_year(year);
        let keys: Vec<Key> = cells(t).to_vec();
        let key = keys[pick.index(keys.len())];
        let mut changed = values.clone();
        changed.insert(key, Some(clean[&key] + delta));
        let checked = validate::reports(&[report(654025, year, &changed)]);
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
