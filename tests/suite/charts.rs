//! Charts (feature `charts`): the SVG draws the frame's values — read back from the SVG's own
//! coordinates — keeps blanks as gaps and words, and marks the template change.

use std::collections::BTreeMap;

use polars::prelude::*;
use xxgk::rollup::Level;
use xxgk::schema::{Item, Key, Measure, Template, cells};
use xxgk::validate;

use crate::analysis::report;
use crate::sample;

/// A unit's consistent reports for `years`, as the tests' report values.
fn consistent(seed: u64, years: std::ops::RangeInclusive<i32>) -> BTreeMap<i32, BTreeMap<Key, Option<i64>>> {
    let (mut rng, mut carry) = (sample::Rng::new(seed), sample::Carry::default());
    years
        .map(|y| {
            (y, sample::consistent(y, &mut rng, &mut carry).into_iter().map(|(k, v)| (k, Some(v))).collect())
        })
        .collect()
}

/// Blank a block's total and one part: nothing can infer them back.
fn blank_block(values: &mut BTreeMap<Key, Option<i64>>, item: Item) {
    values.insert(Key::new(item, Measure::Total), None);
    values.insert(Key::new(item, Measure::Pending), None);
}

fn rollup(reports: Vec<xxgk::report::Report>, level: Level) -> DataFrame {
    let tidy = xxgk::frame::tidy(&validate::reports(reports)).expect("tidy");
    xxgk::rollup::by(tidy.lazy(), level).expect("rollup").collect().expect("collect")
}

/// Every element `tag` of the SVG with the attribute `attr="value"`, as its attributes.
fn elements(svg: &str, tag: &str, attr: &str, value: &str) -> Vec<BTreeMap<String, String>> {
    svg.split(&format!("<{tag} "))
        .skip(1)
        .map(|e| {
            let e = &e[..e.find('>').expect("a closed tag")];
            e.split("\" ")
                .filter_map(|kv| kv.split_once("=\""))
                .map(|(k, v)| (k.trim().to_string(), v.trim_end_matches(['"', '/']).to_string()))
                .collect::<BTreeMap<_, _>>()
        })
        .filter(|a| a.get(attr).is_some_and(|v| v == value))
        .collect()
}

fn points(polyline: &BTreeMap<String, String>) -> Vec<(f64, f64)> {
    polyline["points"]
        .split_whitespace()
        .map(|p| p.split_once(',').map(|(x, y)| (x.parse().expect("x"), y.parse().expect("y"))).expect("x,y"))
        .collect()
}

/// Pixel heights are values on one linear scale (to the pixel rounding).
fn assert_linear(values: &[f64], pixels: &[f64]) {
    let (v0, p0) = (values[0], pixels[0]);
    let (i, _) = values
        .iter()
        .enumerate()
        .max_by(|a, b| (a.1 - v0).abs().total_cmp(&(b.1 - v0).abs()))
        .expect("values");
    assert_ne!(values[i], v0, "the values differ");
    let scale = (pixels[i] - p0) / (values[i] - v0);
    for (v, p) in values.iter().zip(pixels) {
        assert!((p0 + (v - v0) * scale - p).abs() <= 2.0, "{values:?} drawn at {pixels:?}");
    }
}

const NEW: &str = "#0072B2";
const REVIEW: &str = "#CC79A7";
const SUITS: &str = "#56B4E9";

#[test]
fn the_years_chart_draws_each_value_and_leaves_a_blank_year_a_gap() {
    let mut years = consistent(7, 2019..=2023);
    blank_block(years.get_mut(&2021).expect("2021"), Item::LitigationDirect);
    let reports = years.iter().map(|(&y, v)| report(654025, y, v)).collect();
    let df = rollup(reports, Level::Unit);
    let svg = xxgk::output::chart::years(&df, 654025).expect("chart");
    assert!(svg.contains("新源县（654025）") && svg.contains("2019–2023年"), "the title names the group");
    for name in ["新收申请", "予以公开", "不予公开", "行政复议", "行政诉讼"] {
        assert!(svg.contains(name), "{name} in the legend");
    }
    assert!(svg.contains("2021年起新版统计表"), "the template change is marked");

    // New applications: one line through five points, at heights on one scale with the values.
    let lines = elements(&svg, "polyline", "stroke", NEW);
    assert_eq!(lines.len(), 2, "the line and its legend sample");
    let line = points(&lines[0]);
    assert_eq!(line.len(), 5);
    assert!(line.windows(2).all(|w| w[0].0 < w[1].0), "years left to right");
    let values: Vec<f64> = years
        .values()
        .map(|v| v[&Key::new(Item::NewReceived, Measure::Total)].expect("known") as f64)
        .collect();
    assert_linear(&values, &line.iter().map(|p| p.1).collect::<Vec<_>>());

    // Suits are unknown in 2021: two lines (2019–2020, 2022–2023) and no point for 2021.
    let suits: Vec<Vec<(f64, f64)>> =
        elements(&svg, "polyline", "stroke", SUITS).iter().map(points).filter(|p| p.len() == 2).collect();
    assert_eq!(suits.len(), 3, "two pieces of line and the legend sample: {suits:?}");
    let x_2021 = line[2].0;
    assert!(
        elements(&svg, "circle", "stroke", SUITS)
            .iter()
            .all(|c| c["cx"].parse::<f64>().expect("cx") != x_2021)
    );

    // A year missing from the frame is a gap too: 2019 stands alone, 2021–2023 is one line.
    let without_2020: DataFrame =
        df.clone().lazy().filter(col("year").neq(lit(2020))).collect().expect("filter");
    let svg = xxgk::output::chart::years(&without_2020, 654025).expect("chart");
    let lines: Vec<usize> =
        elements(&svg, "polyline", "stroke", NEW).iter().map(|l| points(l).len()).collect();
    assert_eq!(lines, [3, 2], "one line of three years, and the legend sample");

    // Two years in the 2021 template only: nothing to mark.
    let recent: DataFrame = df.clone().lazy().filter(col("year").gt_eq(lit(2022))).collect().expect("filter");
    let svg = xxgk::output::chart::years(&recent, 654025).expect("chart");
    assert!(!svg.contains("2021年起新版统计表"));
    let err = xxgk::output::chart::years(&df, 654026).expect_err("no such group");
    assert!(err.to_string().contains("654026"), "{err}");
}

#[test]
fn a_sum_that_leaves_out_blank_units_is_drawn_hollow() {
    let mut a = consistent(1, 2021..=2022);
    let b = consistent(2, 2021..=2022);
    blank_block(a.get_mut(&2022).expect("2022"), Item::Review);
    let reports = [(654025, &a), (654026, &b)]
        .iter()
        .flat_map(|(c, ys)| ys.iter().map(|(&y, v)| report(*c, y, v)))
        .collect();
    let svg = xxgk::output::chart::years(&rollup(reports, Level::Prefecture), 654000).expect("chart");
    let hollow = elements(&svg, "circle", "fill", "#FFFFFF");
    assert_eq!(hollow.len(), 1, "only 行政复议 in 2022 leaves a unit out");
    let review_circles = elements(&svg, "circle", "stroke", REVIEW);
    let last = review_circles.iter().map(|c| c["cx"].parse::<f64>().expect("cx")).fold(f64::MIN, f64::max);
    assert_eq!(hollow[0]["cx"].parse::<f64>().expect("cx"), last, "at 2022");
    assert!(svg.contains("空心点"), "and the note says why");
}

#[test]
fn the_units_chart_orders_bars_by_value_and_names_the_blank() {
    let key = Key::new(Item::Review, Measure::Total);
    let mut reports = Vec::new();
    let mut values = BTreeMap::new();
    for (i, &(code, name)) in sample::YILI.iter().enumerate() {
        let mut v = consistent(100 + i as u64, 2022..=2022).remove(&2022).expect("2022");
        if code == 654026 {
            blank_block(&mut v, Item::Review);
        }
        values.insert(name, v[&key]);
        reports.push(report(code, 2022, &v));
    }
    // One group draws one bar.
    let prefecture = rollup(reports.clone(), Level::Prefecture);
    let svg = xxgk::output::chart::units(&prefecture, key, 2022).expect("chart");
    assert_eq!(elements(&svg, "rect", "fill", NEW).len(), 1);
    assert!(svg.contains("新疆维吾尔自治区 2022年 各地市") && svg.contains("伊犁哈萨克自治州"));

    let df = rollup(reports, Level::Unit);
    let svg = xxgk::output::chart::units(&df, key, 2022).expect("chart");
    assert!(svg.contains("伊犁哈萨克自治州 2022年 各县级单位"), "the title names the units' prefecture");
    let bars = elements(&svg, "rect", "fill", NEW);
    let known: Vec<(&str, i64)> = values.iter().filter_map(|(n, v)| v.map(|v| (*n, v))).collect();
    assert_eq!(bars.len(), known.len(), "a bar for each known value, none for the blank");
    // Top to bottom, the values fall; the widths are the values on one scale.
    let mut drawn: Vec<(f64, f64)> =
        bars.iter().map(|b| (b["y"].parse().expect("y"), b["width"].parse().expect("width"))).collect();
    drawn.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut expected: Vec<f64> = known.iter().map(|(_, v)| *v as f64).collect();
    expected.sort_by(|a, b| b.total_cmp(a));
    assert_linear(
        &[&[0.0][..], &expected].concat(),
        &[&[0.0][..], &drawn.iter().map(|d| d.1).collect::<Vec<_>>()].concat(),
    );
    assert_eq!(svg.matches("空白").count(), 1, "the blank unit is named as blank");
    // The blank is the last row: its label lies below every bar.
    let label_y = svg
        .split("空白")
        .next()
        .and_then(|s| s.rsplit("<text ").next())
        .and_then(|t| t.split("y=\"").nth(1))
        .and_then(|t| t.split('"').next())
        .map(|y| y.parse::<f64>().expect("y"))
        .expect("the label's y");
    assert!(drawn.iter().all(|d| d.0 < label_y));

    let only_2021 = cells(Template::V2021)
        .iter()
        .copied()
        .find(|k| !k.in_template(Template::V2019))
        .expect("a 2021 cell");
    assert!(xxgk::output::chart::units(&df, only_2021, 2019).is_err(), "{only_2021} is not a 2019 cell");
    assert!(xxgk::output::chart::units(&df, key, 2020).is_err(), "no 2020 rows");
}
