//! The national form as cells: the three tables of a template laid out as the official form
//! prints them — title, headings, the merged header and group cells with their Chinese labels,
//! and the cell of every value. One layout serves every place that draws the form: the summed
//! report's workbook writes it, and the readers of published text fill it with what they found
//! so that the one locate step reads it like any spreadsheet.

use crate::schema::{Item, Key, Measure, Table, Template, captions, measures, measures_of};

/// What a text of the form is, for styling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    /// The form's title.
    Title,
    /// A table heading or a column header.
    Header,
    /// A row label (and the applications table's corner note).
    Label,
}

/// A text over a region (one cell when `first == last`), 0-based and inclusive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Text {
    pub first: (u32, u32),
    pub last: (u32, u32),
    pub text: String,
    pub part: Part,
}

/// The cell of one value, `span` columns wide (a proactive sub-table's last column stretches).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Slot {
    pub at: (u32, u32),
    pub key: Key,
    pub span: u32,
}

/// The form of one template.
#[derive(Clone, Debug, Default)]
pub(crate) struct Form {
    pub texts: Vec<Text>,
    pub slots: Vec<Slot>,
}

impl Form {
    fn text(&mut self, first: (u32, u32), last: (u32, u32), text: impl Into<String>, part: Part) {
        self.texts.push(Text { first, last, text: text.into(), part });
    }

    fn slot(&mut self, at: (u32, u32), key: Key, span: u32) {
        self.slots.push(Slot { at, key, span });
    }
}

/// The form of `t` with `title` over it (row 0), the tables below.
pub(crate) fn national(t: Template, title: &str) -> Form {
    let mut f = Form::default();
    f.text((0, 0), (0, 9), title, Part::Title);
    let r = proactive(&mut f, t, 2);
    let r = applications(&mut f, t, r + 1);
    review(&mut f, r + 1);
    f
}

fn heading(table: Table) -> String {
    format!("{}{}", table.numbering(), table.label())
}

/// 二、主动公开政府信息情况: one sub-table per caption of the template; returns the next row.
fn proactive(f: &mut Form, t: Template, mut r: u32) -> u32 {
    f.text((r, 0), (r, 5), heading(Table::Proactive), Part::Header);
    r += 1;
    for caption in captions(t) {
        let items: Vec<Item> =
            Item::ALL.iter().copied().filter(|i| i.caption() == Some(caption) && i.in_template(t)).collect();
        let Some(first) = items.first() else { continue };
        let cols = measures_of(*first, t);
        f.text((r, 0), (r, 5), caption.label(), Part::Header);
        f.text((r + 1, 0), (r + 1, 2), "信息内容", Part::Header);
        // The measures fill columns 3–5; the last stretches to column 5.
        let span = |i: usize| if i + 1 == cols.len() { 3 - i as u32 } else { 1 };
        for (i, m) in cols.iter().enumerate() {
            let c = 3 + i as u32;
            f.text((r + 1, c), (r + 1, c + span(i) - 1), m.label_in(t), Part::Header);
        }
        r += 2;
        for item in items {
            f.text((r, 0), (r, 2), item.label_in(t), Part::Label);
            for (i, m) in cols.iter().enumerate() {
                f.slot((r, 3 + i as u32), Key::new(item, *m), span(i));
            }
            r += 1;
        }
    }
    r
}

/// 三、收到和处理政府信息公开申请情况: the matrix under three header rows, with the merged
/// group cells; returns the next row.
fn applications(f: &mut Form, t: Template, r0: u32) -> u32 {
    let table = Table::Applications;
    let cols = measures(table, t);
    let first = 3u32;
    let last = first + cols.len() as u32 - 1;
    f.text((r0, 0), (r0, last), heading(table), Part::Header);
    let h = r0 + 1;
    f.text(
        (h, 0),
        (h + 2, 2),
        "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
        Part::Label,
    );
    f.text((h, first), (h, last), "申请人情况", Part::Header);
    for (i, m) in cols.iter().enumerate() {
        let c = first + i as u32;
        let top = if matches!(m, Measure::NaturalPerson | Measure::Total) { h + 1 } else { h + 2 };
        f.text((top, c), (h + 2, c), m.label(), Part::Header);
    }
    f.text((h + 1, first + 1), (h + 1, last - 1), "法人或其他组织", Part::Header);
    let rows: Vec<Item> = Item::ALL
        .iter()
        .copied()
        .filter(|i| i.table() == table && i.in_template(t) && !i.is_heading() && !i.is_derived(t))
        .collect();
    let mut r = h + 3;
    let outcomes = rows.iter().filter(|i| i.parent().is_some()).count() as u32;
    let mut outcome_first = None;
    for item in rows {
        let numbered = format!("{}{}", item.numbering().unwrap_or(""), item.label_in(t));
        match item.parent() {
            None => f.text((r, 0), (r, 2), numbered, Part::Label),
            Some(Item::Outcomes) => {
                outcome_first.get_or_insert(r);
                f.text((r, 1), (r, 2), numbered, Part::Label);
            }
            Some(g) => {
                outcome_first.get_or_insert(r);
                let members = g.members(t);
                if members.first() == Some(&item) {
                    let text = format!("{}{}", g.numbering().unwrap_or(""), g.label_in(t));
                    f.text((r, 1), (r + members.len() as u32 - 1, 1), text, Part::Label);
                }
                f.text((r, 2), (r, 2), numbered, Part::Label);
            }
        }
        for (i, m) in cols.iter().enumerate() {
            f.slot((r, first + i as u32), Key::new(item, *m), 1);
        }
        r += 1;
    }
    if let Some(o) = outcome_first {
        f.text((o, 0), (o + outcomes - 1, 0), "三、本年度办理结果", Part::Label);
    }
    r
}

/// 四、政府信息公开行政复议、行政诉讼情况: one row of fifteen under two header levels (the same
/// in both templates); returns the next row.
fn review(f: &mut Form, r0: u32) -> u32 {
    let table = Table::ReviewLitigation;
    f.text((r0, 0), (r0, 14), heading(table), Part::Header);
    let h = r0 + 1;
    f.text((h, 0), (h, 4), Item::Review.label(), Part::Header);
    f.text((h, 5), (h, 14), "行政诉讼", Part::Header);
    f.text((h + 1, 5), (h + 1, 9), Item::LitigationDirect.label(), Part::Header);
    f.text((h + 1, 10), (h + 1, 14), Item::LitigationAfterReview.label(), Part::Header);
    let leaves = measures(table, Template::V2021);
    for (b, block) in [Item::Review, Item::LitigationDirect, Item::LitigationAfterReview].iter().enumerate() {
        for (i, m) in leaves.iter().enumerate() {
            let c = (b * leaves.len() + i) as u32;
            let top = if b == 0 { h + 1 } else { h + 2 };
            f.text((top, c), (h + 2, c), m.label(), Part::Header);
            f.slot((h + 3, c), Key::new(*block, *m), 1);
        }
    }
    h + 4
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::cells;

    /// Every published cell of the template has exactly one slot, and no two texts or slots
    /// share a cell.
    #[test]
    fn every_cell_has_one_slot_and_nothing_overlaps() {
        for t in [Template::V2019, Template::V2021] {
            let f = national(t, "title");
            let mut keys: Vec<Key> = f.slots.iter().map(|s| s.key).collect();
            keys.sort();
            let mut expected: Vec<Key> = cells(t).iter().copied().filter(|k| !k.item.is_derived(t)).collect();
            expected.sort();
            assert_eq!(keys, expected, "{t:?}");
            let mut taken = std::collections::HashSet::new();
            let regions = f
                .texts
                .iter()
                .map(|x| (x.first, x.last))
                .chain(f.slots.iter().map(|s| (s.at, (s.at.0, s.at.1 + s.span - 1))));
            for (a, b) in regions {
                for r in a.0..=b.0 {
                    for c in a.1..=b.1 {
                        assert!(taken.insert((r, c)), "{t:?}: ({r}, {c}) twice");
                    }
                }
            }
        }
    }
}
