//! The reader on the bundled data and on bad input.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rust_xlsxwriter::Workbook;
use xxgk::read::ReadOptions;
use xxgk::report::{Batch, DiagnosticKind};
use xxgk::schema::{Item, Key, Measure, Severity, Table, Template};

use crate::sample;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The sample prefecture, read with its manifest.
pub fn load_sample() -> Batch {
    let dir = root().join("data/sample");
    let mut opts = ReadOptions::new();
    opts.manifest(dir.join("manifest.csv")).expect("manifest");
    opts.from_dir(&dir).expect("sample folder")
}

pub fn load_real() -> Batch {
    ReadOptions::new().from_dir(root().join("data/real")).expect("real folder")
}

pub(crate) fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

#[test]
fn sample_reproduces_the_generators_values() {
    let batch = load_sample();
    assert_reproduces(&batch, &root().join("data/sample/expected.csv"));
    assert_eq!(batch.reports.len(), 55);
    let problems: Vec<String> =
        batch.all_diagnostics().filter(|d| d.severity >= Severity::Warning).map(|d| d.to_string()).collect();
    assert!(problems.is_empty(), "{problems:#?}");
}

/// A slice of the national benchmark dataset — the first 60 county-level units over 2020–2021,
/// both templates, every layout, names shared by several units (河东区, 鼓楼区), collection
/// workbooks of municipalities — reads back value for value, without a warning.
#[test]
fn a_slice_of_the_national_dataset_reads_back_exactly() {
    let dir = scratch("national_slice");
    let written = sample::write_national(&dir, 2020..=2021, Some(60)).expect("write");
    let mut opts = ReadOptions::new();
    opts.manifest(dir.join("manifest.csv")).expect("manifest");
    let batch = opts.from_dir(&dir).expect("read");
    assert_eq!(batch.reports.len(), written.reports);
    assert_eq!(batch.files, written.files);
    assert_reproduces(&batch, &dir.join("expected.csv"));
    let problems: Vec<String> =
        batch.all_diagnostics().filter(|d| d.severity >= Severity::Warning).map(|d| d.to_string()).collect();
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Every value of `expected` (`division_code,year,key,value`) read, and nothing else.
#[track_caller]
pub(crate) fn assert_reproduces(batch: &Batch, expected: &Path) {
    let text = std::fs::read_to_string(expected).expect("expected.csv");
    let mut expected: BTreeMap<(u32, i32, Key), Option<i64>> = BTreeMap::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let key: Key = f[2].parse().expect("key");
        expected.insert((f[0].parse().expect("code"), f[1].parse().expect("year"), key), f[3].parse().ok());
    }
    let mut got = BTreeMap::new();
    for r in &batch.reports {
        for v in &r.values {
            assert!(
                got.insert((r.division_code, r.year, v.key), v.value).is_none(),
                "{} {} {} twice",
                r.division_code,
                r.year,
                v.key
            );
        }
    }
    let missing: Vec<_> = expected.keys().filter(|k| !got.contains_key(k)).take(5).collect();
    let extra: Vec<_> = got.keys().filter(|k| !expected.contains_key(k)).take(5).collect();
    assert!(missing.is_empty() && extra.is_empty(), "missing {missing:?}, extra {extra:?}");
    for (k, v) in &expected {
        assert_eq!(got[k], *v, "{k:?}");
    }
}

#[test]
fn xinyuan_2022_loads_every_published_number() {
    let batch = load_real();
    assert_eq!(batch.reports.len(), 1);
    let r = &batch.reports[0];
    assert_eq!(
        (r.division_code, r.division_name.as_str(), r.year, r.template),
        (654025, "新源县", 2022, Template::V2021)
    );
    for t in &r.tables {
        assert_eq!(t.template, Template::V2021, "{:?}", t.table);
    }
    let get = |item, m| r.get(Key::new(item, m)).and_then(|v| v.value);
    assert_eq!(get(Item::Licensing, Measure::Decisions), Some(8209));
    assert_eq!(get(Item::Penalty, Measure::Decisions), Some(119));
    assert_eq!(get(Item::Coercion, Measure::Decisions), Some(29));
    assert_eq!(get(Item::Fees, Measure::Amount), Some(439_074_500)); // 439.0745 万元 in 分
    assert_eq!(get(Item::NewReceived, Measure::Total), Some(5));
    assert_eq!(get(Item::Granted, Measure::LegalServiceOrg), Some(1));
    assert_eq!(get(Item::WithheldInternalAffairs, Measure::Total), Some(1));
    assert_eq!(get(Item::Review, Measure::Other), Some(1));
    // The transcription, value by value.
    for (key, value) in sample::xinyuan_2022() {
        assert_eq!(r.get(key).map(|v| v.value), Some(value), "{key}");
    }
    // The four unknowable cells are blank, reported together with their cells.
    let blanks: Vec<&xxgk::Diagnostic> =
        r.diagnostics.iter().filter(|d| d.kind == DiagnosticKind::Blank).collect();
    assert_eq!(blanks.len(), 1, "{blanks:?}");
    assert_eq!(
        blanks[0].location.to_string(),
        root().join("data/real/新源县-2022.xlsx!Sheet1").display().to_string()
    );
    assert!(blanks[0].message.starts_with("4 blank cells kept blank, not 0: "), "{}", blanks[0].message);
    assert_eq!(r.values.iter().filter(|v| v.value.is_none()).count(), 4);
    assert_eq!(get(Item::NewReceived, Measure::OtherOrg), None);
    assert!(r.get(Key::new(Item::NewReceived, Measure::OtherOrg)).is_some(), "blank, not absent");
}

/// Write a small workbook: one sheet, rows of cells (text, or numbers when they parse).
fn sheet(path: &Path, rows: &[&[&str]]) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            if text.is_empty() {
                continue;
            }
            match text.parse::<f64>() {
                Ok(x) if !text.starts_with('+') => ws.write_number(r as u32, c as u16, x),
                _ => ws.write_string(r as u32, c as u16, *text),
            }
            .expect("cell");
        }
    }
    wb.save(path).expect("save");
}

const HEADER: &[&str] =
    &["", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"];

fn diagnostics_of<'a>(batch: &'a Batch, file: &str) -> Vec<&'a xxgk::Diagnostic> {
    batch.all_diagnostics().filter(|d| d.location.file.as_ref().is_some_and(|f| f.ends_with(file))).collect()
}

#[test]
fn bad_input_is_diagnosed_and_the_rest_still_loads() {
    let dir = scratch("bad_input");
    let good = std::fs::read(root().join("data/real/新源县-2022.xlsx")).expect("real workbook");
    std::fs::write(dir.join("新源县-2022.xlsx"), &good).expect("write");
    std::fs::write(dir.join("truncated-新源县-2021.xlsx"), &good[..good.len() / 2]).expect("write");
    std::fs::write(
        dir.join("random.xlsx"),
        (0..4000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect::<Vec<_>>(),
    )
    .expect("write");
    std::fs::write(dir.join("zero.xls"), b"").expect("write");
    std::fs::copy(root().join("data/test/encrypted-新源县-2022.xlsx"), dir.join("encrypted.xlsx"))
        .expect("copy");
    Workbook::new().save(dir.join("empty.xlsx")).expect("empty workbook");
    sheet(&dir.join("notes-奎屯市-2022.xlsx"), &[&["会议纪要"], &["出席人数", "12"]]);
    sheet(
        &dir.join("伊宁县-2022.xlsx"),
        &[
            &["伊宁县2022年政府信息公开工作年度报告"],
            HEADER,
            &["一、本年新收政府信息公开申请数量", "约30", "0", "0", "0", "0", "0", "-3"],
        ],
    );
    sheet(
        &dir.join("招商局-2022.xlsx"),
        &[
            &["某某招商局2022年政府信息公开工作年度报告"],
            HEADER,
            &["一、本年新收政府信息公开申请数量", "1", "0", "0", "0", "0", "0", "1"],
        ],
    );
    sheet(
        &dir.join("昭苏-2022.xlsx"),
        &[HEADER, &["一、本年新收政府信息公开申请数量", "1", "0", "0", "0", "0", "0", "1"]],
    );
    sheet(
        &dir.join("新源县-2022-copy.xlsx"),
        &[
            &["新源县2022年报告"],
            HEADER,
            &["一、本年新收政府信息公开申请数量", "3", "0", "0", "0", "2", "0", "5"],
        ],
    );

    let batch = ReadOptions::new().from_dir(&dir).expect("folder");
    assert_eq!(batch.files, 11);
    let has = |file: &str, kind: DiagnosticKind, text: &str| {
        let ds = diagnostics_of(&batch, file);
        assert!(
            ds.iter().any(|d| d.kind == kind && d.message.contains(text)),
            "{file}: no {kind:?} containing {text:?} in {:#?}",
            ds.iter().map(|d| d.to_string()).collect::<Vec<_>>()
        );
    };
    has("truncated-新源县-2021.xlsx", DiagnosticKind::Unreadable, "zip archive is damaged");
    has("random.xlsx", DiagnosticKind::Unreadable, "not a spreadsheet");
    has("zero.xls", DiagnosticKind::Unreadable, "the file is empty");
    has("encrypted.xlsx", DiagnosticKind::Unreadable, "encrypted (password-protected)");
    has("empty.xlsx", DiagnosticKind::NoTable, "the workbook is empty");
    has("notes-奎屯市-2022.xlsx", DiagnosticKind::NoTable, "no table of the national format");
    has("伊宁县-2022.xlsx", DiagnosticKind::BadValue, "cannot read \"约30\" as a number");
    has("伊宁县-2022.xlsx", DiagnosticKind::Negative, "cannot be negative");
    has("伊宁县-2022.xlsx", DiagnosticKind::Missing, "lacks 169 cells of the 2021 format (absent, not 0)");
    has("招商局-2022.xlsx", DiagnosticKind::Unit, "cannot tell the unit");
    has("新源县-2022-copy.xlsx", DiagnosticKind::Duplicate, "新源县 2022 is also reported by");
    // The bad value names its cell.
    let bad = diagnostics_of(&batch, "伊宁县-2022.xlsx")
        .into_iter()
        .find(|d| d.kind == DiagnosticKind::BadValue)
        .cloned();
    assert_eq!(bad.and_then(|d| d.location.cell), Some((2, 1)));
    // The good files still load: the real report, its copy (both kept), and 伊宁县 with its good cells.
    let mut units: Vec<(u32, i32)> = batch.reports.iter().map(|r| (r.division_code, r.year)).collect();
    units.sort();
    // 昭苏-2022.xlsx has no title: its file name's bare short form names the unit.
    assert_eq!(units, vec![(654021, 2022), (654025, 2022), (654025, 2022), (654026, 2022)]);
    let yining = batch.reports.iter().find(|r| r.division_code == 654021).expect("伊宁县 loads");
    assert_eq!(
        yining.get(Key::new(Item::NewReceived, Measure::CommercialEnterprise)).and_then(|v| v.value),
        Some(0)
    );
    assert_eq!(yining.get(Key::new(Item::NewReceived, Measure::Total)).and_then(|v| v.value), Some(-3));
    assert!(
        yining.get(Key::new(Item::NewReceived, Measure::NaturalPerson)).is_none(),
        "a bad cell is not a value"
    );
}

/// The reader leaves a workbook's theme out (its colours cost calamine more than anything else
/// on opening) but keeps its styles: a count that Excel turned into a date (`1-2` typed, 2
/// January shown) is refused with its cell named, never read as the date's serial number.
#[test]
fn a_count_formatted_as_a_date_is_refused_not_read_as_its_serial() {
    let dir = scratch("date_count");
    let path = dir.join("伊宁县-2022.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "伊宁县2022年政府信息公开工作年度报告").expect("title");
    for (c, text) in HEADER.iter().enumerate().skip(1) {
        ws.write_string(1, c as u16, *text).expect("header");
    }
    ws.write_string(2, 0, "一、本年新收政府信息公开申请数量").expect("label");
    for c in 1..8u16 {
        ws.write_number(2, c, 1.0).expect("count");
    }
    let date = rust_xlsxwriter::Format::new().set_num_format("m月d日");
    ws.write_number_with_format(2, 2, 45659.0, &date).expect("date");
    wb.save(&path).expect("save");
    let names = {
        let zip = zip::ZipArchive::new(std::fs::File::open(&path).expect("open")).expect("zip");
        zip.file_names().filter_map(|n| n.ok().map(|n| n.into_owned())).collect::<Vec<_>>()
    };
    assert!(names.iter().any(|n| n == "xl/theme/theme1.xml"), "{names:?}");
    let batch = ReadOptions::new().from_path(&path).expect("read");
    let report = &batch.reports[0];
    let bad: Vec<_> = report.diagnostics.iter().filter(|d| d.kind == DiagnosticKind::BadValue).collect();
    assert_eq!(bad.len(), 1, "{:#?}", report.diagnostics);
    assert_eq!(bad[0].location.cell, Some((2, 2)));
    assert!(report.get(Key::new(Item::NewReceived, Measure::CommercialEnterprise)).is_none());
    assert_eq!(
        report.get(Key::new(Item::NewReceived, Measure::NaturalPerson)).and_then(|v| v.value),
        Some(1)
    );
}

#[test]
fn strict_mode_refuses_reports_with_problems() {
    let dir = scratch("strict");
    sheet(
        &dir.join("伊宁县-2022.xlsx"),
        &[
            &["伊宁县2022年报告"],
            HEADER,
            &["一、本年新收政府信息公开申请数量", "x", "0", "0", "0", "0", "0", "0"],
        ],
    );
    let batch = ReadOptions::new().strict(true).from_dir(&dir).expect("folder");
    assert!(batch.reports.is_empty());
    assert!(batch.diagnostics.iter().any(|d| d.message.contains("refused in strict mode")));
}

#[test]
fn a_sheet_of_a_million_cells_is_refused_by_the_limit() {
    let dir = scratch("huge");
    let path = dir.join("伊宁县-2022.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for r in 0..1000u32 {
        for c in 0..1000u16 {
            ws.write_number(r, c, 1.0).expect("cell");
        }
    }
    wb.save(&path).expect("save");
    let batch = ReadOptions::new().max_cells(100_000).from_path(&path).expect("file");
    assert!(batch.reports.is_empty());
    let d = batch.all_diagnostics().find(|d| d.kind == DiagnosticKind::Limit).expect("a limit diagnostic");
    assert_eq!(
        d.message,
        "the sheet has more than 100000 cells: refused by the cell limit (ReadOptions::max_cells)"
    );
    assert_eq!(d.location.sheet.as_deref(), Some("Sheet1"));
}

#[test]
fn tables_are_found_anywhere_with_variant_labels() {
    let dir = scratch("variants");
    let path = dir.join("奎屯市-2022.xlsx");
    // Offset table, no numbering, half-width brackets, a group label on its own row, a blank cell.
    sheet(
        &path,
        &[
            &[],
            &["", "", "奎屯市 2022 年政府信息公开工作年度报告"],
            &["", "", "", "自然人", "商业企\n业", "科研/机构", "社会公益", "法律服务", "其他", "合计"],
            &["", "", "本年新收政府信息公开申请数量", "2", "1", "0", "0", "0", "0", "3"],
            &["", "", "(三) 不予公开"],
            &["", "", "1. 属于国家秘密", "1", "0", "0", "—", "0", "0", "1"],
            &["", "", "(六) 其他处理"],
            &["", "", "3. 其他", "0", "0", "0", "0", "0", "0", "0"],
        ],
    );
    let batch = ReadOptions::new().from_path(&path).expect("file");
    let r = &batch.reports[0];
    assert_eq!((r.division_code, r.year), (654003, 2022));
    let get = |item, m| r.get(Key::new(item, m)).map(|v| v.value);
    assert_eq!(get(Item::NewReceived, Measure::CommercialEnterprise), Some(Some(1)));
    assert_eq!(get(Item::WithheldStateSecret, Measure::NaturalPerson), Some(Some(1)));
    assert_eq!(get(Item::WithheldStateSecret, Measure::SocialWelfareOrg), Some(None));
    assert_eq!(get(Item::OtherOther, Measure::Total), Some(Some(0)));
    assert_eq!(r.template_of(Table::Applications), Template::V2021);
}

#[test]
fn xls_and_ods_read_like_xlsx() {
    let values = |path: PathBuf| {
        let batch = ReadOptions::new().from_path(&path).expect("file");
        let problems: Vec<String> = batch
            .all_diagnostics()
            .filter(|d| d.severity >= Severity::Warning)
            .map(|d| d.to_string())
            .collect();
        assert!(problems.is_empty(), "{problems:#?}");
        assert_eq!(batch.reports.len(), 1, "{path:?}");
        batch.reports[0].values.iter().map(|v| (v.key, v.value)).collect::<BTreeMap<_, _>>()
    };
    let xlsx = values(root().join("data/real/新源县-2022.xlsx"));
    assert_eq!(xlsx.len(), 200);
    assert_eq!(values(root().join("data/test/新源县-2022.xls")), xlsx);
    assert_eq!(values(root().join("data/test/新源县-2022.ods")), xlsx);
}

/// A grid of text rows, for `xxgk::read::from_grid`.
fn text_grid(name: &str, rows: &[&[&str]]) -> xxgk::read::Grid {
    let mut grid = xxgk::read::Grid::new(name);
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            grid.set(r as u32, c as u32, xxgk::read::Cell::Text(text.to_string()));
        }
    }
    grid
}

#[test]
fn a_tables_template_is_what_its_cells_show_in_every_layout() {
    // Columns only the 2019 proactive table has (信息公开总数量, 采购项目数量), in a 2021 report:
    // the table is read as the 2019 format whether it is laid out as the form or as tidy rows.
    let form = text_grid(
        "新源县",
        &[
            &["二、主动公开政府信息情况"],
            &["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"],
            &["规章", "0", "0", "3"],
            &["规范性文件", "2", "2", "40"],
            &["信息内容", "采购项目数量", "采购总金额"],
            &["政府集中采购", "5", "120"],
        ],
    );
    let tidy = text_grid(
        "tidy",
        &[
            &["unit", "year", "item", "measure", "value"],
            &["新源县", "2021", "regulations", "disclosed_total", "3"],
            &["新源县", "2021", "procurement", "projects", "5"],
        ],
    );
    for grid in [form, tidy] {
        let (reports, loose) = xxgk::read::from_grid("新源县.xlsx", &[grid], Some("新源县"), Some(2021));
        assert_eq!(reports.len(), 1, "{loose:?}");
        let r = &reports[0];
        assert!(r.values.iter().any(|v| v.key == Key::new(Item::Procurement, Measure::Projects)));
        assert_eq!(r.template, Template::V2021);
        assert_eq!(r.template_of(Table::Proactive), Template::V2019, "{:?}", r.tables);
    }
    // Cells both formats have say nothing: the report's year decides.
    let grid = text_grid(
        "tidy",
        &[&["unit", "year", "item", "measure", "value"], &["新源县", "2021", "licensing", "decisions", "7"]],
    );
    let (reports, _) = xxgk::read::from_grid("新源县.xlsx", &[grid], None, None);
    assert_eq!(reports[0].template_of(Table::Proactive), Template::V2021);
}

#[test]
fn written_subtotals_are_checked_against_their_own_rows_parts() {
    // A 法人或其他组织小计 column and a group row with numbers: each written subtotal is checked
    // against the numbers of its own row (the column) or of its group's rows (the group row).
    let head = [
        "",
        "自然人",
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
        "法人或其他组织小计",
        "总计",
    ];
    let members = [
        "1.属于国家秘密",
        "2.其他法律行政法规禁止公开",
        "3.危及“三安全一稳定”",
        "4.保护第三方合法权益",
        "5.属于三类内部事务信息",
        "6.属于四类过程性信息",
        "7.属于行政执法案卷",
        "8.属于行政查询事项",
    ];
    let mut rows: Vec<Vec<&str>> = vec![
        head.to_vec(),
        vec!["一、本年新收政府信息公开申请数量", "3", "1", "0", "0", "2", "0", "3", "6"],
        vec!["二、上年结转政府信息公开申请数量", "1", "0", "0", "0", "0", "1", "5", "2"],
        vec!["三、本年度办理结果"],
        // 自然人 (1 + 1) and 总计 (1 + 2 + 1) agree with the members; 商业企业 (2) does not.
        vec!["（三）不予公开", "2", "1", "0", "0", "0", "0", "", "4"],
    ];
    for (i, label) in members.iter().enumerate() {
        let (person, firm, total) = match i {
            0 | 7 => ("1", "0", "1"),
            1 => ("0", "2", "2"),
            _ => ("0", "0", "0"),
        };
        rows.push(vec![label, person, firm, "0", "0", "0", "0", firm, total]);
    }
    let rows: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
    let (reports, loose) =
        xxgk::read::from_grid("新源县.xlsx", &[text_grid("表三", &rows)], Some("新源县"), Some(2022));
    assert_eq!(reports.len(), 1, "{loose:?}");
    let r = &reports[0];
    assert_eq!(r.get(Key::new(Item::CarriedOver, Measure::OtherOrg)).map(|v| v.value), Some(Some(1)));
    let subtotals: Vec<(String, &str)> = r
        .diagnostics
        .iter()
        .chain(&loose)
        .filter(|d| d.kind == DiagnosticKind::Subtotal)
        .map(|d| (d.location.to_string(), d.message.as_str()))
        .collect();
    assert_eq!(subtotals.len(), 2, "{subtotals:#?}");
    assert!(
        subtotals[0].0.ends_with("H3") && subtotals[0].1.ends_with("written as 5 but its parts sum to 1")
    );
    assert!(
        subtotals[1].0.ends_with("C5") && subtotals[1].1.ends_with("written as 1 but its parts sum to 2")
    );
}
