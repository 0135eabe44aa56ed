//! The summed report as a workbook in the national layout: its tables against the schema, and
//! read back by xxgk as each group's report, and nothing else.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx, open_workbook};
use polars::prelude::*;
use xxgk::read::ReadOptions;
use xxgk::report::MARKER;
use xxgk::rollup::Level;
use xxgk::schema::{Item, Key, Measure, Table, Template, captions, cells, measures, measures_of};

use crate::read::load_sample;

/// The sample's prefecture rollup written as a workbook: (path, rollup).
fn handover(name: &str) -> (PathBuf, DataFrame) {
    let checked = xxgk::validate::reports(load_sample().reports);
    let tidy = xxgk::frame::tidy(&checked).expect("tidy");
    let rollup = xxgk::rollup::by(tidy.clone().lazy(), Level::Prefecture)
        .and_then(|l| Ok(l.collect()?))
        .expect("rollup");
    let coverage = xxgk::rollup::coverage(tidy.clone().lazy(), Level::Prefecture)
        .and_then(|l| Ok(l.collect()?))
        .expect("coverage");
    let findings = checked.frame().expect("findings");
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let parts = xxgk::output::Handover {
        rollup: &rollup,
        coverage: &coverage,
        findings: Some(&findings),
        tidy: Some(&tidy),
    };
    xxgk::output::xlsx(&path, &parts).expect("write");
    (path, rollup)
}

/// The rollup's sums: (code, year, key) → value.
fn sums(rollup: &DataFrame) -> BTreeMap<(u32, i32, Key), Option<i64>> {
    let text = |n: &str| -> Vec<Option<String>> {
        let c = rollup.column(n).expect(n).cast(&DataType::String).expect("text");
        c.str().expect("str").iter().map(|s| s.map(str::to_string)).collect()
    };
    let ints = |n: &str| -> Vec<Option<i64>> {
        rollup.column(n).expect(n).cast(&DataType::Int64).expect("i64").i64().expect("i64").iter().collect()
    };
    let (item, measure, code, year, value) =
        (text("item"), text("measure"), ints("code"), ints("year"), ints("value"));
    (0..rollup.height())
        .map(|i| {
            let key = Key::new(
                item[i].as_deref().expect("item").parse().expect("item code"),
                measure[i].as_deref().expect("measure").parse().expect("measure code"),
            );
            ((code[i].expect("code") as u32, year[i].expect("year") as i32, key), value[i])
        })
        .collect()
}

#[test]
fn the_workbook_reads_back_as_each_groups_report_and_nothing_else() {
    let (path, rollup) = handover("handover.xlsx");
    let want = sums(&rollup);
    let batch = ReadOptions::new().from_path(&path).expect("read back");
    let problems: Vec<String> = batch
        .all_diagnostics()
        .filter(|d| d.severity >= xxgk::schema::Severity::Warning)
        .map(|d| d.to_string())
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    let mut years: Vec<(u32, i32)> = batch.reports.iter().map(|r| (r.division_code, r.year)).collect();
    years.sort();
    assert_eq!(years, (2019..=2023).map(|y| (654000, y)).collect::<Vec<_>>());
    for r in &batch.reports {
        let t = Template::for_year(r.year);
        // Every published cell of the year's template, as the rollup summed it.
        for key in cells(t) {
            let got = r.get(*key).map(|v| v.value);
            assert_eq!(got, Some(want.get(&(654000, r.year, *key)).copied().flatten()), "{} {key}", r.year);
        }
        assert_eq!(r.values.len(), cells(t).len(), "{}: nothing else", r.year);
    }
}

/// A cell's (row, column).
type At = (u32, u32);

/// A sheet's texts by cell, and its merged regions as (first, last) → text.
struct Sheet {
    text: BTreeMap<At, String>,
    merges: BTreeMap<(At, At), String>,
}

fn sheet(path: &Path, name: &str) -> Sheet {
    let mut wb: Xlsx<_> = open_workbook(path).expect("open");
    let range = wb.worksheet_range(name).expect("sheet");
    let start = range.start().unwrap_or((0, 0));
    let mut text = BTreeMap::new();
    for (r, c, d) in range.used_cells() {
        if let Data::String(s) = d {
            text.insert((start.0 + r as u32, start.1 + c as u32), s.clone());
        }
    }
    let merges = wb
        .merge_cells_by_sheet_name(name)
        .expect("merges")
        .into_iter()
        .map(|d| ((d.start, d.end), text.get(&d.start).cloned().unwrap_or_default()))
        .collect();
    Sheet { text, merges }
}

impl Sheet {
    /// The merged region whose text is `text`: its height and width.
    fn span(&self, text: &str) -> (u32, u32) {
        let found: Vec<_> = self.merges.iter().filter(|(_, t)| t.as_str() == text).collect();
        assert_eq!(found.len(), 1, "{text:?} merged once: {:?}", self.merges.values().collect::<Vec<_>>());
        let ((a, b), _) = found[0];
        (b.0 - a.0 + 1, b.1 - a.1 + 1)
    }

    fn find(&self, text: &str) -> (u32, u32) {
        *self
            .text
            .iter()
            .find(|(_, t)| t.as_str() == text)
            .unwrap_or_else(|| panic!("{text:?} not on the sheet"))
            .0
    }
}

#[test]
fn the_tables_have_the_national_layout_of_their_year() {
    let (path, _) = handover("layout.xlsx");
    for (year, t) in [(2021, Template::V2021), (2019, Template::V2019)] {
        let s = sheet(&path, &format!("伊犁哈萨克自治州{year}"));
        assert_eq!(
            s.text[&(0, 0)],
            format!("伊犁哈萨克自治州（654000）{year}年政府信息公开工作年度报告统计表（汇总）")
        );
        // 二: a caption per 第二十条 item, the header 信息内容, each item's row and columns.
        for caption in captions(t) {
            assert_eq!(s.span(caption.label()).1, 6, "{year} {}", caption.label());
        }
        for item in Item::ALL.iter().filter(|i| i.table() == Table::Proactive && i.in_template(t)) {
            let (r, c) = s.find(item.label_in(t));
            assert_eq!(c, 0);
            let header_row = (0..r)
                .rev()
                .find(|&row| s.text.get(&(row, 0)).map(String::as_str) == Some("信息内容"))
                .expect("a header row above");
            for (i, m) in measures_of(*item, t).iter().enumerate() {
                assert_eq!(
                    s.text.get(&(header_row, 3 + i as u32)).map(String::as_str),
                    Some(m.label_in(t)),
                    "{year} {item}"
                );
            }
        }
        // 三: three header rows; 申请人情况 over the seven columns; 法人或其他组织 over five.
        let corner = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）";
        assert_eq!(s.span(corner), (3, 3));
        assert_eq!(s.span("申请人情况"), (1, 7));
        assert_eq!(s.span("法人或其他组织"), (1, 5));
        assert_eq!(s.span("自然人"), (2, 1));
        let (h, _) = s.find("申请人情况");
        for (i, m) in measures(Table::Applications, t).iter().enumerate() {
            let row = if matches!(m, Measure::NaturalPerson | Measure::Total) { h + 1 } else { h + 2 };
            assert_eq!(s.text.get(&(row, 3 + i as u32)).map(String::as_str), Some(m.label()), "{year} {m}");
        }
        // The rows in the order of the template, group labels merged over their members.
        let outcome_rows = if t == Template::V2021 { 22 } else { 20 };
        assert_eq!(s.span("三、本年度办理结果"), (outcome_rows, 1));
        assert_eq!(s.span("（三）不予公开"), (8, 1));
        assert_eq!(s.span("（四）无法提供"), (3, 1));
        assert_eq!(s.span("（五）不予处理"), (5, 1));
        assert_eq!(s.span("（六）其他处理"), if t == Template::V2021 { (3, 1) } else { (1, 2) });
        let rows = Item::ALL.iter().filter(|i| {
            i.table() == Table::Applications && i.in_template(t) && !i.is_heading() && !i.is_derived(t)
        });
        for (row, item) in (h + 3..).zip(rows) {
            let label = format!("{}{}", item.numbering().unwrap_or(""), item.label_in(t));
            let col = match item.parent() {
                None => 0,
                Some(Item::Outcomes) => 1,
                Some(_) => 2,
            };
            assert_eq!(s.text.get(&(row, col)).map(String::as_str), Some(label.as_str()), "{year} {item}");
        }
        // 四: 行政复议 over five columns, 行政诉讼 over ten, split in two blocks of five.
        assert_eq!(s.span("行政复议"), (1, 5));
        assert_eq!(s.span("行政诉讼"), (1, 10));
        assert_eq!(s.span("未经复议直接起诉"), (1, 5));
        assert_eq!(s.span("复议后起诉"), (1, 5));
    }
    // The other sheets are marked as xxgk's own.
    let wb: Xlsx<_> = open_workbook(&path).expect("open");
    let names = wb.sheet_names();
    for name in ["说明", "覆盖情况", "勾稽检查", "明细"] {
        assert!(names.iter().any(|n| n == name), "{name}");
        assert!(sheet(&path, name).text[&(0, 0)].starts_with(MARKER), "{name}");
    }
    let coverage = sheet(&path, "覆盖情况");
    assert!(coverage.text.values().any(|t| t == "伊犁哈萨克自治州"));
}
