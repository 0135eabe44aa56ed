//! What a report's exact identities allow its blank cells to hold.
//!
//! A blank count is an unknown whole number in [0, ∞); a blank signed count (2019
//! `items_change`) is unbounded; a derived group subtotal is the sum of its sub-items. Each
//! exact identity (A1–A4, and the subtotal definitions) is then a linear equation over
//! intervals, and the bounds are tightened equation by equation to a fixed point.
//!
//! Cells are addressed by a dense slot (item × measure), so a report's state is two small
//! arrays: the fixed point costs a few passes over about a hundred short equations.

use crate::report::Report;
use crate::schema::{Equation, Item, Key, Measure, Rule, Table, Unit, measures};

const MEASURES: usize = Measure::ALL.len();
const SLOTS: usize = Item::ALL.len() * MEASURES;

fn slot(key: Key) -> usize {
    key.item.index() * MEASURES + key.measure.index()
}

fn key_of(slot: usize) -> Key {
    Key::new(Item::ALL[slot / MEASURES], Measure::ALL[slot % MEASURES])
}

/// A closed interval of whole numbers; `None` is unbounded on that side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Interval {
    pub lo: Option<i64>,
    pub hi: Option<i64>,
}

impl Interval {
    const ANY: Interval = Interval { lo: None, hi: None };
    const NON_NEGATIVE: Interval = Interval { lo: Some(0), hi: None };

    fn point(v: i64) -> Interval {
        Interval { lo: Some(v), hi: Some(v) }
    }

    fn add(self, other: Interval) -> Interval {
        let sum = |a: Option<i64>, b: Option<i64>| a.zip(b).map(|(a, b)| a.saturating_add(b));
        Interval { lo: sum(self.lo, other.lo), hi: sum(self.hi, other.hi) }
    }

    fn scaled(self, sign: i64) -> Interval {
        if sign >= 0 { self } else { Interval { lo: self.hi.map(|v| -v), hi: self.lo.map(|v| -v) } }
    }

    /// Whether the two share no value.
    fn disjoint(self, other: Interval) -> bool {
        matches!((self.hi, other.lo), (Some(h), Some(l)) if h < l)
            || matches!((self.lo, other.hi), (Some(l), Some(h)) if l > h)
    }

    fn intersect(self, other: Interval) -> Interval {
        let max = |a: Option<i64>, b: Option<i64>| match (a, b) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let min = |a: Option<i64>, b: Option<i64>| match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Interval { lo: max(self.lo, other.lo), hi: min(self.hi, other.hi) }
    }

    fn is_empty(self) -> bool {
        matches!((self.lo, self.hi), (Some(l), Some(h)) if l > h)
    }

    fn contains(self, v: i64) -> bool {
        self.lo.is_none_or(|l| l <= v) && self.hi.is_none_or(|h| v <= h)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum State {
    Absent,
    Published(i64),
    Blank {
        signed: bool,
    },
    /// A group subtotal whose sub-items are all present: the sum of those slots.
    Derived(Vec<usize>),
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

/// A report's cells as unknowns and their bounds.
pub(super) struct Cells {
    state: Vec<State>,
    bounds: Vec<Interval>,
    /// The identity that last tightened a cell's bounds.
    why: Vec<Option<Rule>>,
}

/// An identity over slots, Σ coefficient × cell = 0: an exact identity of the schema, or a
/// subtotal's definition (`group` = Σ `parts`).
enum Linear<'a> {
    Identity(&'a Equation),
    Subtotal { group: usize, parts: &'a [usize] },
}

impl Linear<'_> {
    /// The terms: (slot, coefficient).
    fn terms(&self) -> impl Iterator<Item = (usize, i64)> + '_ {
        let (identity, subtotal) = match self {
            Linear::Identity(eq) => (Some(*eq), None),
            Linear::Subtotal { group, parts } => (None, Some((*group, *parts))),
        };
        let lhs = identity.into_iter().flat_map(|eq| eq.lhs.iter().map(|t| (slot(t.key), i64::from(t.sign))));
        let rhs =
            identity.into_iter().flat_map(|eq| eq.rhs.iter().map(|t| (slot(t.key), -i64::from(t.sign))));
        let group = subtotal.into_iter().map(|(g, _)| (g, 1));
        let parts = subtotal.into_iter().flat_map(|(_, p)| p.iter().map(|&s| (s, -1)));
        lhs.chain(rhs).chain(group).chain(parts)
    }

    fn rule(&self) -> Option<Rule> {
        match self {
            Linear::Identity(eq) => Some(eq.rule),
            Linear::Subtotal { .. } => None,
        }
    }
}

/// The cell at which the identities stopped agreeing, and the identity that found it.
pub(super) struct Contradiction {
    pub key: Key,
    pub rule: Option<Rule>,
    pub must: Interval,
    pub can: Interval,
}

impl Cells {
    pub(super) fn new(report: &Report) -> Cells {
        let mut state = vec![State::Absent; SLOTS];
        for v in &report.values {
            state[slot(v.key)] = match v.value {
                Some(x) => State::Published(x),
                None => State::Blank { signed: v.key.measure.unit() == Unit::SignedCount },
            };
        }
        let template = report.template_of(Table::Applications);
        for &group in Item::ALL {
            let members = group.members(template);
            if members.is_empty() {
                continue;
            }
            for m in measures(Table::Applications, template) {
                let parts: Vec<usize> = members.iter().map(|&i| slot(Key::new(i, m))).collect();
                if parts.iter().all(|&p| state[p] != State::Absent) {
                    state[slot(Key::new(group, m))] = State::Derived(parts);
                }
            }
        }
        let mut cells = Cells { state, bounds: vec![Interval::ANY; SLOTS], why: vec![None; SLOTS] };
        for s in 0..SLOTS {
            cells.bounds[s] = cells.base(s);
        }
        cells
    }

    /// What a cell can hold on its own: its value, [0, ∞) if blank, its parts' sum if derived.
    fn base(&self, s: usize) -> Interval {
        match &self.state[s] {
            State::Absent => Interval::ANY,
            State::Published(v) => Interval::point(*v),
            State::Blank { signed: true } => Interval::ANY,
            State::Blank { signed: false } => Interval::NON_NEGATIVE,
            State::Derived(parts) => parts.iter().fold(Interval::point(0), |acc, &p| acc.add(self.base(p))),
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
            State::Blank { .. } => out.push(key_of(s)),
            State::Derived(parts) => parts.iter().for_each(|&p| self.blanks_of(p, out)),
            _ => {}
        }
    }

    /// Whether every cell of `eq` is in the report (a missing cell is not a blank one).
    pub(super) fn has_all(&self, eq: &Equation) -> bool {
        eq.terms().all(|t| self.state[slot(t.key)] != State::Absent)
    }

    /// How `eq` (an exact identity of this year, every cell present) stands on its own.
    pub(super) fn local(&self, eq: &Equation) -> Local {
        let side = |terms: &[crate::schema::Term]| {
            terms
                .iter()
                .fold(Interval::point(0), |acc, t| acc.add(self.base(slot(t.key)).scaled(i64::from(t.sign))))
        };
        let (stated, parts) = (side(&eq.lhs), side(&eq.rhs));
        if stated.disjoint(parts) {
            return Local::Definite { stated, parts };
        }
        let zero = |terms: &[crate::schema::Term]| -> i64 {
            terms.iter().map(|t| i64::from(t.sign) * self.zero(slot(t.key))).sum()
        };
        let (stated0, parts0) = (zero(&eq.lhs), zero(&eq.rhs));
        if stated0 == parts0 {
            return Local::Holds;
        }
        // The side that falls short must hold a positive blank.
        let short = if stated0 < parts0 { &eq.lhs } else { &eq.rhs };
        let mut blanks = Vec::new();
        for t in short {
            self.blanks_of(slot(t.key), &mut blanks);
        }
        Local::OnlyIf { blanks, stated: stated0, parts: parts0 }
    }

    /// Tighten every cell's bounds through `exact` (identities that hold on their own) and the
    /// subtotal definitions, to a fixed point. Returns the blanks pinned to one value, with the
    /// identity that pinned them, or where the identities stopped agreeing.
    pub(super) fn propagate(&mut self, exact: &[&Equation]) -> Result<Vec<(Key, i64, Rule)>, Contradiction> {
        if !self.state.iter().any(|s| matches!(s, State::Blank { .. })) {
            // Nothing unknown: each identity was decided on its own.
            return Ok(Vec::new());
        }
        // The definitions borrow the state while the bounds change: disjoint fields.
        let Cells { state, bounds, why } = self;
        let mut system: Vec<Linear> = exact.iter().map(|eq| Linear::Identity(eq)).collect();
        for (s, st) in state.iter().enumerate() {
            if let State::Derived(parts) = st {
                system.push(Linear::Subtotal { group: s, parts });
            }
        }
        // Each pass tightens by at least one whole unit where it tightens at all; real reports
        // settle in a few passes. The cap only guards against a system without a fixed point.
        for _ in 0..64 {
            let mut changed = false;
            for eq in &system {
                changed |= tighten(state, bounds, why, eq)?;
            }
            if !changed {
                break;
            }
        }
        let mut forced = Vec::new();
        for (s, state) in self.state.iter().enumerate() {
            if let (State::Blank { .. }, Interval { lo: Some(l), hi: Some(h) }) = (state, self.bounds[s])
                && l == h
            {
                forced.push((key_of(s), l, self.why[s].unwrap_or(Rule::A2)));
            }
        }
        Ok(forced)
    }
}

/// One identity's pass: each cell within what the others leave it.
fn tighten(
    state: &[State],
    bounds: &mut [Interval],
    why: &mut [Option<Rule>],
    eq: &Linear,
) -> Result<bool, Contradiction> {
    // Σ of every term's bounds, the unbounded ends counted apart, so that each term's "the
    // others" is the total less its own part.
    let (mut lo, mut lo_open, mut hi, mut hi_open) = (0i128, 0u32, 0i128, 0u32);
    for (t, c) in eq.terms() {
        let b = bounds[t].scaled(c);
        match b.lo {
            Some(v) => lo += i128::from(v),
            None => lo_open += 1,
        }
        match b.hi {
            Some(v) => hi += i128::from(v),
            None => hi_open += 1,
        }
    }
    let narrow = |v: i128| i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX });
    let mut changed = false;
    for (s, c) in eq.terms() {
        if matches!(state[s], State::Absent) {
            continue;
        }
        let own = bounds[s].scaled(c);
        let rest = Interval {
            lo: match own.lo {
                Some(v) if lo_open == 0 => Some(narrow(lo - i128::from(v))),
                None if lo_open == 1 => Some(narrow(lo)),
                _ => None,
            },
            hi: match own.hi {
                Some(v) if hi_open == 0 => Some(narrow(hi - i128::from(v))),
                None if hi_open == 1 => Some(narrow(hi)),
                _ => None,
            },
        };
        // c·x_s = −(the others).
        let must = rest.scaled(-1).scaled(c);
        let now = bounds[s];
        let next = now.intersect(must);
        let contradiction = |rule| Contradiction { key: key_of(s), rule, must, can: now };
        match state[s] {
            State::Published(v) if !must.contains(v) => return Err(contradiction(eq.rule())),
            State::Published(_) => {}
            _ if next.is_empty() => return Err(contradiction(eq.rule())),
            _ if next != now => {
                bounds[s] = next;
                // A subtotal's definition passes on why its other side was tightened.
                why[s] = eq.rule().or_else(|| eq.terms().find_map(|(t, _)| why[t]));
                changed = true;
            }
            _ => {}
        }
    }
    Ok(changed)
}
