//! Writing report workbooks: the synthetic sample prefecture, the transcribed 新源县 2022 report,
//! and (for benchmarks) datasets of any size.
//!
//! Shared by `examples/generate_dataset`, the benches and the tests (`#[path]` includes), so
//! there is one writer of test workbooks. Every number written is recorded as expected.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::error::Error;
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Format, Workbook, Worksheet};
use xxgk::normalize::yuan;
use xxgk::schema::{Item, Key, Measure, Table, Template, Unit, cells, measures};

pub type Res<T> = Result<T, Box<dyn Error>>;

/// One report's published cells: `None` is written blank (a dash, 无, or an empty cell).
pub type Values = BTreeMap<Key, Option<i64>>;

/// The 11 county-level units 伊犁哈萨克自治州 administers directly.
pub const YILI: &[(u32, &str)] = &[
    (654002, "伊宁市"),
    (654003, "奎屯市"),
    (654004, "霍尔果斯市"),
    (654021, "伊宁县"),
    (654022, "察布查尔锡伯自治县"),
    (654023, "霍城县"),
    (654024, "巩留县"),
    (654025, "新源县"),
    (654026, "昭苏县"),
    (654027, "特克斯县"),
    (654028, "尼勒克县"),
];

/// How a workbook is laid out and written: the variations real offices produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// The national template: one sheet, merged group cells, three-row merged header, title.
    Template,
    /// The three tables on three sheets, starting at an offset.
    ThreeSheets,
    /// Half-width brackets with spaces, straight quotes, numbering left out, labels and headers
    /// broken over lines, no merged cells.
    Messy,
    /// Numbers stored as text, some zeros written as —, -, /, 无 or left empty, an extra
    /// 法人或其他组织小计 column.
    TextAndBlanks,
}

/// A small deterministic generator (splitmix64): the sample must be the same on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// 0..n
    pub fn below(&mut self, n: u64) -> i64 {
        (self.next() % n.max(1)) as i64
    }
    /// A small count, mostly 0.
    pub fn count(&mut self, scale: u64) -> i64 {
        if self.below(3) == 0 { self.below(scale + 1) } else { 0 }
    }
}

/// What a unit carries from one year to the next, so the cross-year identities hold.
#[derive(Clone, Debug, Default)]
pub struct Carry {
    carried_forward: BTreeMap<Measure, i64>,
    in_force: BTreeMap<Item, i64>,
    prev_items: BTreeMap<Item, (i64, i64)>,
}

/// A consistent report: every identity of the format holds (A1–A4, S1–S5 against `carry`).
pub fn consistent(year: i32, rng: &mut Rng, carry: &mut Carry) -> BTreeMap<Key, i64> {
    let t = Template::for_year(year);
    let mut v: BTreeMap<Key, i64> = BTreeMap::new();
    let cols: Vec<Measure> =
        measures(Table::Applications, t).into_iter().filter(|&m| m != Measure::Total).collect();
    let leaves: Vec<Item> = cells(t)
        .iter()
        .filter(|k| k.table == Table::Applications && k.measure == Measure::Total)
        .map(|k| k.item)
        .filter(|i| !matches!(i, Item::NewReceived | Item::CarriedOver | Item::Total | Item::CarriedForward))
        .collect();
    for &c in &cols {
        let scale = if c == Measure::NaturalPerson { 6 } else { 2 };
        let mut total = 0;
        for &i in &leaves {
            let x = if i == Item::Granted { rng.count(scale * 3) } else { rng.count(scale) / 2 };
            v.insert(Key::new(i, c), x);
            total += x;
        }
        let co = carry.carried_forward.get(&c).copied().unwrap_or(0);
        let mut cf = rng.count(2);
        let mut new = total + cf - co;
        if new < 0 {
            cf -= new;
            new = 0;
        }
        v.insert(Key::new(Item::Total, c), total);
        v.insert(Key::new(Item::CarriedOver, c), co);
        v.insert(Key::new(Item::CarriedForward, c), cf);
        v.insert(Key::new(Item::NewReceived, c), new);
        carry.carried_forward.insert(c, cf);
    }
    for k in cells(t).iter().filter(|k| k.table == Table::Applications && k.measure == Measure::Total) {
        let sum = cols.iter().map(|&c| v[&Key::new(k.item, c)]).sum();
        v.insert(*k, sum);
    }
    for block in [Item::Review, Item::LitigationDirect, Item::LitigationAfterReview] {
        let parts = [Measure::Upheld, Measure::Corrected, Measure::Other, Measure::Pending];
        let mut total = 0;
        for m in parts {
            let x = rng.count(2);
            v.insert(Key::new(block, m), x);
            total += x;
        }
        v.insert(Key::new(block, Measure::Total), total);
    }
    match t {
        Template::V2021 => {
            for i in [Item::Regulations, Item::NormativeDocuments] {
                let issued = if i == Item::Regulations { 0 } else { rng.below(30) };
                let before = carry.in_force.get(&i).copied().unwrap_or(issued * 3 + rng.below(50));
                let repealed = rng.below(before.min(10) as u64 + 1);
                let in_force = before + issued - repealed;
                carry.in_force.insert(i, in_force);
                v.insert(Key::new(i, Measure::Issued), issued);
                v.insert(Key::new(i, Measure::Repealed), repealed);
                v.insert(Key::new(i, Measure::InForce), in_force);
            }
            v.insert(Key::new(Item::Licensing, Measure::Decisions), rng.below(9000));
            v.insert(Key::new(Item::Penalty, Measure::Decisions), rng.below(400));
            v.insert(Key::new(Item::Coercion, Measure::Decisions), rng.below(60));
            // 万元 with up to six decimals: an amount in 元 and 分.
            v.insert(Key::new(Item::Fees, Measure::Amount), rng.below(5_000_000) * 100 + rng.below(100));
        }
        Template::V2019 => {
            for i in [Item::Regulations, Item::NormativeDocuments] {
                let made = if i == Item::Regulations { 0 } else { rng.below(30) };
                let disclosed = made;
                v.insert(Key::new(i, Measure::Made), made);
                v.insert(Key::new(i, Measure::Disclosed), disclosed);
                v.insert(Key::new(i, Measure::DisclosedTotal), disclosed + rng.below(200));
            }
            for i in [Item::Licensing, Item::OtherServices, Item::Penalty, Item::Coercion, Item::Fees] {
                let (prev, change) = carry.prev_items.get(&i).copied().unwrap_or((rng.below(300), 0));
                let prev = prev + change;
                let change = rng.below(21) - 10;
                let change = change.max(-prev);
                carry.prev_items.insert(i, (prev, change));
                v.insert(Key::new(i, Measure::PrevItems), prev);
                v.insert(Key::new(i, Measure::ItemsChange), change);
                if i != Item::Fees {
                    v.insert(Key::new(i, Measure::Decisions), rng.below(3000));
                }
            }
            v.insert(Key::new(Item::Procurement, Measure::Projects), rng.below(40));
            v.insert(Key::new(Item::Procurement, Measure::Amount), rng.below(90_000_000) * 100);
        }
        // A template this generator does not know yet: no proactive values.
        _ => {}
    }
    debug_assert!(v.keys().all(|k| cells(t).contains(k)));
    v
}

/// Some zeros written blank (—, -, /, 无, empty): what is written is what is expected.
pub fn blank_some_zeros(values: &BTreeMap<Key, i64>, rng: &mut Rng) -> Values {
    values.iter().map(|(k, &v)| (*k, if v == 0 && rng.below(4) == 0 { None } else { Some(v) })).collect()
}

/// The 新源县 2022 report, transcribed from its published PDF (see data/README.md): two
/// values cannot be known and stay blank — 行政规范性文件's three columns (the text reads
/// "30 80" for three cells) and 本年新收 › 其他 (lost in extraction).
pub fn xinyuan_2022() -> Values {
    let t = Template::V2021;
    let mut v: Values = cells(t).iter().map(|k| (*k, Some(0))).collect();
    let mut set = |item: Item, m: Measure, x: Option<i64>| {
        v.insert(Key::new(item, m), x);
    };
    for m in [Measure::Issued, Measure::Repealed, Measure::InForce] {
        set(Item::NormativeDocuments, m, None);
    }
    set(Item::Licensing, Measure::Decisions, Some(8209));
    set(Item::Penalty, Measure::Decisions, Some(119));
    set(Item::Coercion, Measure::Decisions, Some(29));
    set(Item::Fees, Measure::Amount, Some(439_074_500)); // 439.0745 万元
    let app = |row: &[i64]| -> Vec<(Measure, i64)> {
        measures(Table::Applications, t).into_iter().zip(row.iter().copied()).collect()
    };
    for (m, x) in app(&[3, 0, 0, 0, 2, 0, 5]) {
        set(Item::NewReceived, m, if m == Measure::OtherOrg { None } else { Some(x) });
    }
    for (m, x) in app(&[3, 0, 0, 0, 1, 0, 4]) {
        set(Item::Granted, m, Some(x));
    }
    for (m, x) in app(&[0, 0, 0, 0, 1, 0, 1]) {
        set(Item::WithheldInternalAffairs, m, Some(x));
    }
    for (m, x) in app(&[3, 0, 0, 0, 2, 0, 5]) {
        set(Item::Total, m, Some(x));
    }
    set(Item::Review, Measure::Other, Some(1));
    set(Item::Review, Measure::Total, Some(1));
    v
}

// ───────────────────────────── writing ─────────────────────────────

/// A sheet being drawn: cells and merges, then written to a worksheet.
#[derive(Default)]
struct Canvas {
    cells: Vec<(u32, u16, CellOut)>,
    merges: Vec<(u32, u16, u32, u16, String)>,
}

enum CellOut {
    Text(String),
    Number(f64),
}

impl Canvas {
    fn text(&mut self, r: u32, c: u16, s: impl Into<String>) {
        self.cells.push((r, c, CellOut::Text(s.into())));
    }
    fn number(&mut self, r: u32, c: u16, x: f64) {
        self.cells.push((r, c, CellOut::Number(x)));
    }
    /// A label over a region: merged when `merge`, else written in the top-left cell only.
    fn region(&mut self, merge: bool, r1: u32, c1: u16, r2: u32, c2: u16, s: &str) {
        if merge && (r1 != r2 || c1 != c2) {
            self.merges.push((r1, c1, r2, c2, s.to_string()));
        } else {
            self.text(r1, c1, s);
        }
    }
    fn write(&self, ws: &mut Worksheet) -> Res<()> {
        let fmt = Format::new();
        for (r1, c1, r2, c2, s) in &self.merges {
            ws.merge_range(*r1, *c1, *r2, *c2, s, &fmt)?;
        }
        for (r, c, v) in &self.cells {
            match v {
                CellOut::Text(s) => ws.write_string(*r, *c, s)?,
                CellOut::Number(x) => ws.write_number(*r, *c, *x)?,
            };
        }
        Ok(())
    }
}

impl Canvas {
    /// The canvas as HTML tables, the way government sites publish a report: merged regions as
    /// `rowspan`/`colspan`, line breaks as `<br>`, 商业企业 broken as `商业<br>企业`, some long
    /// labels split over `<span>`s, empty cells as `&nbsp;`. `split` cuts the table in two at a
    /// row in table 三 that no merge crosses; `unclosed` leaves out `</td>` and `</tr>`, as
    /// hand-written pages do (a parser closes them).
    fn html(&self, split: bool, unclosed: bool) -> String {
        let mut text: BTreeMap<(u32, u16), String> = BTreeMap::new();
        for (r, c, v) in &self.cells {
            let s = match v {
                CellOut::Text(s) => s.clone(),
                CellOut::Number(x) => format!("{x}"),
            };
            text.insert((*r, *c), s);
        }
        let mut span: BTreeMap<(u32, u16), (u32, u16)> = BTreeMap::new();
        let mut covered = std::collections::BTreeSet::new();
        for (r1, c1, r2, c2, s) in &self.merges {
            text.insert((*r1, *c1), s.clone());
            span.insert((*r1, *c1), (r2 - r1 + 1, c2 - c1 + 1));
            for r in *r1..=*r2 {
                for c in *c1..=*c2 {
                    if (r, c) != (*r1, *c1) {
                        covered.insert((r, c));
                    }
                }
            }
        }
        let rows =
            text.keys().map(|k| k.0).chain(covered.iter().map(|k: &(u32, u16)| k.0)).max().unwrap_or(0);
        let cols =
            text.keys().map(|k| k.1).chain(covered.iter().map(|k: &(u32, u16)| k.1)).max().unwrap_or(0);
        // Where to split: the first row after the middle of table 三 that no merge crosses.
        let start_of_three = text.iter().find(|(_, t)| t.starts_with("三、收到")).map(|(k, _)| k.0);
        let cut = match (split, start_of_three) {
            (true, Some(s)) => {
                (s + 12..rows).find(|&r| self.merges.iter().all(|(r1, _, r2, _, _)| !(*r1 < r && r <= *r2)))
            }
            _ => None,
        };
        let (td_end, tr_end) = if unclosed { ("", "") } else { ("</td>", "</tr>") };
        let mut out = String::from("<table border=\"1\" cellspacing=\"0\">\n");
        let mut turn = 0;
        for r in 0..=rows {
            if Some(r) == cut {
                out.push_str("</table>\n<p>（续表）</p>\n<table border=\"1\" cellspacing=\"0\">\n");
            }
            out.push_str("<tr>");
            for c in 0..=cols {
                if covered.contains(&(r, c)) {
                    continue;
                }
                let attrs = match span.get(&(r, c)) {
                    Some((rs, cs)) => {
                        let mut a = String::new();
                        if *rs > 1 {
                            a.push_str(&format!(" rowspan=\"{rs}\""));
                        }
                        if *cs > 1 {
                            a.push_str(&format!(" colspan=\"{cs}\""));
                        }
                        a
                    }
                    None => String::new(),
                };
                let body = match text.get(&(r, c)) {
                    None => "&nbsp;".to_string(),
                    Some(t) if t == "商业企业" => "商业<br>企业".to_string(),
                    Some(t) if t.chars().count() > 8 && !t.contains('\n') => {
                        turn += 1;
                        if turn % 3 == 0 {
                            let half = t.chars().count() / 2;
                            let (a, b): (String, String) =
                                (t.chars().take(half).collect(), t.chars().skip(half).collect());
                            format!("<span>{a}</span><span style=\"font-size:12px\">{b}</span>")
                        } else {
                            t.clone()
                        }
                    }
                    Some(t) => t.replace('\n', "<br>"),
                };
                out.push_str(&format!("<td{attrs}>{body}{td_end}"));
            }
            out.push_str(&format!("{tr_end}\n"));
        }
        out.push_str("</table>\n");
        out
    }
}

/// How a page's bytes are written and declared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Charset {
    /// UTF-8, declared `<meta charset="utf-8">`.
    Utf8,
    /// GBK bytes, declared `gb2312` (as many government sites do).
    Gb2312,
    /// GBK bytes with no declaration at all.
    GbkUndeclared,
}

/// How a published page is put together.
#[derive(Clone, Copy, Debug)]
pub struct Page {
    pub charset: Charset,
    /// The report inside a one-cell layout table, with the site's header around it.
    pub layout: bool,
    /// `</td>` and `</tr>` left out.
    pub unclosed: bool,
    /// Table 三 cut over two tables.
    pub split: bool,
}

/// Write one report as a published HTML page, its tables drawn in `style` (`ThreeSheets`: three
/// tables under headings of their own; otherwise one big table).
#[allow(clippy::too_many_arguments)] // one call per fixture; a struct would only rename them
pub fn write_html(
    path: &Path,
    unit: &str,
    year: i32,
    values: &Values,
    style: Style,
    seed: u64,
    page: Page,
    synthetic: bool,
) -> Res<()> {
    let t = Template::for_year(year);
    let mut pen = Pen::new(style, values, seed);
    let heading = title(unit, year);
    let mut body = String::new();
    if style == Style::ThreeSheets {
        for draw in 0..3 {
            let mut cv = Canvas::default();
            match draw {
                0 => draw_proactive(&mut cv, &mut pen, t, 0, 0),
                1 => draw_applications(&mut cv, &mut pen, t, 0, 0),
                _ => draw_review(&mut cv, &mut pen, 0, 0),
            };
            // The heading as a paragraph above its table, as most sites write it.
            let heading_text = match &cv.cells[0].2 {
                CellOut::Text(s) => s.clone(),
                CellOut::Number(_) => String::new(),
            };
            cv.cells.remove(0);
            body.push_str(&format!("<p style=\"text-indent:2em\"><strong>{heading_text}</strong></p>\n"));
            body.push_str(&cv.html(page.split && draw == 1, page.unclosed));
        }
    } else {
        let mut cv = Canvas::default();
        let r = draw_proactive(&mut cv, &mut pen, t, 0, 0);
        let r = draw_applications(&mut cv, &mut pen, t, r, 0);
        draw_review(&mut cv, &mut pen, r, 0);
        body.push_str(&cv.html(page.split, page.unclosed));
    }
    if synthetic {
        body.push_str(&format!("<p>{SYNTHETIC}</p>\n"));
    }
    let declaration = match page.charset {
        Charset::Utf8 => "<meta charset=\"utf-8\">",
        Charset::Gb2312 => "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">",
        Charset::GbkUndeclared => "",
    };
    let article = format!(
        "<h1 style=\"text-align:center\">{heading}</h1>\n<p>来源：{unit}人民政府办公室　发布时间：{}-01-20</p>\n{body}",
        year + 1
    );
    let main = if page.layout {
        format!(
            "<table width=\"100%\" class=\"layout\"><tr><td class=\"nav\"><a href=\"/\">首页</a> &gt; 政府信息公开 &gt; 年度报告</td></tr>\n<tr><td>\n{article}</td></tr></table>"
        )
    } else {
        article
    };
    let html = format!(
        "<!DOCTYPE html>\n<html>\n<head>\n{declaration}\n<title>{heading}_{unit}人民政府</title>\n<style>td {{ border: 1px solid #000; }}</style>\n</head>\n<body>\n{main}\n</body>\n</html>\n"
    );
    let bytes = match page.charset {
        Charset::Utf8 => html.into_bytes(),
        Charset::Gb2312 | Charset::GbkUndeclared => encoding_rs::GBK.encode(&html).0.into_owned(),
    };
    std::fs::write(path, bytes)?;
    Ok(())
}

/// Where values go and how they look.
struct Pen<'a> {
    style: Style,
    values: &'a Values,
    blank_tokens: &'a [&'a str],
    turn: usize,
}

impl<'a> Pen<'a> {
    /// A pen for `style`: how it writes blanks depends on the style, which one on `seed`.
    fn new(style: Style, values: &'a Values, seed: u64) -> Pen<'a> {
        let blank_tokens: &[&str] = match style {
            Style::TextAndBlanks => &["—", "-", "/", "无", ""],
            _ => &["", "—"],
        };
        Pen { style, values, blank_tokens, turn: seed as usize }
    }

    fn put(&mut self, cv: &mut Canvas, r: u32, c: u16, key: Key) {
        let Some(slot) = self.values.get(&key) else { return };
        match slot {
            None => {
                let token = self.blank_tokens[self.turn % self.blank_tokens.len()];
                self.turn += 1;
                if !token.is_empty() {
                    cv.text(r, c, token);
                }
            }
            Some(x) => {
                let text = match key.measure.unit() {
                    Unit::Money if key.item == Item::Fees => wan(*x),
                    Unit::Money => yuan(*x),
                    Unit::SignedCount if *x > 0 => format!("+{x}"),
                    _ => x.to_string(),
                };
                if self.style == Style::TextAndBlanks || key.measure.unit() == Unit::SignedCount {
                    cv.text(r, c, text);
                } else {
                    cv.number(r, c, text.parse::<f64>().unwrap_or(*x as f64));
                }
            }
        }
    }
}

/// 分 as 万元 with up to six decimals.
fn wan(fen: i64) -> String {
    let s = format!("{}.{:06}", fen / 1_000_000, fen % 1_000_000);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn label(style: Style, item: Item, t: Template, with_number: bool) -> String {
    let text = item.label_in(t);
    let numbering = if with_number { item.numbering().unwrap_or("") } else { "" };
    match style {
        Style::Messy => {
            let numbering = numbering.replace('（', "(").replace('）', ") ").replace('.', ". ");
            // Numbering left out of the sub-items whose text alone is unambiguous.
            let numbering = if item.parent().is_some_and(|p| p != Item::Outcomes) && item != Item::OtherOther
            {
                String::new()
            } else {
                numbering
            };
            let text =
                text.replace(['“', '”'], "\"").replace('（', " (").replace('）', ")").replace('，', ", ");
            let mut s = format!("{numbering}{text}");
            if s.chars().count() > 12 {
                let cut: String = s.chars().take(10).collect();
                let rest: String = s.chars().skip(10).collect();
                s = format!("{cut}\n{rest}");
            }
            s
        }
        _ => format!("{numbering}{text}"),
    }
}

fn title(unit: &str, year: i32) -> String {
    format!("{unit}{year}年政府信息公开工作年度报告")
}

/// Draw table 二 at (r, c); returns the next free row.
fn draw_proactive(cv: &mut Canvas, pen: &mut Pen, t: Template, r: u32, c: u16) -> u32 {
    let merge = pen.style != Style::Messy;
    cv.text(r, c, "二、主动公开政府信息情况");
    let mut r = r + 1;
    for caption in xxgk::schema::captions(t) {
        let items: Vec<Item> =
            Item::ALL.iter().copied().filter(|i| i.caption() == Some(caption) && i.in_template(t)).collect();
        let ms = xxgk::schema::measures_of(items[0], t);
        cv.region(merge, r, c, r, c + ms.len() as u16, caption.label());
        r += 1;
        cv.text(r, c, "信息内容");
        for (j, m) in ms.iter().enumerate() {
            let mut head = m.label_in(t).to_string();
            if pen.style == Style::Messy && head.starts_with("本年新") {
                head = head.replacen("本年新", "本年新\n", 1);
            }
            cv.text(r, c + 1 + j as u16, head);
        }
        r += 1;
        for item in items {
            cv.text(r, c, item.label_in(t));
            for (j, m) in ms.iter().enumerate() {
                pen.put(cv, r, c + 1 + j as u16, Key::new(item, *m));
            }
            r += 1;
        }
    }
    r + 1
}

/// Draw table 三 at (r, c); returns the next free row.
fn draw_applications(cv: &mut Canvas, pen: &mut Pen, t: Template, r: u32, c: u16) -> u32 {
    let style = pen.style;
    let merge = style != Style::Messy;
    let subtotal = style == Style::TextAndBlanks;
    cv.text(r, c, "三、收到和处理政府信息公开申请情况");
    let h = r + 1;
    let lc = c + 3; // first value column
    let cols = measures(Table::Applications, t);
    // Value columns, with the optional 小计 after the five organisations.
    let mut col_of: Vec<(Measure, u16)> = Vec::new();
    let mut x = lc;
    for &m in &cols {
        col_of.push((m, x));
        x += 1;
        if subtotal && m == Measure::OtherOrg {
            x += 1;
        }
    }
    let last = x - 1;
    cv.region(
        merge,
        h,
        c,
        h + 2,
        c + 2,
        "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
    );
    cv.region(merge, h, lc, h, last, "申请人情况");
    for &(m, col) in &col_of {
        let head = match (style, m) {
            (Style::Messy, Measure::CommercialEnterprise) => "商业企\n业".to_string(),
            (Style::Messy, Measure::LegalServiceOrg) => "法律/服务/机构".to_string(),
            (Style::Messy, Measure::SocialWelfareOrg) => "社会公益".to_string(),
            _ => m.label().to_string(),
        };
        if matches!(m, Measure::NaturalPerson | Measure::Total) {
            cv.region(merge, h + 1, col, h + 2, col, &head);
        } else {
            cv.text(h + 2, col, head);
        }
    }
    let org_first = col_of[1].1;
    cv.region(merge, h + 1, org_first, h + 1, last - 1, "法人或其他组织");
    if subtotal {
        cv.text(h + 2, col_of[5].1 + 1, "小计");
    }
    let mut r = h + 3;
    let rows: Vec<Item> = Item::ALL
        .iter()
        .copied()
        .filter(|i| i.table() == Table::Applications && i.in_template(t) && !i.is_heading())
        .collect();
    let outcome_first = r + 2;
    let outcome_rows: Vec<Item> = rows.iter().copied().filter(|i| i.parent().is_some()).collect();
    let mut group_start: Option<(Item, u32)> = None;
    for &item in &rows {
        let is_group = !item.members(t).is_empty();
        if is_group {
            group_start = Some((item, r));
            continue; // drawn beside its members
        }
        match item.parent() {
            None => cv.region(merge, r, c, r, c + 2, &label(style, item, t, true)),
            Some(Item::Outcomes) => cv.region(merge, r, c + 1, r, c + 2, &label(style, item, t, true)),
            Some(g) => {
                if let Some((group, first)) = group_start.filter(|(gi, _)| *gi == g) {
                    let members = g.members(t).len() as u32;
                    if r == first {
                        let text = if style == Style::Messy && g == Item::Other {
                            label(style, group, t, true).replace("处理", "")
                        } else {
                            label(style, group, t, true)
                        };
                        cv.region(merge, first, c + 1, first + members - 1, c + 1, &text);
                    }
                }
                cv.text(r, c + 2, label(style, item, t, true));
            }
        }
        for &(m, col) in &col_of {
            pen.put(cv, r, col, Key::new(item, m));
        }
        if subtotal {
            let orgs: Option<i64> = col_of[1..6]
                .iter()
                .map(|&(m, _)| pen.values.get(&Key::new(item, m)).copied().flatten())
                .try_fold(0, |a, b| b.map(|b| a + b));
            if let Some(s) = orgs {
                cv.text(r, col_of[5].1 + 1, s.to_string());
            }
        }
        r += 1;
    }
    if !outcome_rows.is_empty() {
        cv.region(
            merge,
            outcome_first,
            c,
            outcome_first + outcome_rows.len() as u32 - 1 - count_groups(t),
            c,
            "三、本年度办理结果",
        );
    }
    r + 1
}

fn count_groups(t: Template) -> u32 {
    Item::ALL
        .iter()
        .filter(|i| i.table() == Table::Applications && i.in_template(t) && !i.members(t).is_empty())
        .count() as u32
}

/// Draw table 四 at (r, c); returns the next free row.
fn draw_review(cv: &mut Canvas, pen: &mut Pen, r: u32, c: u16) -> u32 {
    let merge = pen.style != Style::Messy;
    cv.text(r, c, "四、政府信息公开行政复议、行政诉讼情况");
    let h = r + 1;
    cv.region(merge, h, c, h + 1, c + 4, "行政复议");
    cv.region(merge, h, c + 5, h, c + 14, "行政诉讼");
    cv.region(merge, h + 1, c + 5, h + 1, c + 9, "未经复议直接起诉");
    cv.region(merge, h + 1, c + 10, h + 1, c + 14, "复议后起诉");
    let ms = [Measure::Upheld, Measure::Corrected, Measure::Other, Measure::Pending, Measure::Total];
    for (b, block) in [Item::Review, Item::LitigationDirect, Item::LitigationAfterReview].iter().enumerate() {
        for (j, m) in ms.iter().enumerate() {
            let col = c + (b * 5 + j) as u16;
            cv.text(h + 2, col, m.label());
            pen.put(cv, h + 3, col, Key::new(*block, *m));
        }
    }
    h + 5
}

/// The note every synthetic sheet carries.
pub const SYNTHETIC: &str =
    "注：本表为 xxgk 生成的合成样例数据，并非真实报告 (synthetic sample data, not a real report)";

/// Write one report as a workbook in `style`.
pub fn write_report(
    path: &Path,
    unit: Option<&str>,
    year: i32,
    values: &Values,
    style: Style,
    seed: u64,
    synthetic: bool,
) -> Res<()> {
    let mut wb = Workbook::new();
    add_report_sheets(&mut wb, None, unit, year, values, style, seed, synthetic)?;
    wb.save(path)?;
    Ok(())
}

/// Add one report's sheet(s) to a workbook; `sheet` names the single sheet (collection layout).
#[allow(clippy::too_many_arguments)] // one call site per layout; a struct would only rename them
pub fn add_report_sheets(
    wb: &mut Workbook,
    sheet: Option<&str>,
    unit: Option<&str>,
    year: i32,
    values: &Values,
    style: Style,
    seed: u64,
    synthetic: bool,
) -> Res<()> {
    let t = Template::for_year(year);
    let mut pen = Pen::new(style, values, seed);
    let heading = match unit {
        Some(u) => title(u, year),
        None => format!("{year}年政府信息公开工作年度报告"),
    };
    if style == Style::ThreeSheets {
        let (r0, c0) = (2 + (seed % 3) as u32, (seed % 2) as u16);
        let mut cv = Canvas::default();
        cv.text(0, 0, &heading);
        draw_proactive(&mut cv, &mut pen, t, r0, c0);
        cv.write(wb.add_worksheet().set_name("表二")?)?;
        let mut cv = Canvas::default();
        draw_applications(&mut cv, &mut pen, t, r0, c0);
        cv.write(wb.add_worksheet().set_name("表三")?)?;
        let mut cv = Canvas::default();
        let r = draw_review(&mut cv, &mut pen, r0, c0);
        if synthetic {
            cv.text(r + 1, c0, SYNTHETIC);
        }
        cv.write(wb.add_worksheet().set_name("表四")?)?;
        return Ok(());
    }
    let mut cv = Canvas::default();
    let c0 = if style == Style::Messy { 1 } else { 0 };
    let mut r = 0;
    if sheet.is_none() {
        cv.region(style != Style::Messy, 0, c0, 0, c0 + 9, &heading);
        r = 2;
    }
    r = draw_proactive(&mut cv, &mut pen, t, r, c0);
    r = draw_applications(&mut cv, &mut pen, t, r, c0);
    let r = draw_review(&mut cv, &mut pen, r, c0);
    if synthetic {
        cv.text(r + 1, c0, SYNTHETIC);
    }
    let ws = wb.add_worksheet();
    ws.set_name(sheet.unwrap_or("Sheet1"))?;
    cv.write(ws)?;
    Ok(())
}

/// A tidy long table of many reports: `division_code,year,table,item,measure,value` with codes.
pub fn write_tidy(path: &Path, reports: &[(u32, i32, &Values)]) -> Res<()> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("tidy")?;
    for (c, h) in ["division_code", "year", "table", "item", "measure", "value"].iter().enumerate() {
        ws.write_string(0, c as u16, *h)?;
    }
    let mut r = 1;
    for (code, year, values) in reports {
        for (key, v) in values.iter() {
            ws.write_number(r, 0, *code as f64)?;
            ws.write_number(r, 1, *year as f64)?;
            ws.write_string(r, 2, key.table.code())?;
            ws.write_string(r, 3, key.item.code())?;
            ws.write_string(r, 4, key.measure.code())?;
            match v {
                Some(x) if key.measure.unit() == Unit::Money => {
                    ws.write_string(r, 5, format!("{}元", yuan(*x)))?
                }
                Some(x) => ws.write_number(r, 5, *x as f64)?,
                None => ws.write_string(r, 5, "—")?,
            };
            r += 1;
        }
    }
    wb.add_worksheet().set_name("说明")?.write_string(0, 0, SYNTHETIC)?;
    wb.save(path)?;
    Ok(())
}

/// One expected value per line: `division_code,year,key,value` (value empty when blank).
pub fn expected_csv(rows: &[(u32, i32, &Values)]) -> String {
    let mut out = String::from("division_code,year,key,value\n");
    for (code, year, values) in rows {
        for (k, v) in values.iter() {
            out.push_str(&format!("{code},{year},{k},{}\n", v.map(|x| x.to_string()).unwrap_or_default()));
        }
    }
    out
}

/// The files of the sample prefecture: path (relative to the sample root), unit, year, style.
pub struct Planned {
    pub path: PathBuf,
    pub code: u32,
    pub name: &'static str,
    pub year: i32,
    pub values: Values,
}

/// The years of the sample prefecture.
pub const SAMPLE_YEARS: std::ops::RangeInclusive<i32> = 2019..=2023;

/// The sample's published values of unit `YILI[i]`, one per year of [`SAMPLE_YEARS`]: consistent
/// across years, some zeros written blank, and one deliberate error (察布查尔 2023).
pub fn sample_series(i: usize) -> Vec<Values> {
    let code = YILI[i].0;
    let mut carry = Carry::default();
    SAMPLE_YEARS
        .map(|year| {
            let mut rng = Rng::new(u64::from(code) * 10_000 + year as u64);
            let clean = consistent(year, &mut rng, &mut carry);
            let mut values: Values = if (i + year as usize) % 4 == 3 {
                blank_some_zeros(&clean, &mut rng)
            } else {
                clean.iter().map(|(k, v)| (*k, Some(*v))).collect()
            };
            // One deliberate inconsistency for the validate example: a total off by one.
            if code == 654022 && year == 2023 {
                let k = Key::new(Item::Total, Measure::NaturalPerson);
                values.insert(k, values[&k].map(|x| x + 1));
            }
            values
        })
        .collect()
}

/// Write the synthetic sample prefecture (伊犁州's 11 units, 2019–2023) under `root`, with
/// `expected.csv` and `manifest.csv`. Returns the number of reports written.
pub fn write_sample(root: &Path) -> Res<usize> {
    let mut written: Vec<(u32, i32, Values)> = Vec::new();
    let mut manifest = String::from("path,unit,year\n");
    let styles = [Style::Template, Style::ThreeSheets, Style::Messy, Style::TextAndBlanks];
    let series: Vec<Vec<Values>> = (0..YILI.len()).map(sample_series).collect();
    for year in 2019..=2023 {
        let dir = root.join(year.to_string());
        std::fs::create_dir_all(&dir)?;
        let mut collection: Vec<(u32, &str, Values)> = Vec::new();
        let mut tidy: Vec<(u32, Values)> = Vec::new();
        for (i, &(code, name)) in YILI.iter().enumerate() {
            let values = series[i][(year - SAMPLE_YEARS.start()) as usize].clone();
            let slot = (i + year as usize) % 7;
            match slot {
                5 if year >= 2020 => collection.push((code, name, values.clone())),
                6 if year == 2022 => tidy.push((code, values.clone())),
                _ => {
                    let style = styles[(i + year as usize) % styles.len()];
                    // Two files tell neither unit nor year: the manifest does.
                    let anonymous = slot == 4 && year == 2021;
                    let file = if anonymous {
                        format!("报表{:02}.xlsx", i + 1)
                    } else {
                        format!("{name}-{year}.xlsx")
                    };
                    let path = dir.join(&file);
                    write_report(
                        &path,
                        (!anonymous).then_some(name),
                        year,
                        &values,
                        style,
                        code as u64,
                        true,
                    )?;
                    if anonymous {
                        manifest.push_str(&format!("{year}/{file},{code},{year}\n"));
                    }
                }
            }
            written.push((code, year, values));
        }
        if !collection.is_empty() {
            let mut wb = Workbook::new();
            for (code, name, values) in &collection {
                add_report_sheets(
                    &mut wb,
                    Some(name),
                    None,
                    year,
                    values,
                    Style::Template,
                    *code as u64,
                    true,
                )?;
            }
            wb.save(dir.join(format!("伊犁州-{year}-汇总.xlsx")))?;
        }
        if !tidy.is_empty() {
            let rows: Vec<(u32, i32, &Values)> = tidy.iter().map(|(c, v)| (*c, year, v)).collect();
            write_tidy(&dir.join(format!("伊犁州-{year}-长表.xlsx")), &rows)?;
        }
    }
    let rows: Vec<(u32, i32, &Values)> = written.iter().map(|(c, y, v)| (*c, *y, v)).collect();
    std::fs::write(root.join("expected.csv"), expected_csv(&rows))?;
    std::fs::write(root.join("manifest.csv"), manifest)?;
    Ok(written.len())
}

/// The sample's 2022 values of the unit named `name` (one of [`YILI`]).
pub fn sample_2022(name: &str) -> Values {
    let i = YILI.iter().position(|&(_, n)| n == name).expect("a unit of the sample");
    sample_series(i).swap_remove((2022 - SAMPLE_YEARS.start()) as usize)
}

/// The HTML fixtures under `root`: 奎屯市 2022 (the sample's values, some zeros written blank)
/// published five ways — every layout quirk and character set the reader must take.
pub fn write_html_fixtures(root: &Path) -> Res<()> {
    std::fs::create_dir_all(root)?;
    let values = sample_2022("奎屯市");
    let page = |charset, layout, unclosed, split| Page { charset, layout, unclosed, split };
    let variants = [
        ("奎屯市-2022-utf8.html", Style::Template, page(Charset::Utf8, true, true, false)),
        ("奎屯市-2022-gb2312.html", Style::ThreeSheets, page(Charset::Gb2312, false, false, true)),
        ("奎屯市-2022-gbk.htm", Style::Messy, page(Charset::GbkUndeclared, false, false, false)),
        ("奎屯市-2022-split.shtml", Style::Template, page(Charset::Utf8, false, true, true)),
        // A page saved with a spreadsheet's extension, as some sites offer it for download.
        ("奎屯市-2022.xls", Style::TextAndBlanks, page(Charset::Utf8, true, false, false)),
    ];
    for (i, (file, style, page)) in variants.into_iter().enumerate() {
        write_html(&root.join(file), "奎屯市", 2022, &values, style, i as u64, page, true)?;
    }
    std::fs::write(root.join("expected.csv"), expected_csv(&[(654003, 2022, &values)]))?;
    Ok(())
}

/// The PDF fixtures' source under `root`: 霍城县 2022 (the sample's values, some zeros blank) as
/// the page `data/pdf/make.sh` prints to PDF with Chromium and extracts with pdftotext.
pub fn write_pdf_source(root: &Path) -> Res<()> {
    std::fs::create_dir_all(root)?;
    let values = sample_2022("霍城县");
    let page = Page { charset: Charset::Utf8, layout: false, unclosed: false, split: false };
    write_html(&root.join("霍城县-2022.html"), "霍城县", 2022, &values, Style::ThreeSheets, 5, page, true)?;
    std::fs::write(root.join("expected.csv"), expected_csv(&[(654023, 2022, &values)]))?;
    Ok(())
}

/// The published-formats folder under `root`: one report per format, four units of 2022 — the
/// real 新源县 text extracted from its PDF (committed as it came, not written here), 伊宁县 as a
/// web page, 霍城县 as a PDF (made by `data/pdf/make.sh`), 尼勒克县 as a workbook (the sample's
/// values) — and `expected.csv` with every value each of them publishes.
pub fn write_published(root: &Path) -> Res<()> {
    std::fs::create_dir_all(root)?;
    let yining = sample_2022("伊宁县");
    let page = Page { charset: Charset::Utf8, layout: true, unclosed: false, split: false };
    write_html(&root.join("伊宁县-2022.html"), "伊宁县", 2022, &yining, Style::Template, 3, page, true)?;
    let nileke = sample_2022("尼勒克县");
    write_report(
        &root.join("尼勒克县-2022.xlsx"),
        Some("尼勒克县"),
        2022,
        &nileke,
        Style::Template,
        10,
        true,
    )?;
    let xinyuan = xinyuan_2022();
    // 霍城县's PDF is data/pdf's, copied here by data/pdf/make.sh.
    let huocheng = sample_2022("霍城县");
    let rows = [
        (654021, 2022, &yining),
        (654023, 2022, &huocheng),
        (654025, 2022, &xinyuan),
        (654028, 2022, &nileke),
    ];
    std::fs::write(root.join("expected.csv"), expected_csv(&rows))?;
    Ok(())
}

/// Write the transcribed 新源县 2022 report under `root`.
pub fn write_real(root: &Path) -> Res<PathBuf> {
    std::fs::create_dir_all(root)?;
    let path = root.join("新源县-2022.xlsx");
    write_report(&path, Some("新源县"), 2022, &xinyuan_2022(), Style::Template, 0, false)?;
    Ok(path)
}

/// What [`write_national`] wrote.
pub struct National {
    /// Workbook files.
    pub files: usize,
    /// Reports in them.
    pub reports: usize,
}

/// Write a national dataset under `root`: every county-level unit of the registry (or the first
/// `units` of them), one folder per year, in every layout the sample has — a workbook per
/// report in the four styles, collection workbooks with one sheet per unit (per prefecture and
/// year), long tidy tables, and files only the manifest places — with zeros left blank in some,
/// label variants, dashes and text numbers; `expected.csv` lists every value written and
/// `manifest.csv` the anonymous files. Seeded by the unit code and year: the same every time.
pub fn write_national(
    root: &Path,
    years: std::ops::RangeInclusive<i32>,
    units: Option<usize>,
) -> Res<National> {
    use std::io::Write as _;
    let reg = xxgk::divisions::registry();
    let mut codes = reg.expected_units(0);
    if let Some(n) = units {
        codes.truncate(n);
    }
    let styles = [Style::Template, Style::ThreeSheets, Style::Messy, Style::TextAndBlanks];
    let mut expected = std::io::BufWriter::new(std::fs::File::create(ensure(root)?.join("expected.csv"))?);
    writeln!(expected, "division_code,year,key,value")?;
    let mut manifest = String::from("path,unit,year\n");
    let mut carries: BTreeMap<u32, Carry> = BTreeMap::new();
    let mut out = National { files: 0, reports: 0 };
    for year in years {
        let dir = root.join(year.to_string());
        ensure(&dir)?;
        // Collection and tidy workbooks gather their units by prefecture.
        let mut collections: BTreeMap<u32, Vec<(u32, String, Values)>> = BTreeMap::new();
        let mut tidy: BTreeMap<u32, Vec<(u32, Values)>> = BTreeMap::new();
        for (i, &code) in codes.iter().enumerate() {
            let name = reg.get(code).map(|d| d.name.clone()).unwrap_or_default();
            let mut rng = Rng::new(u64::from(code) * 10_000 + year as u64);
            let clean = consistent(year, &mut rng, carries.entry(code).or_default());
            let values: Values = if (i + year as usize).is_multiple_of(3) {
                blank_some_zeros(&clean, &mut rng)
            } else {
                clean.iter().map(|(k, v)| (*k, Some(*v))).collect()
            };
            for (k, v) in &values {
                writeln!(expected, "{code},{year},{k},{}", v.map(|x| x.to_string()).unwrap_or_default())?;
            }
            let prefecture = reg.prefecture_of(code).unwrap_or(code);
            match (i * 7 + year as usize) % 10 {
                6 | 7 => collections.entry(prefecture).or_default().push((code, name, values)),
                8 => tidy.entry(prefecture).or_default().push((code, values)),
                slot => {
                    let anonymous = slot == 9 && i.is_multiple_of(5);
                    let file = if anonymous {
                        format!("报表-{code}.xlsx")
                    } else {
                        format!("{name}-{code}-{year}.xlsx")
                    };
                    let style = styles[(i + year as usize) % styles.len()];
                    write_report(
                        &dir.join(&file),
                        (!anonymous).then_some(name.as_str()),
                        year,
                        &values,
                        style,
                        u64::from(code),
                        true,
                    )?;
                    if anonymous {
                        manifest.push_str(&format!("{year}/{file},{code},{year}\n"));
                    }
                    out.files += 1;
                }
            }
            out.reports += 1;
        }
        // A prefecture-level 市辖区 goes by its province's name (天津市), the other stand-ins
        // for a prefecture by both (重庆市县, 河南省省直辖县级行政单位): one file each.
        let office = |prefecture: u32| {
            let d = reg.get(prefecture);
            let province = || d.and_then(|d| reg.get(d.parent?)).map(|p| p.name.clone()).unwrap_or_default();
            match d.map(|d| d.name.as_str()) {
                Some("市辖区") => province(),
                Some(name @ ("县" | "省直辖县级行政单位" | "自治区直辖县级行政单位")) => {
                    format!("{}{name}", province())
                }
                _ => d.map(|d| d.name.clone()).unwrap_or_default(),
            }
        };
        for (prefecture, members) in &collections {
            let mut wb = Workbook::new();
            for (code, name, values) in members {
                add_report_sheets(
                    &mut wb,
                    Some(name),
                    None,
                    year,
                    values,
                    Style::Template,
                    u64::from(*code),
                    true,
                )?;
            }
            let name = office(*prefecture);
            wb.save(dir.join(format!("{name}-{year}-汇总.xlsx")))?;
            out.files += 1;
        }
        for (prefecture, members) in &tidy {
            let rows: Vec<(u32, i32, &Values)> = members.iter().map(|(c, v)| (*c, year, v)).collect();
            let name = office(*prefecture);
            write_tidy(&dir.join(format!("{name}-{year}-长表.xlsx")), &rows)?;
            out.files += 1;
        }
    }
    expected.flush()?;
    std::fs::write(root.join("manifest.csv"), manifest)?;
    Ok(out)
}

fn ensure(dir: &Path) -> Res<&Path> {
    std::fs::create_dir_all(dir)?;
    Ok(dir)
}
