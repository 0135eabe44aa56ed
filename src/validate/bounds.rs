//! What a report's exact identities allow its blank cells to hold.
//!
//! A blank count is an unknown whole number in [0, ∞); a blank signed count (2019
//! `items_change`) is unbounded; a derived group subtotal is the sum of its sub-items. Each
//! exact identity (A1–A4, and the subtotal definitions) is then a linear equation over
//! intervals, and the bounds are tightened equation by equation to a fixed point.
//!
//! Cells are addressed by a dense slot (item × measure), so a report's state is two small
//! arrays: the fixed point costs a few passes over about a hundred short equations.

use std::sync::OnceLock;

use crate::report::Report;
use crate::schema::{Equation, Item, Key, Rule, Table, Template, Unit, equations, measures};

/// A closed interval of whole numbers; `i64::MIN` / `i64::MAX` stand for unbounded ends (the
/// fixed point runs on plain integers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Interval {
    lo: i64,
    hi: i64,
}

const OPEN_LO: i64 = i64::MIN;
const OPEN_HI: i64 = i64::MAX;

impl Interval {
    const ANY: Interval = Interval { lo: OPEN_LO, hi: OPEN_HI };
    const NON_NEGATIVE: Interval = Interval { lo: 0, hi: OPEN_HI };

    fn point(v: i64) -> Interval {
        Interval { lo: v, hi: v }
    }

    /// The lower end, `None` if unbounded.
    pub fn lo(self) -> Option<i64> {
        (self.lo != OPEN_LO).then_some(self.lo)
    }

    /// The upper end, `None` if unbounded.
    pub fn hi(self) -> Option<i64> {
        (self.hi != OPEN_HI).then_some(self.hi)
    }

    fn add(self, other: Interval) -> Interval {
        let lo = if self.lo == OPEN_LO || other.lo == OPEN_LO {
            OPEN_LO
        } else {
            self.lo.saturating_add(other.lo)
        };
        let hi = if self.hi == OPEN_HI || other.hi == OPEN_HI {
            OPEN_HI
        } else {
            self.hi.saturating_add(other.hi)
        };
        Interval { lo, hi }
    }

    fn negated(self) -> Interval {
        let flip = |v: i64, open: i64, other: i64| if v == open { other } else { -v };
        Interval { lo: flip(self.hi, OPEN_HI, OPEN_LO), hi: flip(self.lo, OPEN_LO, OPEN_HI) }
    }

    fn scaled(self, sign: i64) -> Interval {
        if sign >= 0 { self } else { self.negated() }
    }

    /// Whether the two share no value.
    fn disjoint(self, other: Interval) -> bool {
        self.hi < other.lo || self.lo > other.hi
    }

    fn intersect(self, other: Interval) -> Interval {
        Interval { lo: self.lo.max(other.lo), hi: self.hi.min(other.hi) }
    }

    fn is_empty(self) -> bool {
        self.lo > self.hi
    }

    fn contains(self, v: i64) -> bool {
        self.lo <= v && v <= self.hi
    }

    fn pinned(self) -> Option<i64> {
        (self.lo == self.hi && self.lo != OPEN_LO && self.hi != OPEN_HI).then_some(self.lo)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Absent,
    Published(i64),
    Blank {
        signed: bool,
    },
    /// A group subtotal whose sub-items are all present: the sum of those slots.
    Derived(&'static [usize]),
}

/// A group subtotal of the applications table: its slot, its parts' slots, and its definition.
pub(super) struct Subtotal {
    pub group: usize,
    pub parts: Vec<usize>,
    definition: Linear,
}

/// Every group subtotal of a template's applications table.
pub(super) fn subtotals(template: Template) -> &'static [Subtotal] {
    static ALL: OnceLock<[Vec<Subtotal>; 2]> = OnceLock::new();
    let all = ALL.get_or_init(|| {
        [Template::V2019, Template::V2021].map(|t| {
            let mut out = Vec::new();
            for &group in Item::ALL {
                let members = group.members(t);
                if members.is_empty() {
                    continue;
                }
                for m in measures(Table::Applications, t) {
                    let (group, parts): (usize, Vec<usize>) =
                        (Key::new(group, m).slot(), members.iter().map(|&i| Key::new(i, m).slot()).collect());
                    let terms = std::iter::once((group, 1)).chain(parts.iter().map(|&p| (p, -1))).collect();
                    out.push(Subtotal { group, parts, definition: Linear { terms, rule: None } });
                }
            }
            out
        })
    });
    &all[template.index()]
}

/// How one exact identity stands with the report's blanks as non-negative unknowns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Local {
    /// It holds with every blank at 0.
    Holds,
    /// No values of its blanks satisfy it: the stated side can be `stated`, the parts `parts`.
    Definite { stated: Interval, parts: Interval },
    /// It holds only if some of these blank cells (those that would have to grow) are non-zero.
    OnlyIf { blanks: Vec<Key>, stated: i64, parts: i64 },
}

/// A report's cells as unknowns and their bounds. The buffers serve report after report.
pub(super) struct Cells {
    state: Vec<State>,
    bounds: Vec<Interval>,
    /// The identity that last tightened a cell's bounds.
    why: Vec<Option<Rule>>,
    /// The slots the report uses (reset before the next).
    used: Vec<usize>,
    /// The report's subtotals whose parts are all present.
    subtotals: Vec<&'static Subtotal>,
    /// The identities the fixed point runs over, and which of them have settled.
    system: Vec<&'static Linear>,
    settled: Vec<bool>,
}

/// An identity over slots, Σ coefficient × cell = 0: an exact identity of the schema, or a
/// subtotal's definition (`group − Σ parts = 0`, no rule). Compiled once per template.
pub(super) struct Linear {
    terms: Vec<(usize, i64)>,
    rule: Option<Rule>,
}

/// Every equation of a template compiled to slots, in the order of [`equations`] (the soft
/// ones too, unused here, so that the index is the same).
pub(super) fn compiled(template: Template) -> &'static [Linear] {
    static ALL: OnceLock<[Vec<Linear>; 2]> = OnceLock::new();
    let all = ALL.get_or_init(|| {
        [Template::V2019, Template::V2021].map(|t| {
            equations(t)
                .iter()
                .map(|eq| Linear {
                    terms: eq
                        .lhs
                        .iter()
                        .map(|t| (t.key.slot(), i64::from(t.sign)))
                        .chain(eq.rhs.iter().map(|t| (t.key.slot(), -i64::from(t.sign))))
                        .collect(),
                    rule: Some(eq.rule),
                })
                .collect()
        })
    });
    &all[template.index()]
}

/// The cell at which the identities stopped agreeing, and the identity that found it.
pub(super) struct Contradiction {
    pub key: Key,
    pub rule: Option<Rule>,
    pub must: Interval,
    pub can: Interval,
}

impl Cells {
    /// Empty buffers, filled report by report with [`Cells::fill`].
    pub(super) fn new() -> Cells {
        Cells {
            state: vec![State::Absent; Key::SLOTS],
            bounds: vec![Interval::ANY; Key::SLOTS],
            why: vec![None; Key::SLOTS],
            used: Vec::new(),
            subtotals: Vec::new(),
            system: Vec::new(),
            settled: Vec::new(),
        }
    }

    /// Take `report`'s cells: published, blank, derived, each with what it can hold on its own.
    pub(super) fn fill(&mut self, report: &Report) {
        for &s in &self.used {
            self.state[s] = State::Absent;
            self.bounds[s] = Interval::ANY;
            self.why[s] = None;
        }
        self.used.clear();
        self.subtotals.clear();
        for v in &report.values {
            let s = v.key.slot();
            (self.state[s], self.bounds[s]) = match v.value {
                Some(x) => (State::Published(x), Interval::point(x)),
                None if v.key.measure.unit() == Unit::SignedCount => {
                    (State::Blank { signed: true }, Interval::ANY)
                }
                None => (State::Blank { signed: false }, Interval::NON_NEGATIVE),
            };
            self.used.push(s);
        }
        for sub in subtotals(report.template_of(Table::Applications)) {
            if sub.parts.iter().all(|&p| self.state[p] != State::Absent) {
                self.state[sub.group] = State::Derived(&sub.parts);
                self.bounds[sub.group] =
                    sub.parts.iter().fold(Interval::point(0), |acc, &p| acc.add(self.bounds[p]));
                self.subtotals.push(sub);
                self.used.push(sub.group);
            }
        }
    }

    /// A cell's value with every blank taken as 0.
    fn zero(&self, s: usize) -> i64 {
        match &self.state[s] {
            State::Published(v) => *v,
            State::Derived(parts) => parts.iter().map(|&p| self.zero(p)).sum(),
            State::Absent | State::Blank { .. } => 0,
        }
    }

    fn blanks_of(&self, s: usize, out: &mut Vec<Key>) {
        match &self.state[s] {
            State::Blank { .. } => out.push(Key::at_slot(s)),
            State::Derived(parts) => parts.iter().for_each(|&p| self.blanks_of(p, out)),
            _ => {}
        }
    }

    /// Whether every cell of `eq` is in the report (a missing cell is not a blank one).
    pub(super) fn has_all(&self, eq: &Equation) -> bool {
        eq.terms().all(|t| self.state[t.key.slot()] != State::Absent)
    }

    /// How `eq` (an exact identity of this year, every cell present) stands on its own. Asked
    /// before [`Cells::propagate`].
    pub(super) fn local(&self, eq: &Equation) -> Local {
        let side = |terms: &[crate::schema::Term]| {
            terms.iter().fold(Interval::point(0), |acc, t| {
                acc.add(self.bounds[t.key.slot()].scaled(i64::from(t.sign)))
            })
        };
        let (stated, parts) = (side(&eq.lhs), side(&eq.rhs));
        if stated.disjoint(parts) {
            return Local::Definite { stated, parts };
        }
        let zero = |terms: &[crate::schema::Term]| -> i64 {
            terms.iter().map(|t| i64::from(t.sign) * self.zero(t.key.slot())).sum()
        };
        let (stated0, parts0) = (zero(&eq.lhs), zero(&eq.rhs));
        if stated0 == parts0 {
            return Local::Holds;
        }
        // The side that falls short must hold a positive blank.
        let short = if stated0 < parts0 { &eq.lhs } else { &eq.rhs };
        let mut blanks = Vec::new();
        for t in short {
            self.blanks_of(t.key.slot(), &mut blanks);
        }
        Local::OnlyIf { blanks, stated: stated0, parts: parts0 }
    }

    /// Tighten every cell's bounds through `exact` (identities that can hold on their own) and
    /// the subtotal definitions, to a fixed point; or say where the identities stopped agreeing.
    pub(super) fn propagate(&mut self, exact: &[&'static Linear]) -> Result<(), Contradiction> {
        if !self.used.iter().any(|&s| matches!(self.state[s], State::Blank { .. })) {
            // Nothing unknown: each identity was decided on its own.
            return Ok(());
        }
        let Cells { state, bounds, why, subtotals, system, settled, .. } = self;
        system.clear();
        system.extend(exact.iter().copied().chain(subtotals.iter().map(|s| &s.definition)));
        // An identity whose cells are all pinned has nothing more to give: left out after.
        settled.clear();
        settled.resize(system.len(), false);
        // Each pass tightens by at least one whole unit where it tightens at all; real reports
        // settle in a few passes. The cap only guards against a system without a fixed point.
        for _ in 0..64 {
            let mut changed = false;
            for (eq, done) in system.iter().zip(settled.iter_mut()) {
                if *done {
                    continue;
                }
                let (tightened, pinned) = tighten(state, bounds, why, eq)?;
                changed |= tightened;
                *done = pinned;
            }
            if !changed {
                break;
            }
        }
        Ok(())
    }
}

/// One identity's pass: each cell within what the others leave it. Returns whether a bound
/// changed, and whether every cell of the identity is now pinned.
fn tighten(
    state: &[State],
    bounds: &mut [Interval],
    why: &mut [Option<Rule>],
    eq: &Linear,
) -> Result<(bool, bool), Contradiction> {
    // Σ of every term's bounds, the unbounded ends counted apart, so that each term's "the
    // others" is the total less its own part.
    let (mut lo, mut lo_open, mut hi, mut hi_open) = (0i128, 0u32, 0i128, 0u32);
    for &(t, c) in &eq.terms {
        let b = bounds[t].scaled(c);
        if b.lo == OPEN_LO {
            lo_open += 1;
        } else {
            lo += i128::from(b.lo);
        }
        if b.hi == OPEN_HI {
            hi_open += 1;
        } else {
            hi += i128::from(b.hi);
        }
    }
    let narrow = |v: i128| i64::try_from(v).unwrap_or(if v < 0 { OPEN_LO } else { OPEN_HI });
    let mut changed = false;
    let mut pinned = true;
    for &(s, c) in &eq.terms {
        if matches!(state[s], State::Absent) {
            continue;
        }
        let own = bounds[s].scaled(c);
        // The others: the total less this term's own part.
        let rest = Interval {
            lo: match (own.lo == OPEN_LO, lo_open) {
                (false, 0) => narrow(lo - i128::from(own.lo)),
                (true, 1) => narrow(lo),
                _ => OPEN_LO,
            },
            hi: match (own.hi == OPEN_HI, hi_open) {
                (false, 0) => narrow(hi - i128::from(own.hi)),
                (true, 1) => narrow(hi),
                _ => OPEN_HI,
            },
        };
        // c·x_s = −(the others).
        let must = rest.negated().scaled(c);
        let now = bounds[s];
        let next = now.intersect(must);
        let contradiction = |rule| Contradiction { key: Key::at_slot(s), rule, must, can: now };
        match state[s] {
            State::Published(v) if !must.contains(v) => return Err(contradiction(eq.rule)),
            State::Published(_) => {}
            _ if next.is_empty() => return Err(contradiction(eq.rule)),
            _ if next != now => {
                bounds[s] = next;
                // A subtotal's definition passes on why its other side was tightened.
                why[s] = eq.rule.or_else(|| eq.terms.iter().find_map(|&(t, _)| why[t]));
                changed = true;
            }
            _ => {}
        }
        pinned &= bounds[s].pinned().is_some();
    }
    Ok((changed, pinned))
}

impl Cells {
    /// The one value the identities leave a blank cell, and the identity that pinned it (after
    /// [`Cells::propagate`]).
    pub(super) fn forced(&self, key: Key) -> Option<(i64, Rule)> {
        let s = key.slot();
        match self.state[s] {
            State::Blank { .. } => self.bounds[s].pinned().map(|v| (v, self.why[s].unwrap_or(Rule::A2))),
            _ => None,
        }
    }
}
