//! Published text → the national form as a grid: text extracted from a PDF (`pdftotext`
//! output), or the words of a PDF with their positions (`pdftotext -bbox-layout`, or a PDF read
//! directly).
//!
//! Plain text has lost the table's columns: a row is its label followed by its numbers on the
//! same line or the next, labels wrap over several lines, a group label set vertically comes
//! out in fragments (`（三）` / `不予公` / `开`) between the rows, a header is a heap of single
//! characters. What the text keeps is order: the national form fixes the rows of each table and
//! the columns of each row. So each table's rows are matched in the form's order, by their
//! labels (looked up as any label is, [`normalize::label`](crate::normalize::label), with the
//! fragments above a row joined when the row's own line does not say), and a row's numbers fill
//! its columns left to right — only when there are exactly as many numbers as columns. A row
//! with fewer or more numbers, or numbers without a row, is not guessed at: its cells stay blank
//! and a diagnostic names the line and the numbers (validation may then infer them).
//!
//! Words with positions keep the columns: words are grouped into lines by their height on the
//! page, and each table's columns are the x ranges of its header's column labels (a wrapped
//! header comes in fragments, stacked over one column) or, failing that, of its numbers. A
//! number then goes to the column it stands in, so a blank cell is simply a column without a
//! number, and rows are matched by their labels as in plain text.
//!
//! What was found is drawn into the national form ([`crate::form`]) and read by the same locate
//! step as a spreadsheet. Each cell remembers its place in the text, in a sheet named `text`: the
//! row is the line (counted from 1 as an editor does; for words with positions, the line of the
//! page counted down from the first page), the column A the label, B the first number….

use unicode_normalization::UnicodeNormalization;

use super::grid::{Cell, Grid};
use crate::error::Location;
use crate::form::{Form, national};
use crate::normalize::{Context, Label, Lookup, label};
use crate::report::{Diagnostic, DiagnosticKind};
use crate::schema::{Item, Key, Severity, Table, Template};

/// The sheet name of a text's grid.
pub(super) const SHEET: &str = "text";

/// Tokens that stand for a blank cell in published tables.
const BLANKS: &[&str] = &["-", "—", "–", "/", "无", "——"];

/// A word on a page with its box, in points, y growing down the page.
#[derive(Clone, Debug)]
pub(super) struct Word {
    pub page: u32,
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
    pub text: String,
}

/// A word of a line and, for positioned text, its x range.
#[derive(Clone, Debug)]
struct Piece {
    text: String,
    x: Option<(f32, f32)>,
}

/// One line of the text: the words before its numbers (its label) and its numbers.
#[derive(Debug)]
struct Line {
    /// 0-based line number.
    no: u32,
    /// 1-based page, for positioned text.
    page: Option<u32>,
    words: Vec<Piece>,
    values: Vec<Piece>,
}

impl Line {
    fn label(&self) -> String {
        self.words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" ")
    }

    /// Where the line is, for a person: `line 216`, or `page 2, line 14`.
    fn place(&self) -> String {
        match self.page {
            Some(p) => format!("page {p}"),
            None => format!("line {}", self.no + 1),
        }
    }
}

/// Whether a token is a number or a blank mark: digits with a sign, a decimal point or
/// thousands separators (after NFKC folding, so full-width digits count).
fn is_value(token: &str) -> bool {
    if BLANKS.contains(&token) {
        return true;
    }
    let body = token.strip_prefix(['+', '-']).unwrap_or(token);
    body.chars().any(|c| c.is_ascii_digit())
        && body.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ',')
}

/// A line's pieces split into its label and its numbers: the numbers are the run at its end.
fn line(no: u32, page: Option<u32>, pieces: Vec<Piece>) -> Line {
    let split = pieces.iter().rposition(|p| !is_value(&p.text)).map_or(0, |i| i + 1);
    let mut words = pieces;
    let values = words.split_off(split);
    Line { no, page, words, values }
}

fn fold(text: &str) -> String {
    text.nfkc().collect()
}

/// Plain text: one line per line.
fn plain_lines(text: &str) -> Vec<Line> {
    text.lines()
        .enumerate()
        .map(|(no, raw)| {
            let pieces =
                fold(raw).split_whitespace().map(|t| Piece { text: t.to_string(), x: None }).collect();
            line(no as u32, None, pieces)
        })
        .collect()
}

/// Positioned words: grouped into lines by height on each page (a word joins a line when its
/// middle lies within the line's band), left to right.
fn word_lines(mut words: Vec<Word>) -> Vec<Line> {
    words.retain(|w| !w.text.trim().is_empty());
    words.sort_by(|a, b| a.page.cmp(&b.page).then(a.y0.total_cmp(&b.y0)).then(a.x0.total_cmp(&b.x0)));
    let mut bands: Vec<(u32, f32, f32, Vec<Word>)> = Vec::new();
    for w in words {
        let mid = (w.y0 + w.y1) / 2.0;
        match bands.last_mut() {
            Some((page, top, bottom, ws)) if *page == w.page && mid >= *top && mid <= *bottom => {
                *top = top.min(w.y0);
                *bottom = bottom.max(w.y1);
                ws.push(w);
            }
            _ => bands.push((w.page, w.y0, w.y1, vec![w])),
        }
    }
    bands
        .into_iter()
        .enumerate()
        .map(|(no, (page, _, _, mut ws))| {
            ws.sort_by(|a, b| a.x0.total_cmp(&b.x0));
            // Words that touch are one word cut at a change of font (`218.9` + `37734`).
            let mut pieces: Vec<Piece> = Vec::new();
            for w in ws {
                match pieces.last_mut() {
                    Some(Piece { text, x: Some((_, x1)) }) if w.x0 - *x1 < 0.5 && w.x0 >= *x1 - 0.5 => {
                        text.push_str(&fold(&w.text));
                        *x1 = w.x1;
                    }
                    _ => pieces.push(Piece { text: fold(&w.text), x: Some((w.x0, w.x1)) }),
                }
            }
            line(no as u32, Some(page), pieces)
        })
        .collect()
}

/// A row of the form: its item and the keys of its columns, left to right.
struct Row {
    item: Item,
    keys: Vec<Key>,
}

/// The rows of `table` in the form, in order.
fn rows(form: &Form, table: Table) -> Vec<Row> {
    let mut out: Vec<Row> = Vec::new();
    for slot in form.slots.iter().filter(|s| s.key.table == table) {
        match out.last_mut() {
            Some(row) if row.item == slot.key.item => row.keys.push(slot.key),
            _ => out.push(Row { item: slot.key.item, keys: vec![slot.key] }),
        }
    }
    out
}

/// A number (or blank mark) of the text: its text, its (line, column) — column 0 is the line's
/// label, 1 its first number — and, for positioned text, the table column it stands in.
#[derive(Clone, Debug)]
struct Token {
    text: String,
    at: (u32, u32),
    column: Option<usize>,
}

fn tokens(line: &Line, columns: Option<&[(f32, f32)]>) -> Vec<Token> {
    line.values
        .iter()
        .enumerate()
        .map(|(i, v)| Token {
            text: v.text.clone(),
            at: (line.no, i as u32 + 1),
            column: columns.zip(v.x).map(|(cs, x)| column_of(cs, x)),
        })
        .collect()
}

fn numbers(run: &[Token]) -> String {
    run.iter().map(|t| t.text.as_str()).collect::<Vec<_>>().join(" ")
}

fn columns_word(n: usize) -> String {
    format!("{n} column{}", if n == 1 { "" } else { "s" })
}

/// The column whose x range a box overlaps most, else the nearest by centre.
fn column_of(columns: &[(f32, f32)], (x0, x1): (f32, f32)) -> usize {
    let overlap = |&(a, b): &(f32, f32)| (x1.min(b) - x0.max(a)).max(0.0);
    let centre = (x0 + x1) / 2.0;
    let distance = |&(a, b): &(f32, f32)| ((a + b) / 2.0 - centre).abs();
    let best = (0..columns.len()).max_by(|&i, &j| overlap(&columns[i]).total_cmp(&overlap(&columns[j])));
    match best {
        Some(i) if overlap(&columns[i]) > 0.0 => i,
        _ => (0..columns.len())
            .min_by(|&i, &j| distance(&columns[i]).total_cmp(&distance(&columns[j])))
            .unwrap_or(0),
    }
}

/// Boxes grouped where they overlap in x (with a point of slack), left to right.
fn clusters(mut boxes: Vec<(f32, f32)>) -> Vec<(f32, f32)> {
    boxes.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out: Vec<(f32, f32)> = Vec::new();
    for (a, b) in boxes {
        match out.last_mut() {
            Some(last) if a <= last.1 + 1.0 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// A table's `count` columns as x ranges, from positioned lines: the stacks of header words
/// right of the labels (a word spanning several columns, such as 申请人情况, is a group header
/// and left out), else the columns of its numbers; `None` when neither gives `count`.
fn table_columns(section: &[Line], count: usize) -> Option<Vec<(f32, f32)>> {
    let values: Vec<(f32, f32)> = section.iter().flat_map(|l| l.values.iter().filter_map(|v| v.x)).collect();
    let numbers = clusters(values);
    let first_value_line = section.iter().position(|l| !l.values.is_empty())?;
    let boundary = numbers.first()?.0;
    let overlaps = |(a, b): (f32, f32), (c, d): (f32, f32)| a < d && c < b;
    let words: Vec<(f32, f32)> = section[..first_value_line]
        .iter()
        .flat_map(|l| l.words.iter().filter_map(|w| w.x))
        .filter(|x| x.1 > boundary)
        .collect();
    // A group header spans columns: the numbers of several, or narrower headers in several.
    let spans = |x: (f32, f32)| {
        let narrower: Vec<(f32, f32)> =
            words.iter().copied().filter(|&y| y.1 - y.0 < x.1 - x.0 - 1.0 && overlaps(x, y)).collect();
        numbers.iter().filter(|&&n| overlaps(x, n)).count() > 1 || clusters(narrower).len() > 1
    };
    let header: Vec<(f32, f32)> = words.iter().copied().filter(|&x| !spans(x)).collect();
    let stacks = clusters(header);
    if stacks.len() == count {
        Some(stacks)
    } else if numbers.len() == count {
        Some(numbers)
    } else {
        None
    }
}

/// What the reader placed: a key's token and its (line, column) in the text.
type Placed = Vec<(Key, String, (u32, u32))>;

struct Reader<'a> {
    path: &'a std::path::Path,
    notes: Vec<Diagnostic>,
    placed: Placed,
    /// The rows the text shows: by their label, or by numbers where they come next. A row it
    /// never shows is missing, not blank.
    seen: std::collections::HashSet<Item>,
}

impl Reader<'_> {
    fn note(&mut self, line: &Line, message: String) {
        let message = match line.page {
            Some(_) => format!("{}: {message}", line.place()),
            None => message,
        };
        self.notes.push(Diagnostic {
            severity: Severity::Warning,
            kind: DiagnosticKind::Unplaced,
            location: Location::file(self.path).with_sheet(SHEET).with_cell(line.no, 0),
            message,
        });
    }

    /// Place a row's tokens: by the column each stands in, or left to right when the text has
    /// no columns (then only a full row is placed). `false` when they cannot be placed.
    fn place(&mut self, keys: &[Key], run: &[Token]) -> bool {
        let by_column = run.iter().all(|t| t.column.is_some());
        if by_column {
            let mut seen = vec![false; keys.len()];
            for t in run {
                match t.column.filter(|&c| c < keys.len()) {
                    Some(c) if !seen[c] => seen[c] = true,
                    _ => return false,
                }
            }
            for t in run {
                let key = keys[t.column.unwrap_or(0)];
                self.placed.push((key, t.text.clone(), t.at));
            }
            return true;
        }
        if run.len() != keys.len() {
            return false;
        }
        for (key, t) in keys.iter().zip(run) {
            self.placed.push((*key, t.text.clone(), t.at));
        }
        true
    }

    /// A table whose rows carry their own labels (二 and 三): each line with numbers is matched
    /// to the first row of the form, not yet read, that its label — or its label with the
    /// fragments above it — names. In plain text a row's numbers are those of its line and of
    /// the lines of numbers right below it (text that puts each cell on a line of its own), up
    /// to the next line with words.
    fn labelled(
        &mut self,
        table: Table,
        rows: &[Row],
        section: &[Line],
        columns: Option<&[(f32, f32)]>,
        next: &mut usize,
    ) {
        let mut pending: Vec<&Line> = Vec::new();
        let mut i = 0;
        while i < section.len() {
            let line = &section[i];
            i += 1;
            if line.values.is_empty() {
                if !line.words.is_empty() {
                    pending.push(line);
                }
                continue;
            }
            let mut run = tokens(line, columns);
            let group = rows.get(*next).and_then(|r| r.item.parent()).filter(|p| *p != Item::Outcomes);
            let ctx = Context::Row { table, group };
            // The rows (not yet read) that texts name.
            let named = |texts: &[String]| -> std::collections::BTreeSet<usize> {
                texts
                    .iter()
                    .filter(|c| !c.is_empty())
                    .filter_map(|c| match label(c, ctx) {
                        Lookup::Found(Label::Item(item)) => rows[*next..].iter().position(|r| r.item == item),
                        _ => None,
                    })
                    .collect()
            };
            // The line's own label, or one of its words (a group fragment may stand beside the
            // row's label), decides. Else the fragments above, alone or joined to the line's
            // words, must name one row: two rows named above numbers (text that printed a
            // row's label before the numbers of the row above) cannot be told apart.
            let own = line.label();
            let mut own_texts = vec![own.clone()];
            own_texts.extend(line.words.iter().map(|w| w.text.clone()));
            let last = line.words.last().map_or(String::new(), |w| w.text.clone());
            let mut above_texts: Vec<String> = Vec::new();
            for p in &pending {
                above_texts.push(p.label());
                above_texts.extend(p.words.iter().map(|w| w.text.clone()));
            }
            for k in 1..=pending.len().min(4) {
                let above: String = pending[pending.len() - k..].iter().map(|l| l.label()).collect();
                above_texts.push(format!("{above}{own}"));
                above_texts.push(format!("{above}{last}"));
            }
            let by_own = named(&own_texts);
            let by_above = named(&above_texts);
            let found = match (by_own.first(), by_above.len()) {
                (Some(&j), _) => Some(j),
                (None, 1) => by_above.first().copied(),
                _ => None,
            };
            if found.is_none() && by_above.len() > 1 {
                // Its other lines of numbers go with it.
                while let Some(l) = section.get(i).filter(|l| l.words.is_empty() && line.page.is_none()) {
                    run.extend(tokens(l, columns));
                    i += 1;
                }
                let names: Vec<&str> = by_above.iter().map(|&j| rows[*next + j].item.label()).collect();
                self.seen.extend(by_above.iter().map(|&j| rows[*next + j].item));
                self.note(
                    line,
                    format!(
                        "numbers {} follow the labels of {}: which row they belong to cannot be told, so the rows are left blank",
                        numbers(&run),
                        names.join(" and ")
                    ),
                );
                *next += by_above.last().copied().unwrap_or(0) + 1;
                pending.clear();
                continue;
            }
            let positioned = line.page.is_some();
            let Some(j) = found else {
                self.seen.extend(rows.get(*next).map(|r| r.item));
                // The lines of numbers below belong to no row either: one word for them all.
                while let Some(l) = section.get(i).filter(|l| l.words.is_empty() && !positioned) {
                    run.extend(tokens(l, columns));
                    i += 1;
                }
                let expected = rows.get(*next).map_or(String::new(), |r| {
                    format!(" where {} ({}) comes next", r.item.label(), columns_word(r.keys.len()))
                });
                let what = if own.is_empty() {
                    "with no row label".to_string()
                } else {
                    format!("after {own:?}, no row of the table")
                };
                self.note(
                    line,
                    format!(
                        "numbers {} {what}{expected}: which row they belong to cannot be told, so they are not placed",
                        numbers(&run)
                    ),
                );
                continue;
            };
            let row = &rows[*next + j];
            self.seen.insert(row.item);
            // Rows passed over: the text shows rows around them but no numbers of theirs (unless
            // numbers were already reported where they came next).
            let skipped: Vec<&str> = rows[*next..*next + j]
                .iter()
                .filter(|r| !self.seen.contains(&r.item))
                .map(|r| r.item.label())
                .collect();
            self.seen.extend(rows[*next..*next + j].iter().map(|r| r.item));
            if !skipped.is_empty() {
                self.note(
                    line,
                    format!(
                        "no numbers could be tied to {} (before {}): left blank",
                        skipped.join("、"),
                        row.item.label()
                    ),
                );
            }
            // Plain text: the lines of numbers right below, while the row wants more.
            while !positioned && run.len() < row.keys.len() {
                match section.get(i) {
                    Some(l) if l.words.is_empty() && !l.values.is_empty() => {
                        run.extend(tokens(l, columns));
                        i += 1;
                    }
                    Some(l) if l.words.is_empty() => i += 1,
                    _ => break,
                }
            }
            if !self.place(&row.keys, &run) {
                let (n, m) = (run.len(), row.keys.len());
                let why = if run.iter().all(|t| t.column.is_some()) {
                    "two of them stand in one column".to_string()
                } else {
                    format!("which {} cannot be told", if n < m { "is missing" } else { "belong where" })
                };
                self.note(
                    line,
                    format!(
                        "{} has {} but the text gives {n} number{} ({}); {why}, so the row is left blank",
                        row.item.label(),
                        columns_word(m),
                        if n == 1 { "" } else { "s" },
                        numbers(&run),
                    ),
                );
            }
            *next += j + 1;
            pending.clear();
        }
    }

    /// Table 四: one row of fifteen numbers under a heap of header fragments, possibly over
    /// several lines.
    fn review(&mut self, rows: &[Row], section: &[Line], columns: Option<&[(f32, f32)]>) {
        let keys: Vec<Key> = rows.iter().flat_map(|r| r.keys.iter().copied()).collect();
        let with_numbers: Vec<&Line> = section.iter().filter(|l| !l.values.is_empty()).collect();
        let Some(first) = with_numbers.first() else { return };
        self.seen.extend(rows.iter().map(|r| r.item));
        let run: Vec<Token> = with_numbers.iter().flat_map(|l| tokens(l, columns)).collect();
        if !self.place(&keys, &run) {
            self.note(
                first,
                format!(
                    "the table has {} columns but the text gives {} numbers ({}); which is which cannot be told, so the row is left blank",
                    keys.len(),
                    run.len(),
                    numbers(&run)
                ),
            );
        }
    }
}

/// The table a heading line names, if it is one.
fn heading(line: &Line) -> Option<Table> {
    let text = line.label();
    if !line.values.is_empty() || text.chars().count() > 40 {
        return None;
    }
    match label(&text, Context::Title) {
        Lookup::Found(Label::Title(t)) => Some(t),
        _ => None,
    }
}

/// A numbered section heading that is no label of the form (`五、存在的主要问题…`, but not
/// `一、本年新收…`): the end of the tables.
fn ends_tables(line: &Line) -> bool {
    let text = line.label();
    let numeral = text.chars().take_while(|c| "一二三四五六七八九十".contains(*c)).count();
    numeral > 0
        && text.chars().nth(numeral) == Some('、')
        && text.chars().count() > numeral + 4
        && line.values.is_empty()
        && label(&text, Context::Any) == Lookup::NotFound
}

/// Whether a line is a caption of the proactive table (第二十条第（五）项).
fn is_caption(line: &Line) -> bool {
    line.values.is_empty() && matches!(label(&line.label(), Context::Title), Lookup::Found(Label::Caption(_)))
}

/// Read plain text (`pdftotext` output) as the national form: the grid, named [`SHEET`], and
/// what could not be placed; `None` when the text has no table heading. `year_in` finds the
/// year the title names (it picks the template: 2019 or 2021).
pub(super) fn plain(
    path: &std::path::Path,
    text: &str,
    year_in: impl Fn(&str) -> Option<i32>,
) -> Option<(Grid, Vec<Diagnostic>)> {
    read(path, plain_lines(text), year_in)
}

/// Read positioned words (a PDF's, or `pdftotext -bbox-layout`'s) as the national form.
pub(super) fn positioned(
    path: &std::path::Path,
    words: Vec<Word>,
    year_in: impl Fn(&str) -> Option<i32>,
) -> Option<(Grid, Vec<Diagnostic>)> {
    read(path, word_lines(words), year_in)
}

fn read(
    path: &std::path::Path,
    lines: Vec<Line>,
    year_in: impl Fn(&str) -> Option<i32>,
) -> Option<(Grid, Vec<Diagnostic>)> {
    // The title: the first short lines before the first table.
    let first_table = lines.iter().position(|l| heading(l).is_some())?;
    let title_lines: Vec<&Line> = lines[..first_table]
        .iter()
        .filter(|l| !l.words.is_empty() && l.label().chars().count() <= 40)
        .take(3)
        .collect();
    let title: String = title_lines.iter().map(|l| l.label()).collect::<Vec<_>>().join(" ");
    let template = year_in(&title).map_or(Template::V2021, Template::for_year);
    let form = national(template, &title);
    let mut reader = Reader { path, notes: Vec::new(), placed: Vec::new(), seen: Default::default() };
    // The sections: from each table's heading to the next heading or the end of the tables.
    let mut headings: Vec<(Table, usize)> = Vec::new();
    let mut end = lines.len();
    for (i, line) in lines.iter().enumerate().skip(first_table) {
        if let Some(t) = heading(line) {
            headings.push((t, i));
        } else if ends_tables(line) && !headings.is_empty() {
            end = i;
            break;
        }
    }
    let positioned = lines.iter().any(|l| l.page.is_some());
    for (n, &(table, start)) in headings.iter().enumerate() {
        let stop = headings.get(n + 1).map_or(end, |h| h.1);
        let section = &lines[start + 1..stop];
        let rows = rows(&form, table);
        // Table 二 is sub-tables under captions, each with its own header and columns.
        let parts: Vec<&[Line]> = if table == Table::Proactive {
            let cuts: Vec<usize> = (0..section.len()).filter(|&i| is_caption(&section[i])).collect();
            if cuts.is_empty() {
                vec![section]
            } else {
                cuts.iter()
                    .enumerate()
                    .map(|(k, &c)| &section[c..cuts.get(k + 1).copied().unwrap_or(section.len())])
                    .collect()
            }
        } else {
            vec![section]
        };
        let mut next = 0;
        for part in parts {
            let width = match table {
                Table::ReviewLitigation => rows.iter().map(|r| r.keys.len()).sum(),
                _ => {
                    // The widest row whose label the part names; in table 三 every row.
                    part.iter()
                        .filter_map(|l| match label(&l.label(), Context::Row { table, group: None }) {
                            Lookup::Found(Label::Item(i)) => {
                                rows.iter().find(|r| r.item == i).map(|r| r.keys.len())
                            }
                            _ => None,
                        })
                        .max()
                        .unwrap_or(1)
                }
            };
            let columns = if positioned { table_columns(part, width) } else { None };
            // A one-column table needs no positions.
            let columns = columns.or_else(|| (positioned && width == 1).then(|| vec![(f32::MIN, f32::MAX)]));
            if positioned
                && columns.is_none()
                && let Some(first) = part.iter().find(|l| !l.values.is_empty())
            {
                reader.notes.push(Diagnostic {
                    severity: Severity::Info,
                    kind: DiagnosticKind::Unplaced,
                    location: Location::file(path).with_sheet(SHEET).with_cell(first.no, 0),
                    message: format!(
                        "{}: the columns of {} cannot be told from its header or its numbers; its numbers are placed by order",
                        first.place(),
                        table.label()
                    ),
                });
            }
            match table {
                Table::ReviewLitigation => reader.review(&rows, part, columns.as_deref()),
                _ => reader.labelled(table, &rows, part, columns.as_deref(), &mut next),
            }
        }
    }
    Some((draw(&form, &title_lines, &headings, &reader.seen, reader.placed), reader.notes))
}

/// The form, filled: its texts, and the tokens where they were placed, each cell at its place
/// in the text (the form's own texts at their table's heading line). The label of a row the
/// text never shows is left out, so that the row reads as missing.
fn draw(
    form: &Form,
    title_lines: &[&Line],
    headings: &[(Table, usize)],
    seen: &std::collections::HashSet<Item>,
    placed: Placed,
) -> Grid {
    let unseen: std::collections::HashSet<u32> = form
        .slots
        .iter()
        .filter(|s| s.key.table != Table::ReviewLitigation && !seen.contains(&s.key.item))
        .map(|s| s.at.0)
        .collect();
    let mut grid = Grid::new(SHEET);
    let heading_row =
        |text: &str| Table::ALL.iter().copied().find(|t| text == format!("{}{}", t.numbering(), t.label()));
    let title_line = title_lines.first().map_or(0, |l| l.no);
    let mut line = title_line;
    for text in &form.texts {
        // The form's texts come table by table, each from its heading down.
        if let Some(t) = heading_row(&text.text) {
            line = headings.iter().find(|h| h.0 == t).map_or(title_line, |h| h.1 as u32);
        }
        if text.first.0 == text.last.0 && text.first.1 < 3 && unseen.contains(&text.first.0) {
            continue;
        }
        grid.set(text.first.0, text.first.1, Cell::Text(text.text.clone()));
        if text.first != text.last {
            grid.merge(text.first, text.last);
        }
        grid.set_origin(text.first, Some((line, 0)));
    }
    for slot in &form.slots {
        if slot.span > 1 {
            grid.merge(slot.at, (slot.at.0, slot.at.1 + slot.span - 1));
        }
        grid.set_origin(slot.at, None);
    }
    for (key, token, at) in placed {
        if let Some(slot) = form.slots.iter().find(|s| s.key == key) {
            grid.set(slot.at.0, slot.at.1, Cell::Text(token));
            grid.set_origin(slot.at, Some(at));
        }
    }
    grid
}

/// The words of `pdftotext -bbox-layout` output (XHTML: `<page>`s of `<word xMin=… yMin=…
/// xMax=… yMax=…>`); `None` when the text is not such output.
pub(super) fn bbox_words(xhtml: &str) -> Option<Vec<Word>> {
    use quick_xml::Reader;
    use quick_xml::events::Event;
    let mut reader = Reader::from_str(xhtml);
    let (mut page, mut words, mut current): (u32, Vec<Word>, Option<Word>) = (0, Vec::new(), None);
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) if e.local_name().as_ref() == "page" => page += 1,
            Event::Start(e) if e.local_name().as_ref() == "word" => {
                let attr = |name: &str| -> Option<f32> {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == name)
                        .and_then(|a| a.value.trim().parse().ok())
                };
                current = Some(Word {
                    page,
                    x0: attr("xMin")?,
                    y0: attr("yMin")?,
                    x1: attr("xMax")?,
                    y1: attr("yMax")?,
                    text: String::new(),
                });
            }
            Event::Text(t) => {
                if let Some(w) = current.as_mut() {
                    w.text.push_str(&t);
                }
            }
            Event::GeneralRef(r) => {
                if let Some(w) = current.as_mut() {
                    let c = match r.resolve_char_ref().ok().flatten() {
                        Some(c) => c,
                        None => match &*r {
                            "amp" => '&',
                            "lt" => '<',
                            "gt" => '>',
                            "quot" => '"',
                            "apos" => '\'',
                            _ => continue,
                        },
                    };
                    w.text.push(c);
                }
            }
            Event::End(e) if e.local_name().as_ref() == "word" => words.extend(current.take()),
            Event::Eof => break,
            _ => {}
        }
    }
    (page > 0).then_some(words)
}

/// Whether bytes are `pdftotext -bbox-layout` output.
pub(super) fn is_bbox(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    let has = |s: &[u8]| head.windows(s.len()).any(|w| w == s);
    has(b"<doc>") && has(b"<page") && has(b"xMin=")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_its_label_and_its_numbers() {
        let l = &plain_lines("（一）予以公开 3 0 0 0 1 0 4\n30 80\n规章　０　０　０\n第二十条第（一）项")[..];
        assert_eq!((l[0].label().as_str(), l[0].values.len()), ("(一)予以公开", 7));
        assert_eq!((l[1].label().as_str(), l[1].values.len()), ("", 2));
        assert_eq!(
            l[2].values.iter().map(|v| v.text.as_str()).collect::<Vec<_>>(),
            ["0", "0", "0"],
            "full-width digits and spaces fold"
        );
        assert!(l[3].values.is_empty());
        assert!(is_value("439.0745") && is_value("-") && is_value("+3") && !is_value("1.属于国家秘密"));
    }

    #[test]
    fn words_make_lines_and_numbers_find_their_columns() {
        let w = |x0: f32, y0: f32, text: &str| Word {
            page: 1,
            x0,
            y0,
            x1: x0 + 10.0,
            y1: y0 + 10.0,
            text: text.into(),
        };
        let lines = word_lines(vec![
            w(200.0, 51.0, "0"),
            w(10.0, 50.0, "规章"),
            w(100.0, 52.0, "3"),
            w(10.0, 70.0, "行政许可"),
        ]);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].label(), "规章");
        assert_eq!(lines[0].values.iter().map(|v| v.text.as_str()).collect::<Vec<_>>(), ["3", "0"]);
        let columns = [(95.0, 120.0), (145.0, 170.0), (195.0, 220.0)];
        let t = tokens(&lines[0], Some(&columns));
        assert_eq!((t[0].column, t[1].column), (Some(0), Some(2)), "the middle column is blank");
        assert_eq!(clusters(vec![(0.0, 10.0), (5.0, 12.0), (30.0, 40.0)]), [(0.0, 12.0), (30.0, 40.0)]);
    }
}
