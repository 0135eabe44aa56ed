//! Charts of a rollup frame as SVG (cargo feature `charts`): where a person would rather look
//! than read.
//!
//! - [`years`]: one group's main series over the years — new applications, granted, withheld,
//!   administrative reviews and suits — with the 2021 template change marked.
//! - [`units`]: one cell in one year for every group of the frame, as bars, largest first.
//!
//! Both keep a blank blank: a year whose sum is unknown is a gap in the line (never a drop to
//! 0), a group whose value is blank gets no bar but the word 空白; a sum that leaves out units
//! whose cell was blank is drawn hollow (years) or labelled with their number (units). Text is
//! SVG text in a CJK-capable font list, so the viewer draws it; no font is embedded.

use std::collections::BTreeMap;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use polars::prelude::DataFrame;

use super::sums::{Group, Sum, Sums};
use crate::error::{Error, ErrorKind, Result};
use crate::schema::{Item, Key, Measure, Template, Unit};

/// The fonts the SVG asks for, most specific first: common CJK fonts on Linux, Windows and
/// macOS, then the viewer's sans-serif.
const FONT: &str =
    "Noto Sans CJK SC, Source Han Sans SC, WenQuanYi Zen Hei, Microsoft YaHei, PingFang SC, sans-serif";

/// The main series: a name and the items whose 总计 it adds (all known, or the year is a gap).
const SERIES: [(&str, &[Item]); 5] = [
    ("新收申请", &[Item::NewReceived]),
    ("予以公开", &[Item::Granted]),
    ("不予公开", &[Item::Withheld]),
    ("行政复议", &[Item::Review]),
    ("行政诉讼", &[Item::LitigationDirect, Item::LitigationAfterReview]),
];

/// One colour per series (a colour-blind-safe palette: Okabe and Ito).
const COLOURS: [RGBColor; 5] = [
    RGBColor(0, 114, 178),
    RGBColor(0, 158, 115),
    RGBColor(213, 94, 0),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
];

fn usage(message: String) -> Error {
    Error::new(ErrorKind::Usage(message))
}

fn drawing(e: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Frame { context: "drawing the chart".into(), source: e.to_string().into() })
}

/// How many ticks an axis of counts from 0 to `max` gets: at most 10, and no more than there
/// are whole numbers, so that no tick falls between two counts.
fn ticks(max: f64) -> usize {
    (max.floor() as usize + 1).clamp(2, 10)
}

/// A tick's label: a whole number without decimals, others as short as they are exact.
fn number(x: f64) -> String {
    if x.fract() == 0.0 { format!("{x:.0}") } else { format!("{:.2}", x).trim_end_matches('0').to_string() }
}

/// A series' value in one group-year: the sum of its cells when all are known, and whether the
/// sum leaves out units whose cell was blank.
type Point = Option<(i64, bool)>;

fn point(group: &Group, items: &[Item]) -> Point {
    let cells: Vec<&Sum> =
        items.iter().map(|&i| group.cells.get(&Key::new(i, Measure::Total))).collect::<Option<_>>()?;
    let total = cells.iter().map(|s| s.value).sum::<Option<i64>>()?;
    Some((total, cells.iter().any(|s| s.blank_units > 0)))
}

/// One group's main series over the years of a rollup frame, as an SVG document.
///
/// `rollup` is a frame from [`rollup::by`](crate::rollup::by) (collected); `code` is the group to
/// draw (a unit, prefecture or province code, or 0 for the nation). The years are those the
/// frame holds for it. Where the years cross 2020 → 2021 a dashed line marks the template
/// change: 予以公开 and 不予公开 keep their meaning across it, but the cells under them changed
/// (national-schema §6). Counts are in 件. An error when the frame has no row for `code`.
///
/// ```
/// use xxgk::polars::prelude::*;
/// use xxgk::rollup::Level;
/// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample");
/// let checked = xxgk::validate::reports(xxgk::read::ReadOptions::new().from_dir(dir)?.reports);
/// let rollup = xxgk::rollup::by(xxgk::frame::tidy(&checked)?.lazy(), Level::Prefecture)?.collect()?;
/// let svg = xxgk::output::chart::years(&rollup, 654000)?;
/// assert!(svg.starts_with("<svg") && svg.contains("伊犁哈萨克自治州") && svg.contains("新收申请"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn years(rollup: &DataFrame, code: u32) -> Result<String> {
    let sums = Sums::from(rollup, "drawing the chart")?;
    let groups: BTreeMap<i32, &Group> =
        sums.groups.iter().filter(|((c, _), _)| *c == code).map(|((_, y), g)| (*y, g)).collect();
    let (Some((&first, group)), Some(&last)) = (groups.first_key_value(), groups.keys().last()) else {
        return Err(usage(format!("the rollup frame has no group {code} to draw")));
    };
    let lines: Vec<Vec<(i32, Point)>> =
        SERIES.iter().map(|(_, items)| groups.iter().map(|(&y, g)| (y, point(g, items))).collect()).collect();
    let top = lines.iter().flatten().filter_map(|(_, p)| p.map(|p| p.0)).max().unwrap_or(0).max(1) as f64;
    let crosses = first <= 2020 && last >= 2021;
    let partial = lines.iter().flatten().any(|(_, p)| p.is_some_and(|p| p.1));
    let shortfall: Vec<String> = groups
        .iter()
        .filter(|(_, g)| g.expected > 0 && g.reported < g.expected)
        .map(|(y, g)| format!("{y}年 {}/{}", g.reported, g.expected))
        .collect();

    let (width, height) = (960u32, 560u32);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let named = if code == 0 { group.name.clone() } else { format!("{}（{code}）", group.name) };
        let title = format!("{named}政府信息公开申请、行政复议与诉讼 {first}–{last}年");
        let root = root.titled(&title, (FONT, 24)).map_err(drawing)?;
        let (plot, foot) = root.split_vertically(height - 110);
        // The x axis counts half years, so the template change falls between two ticks.
        let years: Vec<i32> = groups.keys().map(|&y| 2 * y).collect();
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(16)
            .margin_right(32)
            .margin_top(12)
            .x_label_area_size(36)
            .y_label_area_size(64)
            .build_cartesian_2d((2 * first - 1..2 * last + 1).with_key_points(years), 0.0..top * 1.12)
            .map_err(drawing)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(BLACK.mix(0.12))
            .x_label_formatter(&|x| format!("{}年", x / 2))
            .y_labels(ticks(top * 1.12))
            .y_label_formatter(&|y| number(*y))
            .y_desc("件")
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 15))
            .draw()
            .map_err(drawing)?;
        if crosses {
            let at = 2 * 2020 + 1;
            chart
                .draw_series(DashedLineSeries::new(
                    [(at, 0.0), (at, top * 1.12)],
                    6,
                    4,
                    BLACK.mix(0.55).stroke_width(1),
                ))
                .map_err(drawing)?;
            let style = (FONT, 14).into_font().color(&BLACK.mix(0.7));
            chart
                .draw_series([
                    EmptyElement::at((at, top * 1.09)) + Text::new("2021年起新版统计表", (6, 0), style)
                ])
                .map_err(drawing)?;
        }
        for (line, colour) in lines.iter().zip(COLOURS) {
            // A gap where the sum is unknown or the year is not in the frame: one path per
            // run of consecutive known years.
            let mut runs: Vec<Vec<(i32, f64)>> = Vec::new();
            for (year, p) in line {
                match (p, runs.last_mut()) {
                    (None, _) => runs.push(Vec::new()),
                    (Some((v, _)), Some(run)) if run.last().is_none_or(|l| l.0 == 2 * (year - 1)) => {
                        run.push((2 * year, *v as f64))
                    }
                    (Some((v, _)), _) => runs.push(vec![(2 * year, *v as f64)]),
                }
            }
            for run in runs.into_iter().filter(|r| r.len() > 1) {
                chart.draw_series(LineSeries::new(run, colour.stroke_width(2))).map_err(drawing)?;
            }
            chart
                .draw_series(line.iter().filter_map(|(y, p)| {
                    p.map(|(v, part)| {
                        let style = if part { WHITE.filled() } else { colour.filled() };
                        EmptyElement::at((2 * y, v as f64))
                            + Circle::new((0, 0), 5, style)
                            + Circle::new((0, 0), 5, colour.stroke_width(2))
                    })
                }))
                .map_err(drawing)?;
        }
        // The legend, drawn here: plotters' own sizes text by bytes, too wide for CJK.
        let mut x = 90;
        for ((name, _), colour) in SERIES.iter().zip(COLOURS) {
            foot.draw(&PathElement::new([(x, 18), (x + 28, 18)], colour.stroke_width(3))).map_err(drawing)?;
            foot.draw(&Circle::new((x + 14, 18), 5, colour.filled())).map_err(drawing)?;
            foot.draw(&Text::new(*name, (x + 36, 9), (FONT, 16))).map_err(drawing)?;
            x += 52 + 16 * name.chars().count() as i32;
        }
        let mut notes = vec![
            "单位：件；行政诉讼为未经复议直接起诉与复议后起诉之和；空年份为无数据（不作0）。".to_string(),
        ];
        if partial {
            notes.push("空心点：部分单位该项空白，合计只含填报的单位。".into());
        }
        if !shortfall.is_empty() {
            notes.push(format!("报送单位不全：{}。", shortfall.join("，")));
        }
        for (i, note) in notes.iter().enumerate() {
            let style = (FONT, 14).into_font().color(&BLACK.mix(0.7));
            foot.draw(&Text::new(note.as_str(), (90, 40 + 20 * i as i32), style)).map_err(drawing)?;
        }
        root.present().map_err(drawing)?;
    }
    Ok(svg)
}

/// One cell in one year for every group of a rollup frame, as horizontal bars, largest first,
/// blanks last; an SVG document.
///
/// Roll up to the level to compare (units: [`Level::Unit`](crate::rollup::Level::Unit)) and
/// keep the groups to draw (a prefecture's units, say) before calling. Money is drawn in 元.
/// A bar's label gives the value and, for a sum, how many units left the cell blank (`n个单位空白`)
/// or had it inferred (`含推算`). An error when the cell is not in `year`'s template or no
/// group has a row for it.
///
/// ```
/// use xxgk::polars::prelude::*;
/// use xxgk::rollup::Level;
/// use xxgk::schema::{Item, Key, Measure};
/// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample");
/// let checked = xxgk::validate::reports(xxgk::read::ReadOptions::new().from_dir(dir)?.reports);
/// let rollup = xxgk::rollup::by(xxgk::frame::tidy(&checked)?.lazy(), Level::Unit)?.collect()?;
/// let svg = xxgk::output::chart::units(&rollup, Key::new(Item::NewReceived, Measure::Total), 2022)?;
/// assert!(svg.contains("新源县") && svg.contains("伊宁市"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn units(rollup: &DataFrame, key: Key, year: i32) -> Result<String> {
    let template = Template::for_year(year);
    if !key.in_template(template) {
        return Err(usage(format!("{key} is not a cell of the {year} template")));
    }
    let sums = Sums::from(rollup, "drawing the chart")?;
    let mut bars: Vec<(u32, &Group, &Sum)> = sums
        .groups
        .iter()
        .filter(|((_, y), _)| *y == year)
        .filter_map(|((c, _), g)| g.cells.get(&key).map(|s| (*c, g, s)))
        .collect();
    if bars.is_empty() {
        return Err(usage(format!("the rollup frame has no {key} for {year}")));
    }
    bars.sort_by_key(|&(code, _, s)| (s.value.is_none(), std::cmp::Reverse(s.value), code));
    let money = key.measure.unit() == Unit::Money;
    let shown = |v: i64| if money { v as f64 / 100.0 } else { v as f64 };
    let label = |s: &Sum| -> String {
        let mut text = match s.value {
            None => "空白".to_string(),
            Some(v) if money => format!("{:.2}", shown(v)),
            Some(v) => v.to_string(),
        };
        if s.value.is_some() && s.blank_units > 0 {
            text.push_str(&format!("（{}个单位空白）", s.blank_units));
        }
        if s.inferred_units > 0 {
            text.push_str("（含推算）");
        }
        text
    };
    let top = bars.iter().filter_map(|b| b.2.value).max().unwrap_or(0).max(1);
    let names: Vec<String> = bars.iter().map(|b| b.1.name.clone()).collect();
    let name_width = names.iter().map(|n| n.chars().count()).max().unwrap_or(4) as u32 * 16 + 24;
    let n = bars.len();
    let (width, height) = (960u32, 150 + 30 * n as u32);
    let unit = if money { "元" } else { "件" };
    let item = key.item.label_in(template);
    let measure = key.measure.label_in(template);
    // Name the groups' common parent when they have one: 伊犁哈萨克自治州 各县级单位.
    let reg = crate::divisions::registry();
    let group_level = bars[0].1.level.as_str();
    let level = match group_level {
        "unit" => "各县级单位",
        "prefecture" => "各地市",
        "province" => "各省份",
        _ => "",
    };
    let parent = |code: u32| match group_level {
        "unit" => reg.prefecture_of(code),
        "prefecture" => reg.province_of(code),
        _ => None,
    };
    let parents: std::collections::BTreeSet<Option<u32>> = bars.iter().map(|b| parent(b.0)).collect();
    let scope = match parents.iter().next() {
        Some(Some(p)) if parents.len() == 1 => {
            reg.get(*p).map_or_else(String::new, |d| format!("{} ", d.name))
        }
        _ => String::new(),
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let title = format!("{scope}{year}年 {level}：{item}（{measure}）");
        let root = root.titled(&title, (FONT, 22)).map_err(drawing)?;
        let mut chart = ChartBuilder::on(&root)
            .margin_left(16)
            .margin_right(40)
            .margin_top(8)
            .x_label_area_size(44)
            .y_label_area_size(name_width)
            // The y axis counts half rows from the bottom: row i (0 the largest, at the top)
            // spans [2(n-1-i), 2(n-i)] and has its name at the odd tick between.
            .build_cartesian_2d(
                0.0..shown(top) * 1.3,
                (0..2 * n as i32).with_key_points((0..n as i32).map(|r| 2 * r + 1).collect()),
            )
            .map_err(drawing)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(BLACK.mix(0.12))
            .y_label_formatter(&|&y| names.get(n - 1 - (y as usize) / 2).cloned().unwrap_or_default())
            .x_labels(if money { 10 } else { ticks(shown(top) * 1.3) })
            .x_label_formatter(&|x| number(*x))
            .x_desc(unit)
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 15))
            .draw()
            .map_err(drawing)?;
        let colour = COLOURS[0];
        let row = |i: usize| 2 * (n - 1 - i) as i32 + 1;
        chart
            .draw_series(bars.iter().enumerate().filter_map(|(i, b)| {
                b.2.value.map(|v| {
                    let style = if b.2.blank_units > 0 { colour.mix(0.45).filled() } else { colour.filled() };
                    let at = row(i);
                    let mut bar = Rectangle::new([(0.0, at - 1), (shown(v), at + 1)], style);
                    bar.set_margin(5, 5, 0, 0);
                    bar
                })
            }))
            .map_err(drawing)?;
        chart
            .draw_series(bars.iter().enumerate().map(|(i, b)| {
                let at = (b.2.value.map_or(0.0, shown), row(i));
                let grey = if b.2.value.is_none() { BLACK.mix(0.5) } else { BLACK.mix(0.85) };
                let style = (FONT, 14).into_font().color(&grey).pos(Pos::new(HPos::Left, VPos::Center));
                EmptyElement::at(at) + Text::new(label(b.2), (6, 0), style)
            }))
            .map_err(drawing)?;
        root.present().map_err(drawing)?;
    }
    Ok(svg)
}
