//! The format's own arithmetic, checked per report: identities A1–A4 and S4 as errors, the
//! soft ones (S1 across years, S2, S3, S5) as warnings, also over the derived group subtotals.
//!
//! Where exactly one number of an identity is blank, it is inferred from the identity and
//! marked [`Origin::Inferred`]; a published number is never overwritten.
//!
//! ```
//! use xxgk::read::ReadOptions;
//! use xxgk::schema::{Item, Key, Measure};
//! let batch = ReadOptions::new().from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real"))?;
//! let checked = xxgk::validate::reports(&batch.reports);
//! assert!(checked.violations.is_empty());
//! // 新源县 2022 lost one value of its first row; the identities give it back.
//! let lost = Key::new(Item::NewReceived, Measure::OtherOrg);
//! assert!(checked.inferred.iter().any(|i| i.key == lost && i.value == 0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, HashMap};

use crate::read::Report;
use crate::schema::{Equation, Item, Key, Relation, Rule, Severity, Table, Unit, equations};

/// Where a value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// Read from the report.
    Published,
    /// Blank in the report, recovered from an identity in which it was the only unknown.
    Inferred,
    /// A group subtotal (`withheld`, `unable`, `not_processed`, 2021 `other`): the sum of its
    /// sub-items, never published.
    Derived,
}

impl Origin {
    /// The lowercase code (`published`, `inferred`, `derived`).
    ///
    /// ```
    /// assert_eq!(xxgk::validate::Origin::Inferred.code(), "inferred");
    /// ```
    pub const fn code(self) -> &'static str {
        match self {
            Origin::Published => "published",
            Origin::Inferred => "inferred",
            Origin::Derived => "derived",
        }
    }
}

/// One cell of a report after validation: its value (`None` blank) and where it comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Resolved {
    /// The value; `None` is blank.
    pub value: Option<i64>,
    /// Published, inferred or derived.
    pub origin: Origin,
}

/// An identity that does not hold in one report.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// The reporting unit.
    pub division_code: u32,
    /// Its name.
    pub division_name: String,
    /// The report year.
    pub year: i32,
    /// The identity (national-schema §4).
    pub rule: Rule,
    /// Error or warning, from the rule.
    pub severity: Severity,
    /// The stated cell: the total the identity checks.
    pub key: Key,
    /// What the parts give.
    pub expected: i64,
    /// What the stated side says.
    pub actual: i64,
    /// `actual − expected`.
    pub difference: i64,
    /// Where the numbers are: `file!sheet!cell`, one per published term.
    pub cells: Vec<String>,
}

/// A blank value recovered from an identity.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Inferred {
    /// The reporting unit.
    pub division_code: u32,
    /// The report year.
    pub year: i32,
    /// The cell.
    pub key: Key,
    /// The value the identity gives.
    pub value: i64,
    /// The identity it came from.
    pub rule: Rule,
    /// Where the blank cell is.
    pub cell: String,
}

/// The result of [`reports`].
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Validation {
    /// Every identity that does not hold, in report order.
    pub violations: Vec<Violation>,
    /// Every blank recovered from an identity.
    pub inferred: Vec<Inferred>,
    /// Per report (same order as the input): every cell, published, inferred or derived.
    #[serde(skip)]
    pub resolved: Vec<BTreeMap<Key, Resolved>>,
}

/// Check every identity of every report, inferring blanks where an identity allows.
///
/// The cross-year identities compare each report with the same unit's report of the year
/// before, when the batch has it (the first one read, if the unit reported twice).
///
/// ```
/// use xxgk::schema::{Item, Key, Measure, Rule};
/// use xxgk::read::{Report, Value};
/// let v = |item, m, x| Value { key: Key::new(item, m), value: Some(x), cell: None, note: None };
/// let report = Report {
///     division_code: 654025, division_name: "新源县".into(), year: 2022,
///     template: xxgk::schema::Template::V2021, tables: vec![], source: "a.xlsx".into(),
///     sheets: vec![], diagnostics: vec![],
///     values: vec![
///         v(Item::Review, Measure::Upheld, 1), v(Item::Review, Measure::Corrected, 1),
///         v(Item::Review, Measure::Other, 0), v(Item::Review, Measure::Pending, 0),
///         v(Item::Review, Measure::Total, 3),
///     ],
/// };
/// let checked = xxgk::validate::reports(&[report]);
/// assert_eq!(checked.violations.len(), 1);
/// assert_eq!((checked.violations[0].rule, checked.violations[0].difference), (Rule::A4, 1));
/// ```
pub fn reports(reports: &[Report]) -> Validation {
    let mut out = Validation::default();
    for report in reports {
        let (resolved, inferred) = resolve(report);
        out.inferred.extend(inferred);
        out.resolved.push(resolved);
    }
    // The first report of each unit-year, for the cross-year identities.
    let mut first: HashMap<(u32, i32), usize> = HashMap::new();
    for (i, r) in reports.iter().enumerate() {
        first.entry((r.division_code, r.year)).or_insert(i);
    }
    for (i, report) in reports.iter().enumerate() {
        let prev = first.get(&(report.division_code, report.year - 1)).copied();
        for table in Table::ALL {
            let template = report.template_of(*table);
            for eq in equations(template).iter().filter(|e| e.lhs[0].key.table == *table) {
                if let Some(v) =
                    check(eq, report, &out.resolved[i], prev.map(|p| (&reports[p], &out.resolved[p])))
                {
                    out.violations.push(v);
                }
            }
        }
    }
    out
}

fn location(report: &Report, key: Key) -> Option<String> {
    report.values.iter().find(|v| v.key == key).map(|v| report.location(v.cell).to_string())
}

/// Resolve one report: published values, derived group subtotals, and blanks inferred from
/// the same-year equalities until nothing changes.
fn resolve(report: &Report) -> (BTreeMap<Key, Resolved>, Vec<Inferred>) {
    let mut cells: BTreeMap<Key, Resolved> = report
        .values
        .iter()
        .map(|v| (v.key, Resolved { value: v.value, origin: Origin::Published }))
        .collect();
    let mut inferred = Vec::new();
    derive(report, &mut cells);
    loop {
        let mut changed = false;
        for table in Table::ALL {
            let template = report.template_of(*table);
            for eq in equations(template) {
                if eq.lhs[0].key.table != *table || eq.relation != Relation::Equal || eq.is_cross_year() {
                    continue;
                }
                let mut unknown = None;
                let mut sum: i64 = 0;
                let mut ok = true;
                for (term, side) in eq.lhs.iter().map(|t| (t, 1i64)).chain(eq.rhs.iter().map(|t| (t, -1i64)))
                {
                    match cells.get(&term.key) {
                        Some(Resolved { value: Some(x), .. }) => sum += side * i64::from(term.sign) * x,
                        Some(Resolved { value: None, origin: Origin::Published }) if unknown.is_none() => {
                            unknown = Some((term.key, side * i64::from(term.sign)));
                        }
                        _ => {
                            ok = false;
                            break;
                        }
                    }
                }
                let (Some((key, coef)), true) = (unknown, ok) else { continue };
                // coef × x + sum = 0
                let value = -sum * coef;
                if value < 0 && key.measure.unit() != Unit::SignedCount {
                    continue;
                }
                cells.insert(key, Resolved { value: Some(value), origin: Origin::Inferred });
                inferred.push(Inferred {
                    division_code: report.division_code,
                    year: report.year,
                    key,
                    value,
                    rule: eq.rule,
                    cell: location(report, key).unwrap_or_default(),
                });
                changed = true;
            }
        }
        if !changed {
            break;
        }
        derive(report, &mut cells);
    }
    (cells, inferred)
}

/// Fill the derived group subtotals: the sum of the members, blank if any member is blank,
/// absent if no member is present.
fn derive(report: &Report, cells: &mut BTreeMap<Key, Resolved>) {
    let template = report.template_of(Table::Applications);
    for &group in Item::ALL {
        let members = group.members(template);
        if members.is_empty() {
            continue;
        }
        for m in crate::schema::measures(Table::Applications, template) {
            let parts: Vec<Option<&Resolved>> = members.iter().map(|&i| cells.get(&Key::new(i, m))).collect();
            if parts.iter().all(Option::is_none) {
                continue;
            }
            let value = parts.iter().map(|p| p.and_then(|r| r.value)).sum::<Option<i64>>();
            cells.insert(Key::new(group, m), Resolved { value, origin: Origin::Derived });
        }
    }
}

fn check(
    eq: &Equation,
    report: &Report,
    cells: &BTreeMap<Key, Resolved>,
    prev: Option<(&Report, &BTreeMap<Key, Resolved>)>,
) -> Option<Violation> {
    let mut sides = [0i64, 0i64];
    for (side, terms) in [&eq.lhs, &eq.rhs].into_iter().enumerate() {
        for term in terms {
            let c = match term.lag {
                0 => cells,
                _ => prev?.1,
            };
            sides[side] += i64::from(term.sign) * c.get(&term.key)?.value?;
        }
    }
    let [actual, expected] = sides;
    let holds = match eq.relation {
        Relation::Equal => actual == expected,
        Relation::AtLeast => actual >= expected,
    };
    if holds {
        return None;
    }
    // Only a violation needs its cells named.
    let sources = eq
        .terms()
        .filter_map(|term| match term.lag {
            0 => location(report, term.key),
            _ => prev.and_then(|(r, _)| location(r, term.key)),
        })
        .collect();
    Some(Violation {
        division_code: report.division_code,
        division_name: report.division_name.clone(),
        year: report.year,
        rule: eq.rule,
        severity: eq.rule.severity(),
        key: eq.lhs[0].key,
        expected,
        actual,
        difference: actual - expected,
        cells: sources,
    })
}

impl Validation {
    /// The resolved cells of the report at `index` (the input order of [`reports`]).
    ///
    /// ```
    /// # use xxgk::read::ReadOptions;
    /// # let batch = ReadOptions::new().from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real"))?;
    /// use xxgk::schema::{Item, Key, Measure};
    /// use xxgk::validate::Origin;
    /// let checked = xxgk::validate::reports(&batch.reports);
    /// let withheld = checked.cells(0).and_then(|c| c.get(&Key::new(Item::Withheld, Measure::Total)));
    /// assert_eq!(withheld.map(|r| (r.value, r.origin)), Some((Some(1), Origin::Derived)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cells(&self, index: usize) -> Option<&BTreeMap<Key, Resolved>> {
        self.resolved.get(index)
    }

    /// The violations as a DataFrame: `division_code, division_name, year, rule, severity, table,
    /// item, measure, expected, actual, difference, source` (money in 分; `source` lists the
    /// cells, `; `-separated).
    ///
    /// ```
    /// let none = xxgk::validate::reports(&[]);
    /// assert_eq!(none.frame()?.height(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn frame(&self) -> crate::Result<polars::prelude::DataFrame> {
        use crate::frame::{codes, enum_column, frame, key_columns};
        use polars::prelude::*;
        let v = &self.violations;
        let [table, item, measure] = key_columns(v.iter().map(|x| x.key))?;
        let columns: Vec<Column> = vec![
            Series::new("division_code".into(), v.iter().map(|x| x.division_code).collect::<Vec<_>>()).into(),
            Series::new(
                "division_name".into(),
                v.iter().map(|x| x.division_name.as_str()).collect::<Vec<_>>(),
            )
            .into(),
            Series::new("year".into(), v.iter().map(|x| x.year).collect::<Vec<_>>()).into(),
            enum_column(
                "rule",
                &codes(Rule::ALL, Rule::code),
                v.iter().map(|x| x.rule.index() as u8).collect(),
            )?,
            Series::new("severity".into(), v.iter().map(|x| x.severity.to_string()).collect::<Vec<_>>())
                .into(),
            table,
            item,
            measure,
            Series::new("expected".into(), v.iter().map(|x| x.expected).collect::<Vec<_>>()).into(),
            Series::new("actual".into(), v.iter().map(|x| x.actual).collect::<Vec<_>>()).into(),
            Series::new("difference".into(), v.iter().map(|x| x.difference).collect::<Vec<_>>()).into(),
            Series::new("source".into(), v.iter().map(|x| x.cells.join("; ")).collect::<Vec<_>>()).into(),
        ];
        frame(v.len(), columns)
    }
}
