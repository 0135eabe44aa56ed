//! HTML pages → one grid (cargo feature `html`).
//!
//! A report saved from a government website is a page of tables, often inside layout tables,
//! in UTF-8 or in GBK with or without a `charset` declaration. The page is decoded (byte-order
//! mark, then the declared charset, then detection with the Chinese hint), parsed by html5ever
//! (which closes what the page left open, as a browser does), and its tables are stacked in
//! document order into one grid: `rowspan`/`colspan` become merged regions, a nested table is
//! rendered on its own rows and never inside its parent's cell, `<br>` and paragraphs break a
//! cell's text into lines, `&nbsp;` is blank. Short texts outside tables — the page title,
//! headings, captions — become rows of their own, so the title names the unit and year as a
//! workbook's title does. Locate, normalise and validation then read the grid as any sheet.

use std::borrow::Cow;
use std::cell::{Cell as Flag, RefCell};

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use ego_tree::NodeRef;
use encoding_rs::{Encoding, UTF_8};
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer};
use html5ever::{LocalName, local_name};
use scraper::{Html, Node};

use super::grid::{Cell, Grid};

/// The largest `rowspan` or `colspan` honoured: a page's `colspan="9999"` must not cost memory.
const MAX_SPAN: u32 = 200;

/// Texts outside tables longer than this are prose, not titles or headings.
const MAX_HEADING: usize = 80;

/// How the text of a file was decoded.
pub(super) struct Decoded<'a> {
    pub text: Cow<'a, str>,
    /// The encoding's name, and how it was chosen when it was not plain UTF-8.
    pub note: Option<String>,
}

/// Decode a page or a text file: a byte-order mark, else a declared `charset` (pages only),
/// else UTF-8 when the bytes are valid UTF-8, else the encoding chardetng guesses for a `.cn`
/// page. Malformed sequences become U+FFFD, which the value parser refuses.
pub(super) fn decode(bytes: &[u8], markup: bool) -> Decoded<'_> {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom..]);
        return Decoded { text, note: None };
    }
    let declared = if markup { declared_charset(bytes) } else { None };
    // A page re-saved as UTF-8 often keeps its old declaration: believe the bytes.
    if let Some(encoding) = declared.filter(|&e| e == UTF_8 || std::str::from_utf8(bytes).is_err())
        && let Some(text) = encoding.decode_without_bom_handling_and_without_replacement(bytes)
    {
        let note = (encoding != UTF_8).then(|| format!("read as {} (declared)", encoding.name()));
        return Decoded { text, note };
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Decoded { text: Cow::Borrowed(text), note: None };
    }
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let encoding = detector.guess(Some(b"cn"), Utf8Detection::Allow);
    let (text, _, malformed) = encoding.decode(bytes);
    let how =
        if declared.is_some() { "the declared charset does not fit the bytes; detected" } else { "detected" };
    let damaged = if malformed { ", some bytes were not valid in it" } else { "" };
    Decoded { text, note: Some(format!("read as {} ({how}{damaged})", encoding.name())) }
}

/// The `charset` a page declares in its first 4 KB (`<meta charset=…>` or `content="…;
/// charset=…"`), if encoding_rs knows the label (`gb2312` is GBK, as browsers read it).
fn declared_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(4096)];
    let lower: Vec<u8> = head.to_ascii_lowercase();
    let at = lower.windows(8).position(|w| w == b"charset=")? + 8;
    let rest = &lower[at..];
    let rest = rest.strip_prefix(b"\"").or_else(|| rest.strip_prefix(b"'")).unwrap_or(rest);
    let end = rest
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_'))
        .unwrap_or(rest.len());
    Encoding::for_label(&rest[..end])
}

/// Whether bytes look like an HTML page: after a byte-order mark and white space, markup
/// (`<!DOCTYPE html`, `<html`, `<table`, `<meta` …) within the first kilobyte.
pub(super) fn looks_like_html(bytes: &[u8]) -> bool {
    let bytes = Encoding::for_bom(bytes).map_or(bytes, |(_, bom)| &bytes[bom..]);
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(bytes.len());
    let head = bytes[start..bytes.len().min(start + 1024)].to_ascii_lowercase();
    head.starts_with(b"<")
        && [&b"<html"[..], b"<table", b"<!doctype html", b"<meta", b"<head", b"<body"]
            .iter()
            .any(|tag| head.windows(tag.len()).any(|w| w == *tag))
}

/// Whether the page opens elements more than `limit` deep, measured by html5ever's tokenizer
/// alone (linear in the page) before its tree builder, whose cost grows with the depth of open
/// elements, sees the page. Void elements, elements the parser closes by itself (`p`,
/// `tbody`, …) and self-closed SVG or MathML elements do not count; a cell, row or list item
/// closes the one before it; an end tag closes the elements opened after its start tag, as
/// the tree builder does.
pub(super) fn too_deep(text: &str, limit: u32) -> bool {
    let sink = Depth { open: RefCell::new(Vec::new()), limit: limit as usize, over: Flag::new(false) };
    let tokenizer = Tokenizer::new(sink, Default::default());
    let input = BufferQueue::default();
    input.push_back(text.into());
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.over.get()
}

/// The open elements as the tree builder would hold them, near enough to bound their depth.
struct Depth {
    open: RefCell<Vec<LocalName>>,
    limit: usize,
    over: Flag<bool>,
}

impl TokenSink for Depth {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let Token::TagToken(tag) = token else { return TokenSinkResult::Continue };
        if self.over.get() {
            return TokenSinkResult::Continue;
        }
        let mut open = self.open.borrow_mut();
        match tag.kind {
            TagKind::StartTag => {
                let raw = match tag.name {
                    local_name!("script") => Some(RawKind::ScriptData),
                    local_name!("style")
                    | local_name!("xmp")
                    | local_name!("iframe")
                    | local_name!("noembed")
                    | local_name!("noframes") => Some(RawKind::Rawtext),
                    local_name!("title") | local_name!("textarea") => Some(RawKind::Rcdata),
                    _ => None,
                };
                if let Some(kind) = raw {
                    return TokenSinkResult::RawData(kind);
                }
                // `<div/>` opens a div like `<div>`: HTML ignores the slash except on void
                // elements and inside SVG and MathML.
                let foreign = || open.iter().any(|n| matches!(*n, local_name!("svg") | local_name!("math")));
                if closes_itself(&tag.name) || (tag.self_closing && foreign()) {
                    return TokenSinkResult::Continue;
                }
                // A new cell, row or list item closes the open one, as far back as its row,
                // table or list.
                let (same, bounds): (&[LocalName], &[LocalName]) = match tag.name {
                    local_name!("td") | local_name!("th") => {
                        (&[local_name!("td"), local_name!("th")], &[local_name!("tr"), local_name!("table")])
                    }
                    local_name!("tr") => (&[local_name!("tr")], &[local_name!("table")]),
                    local_name!("li") => (&[local_name!("li")], &[local_name!("ul"), local_name!("ol")]),
                    _ => (&[], &[]),
                };
                if !same.is_empty()
                    && let Some(at) = open.iter().rposition(|n| same.contains(n) || bounds.contains(n))
                    && same.contains(&open[at])
                {
                    open.truncate(at);
                }
                open.push(tag.name);
                if open.len() > self.limit {
                    self.over.set(true);
                }
            }
            TagKind::EndTag => {
                if let Some(at) = open.iter().rposition(|n| *n == tag.name) {
                    open.truncate(at);
                }
            }
        }
        TokenSinkResult::Continue
    }
}

/// Void elements, and elements that a block, a sibling or their parent's end closes (cells,
/// rows and list items are counted, and closed by the next of their kind).
fn closes_itself(name: &LocalName) -> bool {
    matches!(
        *name,
        local_name!("area")
            | local_name!("base")
            | local_name!("br")
            | local_name!("col")
            | local_name!("embed")
            | local_name!("hr")
            | local_name!("img")
            | local_name!("input")
            | local_name!("link")
            | local_name!("meta")
            | local_name!("param")
            | local_name!("source")
            | local_name!("track")
            | local_name!("wbr")
            | local_name!("p")
            | local_name!("dt")
            | local_name!("dd")
            | local_name!("thead")
            | local_name!("tbody")
            | local_name!("tfoot")
            | local_name!("caption")
            | local_name!("colgroup")
            | local_name!("option")
            | local_name!("optgroup")
            | local_name!("html")
            | local_name!("head")
            | local_name!("body")
    )
}

/// The deepest page read whatever `ReadOptions::max_depth` says: the page is walked
/// recursively, and this depth fits any thread's stack.
pub(super) const MAX_DEPTH: u32 = 1_000;

/// Why a page gives no grid.
#[derive(Debug)]
pub(super) enum Refused {
    /// More table cells than the limit: how many.
    Cells(u64),
    /// Elements nested deeper than the limit.
    Depth,
}

/// A page's tables and headings as one grid named `name`; refused when it holds more than
/// `max_cells` cells or its tree is deeper than `max_depth` (at most [`MAX_DEPTH`]: the caller
/// caps it).
pub(super) fn grid(text: &str, name: &str, max_cells: u64, max_depth: u32) -> Result<Grid, Refused> {
    let page = Html::parse_document(text);
    // The tree's own depth (the tokenizer's count is an estimate), without recursion.
    let mut depth = 0u32;
    for edge in page.tree.root().traverse() {
        match edge {
            ego_tree::iter::Edge::Open(_) => {
                depth += 1;
                if depth > max_depth {
                    return Err(Refused::Depth);
                }
            }
            ego_tree::iter::Edge::Close(_) => depth -= 1,
        }
    }
    let mut out = Out { grid: Grid::new(name), row: 0, cells: 0, max_cells };
    let root = page.root_element();
    if let Some(title) = root.descendants().find(|n| element_name(n) == Some("title")) {
        out.line(&inline_text(title));
    }
    walk(*root, &mut out);
    if out.cells > max_cells { Err(Refused::Cells(out.cells)) } else { Ok(out.grid) }
}

struct Out {
    grid: Grid,
    row: u32,
    cells: u64,
    max_cells: u64,
}

impl Out {
    /// A text outside tables on a row of its own, when it is short enough to be a heading.
    fn line(&mut self, text: &str) {
        let text = text.trim();
        if !text.is_empty() && text.chars().count() <= MAX_HEADING {
            self.set(self.row, 0, text.to_string());
            self.row += 1;
        }
    }

    fn set(&mut self, row: u32, col: u32, text: String) {
        self.cells += 1;
        if self.cells <= self.max_cells {
            self.grid.set(row, col, Cell::Text(text));
        }
    }
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "li"
            | "ul"
            | "ol"
            | "center"
            | "section"
            | "article"
            | "caption"
            | "header"
            | "footer"
            | "main"
            | "nav"
            | "blockquote"
            | "pre"
            | "dl"
            | "dt"
            | "dd"
            | "form"
            | "body"
            | "html"
            | "tbody"
            | "thead"
            | "tfoot"
            | "tr"
            | "td"
            | "th"
    )
}

fn is_skipped(name: &str) -> bool {
    matches!(name, "head" | "script" | "style" | "noscript" | "template")
}

fn element_name<'a>(node: &NodeRef<'a, Node>) -> Option<&'a str> {
    match node.value() {
        Node::Element(e) => Some(e.name()),
        _ => None,
    }
}

/// Document order: inline text gathers into lines, broken by blocks; a table is rendered where
/// it stands.
fn walk(node: NodeRef<'_, Node>, out: &mut Out) {
    let mut line = String::new();
    for child in node.children() {
        match (child.value(), element_name(&child)) {
            (Node::Text(t), _) => line.push_str(t),
            (_, Some(name)) if is_skipped(name) => {}
            (_, Some("br")) => out.line(&std::mem::take(&mut line)),
            (_, Some("table")) => {
                out.line(&std::mem::take(&mut line));
                table(child, out);
            }
            (_, Some(name))
                if is_block(name) || child.descendants().any(|d| element_name(&d) == Some("table")) =>
            {
                out.line(&std::mem::take(&mut line));
                walk(child, out);
            }
            (_, Some(_)) => line.push_str(&inline_text(child)),
            _ => {}
        }
    }
    out.line(&line);
}

/// The rows of `table` itself, not of tables nested in it.
fn own_rows<'a>(table: NodeRef<'a, Node>) -> Vec<NodeRef<'a, Node>> {
    table
        .descendants()
        .filter(|n| element_name(n) == Some("tr"))
        .filter(|n| {
            n.ancestors().find(|a| element_name(a) == Some("table")).map(|a| a.id()) == Some(table.id())
        })
        .collect()
}

fn own_cells<'a>(row: NodeRef<'a, Node>) -> impl Iterator<Item = NodeRef<'a, Node>> {
    row.children().filter(|c| matches!(element_name(c), Some("td" | "th")))
}

/// A table of data becomes rows of the grid, its cells expanded over their spans. A table whose
/// cells hold tables is a layout table: its cells are read as the page is, in order.
fn table(node: NodeRef<'_, Node>, out: &mut Out) {
    let rows = own_rows(node);
    let layout = rows
        .iter()
        .flat_map(|r| own_cells(*r))
        .any(|c| c.descendants().any(|d| element_name(&d) == Some("table")));
    if layout {
        for cell in rows.iter().flat_map(|r| own_cells(*r)) {
            walk(cell, out);
        }
        return;
    }
    // Cells still covered by a span from above or from the left, by (row offset, column).
    let mut taken: std::collections::HashSet<(u32, u32)> = std::collections::HashSet::new();
    let top = out.row;
    let mut height = 0;
    for (r, tr) in rows.iter().enumerate() {
        let r = r as u32;
        let mut c = 0u32;
        for cell in own_cells(*tr) {
            while taken.contains(&(r, c)) {
                c += 1;
            }
            let span = |name: &str| match cell.value() {
                Node::Element(e) => e
                    .attr(name)
                    .and_then(|v| v.trim().parse::<u32>().ok())
                    .filter(|&n| n > 0)
                    .unwrap_or(1)
                    .min(MAX_SPAN),
                _ => 1,
            };
            let (rows_spanned, cols_spanned) = (span("rowspan"), span("colspan"));
            let text = cell_text(cell);
            if !text.is_empty() {
                out.set(top + r, c, text);
            }
            if rows_spanned > 1 || cols_spanned > 1 {
                out.grid.merge((top + r, c), (top + r + rows_spanned - 1, c + cols_spanned - 1));
                for dr in 0..rows_spanned {
                    for dc in 0..cols_spanned {
                        taken.insert((r + dr, c + dc));
                    }
                }
            }
            height = height.max(r + rows_spanned);
            c += cols_spanned;
        }
        height = height.max(r + 1);
    }
    out.row = top + height;
}

/// A cell's text: its text nodes in order, a nested table's left out, lines broken at `<br>`
/// and between blocks, runs of source white space as one space.
fn cell_text(node: NodeRef<'_, Node>) -> String {
    let mut text = String::new();
    collect(node, &mut text, true);
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text of an element outside tables, on one line.
fn inline_text(node: NodeRef<'_, Node>) -> String {
    let mut text = String::new();
    collect(node, &mut text, false);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn collect(node: NodeRef<'_, Node>, text: &mut String, skip_tables: bool) {
    for child in node.children() {
        match child.value() {
            // `&nbsp;` is U+00A0: white space here, so a cell of it is blank.
            Node::Text(t) => text.push_str(&t.replace('\u{a0}', " ")),
            Node::Element(e) => match e.name() {
                "br" => text.push('\n'),
                "table" if skip_tables => {}
                "script" | "style" => {}
                name if is_block(name) || name == "tr" => {
                    text.push('\n');
                    collect(child, text, skip_tables);
                    text.push('\n');
                }
                _ => collect(child, text, skip_tables),
            },
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_become_merges_and_nested_tables_stay_out_of_cells() {
        let page = r#"<html><head><title>新源县2022年政府信息公开工作年度报告</title></head><body>
            <table><tr><td>layout<table><tr><td rowspan=2>（三）<br>不予公开</td><td>1.属于国家秘密</td><td>0</td>
            <tr><td>2.其他</td><td>&nbsp;</td></table></td></tr></table>"#;
        let g = grid(page, "page", 1000, 100).expect("small");
        assert_eq!(g.get(0, 0), Some(&Cell::Text("新源县2022年政府信息公开工作年度报告".into())));
        assert_eq!(g.get(1, 0), Some(&Cell::Text("layout".into())), "the outer cell without the inner table");
        assert_eq!(g.get(2, 0), Some(&Cell::Text("（三）\n不予公开".into())));
        assert_eq!(g.label(3, 0), Some("（三）\n不予公开"), "rowspan merged");
        assert_eq!(
            g.get(3, 1),
            Some(&Cell::Text("2.其他".into())),
            "the unclosed row's cells shift past the span"
        );
        assert_eq!(g.get(3, 2), None, "&nbsp; is blank");
        assert!(grid(page, "page", 3, 100).is_err());
    }

    #[test]
    fn charsets() {
        let text = "<meta charset=\"gb2312\"><p>新源县</p>";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let d = decode(&gbk, true);
        assert_eq!(d.text, text);
        assert_eq!(d.note.as_deref(), Some("read as GBK (declared)"));
        let undeclared = "<p>新源县政府信息公开工作年度报告，收到和处理政府信息公开申请情况</p>";
        let (gbk, _, _) = encoding_rs::GBK.encode(undeclared);
        let d = decode(&gbk, true);
        assert_eq!(d.text, undeclared);
        assert!(d.note.is_some_and(|n| n.contains("detected")));
        // A UTF-8 page that still declares GBK: the bytes win.
        let d = decode(text.as_bytes(), true);
        assert_eq!((d.text.as_ref(), d.note), (text, None));
        assert!(looks_like_html(b"\xef\xbb\xbf \n<!DOCTYPE html><html>"));
        assert!(!looks_like_html(b"PK\x03\x04"));
    }

    #[test]
    fn depth_counts_what_the_tree_builder_keeps_open() {
        let divs =
            |n: usize| format!("<html><body>{}x{}</body></html>", "<div>".repeat(n), "</div>".repeat(n));
        assert!(!too_deep(&divs(500), 512));
        assert!(too_deep(&divs(600), 512));
        // Unclosed elements inside cells, rows and list items close with them.
        let cells = format!("<table>{}</table>", "<tr><td><font size=2>1<td><span>2".repeat(2000));
        assert!(!too_deep(&cells, 16));
        let items = format!("<ul>{}</ul>", "<li><b>x".repeat(2000));
        assert!(!too_deep(&items, 16));
        // A slash does not close a div; it does close an SVG element.
        assert!(too_deep(&format!("<body>{}</body>", "<div/>".repeat(600)), 512));
        assert!(!too_deep(&format!("<svg>{}</svg>", "<path d='M0 0'/>".repeat(2000)), 16));
        // A script's or a comment's text is no markup.
        let script = format!("<script>{}</script><!-- {} -->", "<div>".repeat(2000), "<div>".repeat(2000));
        assert!(!too_deep(&script, 16));
        // The tree itself is measured too: the grid refuses a deeper one.
        assert!(matches!(grid(&divs(60), "page", 1000, 50), Err(Refused::Depth)));
        assert!(grid(&divs(40), "page", 1000, 50).is_ok());
    }
}
