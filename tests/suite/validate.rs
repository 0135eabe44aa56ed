//! Validation that reasons about blanks: definite violations, "holds only if", forced values —
//! on the shapes real reports have, as properties, and over many changed reports.

use std::collections::BTreeMap;

use proptest::prelude::*;
use xxgk::report::{CellRef, Origin, Report, Value};
use xxgk::schema::{Item, Key, Measure, Rule, Severity, Table, Template, cells};
use xxgk::validate::{self, Finding, Violation};

use crate::sample;

/// A report with a cell address per value (row = item, column = measure), so that findings
/// name cells: `t.xlsx!S!<col><row>`.
fn report(year: i32, values: &BTreeMap<Key, Option<i64>>) -> Report {
    Report {
        division_code: 654025,
        division_name: "新源县".into(),
        year,
        template: Template::for_year(year),
        tables: Vec::new(),
        source: "t.xlsx".into(),
        sheets: vec!["S".into()],
        values: values
            .iter()
            .map(|(k, v)| Value { key: *k, value: *v, cell: Some(at(*k)), note: None })
            .collect(),
        diagnostics: Vec::new(),
    }
}

fn at(key: Key) -> CellRef {
    CellRef { sheet: 0, row: key.item.index() as u32, col: key.measure.index() as u32 }
}

fn place(key: Key) -> String {
    format!("t.xlsx!S!{}", xxgk::Location::a1(key.item.index() as u32, key.measure.index() as u32))
}

/// A consistent 2022 report of table 三 with every cell 0 (blank) except those given.
fn applications(published: &[(Item, Measure, i64)]) -> BTreeMap<Key, Option<i64>> {
    let mut v: BTreeMap<Key, Option<i64>> = cells(Template::V2021)
        .iter()
        .filter(|k| k.table == Table::Applications)
        .map(|k| (*k, None))
        .collect();
    for &(i, m, x) in published {
        v.insert(Key::new(i, m), Some(x));
    }
    v
}

fn findings(checked: &validate::Checked, kind: Finding) -> Vec<&Violation> {
    checked.violations.iter().filter(|v| v.kind == kind).collect()
}

#[test]
fn parts_that_already_exceed_their_total_are_a_definite_violation() {
    // Column 科研机构: （七）总计 1, while 予以公开 1 and 补正后申请内容仍不明确 1 are published.
    let c = Measure::ResearchInstitution;
    let values = applications(&[
        (Item::Total, c, 1),
        (Item::Granted, c, 1),
        (Item::UnableUnclearAfterCorrection, c, 1),
    ]);
    let checked = validate::reports(vec![report(2022, &values)]);
    let a2: Vec<&Violation> = checked.violations.iter().filter(|v| v.rule == Rule::A2).collect();
    assert_eq!(a2.len(), 1, "{:#?}", checked.violations);
    let v = a2[0];
    assert_eq!((v.kind, v.severity, v.key), (Finding::Definite, Severity::Error, Key::new(Item::Total, c)));
    assert_eq!((v.expected, v.actual, v.difference), (2, 1, -1));
    assert_eq!(v.message, "parts at least 2, total 1");
    assert!(v.cells.contains(&place(Key::new(Item::Granted, c))));
    // Row 部分公开: 法律服务机构 3 + 其他 1, 总计 1, the rest blank.
    let row = Item::PartiallyGranted;
    let values = applications(&[
        (row, Measure::LegalServiceOrg, 3),
        (row, Measure::OtherOrg, 1),
        (row, Measure::Total, 1),
    ]);
    let checked = validate::reports(vec![report(2022, &values)]);
    let a3 = checked.violations.iter().find(|v| v.rule == Rule::A3).expect("A3");
    assert_eq!((a3.kind, a3.key), (Finding::Definite, Key::new(row, Measure::Total)));
    assert_eq!(a3.message, "parts at least 4, total 1");
    // Nothing is inferred from the row that cannot hold.
    assert!(checked.inferred.iter().all(|i| i.key.item != row), "{:?}", checked.inferred);
}

#[test]
fn a_published_number_with_blank_totals_holds_only_if_a_total_is_non_zero() {
    // Row 上年结转: 社会公益组织 2, every other cell of the row and of that column blank.
    let c = Measure::SocialWelfareOrg;
    let values = applications(&[(Item::CarriedOver, c, 2)]);
    let checked = validate::reports(vec![report(2022, &values)]);
    assert!(findings(&checked, Finding::Definite).is_empty(), "{:#?}", checked.violations);
    let only_if = findings(&checked, Finding::OnlyIf);
    let rules: Vec<Rule> = only_if.iter().map(|v| v.rule).collect();
    assert_eq!(rules, [Rule::A1, Rule::A3]);
    for v in &only_if {
        assert_eq!(v.severity, Severity::Warning);
    }
    // A1 (the column): 新收 + 2 = 总计 + 结转下年度 — the right side must hold 2.
    let a1 = only_if[0];
    assert_eq!((a1.expected, a1.actual), (0, 2));
    assert_eq!(a1.blanks, [place(Key::new(Item::Total, c)), place(Key::new(Item::CarriedForward, c))]);
    // A3 (the row): 总计 = … + 2 + … — its blank 总计 must hold 2.
    let a3 = only_if[1];
    assert_eq!(a3.blanks, [place(Key::new(Item::CarriedOver, Measure::Total))]);
    assert!(
        a3.message.ends_with("holds only if one of its 1 blank cells on the total side is non-zero"),
        "{}",
        a3.message
    );
}

#[test]
fn bounds_force_blanks_and_never_a_published_number() {
    // Row 予以公开: 总计 5, 自然人 5 published, the other five columns blank: all forced to 0.
    let values = applications(&[
        (Item::Granted, Measure::NaturalPerson, 5),
        (Item::Granted, Measure::Total, 5),
        (Item::NewReceived, Measure::NaturalPerson, 5),
        (Item::NewReceived, Measure::Total, 5),
        (Item::Total, Measure::NaturalPerson, 5),
        (Item::Total, Measure::Total, 5),
        (Item::CarriedOver, Measure::Total, 0),
        (Item::CarriedForward, Measure::Total, 0),
    ]);
    let checked = validate::reports(vec![report(2022, &values)]);
    assert!(checked.violations.is_empty(), "{:#?}", checked.violations);
    let granted: Vec<(Measure, i64)> = checked
        .inferred
        .iter()
        .filter(|i| i.key.item == Item::Granted)
        .map(|i| (i.key.measure, i.value))
        .collect();
    assert_eq!(granted.len(), 5);
    assert!(granted.iter().all(|(m, v)| *v == 0 && *m != Measure::NaturalPerson && *m != Measure::Total));
    // Every blank of this report is pinned (to 0); the published ones stay published.
    let cells = checked.reports()[0].cells();
    for (key, v) in &values {
        let resolved = cells[key];
        match v {
            Some(x) => assert_eq!((resolved.value, resolved.origin), (Some(*x), Origin::Published)),
            None => assert_eq!((resolved.value, resolved.origin), (Some(0), Origin::Inferred), "{key}"),
        }
    }
    // A lone blank takes the one value that makes its identity hold: 3, not 0.
    let mut lost = values.clone();
    lost.insert(Key::new(Item::Granted, Measure::NaturalPerson), None);
    lost.insert(Key::new(Item::Granted, Measure::Total), Some(5));
    let checked = validate::reports(vec![report(2022, &lost)]);
    let natural = checked.inferred.iter().find(|i| i.key == Key::new(Item::Granted, Measure::NaturalPerson));
    assert_eq!(natural.map(|i| i.value), Some(5));
}

#[test]
fn identities_that_each_can_hold_but_not_together_are_definite() {
    // 总计 of 自然人 is blank: A1 gives it at most 3 (新收 3, 上年结转 0), A2 at least 5.
    let c = Measure::NaturalPerson;
    let values = applications(&[
        (Item::NewReceived, c, 3),
        (Item::CarriedOver, c, 0),
        (Item::CarriedForward, c, 0),
        (Item::Granted, c, 5),
    ]);
    let checked = validate::reports(vec![report(2022, &values)]);
    let definite = findings(&checked, Finding::Definite);
    assert_eq!(definite.len(), 1, "{:#?}", checked.violations);
    assert!(definite[0].message.starts_with("no value of applications."), "{}", definite[0].message);
    assert!(checked.inferred.is_empty(), "nothing is inferred from a report that cannot hold");
}

/// A consistent report of `year` with every zero left blank.
fn zeros_blank(seed: u64, year: i32) -> BTreeMap<Key, Option<i64>> {
    let mut carry = sample::Carry::default();
    sample::consistent(year, &mut sample::Rng::new(seed), &mut carry)
        .into_iter()
        .map(|(k, v)| (k, (v != 0).then_some(v)))
        .collect()
}

/// The cells of tables 三 and 四 of a template.
fn checked_cells(t: Template) -> Vec<Key> {
    cells(t).iter().copied().filter(|k| k.table != Table::Proactive).collect()
}

#[test]
fn every_changed_report_is_flagged_and_no_unchanged_one() {
    // 400 generated reports whose offices left every zero blank; in each, one cell of table 三
    // or 四 changed by ±1–3 (a blank one becomes that number).
    let mut rng = sample::Rng::new(2026);
    let (mut definite, mut only_if) = (0, 0);
    for n in 0..400u64 {
        let year = 2019 + (n % 5) as i32;
        let clean = zeros_blank(n, year);
        let unchanged = validate::reports(vec![report(year, &clean)]);
        assert!(unchanged.violations.is_empty(), "seed {n}: {:#?}", unchanged.violations);
        let keys = checked_cells(Template::for_year(year));
        let key = keys[rng.below(keys.len() as u64) as usize];
        let delta = (rng.below(3) + 1) * if rng.below(2) == 0 { 1 } else { -1 };
        let mut changed = clean.clone();
        changed.insert(key, Some(clean[&key].unwrap_or(0) + delta));
        let checked = validate::reports(vec![report(year, &changed)]);
        let flags: Vec<&Violation> =
            checked.violations.iter().filter(|v| v.severity >= Severity::Warning).collect();
        assert!(!flags.is_empty(), "seed {n}: {key} {delta:+} not flagged");
        // Each identity flagged contains the changed cell: it is named among its cells.
        assert!(flags.iter().any(|v| v.cells.contains(&place(key))), "seed {n}: {key}");
        definite += usize::from(flags.iter().any(|v| v.kind == Finding::Definite));
        only_if += usize::from(flags.iter().all(|v| v.kind == Finding::OnlyIf));
    }
    // Both outcomes occur: a raised part with a blank total can hold if that total is not 0.
    println!(
        "400 changed reports flagged: {definite} with a definite violation, {only_if} by \"only if\" warnings alone"
    );
    assert_eq!(definite + only_if, 400);
    assert!(definite > 100 && only_if > 10, "{definite} definite, {only_if} only if");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A consistent report with some of its zeros blank: no definite violation, no "only if",
    /// and every blank the bounds pin is pinned to 0.
    #[test]
    fn blank_zeros_are_never_flagged(seed in any::<u64>(), year in 2019i32..2024, keep in 0u64..4) {
        let mut carry = sample::Carry::default();
        let mut rng = sample::Rng::new(seed);
        let clean = sample::consistent(year, &mut rng, &mut carry);
        let values: BTreeMap<Key, Option<i64>> =
            clean.iter().map(|(k, &v)| (*k, (v != 0 || rng.below(4) < keep as i64).then_some(v))).collect();
        let checked = validate::reports(vec![report(year, &values)]);
        prop_assert!(checked.violations.is_empty(), "{:#?}", checked.violations);
        prop_assert!(checked.inferred.iter().all(|i| i.value == 0));
    }

    /// Changing one published cell of table 三 or 四 by ±1–3 is a definite violation or an
    /// "only if" of an identity that names the cell.
    #[test]
    fn one_changed_cell_is_definite_or_only_if(seed in any::<u64>(), year in 2019i32..2024, pick in any::<prop::sample::Index>(), delta in 1i64..4, down in any::<bool>()) {
        let clean = zeros_blank(seed, year);
        let published: Vec<Key> = checked_cells(Template::for_year(year)).into_iter().filter(|k| clean[k].is_some()).collect();
        prop_assume!(!published.is_empty());
        let key = published[pick.index(published.len())];
        let mut changed = clean.clone();
        changed.insert(key, clean[&key].map(|v| if down { v - delta } else { v + delta }));
        let checked = validate::reports(vec![report(year, &changed)]);
        let named: Vec<&Violation> = checked
            .violations
            .iter()
            .filter(|v| matches!(v.kind, Finding::Definite | Finding::OnlyIf) && v.cells.contains(&place(key)))
            .collect();
        prop_assert!(!named.is_empty(), "{} {:+}: {:#?}", key, if down { -delta } else { delta }, checked.violations);
    }
}
