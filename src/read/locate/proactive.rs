//! 二、主动公开政府信息情况: found by its measure headers (each header row starts a block);
//! rows by their item labels.

use super::{HeaderColumn, PRO, Sheet, Text};
use crate::normalize::{Context, Label, Lookup, MoneyScale};
use crate::read::grid::Cell;
use crate::report::DiagnosticKind;
use crate::schema::{Key, Measure, Severity, Template, measures_of};

impl<'g> Sheet<'g> {
    /// The proactive table: its header rows, then the rows of each header's block; its
    /// template is what the placed cells show.
    pub(super) fn proactive(&mut self, texts: &[Text<'g>]) {
        let headers = self.proactive_headers(texts);
        if headers.is_empty() {
            return;
        }
        let first = (headers[0].0, headers[0].1.iter().map(|c| c.0).min().unwrap_or(0));
        self.table(PRO, None, (first.0.saturating_sub(2), first.1.saturating_sub(1)));
        let placed_from = self.found.values.len();
        for (i, (hr, cols)) in headers.iter().enumerate() {
            let end = headers.get(i + 1).map_or(hr + 12, |h| h.0);
            self.proactive_block(*hr, end, cols);
        }
        let keys = self.found.values[placed_from..].iter().map(|p| p.key);
        self.shown(PRO, Template::shown_by(keys));
    }

    /// The header rows, each with its columns (column, measure, money scale), in reading order.
    fn proactive_headers(&self, texts: &[Text<'g>]) -> Vec<(u32, Vec<HeaderColumn>)> {
        let ctx = Context::Column { table: PRO };
        let mut headers: Vec<(u32, Vec<HeaderColumn>)> = Vec::new();
        for &((r, c), t, id) in texts {
            let measure = match self.look_id(id, t, ctx) {
                Lookup::Found(Label::Measure(m)) => m,
                Lookup::Ambiguous(readings) => {
                    // 本年新 (the wrapped 2019 header): the first reading not yet taken in this row.
                    let taken: Vec<Measure> = headers
                        .last()
                        .filter(|h| h.0 == r)
                        .map(|h| h.1.iter().map(|x| x.1).collect())
                        .unwrap_or_default();
                    match readings.iter().find_map(|l| match l {
                        Label::Measure(m) if !taken.contains(m) => Some(*m),
                        _ => None,
                    }) {
                        Some(m) => m,
                        None => continue,
                    }
                }
                _ => continue,
            };
            let scale = if t.contains("万元") { MoneyScale::WanYuan } else { MoneyScale::Yuan };
            match headers.last_mut() {
                Some((hr, cols)) if *hr == r => cols.push((c, measure, scale)),
                _ => headers.push((r, vec![(c, measure, scale)])),
            }
        }
        headers
    }

    /// The rows under the header row `hr` up to `end`: each row's label left of the columns,
    /// its numbers placed where the item has that column in either template.
    fn proactive_block(&mut self, hr: u32, end: u32, cols: &[HeaderColumn]) {
        let row_ctx = Context::Row { table: PRO, group: None };
        let first_col = cols.iter().map(|c| c.0).min().unwrap_or(0);
        for r in hr + 1..end {
            let label_text = (0..first_col).rev().find_map(|c| {
                let a = self.grid.anchor(r, c);
                match self.grid.get(a.0, a.1) {
                    Some(Cell::Text(t)) => Some(t.as_str()),
                    _ => None,
                }
            });
            let has_values = cols.iter().any(|&(c, _, _)| self.has_content(r, c));
            let Some(text) = label_text else {
                if has_values {
                    let plain: Vec<(u32, Measure)> = cols.iter().map(|&(c, m, _)| (c, m)).collect();
                    self.unplaced(r, &plain, "numbers without a row label");
                }
                continue;
            };
            match self.look(text, row_ctx) {
                Lookup::Found(Label::Item(item)) if item.table() == PRO => {
                    for &(c, m, scale) in cols {
                        let known = [Template::V2019, Template::V2021]
                            .iter()
                            .any(|&t| measures_of(item, t).contains(&m));
                        if known {
                            self.place(Key::new(item, m), r, c, scale);
                        } else if self.has_content(r, c) {
                            self.note(
                                Severity::Warning,
                                DiagnosticKind::UnknownLabel,
                                Some((r, c)),
                                format!(
                                    "{} has no column {} in the national format; not placed",
                                    item.code(),
                                    m.code()
                                ),
                            );
                        }
                    }
                }
                _ => {
                    if self.ends_table(text, PRO) {
                        break;
                    }
                    if has_values {
                        let plain: Vec<(u32, Measure)> = cols.iter().map(|&(c, m, _)| (c, m)).collect();
                        self.unplaced(
                            r,
                            &plain,
                            &format!("row label {text:?} is not in the national format"),
                        );
                    }
                }
            }
        }
    }
}
