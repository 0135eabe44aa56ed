//! 四、政府信息公开行政复议、行政诉讼情况: found by its block headers (行政复议, 行政诉讼).

use super::{REV, Sheet, Text};
use crate::normalize::{Context, Label, Lookup, MoneyScale};
use crate::report::DiagnosticKind;
use crate::schema::{Item, Key, Measure, Severity};

impl<'g> Sheet<'g> {
    pub(super) fn review(&mut self, texts: &[Text<'g>]) {
        let ctx = Context::Column { table: REV };
        let header_rows: Vec<u32> = {
            let mut rows: Vec<u32> = texts
                .iter()
                .filter(|&&(_, t, id)| {
                    self.look_id(id, t, ctx) == Lookup::Found(Label::Measure(Measure::Upheld))
                })
                .map(|((r, _), _, _)| *r)
                .collect();
            rows.dedup();
            rows
        };
        for hr in header_rows {
            let mut columns: Vec<(u32, Key)> = Vec::new();
            for &((r, c), t, id) in texts.iter().filter(|((r, _), _, _)| *r == hr) {
                let Lookup::Found(Label::Measure(m)) = self.look_id(id, t, ctx) else { continue };
                if !matches!(
                    m,
                    Measure::Upheld | Measure::Corrected | Measure::Other | Measure::Pending | Measure::Total
                ) {
                    continue;
                }
                match self.block_of(r, c) {
                    Some(block) if !columns.iter().any(|(_, k)| *k == Key::new(block, m)) => {
                        columns.push((c, Key::new(block, m)))
                    }
                    Some(_) => {}
                    None => self.note(
                        Severity::Error,
                        DiagnosticKind::UnknownLabel,
                        Some((r, c)),
                        format!("column {t:?} of 四 has no 行政复议/行政诉讼 block above it; not placed"),
                    ),
                }
            }
            if columns.is_empty() {
                continue;
            }
            let first_col = columns.iter().map(|c| c.0).min().unwrap_or(0);
            self.table(REV, None, (hr.saturating_sub(2), first_col));
            let data_row = (hr + 1..=hr + 3)
                .find(|&r| columns.iter().any(|&(c, _)| self.has_content(r, c)))
                .unwrap_or(hr + 1);
            for (c, key) in columns {
                self.place(key, data_row, c, MoneyScale::Yuan);
            }
        }
    }

    /// The review/litigation block a measure column belongs to: the nearest block label above
    /// it, in its own column (merged) or to its left (unmerged).
    fn block_of(&self, hr: u32, c: u32) -> Option<Item> {
        let ctx = Context::Column { table: REV };
        for r in (hr.saturating_sub(3)..hr).rev() {
            for cc in (0..=c).rev() {
                if let Lookup::Found(Label::Item(i)) = self.look_at(r, cc, ctx) {
                    return Some(i);
                }
                if cc + 8 < c {
                    break;
                }
            }
        }
        None
    }
}
