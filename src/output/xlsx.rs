//! The summed report as a workbook in the national layout (cargo feature `xlsx`).
//!
//! One sheet per group and year holds the three tables as the national form of that year's
//! template prints them — the same rows, columns, merged group headers and Chinese labels — so
//! an office can publish it, and xxgk reads it back as that group's report. Blank sums stay
//! blank; a sum that includes inferred values, or over which some units were blank, is shaded
//! and carries a note, as the legend sheet says. The legend, coverage, findings and tidy-rows
//! sheets begin with [`MARKER`](crate::report::MARKER), so the reader never takes them for reports.

use std::path::Path;

use polars::prelude::*;
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Note, Workbook, Worksheet, XlsxError};

use super::sums::{Group, Sum, Sums};
use crate::columns::{self as cols, polars_error};
use crate::error::{Error, ErrorKind, Location, Result};
use crate::form::Part;
use crate::report::MARKER;
use crate::schema::{Item, Key, Template, Unit};

/// What goes into the workbook: the rollup and its coverage (required), the validation findings
/// and the tidy rows (each a sheet of its own when given).
///
/// ```
/// # #[cfg(feature = "xlsx")] {
/// use xxgk::polars::prelude::*;
/// use xxgk::rollup::Level;
/// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/real");
/// let checked = xxgk::validate::reports(xxgk::read::ReadOptions::new().from_dir(dir)?.reports);
/// let tidy = xxgk::frame::tidy(&checked)?;
/// let rollup = xxgk::rollup::by(tidy.clone().lazy(), Level::Prefecture)?.collect()?;
/// let coverage = xxgk::rollup::coverage(tidy.clone().lazy(), Level::Prefecture)?.collect()?;
/// let findings = checked.frame()?;
/// let path = std::env::temp_dir().join("xxgk-doc-handover.xlsx");
/// let parts = xxgk::output::Handover { rollup: &rollup, coverage: &coverage, findings: Some(&findings), tidy: Some(&tidy) };
/// xxgk::output::xlsx(&path, &parts)?;
/// // Read back, the workbook is 伊犁州's summed 2022 report, and nothing else.
/// let back = xxgk::read::ReadOptions::new().from_path(&path)?;
/// assert_eq!(back.reports.len(), 1);
/// assert_eq!((back.reports[0].division_code, back.reports[0].year), (654000, 2022));
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Handover<'a> {
    /// A rollup frame ([`rollup::by`](crate::rollup::by), collected): one table sheet per group
    /// and year.
    pub rollup: &'a DataFrame,
    /// Its coverage ([`rollup::coverage`](crate::rollup::coverage), collected).
    pub coverage: &'a DataFrame,
    /// The findings of validation ([`Checked::frame`](crate::validate::Checked::frame)).
    pub findings: Option<&'a DataFrame>,
    /// The tidy rows ([`frame::tidy`](crate::frame::tidy)); split over sheets of a million rows.
    pub tidy: Option<&'a DataFrame>,
}

/// Write the workbook (see the module docs and [`Handover`] for what it holds).
pub fn xlsx(path: impl AsRef<Path>, parts: &Handover) -> Result<()> {
    let path = path.as_ref();
    let fail = |e: XlsxError| {
        Error::new(ErrorKind::Io {
            location: Location::file(path),
            source: std::io::Error::other(e.to_string()),
        })
    };
    let mut wb = Workbook::new();
    let styles = Styles::new();
    let sums = Sums::from(parts.rollup, "writing the workbook")?;
    let mut used: Vec<String> = Vec::new();
    for ((code, year), group) in &sums.groups {
        let name = sheet_name(&group.name, *code, *year, &used);
        used.push(name.clone());
        let ws = wb.add_worksheet().set_name(&name).map_err(fail)?;
        tables(ws, &styles, group, *code, *year).map_err(fail)?;
    }
    legend(wb.add_worksheet().set_name("说明").map_err(fail)?, &styles).map_err(fail)?;
    let coverage = coverage_rows(parts.coverage)?;
    let ws = wb.add_worksheet().set_name("覆盖情况").map_err(fail)?;
    frame_sheet(ws, &styles, "coverage", &coverage).map_err(fail)?;
    if let Some(findings) = parts.findings {
        let ws = wb.add_worksheet().set_name("勾稽检查").map_err(fail)?;
        frame_sheet(ws, &styles, "findings", findings).map_err(fail)?;
    }
    if let Some(tidy) = parts.tidy {
        const ROWS: usize = 1_000_000;
        for (i, start) in (0..tidy.height().max(1)).step_by(ROWS).enumerate() {
            let name = if i == 0 { "明细".to_string() } else { format!("明细{}", i + 1) };
            let ws = wb.add_worksheet().set_name(&name).map_err(fail)?;
            frame_sheet(ws, &styles, "tidy", &tidy.slice(start as i64, ROWS)).map_err(fail)?;
        }
    }
    wb.save(path).map_err(fail)
}

/// Write frames as a workbook of plain tables, one sheet each (named as given, up to 31
/// characters). Each sheet begins with [`MARKER`](crate::report::MARKER) and the sheet's name, so
/// that xxgk never reads the workbook back as reports; the frame's column names head the table.
///
/// ```
/// use xxgk::polars::prelude::*;
/// let df = df!("code" => [654025u32], "value" => [Some(4i64)])?;
/// let path = std::env::temp_dir().join("xxgk-doc-frames.xlsx");
/// xxgk::output::xlsx_frames(&path, &[("sums", &df)])?;
/// assert!(xxgk::read::ReadOptions::new().from_path(&path)?.reports.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn xlsx_frames(path: impl AsRef<Path>, sheets: &[(&str, &DataFrame)]) -> Result<()> {
    let path = path.as_ref();
    let fail = |e: XlsxError| {
        Error::new(ErrorKind::Io {
            location: Location::file(path),
            source: std::io::Error::other(e.to_string()),
        })
    };
    let mut wb = Workbook::new();
    let styles = Styles::new();
    for (name, df) in sheets {
        let short: String = name.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect();
        let ws = wb.add_worksheet().set_name(&short).map_err(fail)?;
        frame_sheet(ws, &styles, name, df).map_err(fail)?;
    }
    wb.save(path).map_err(fail)
}

/// A sheet name Excel accepts (31 characters, none of `[]:*?/\`), unique in the workbook.
fn sheet_name(name: &str, code: u32, year: i32, used: &[String]) -> String {
    let clean: String = name.chars().filter(|c| !"[]:*?/\\".contains(*c)).collect();
    let short = |s: String| s.chars().take(31).collect::<String>();
    let first = short(format!("{clean}{year}"));
    if !used.contains(&first) { first } else { short(format!("{clean}{code}-{year}")) }
}

/// The formats of the workbook.
struct Styles {
    title: Format,
    label: Format,
    header: Format,
    number: Format,
    inferred: Format,
    partial: Format,
    plain: Format,
}

impl Styles {
    fn new() -> Styles {
        let cell = Format::new().set_border(FormatBorder::Thin).set_align(FormatAlign::VerticalCenter);
        let number = cell.clone().set_align(FormatAlign::Right);
        Styles {
            title: Format::new().set_bold().set_font_size(14).set_align(FormatAlign::Center),
            label: cell.clone().set_text_wrap(),
            header: cell.clone().set_bold().set_align(FormatAlign::Center).set_text_wrap(),
            inferred: number.clone().set_background_color(Color::RGB(0xFFF2CC)),
            partial: number.clone().set_background_color(Color::RGB(0xDDEBF7)),
            number,
            plain: Format::new(),
        }
    }
}

type Sheet = Worksheet;
type Res = std::result::Result<(), XlsxError>;

/// A merged region with its text (or one cell when the region is a single cell).
fn region(ws: &mut Sheet, (r0, c0): (u32, u16), (r1, c1): (u32, u16), text: &str, format: &Format) -> Res {
    if (r0, c0) == (r1, c1) {
        ws.write_string_with_format(r0, c0, text, format)?;
    } else {
        ws.merge_range(r0, c0, r1, c1, text, format)?;
    }
    Ok(())
}

/// The three tables of one group and year, in the national layout of the year's template.
fn tables(ws: &mut Sheet, styles: &Styles, group: &Group, code: u32, year: i32) -> Res {
    let t = Template::for_year(year);
    // Printed as the form is: landscape A4, the tables one page wide.
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_column_width(0, 6)?;
    ws.set_column_width(1, 10)?;
    ws.set_column_width(2, 34)?;
    for c in 3..15 {
        ws.set_column_width(c, 11)?;
    }
    let what = if group.level == "unit" { "" } else { "（汇总）" };
    let title = format!("{}（{code}）{year}年政府信息公开工作年度报告统计表{what}", group.name);
    let form = crate::form::national(t, &title);
    for text in &form.texts {
        let format = match text.part {
            Part::Title => &styles.title,
            Part::Header => &styles.header,
            Part::Label => &styles.label,
        };
        region(ws, at(text.first), at(text.last), &text.text, format)?;
    }
    for slot in &form.slots {
        value(ws, styles, at(slot.at), slot.key, group.cells.get(&slot.key), slot.span as u16)?;
    }
    Ok(())
}

/// A form cell as the workbook addresses it (the form is 15 columns wide).
fn at((row, col): (u32, u32)) -> (u32, u16) {
    (row, col as u16)
}

/// One value cell: blank stays blank; money in the unit its header states; shaded and noted
/// where the sum includes inferred values or leaves out blank units.
fn value(
    ws: &mut Sheet,
    styles: &Styles,
    (row, col): (u32, u16),
    key: Key,
    sum: Option<&Sum>,
    span: u16,
) -> Res {
    let format = match sum {
        Some(s) if s.inferred_units > 0 => &styles.inferred,
        Some(s) if s.blank_units > 0 => &styles.partial,
        _ => &styles.number,
    };
    if span > 1 {
        ws.merge_range(row, col, row, col + span - 1, "", format)?;
    }
    let Some(s) = sum else {
        return ws.write_blank(row, col, format).map(|_| ());
    };
    match s.value {
        None => {
            ws.write_blank(row, col, format)?;
        }
        Some(v) if key.measure.unit() == Unit::Money => {
            // 万元 under the 2021 fee header, 元 elsewhere: written from the exact 分, so the
            // number reads back to the same 分.
            let text = if key.item == Item::Fees { decimal(v, 1_000_000) } else { decimal(v, 100) };
            ws.write_number_with_format(row, col, text.parse::<f64>().unwrap_or(0.0), format)?;
        }
        Some(v) => {
            ws.write_number_with_format(row, col, v as f64, format)?;
        }
    }
    let mut said = Vec::new();
    if s.inferred_units > 0 {
        said.push(format!(
            "含 {} 个单位的推算值（由勾稽关系推出） — {} inferred",
            s.inferred_units, s.inferred_units
        ));
    }
    if s.blank_units > 0 {
        said.push(format!("{} 个单位此格空白，未计入 — {} units blank", s.blank_units, s.blank_units));
    }
    if !said.is_empty() {
        ws.insert_note(row, col, &Note::new(said.join("\n")).add_author_prefix(false))?;
    }
    Ok(())
}

/// `v` divided by `unit` as an exact decimal: `decimal(439074500, 1_000_000)` is `439.0745`.
fn decimal(v: i64, unit: i64) -> String {
    let digits = unit.ilog10() as usize;
    let (whole, part) = (v / unit, (v % unit).abs());
    let sign = if v < 0 && whole == 0 { "-" } else { "" };
    let part = format!("{part:0digits$}");
    let part = part.trim_end_matches('0');
    if part.is_empty() { format!("{sign}{whole}") } else { format!("{sign}{whole}.{part}") }
}

/// The legend: what the shading and the notes mean.
fn legend(ws: &mut Sheet, styles: &Styles) -> Res {
    ws.write_string(0, 0, format!("{MARKER}legend"))?;
    ws.set_column_width(1, 80)?;
    let rows: [(&str, &Format); 4] = [
        ("各表为本级所辖单位报告之和；空白格为所有单位均未填写（空白不等于 0）。", &styles.plain),
        ("黄色：该合计含由勾稽关系推出的数值（单元格批注注明单位数）。", &styles.inferred),
        ("蓝色：部分单位该格空白，合计只含已填写的单位（单元格批注注明单位数）。", &styles.partial),
        (
            "“覆盖情况”列出应报、已报、未报单位；“勾稽检查”列出不平衡之处及推算值；“明细”为逐项数据。",
            &styles.plain,
        ),
    ];
    for (i, (text, format)) in rows.iter().enumerate() {
        ws.write_string_with_format(i as u32 + 1, 1, *text, format)?;
    }
    Ok(())
}

/// The coverage frame with the lists of units as names.
fn coverage_rows(coverage: &DataFrame) -> Result<DataFrame> {
    let err = |e| polars_error("writing the workbook", e);
    let reg = crate::divisions::registry();
    let names = |column: &str| -> Result<Column> {
        let list = coverage.column(column).map_err(err)?.list().map_err(err)?.clone();
        let text: Vec<String> = (0..list.len())
            .map(|i| {
                let units = list.get_as_series(i).and_then(|s| s.cast(&DataType::UInt32).ok());
                units
                    .map(|s| {
                        s.u32()
                            .map(|u| {
                                u.iter()
                                    .flatten()
                                    .map(|c| reg.get(c).map_or_else(|| c.to_string(), |d| d.name.clone()))
                                    .collect::<Vec<_>>()
                                    .join("、")
                            })
                            .unwrap_or_default()
                    })
                    .unwrap_or_default()
            })
            .collect();
        Ok(Column::new(column.into(), text))
    };
    let mut out = coverage
        .select([cols::LEVEL, cols::CODE, cols::NAME, cols::YEAR, cols::UNITS_REPORTED, cols::UNITS_EXPECTED])
        .map_err(err)?;
    for column in ["missing", "outside"] {
        out.with_column(names(column)?).map_err(err)?;
    }
    Ok(out)
}

/// A frame as a plain table under its marker: a header row, then one row per frame row.
fn frame_sheet(ws: &mut Sheet, styles: &Styles, what: &str, df: &DataFrame) -> Res {
    ws.write_string(0, 0, format!("{MARKER}{what}"))?;
    for (c, column) in df.columns().iter().enumerate() {
        let c = c as u16;
        ws.write_string_with_format(1, c, column.name().as_str(), &styles.header)?;
        let s = column.as_materialized_series();
        match s.dtype() {
            dt if dt.is_integer() => {
                let v = s.cast(&DataType::Int64).map_err(|e| XlsxError::ParameterError(e.to_string()))?;
                for (r, x) in
                    v.i64().map_err(|e| XlsxError::ParameterError(e.to_string()))?.iter().enumerate()
                {
                    if let Some(x) = x {
                        ws.write_number(r as u32 + 2, c, x as f64)?;
                    }
                }
            }
            DataType::Float64 | DataType::Float32 => {
                let v = s.cast(&DataType::Float64).map_err(|e| XlsxError::ParameterError(e.to_string()))?;
                for (r, x) in
                    v.f64().map_err(|e| XlsxError::ParameterError(e.to_string()))?.iter().enumerate()
                {
                    if let Some(x) = x.filter(|x| x.is_finite()) {
                        ws.write_number(r as u32 + 2, c, x)?;
                    }
                }
            }
            _ => {
                let v = s.cast(&DataType::String).map_err(|e| XlsxError::ParameterError(e.to_string()))?;
                for (r, x) in
                    v.str().map_err(|e| XlsxError::ParameterError(e.to_string()))?.iter().enumerate()
                {
                    if let Some(x) = x {
                        ws.write_string(r as u32 + 2, c, x)?;
                    }
                }
            }
        }
    }
    Ok(())
}
