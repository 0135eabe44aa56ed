//! 三、收到和处理政府信息公开申请情况: found by its 自然人 column header; columns by their
//! applicant labels, rows by their outcome labels within their groups.

use super::{APP, ItemRows, Sheet, Text};
use crate::normalize::{Context, Header, Label, Lookup, MoneyScale, label};
use crate::read::grid::Cell;
use crate::report::DiagnosticKind;
use crate::schema::{Item, Key, Measure, Severity, Template};

impl<'g> Sheet<'g> {
    pub(super) fn applications(&mut self, texts: &[Text<'g>]) {
        let col_ctx = Context::Column { table: APP };
        let anchors: Vec<(u32, u32)> = texts
            .iter()
            .filter(|&&(_, t, id)| {
                self.look_id(id, t, col_ctx) == Lookup::Found(Label::Measure(Measure::NaturalPerson))
            })
            .map(|(p, _, _)| *p)
            .collect();
        for (r0, c0) in anchors {
            self.applications_at(r0, c0);
        }
    }

    /// One applications table, its `自然人` header at `(r0, c0)`: its header rows, columns and
    /// rows found, then its numbers placed and its subtotals checked.
    fn applications_at(&mut self, r0: u32, c0: u32) {
        let top = r0.saturating_sub(2);
        let bottom = self.header_bottom(r0, c0);
        let (columns, subtotal) = self.application_columns(top, bottom, c0);
        self.table(APP, None, (top, c0));
        let (placed_rows, subtotal_rows) = self.application_rows(bottom, c0, &columns);
        self.place_applications(placed_rows, subtotal_rows, &columns, subtotal);
    }

    /// The last header row: down to the last row holding a column label right of the anchor.
    fn header_bottom(&self, r0: u32, c0: u32) -> u32 {
        let col_ctx = Context::Column { table: APP };
        let mut bottom = self.grid.bottom(r0, c0);
        for r in r0 + 1..=r0 + 3 {
            let labelled = (c0..c0 + 12).any(|c| {
                self.grid.anchor(r, c) == (r, c)
                    && matches!(
                        self.look_at(r, c, col_ctx),
                        Lookup::Found(Label::Measure(_) | Label::Header(_))
                    )
            });
            if labelled {
                bottom = bottom.max(r);
            }
        }
        bottom
    }

    /// The columns under the header rows `top..=bottom`, from `c0` on: each applicant column's
    /// measure, and the 法人或其他组织 subtotal column if there is one.
    fn application_columns(&mut self, top: u32, bottom: u32, c0: u32) -> (Vec<(u32, Measure)>, Option<u32>) {
        let col_ctx = Context::Column { table: APP };
        let mut columns: Vec<(u32, Measure)> = Vec::new();
        let mut subtotal: Option<u32> = None;
        let mut empty_run = 0;
        for c in c0..c0 + 16 {
            let mut seen: Vec<Measure> = Vec::new();
            let mut is_subtotal = false;
            for r in top..=bottom {
                match self.look_at(r, c, col_ctx) {
                    Lookup::Found(Label::Measure(m)) if !seen.contains(&m) => seen.push(m),
                    Lookup::Found(Label::Header(Header::Subtotal)) => is_subtotal = true,
                    _ => {}
                }
            }
            if seen.is_empty() && !is_subtotal {
                // A header split into fragments over several cells: join them.
                let joined: String = (top..=bottom)
                    .filter(|&r| self.grid.anchor(r, c) == (r, c))
                    .filter_map(|r| self.grid.label(r, c))
                    .collect();
                if let Lookup::Found(Label::Measure(m)) = label(&joined, col_ctx) {
                    seen.push(m);
                }
            }
            if is_subtotal && seen.is_empty() {
                subtotal = Some(c);
                continue;
            }
            match seen.as_slice() {
                [] => {
                    empty_run += 1;
                    if empty_run >= 2 {
                        break;
                    }
                }
                [m] => {
                    empty_run = 0;
                    if !columns.iter().any(|(_, x)| x == m) {
                        columns.push((c, *m));
                    }
                    if *m == Measure::Total {
                        break;
                    }
                }
                many => {
                    let names: Vec<&str> = many.iter().map(|m| m.code()).collect();
                    self.note(
                        Severity::Warning,
                        DiagnosticKind::AmbiguousLabel,
                        Some((bottom, c)),
                        format!(
                            "column header reads as several columns ({}); column ignored",
                            names.join(", ")
                        ),
                    );
                }
            }
        }
        (columns, subtotal)
    }

    /// The rows below the header, read by their labels (left of `c0`, within their groups):
    /// the rows of numbers and the group rows whose numbers are subtotals.
    fn application_rows(&mut self, bottom: u32, c0: u32, columns: &[(u32, Measure)]) -> (ItemRows, ItemRows) {
        let row_ctx = |group| Context::Row { table: APP, group };
        let mut current_group: Option<Item> = None;
        let mut placed_rows: Vec<(Item, u32)> = Vec::new();
        let mut subtotal_rows: Vec<(Item, u32)> = Vec::new();
        let mut blank_run = 0;
        let mut r = bottom + 1;
        while blank_run < 4 && r <= bottom + 80 {
            let has_values = columns.iter().any(|&(c, _)| self.has_content(r, c));
            let mut labels: Vec<&'g str> = Vec::new();
            let mut last_anchor = None;
            for c in 0..c0 {
                let a = self.grid.anchor(r, c);
                if Some(a) == last_anchor {
                    continue;
                }
                last_anchor = Some(a);
                if let Some(Cell::Text(t)) = self.grid.get(a.0, a.1)
                    && labels.last() != Some(&t.as_str())
                {
                    labels.push(t.as_str());
                }
            }
            let Some((&last, left)) = labels.split_last() else {
                if has_values {
                    self.unplaced(r, columns, "numbers without a row label");
                }
                blank_run += 1;
                r += 1;
                continue;
            };
            blank_run = 0;
            let mut group = current_group;
            for t in left {
                if let Lookup::Found(Label::Item(g)) = self.look(t, row_ctx(None)) {
                    if g.table() == APP && g != Item::Outcomes && !g.members(Template::V2021).is_empty() {
                        group = Some(g);
                        current_group = Some(g);
                    } else if g == Item::Outcomes {
                        group = None;
                    }
                }
            }
            match self.look(last, row_ctx(group)) {
                Lookup::Found(Label::Item(item)) if item.table() == APP => {
                    if item.is_heading() {
                        if has_values {
                            self.unplaced(r, columns, "numbers in the 三、本年度办理结果 heading row");
                        }
                    } else if item == Item::Other {
                        // （六）其他处理: the 2019 data row, or the 2021 group label (decided below).
                        current_group = Some(item);
                        placed_rows.push((item, r));
                    } else if !item.members(Template::V2021).is_empty() {
                        // A group label row: sub-items follow; numbers here are a subtotal.
                        current_group = Some(item);
                        if has_values {
                            subtotal_rows.push((item, r));
                        }
                    } else {
                        if item.parent() == Some(Item::Outcomes) || item.parent().is_none() {
                            current_group = None;
                        }
                        placed_rows.push((item, r));
                    }
                }
                Lookup::Ambiguous(readings) if has_values => {
                    let names: Vec<String> = readings.iter().map(|l| format!("{l:?}")).collect();
                    self.note(
                        Severity::Error,
                        DiagnosticKind::AmbiguousLabel,
                        Some((r, 0)),
                        format!(
                            "row label {last:?} could be {}; its numbers are not placed",
                            names.join(" or ")
                        ),
                    );
                }
                _ => {
                    if self.ends_table(last, APP) {
                        break;
                    }
                    if has_values {
                        self.unplaced(
                            r,
                            columns,
                            &format!("row label {last:?} is not in the national format"),
                        );
                    }
                }
            }
            r += 1;
        }
        (placed_rows, subtotal_rows)
    }

    /// Place the rows' numbers and check the subtotals (the 法人或其他组织 column, the group
    /// rows) against their parts; the table's template is what its cells show.
    fn place_applications(
        &mut self,
        mut placed_rows: ItemRows,
        mut subtotal_rows: ItemRows,
        columns: &[(u32, Measure)],
        subtotal: Option<u32>,
    ) {
        // （六）其他处理 with sub-items is the 2021 group; alone, the 2019 data row.
        let has_other_parts = placed_rows.iter().any(|(i, _)| i.parent() == Some(Item::Other));
        if let (true, Some(pos)) = (has_other_parts, placed_rows.iter().position(|(i, _)| *i == Item::Other))
        {
            let (_, row) = placed_rows.remove(pos);
            subtotal_rows.push((Item::Other, row));
        }
        let keys =
            placed_rows.iter().flat_map(|&(item, _)| columns.iter().map(move |&(_, m)| Key::new(item, m)));
        self.shown(APP, Template::shown_by(keys));
        // The numbers placed, by row and column: what the subtotals are checked against. A key
        // is placed at most once, from the first row of its item, which is where it is kept.
        let width = columns.len();
        let mut got: Vec<Option<i64>> = vec![None; placed_rows.len() * width];
        let part = |got: &[Option<i64>], item: Item, m: Measure| {
            let row = placed_rows.iter().position(|&(i, _)| i == item)?;
            let column = columns.iter().position(|&(_, x)| x == m)?;
            got[row * width + column]
        };
        for (at, &(item, row)) in placed_rows.iter().enumerate() {
            for (column, &(c, m)) in columns.iter().enumerate() {
                if let Some(v) = self.place(Key::new(item, m), row, c, MoneyScale::Yuan) {
                    got[at * width + column] = Some(v);
                }
            }
            if let Some(c) = subtotal {
                let parts = [
                    Measure::CommercialEnterprise,
                    Measure::ResearchInstitution,
                    Measure::SocialWelfareOrg,
                    Measure::LegalServiceOrg,
                    Measure::OtherOrg,
                ];
                let sum: Option<i64> = parts.iter().map(|&m| part(&got, item, m)).sum();
                self.check_subtotal(row, c, sum, &format!("{} 法人或其他组织小计", item.code()));
            }
        }
        for &(group, row) in &subtotal_rows {
            for &(c, m) in columns {
                let parts = group.members(Template::V2021);
                let sum: Option<i64> = parts.iter().map(|&i| part(&got, i, m)).sum();
                self.check_subtotal(row, c, sum, &format!("{}.{} subtotal", group.code(), m.code()));
            }
        }
    }
}
