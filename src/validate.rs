//! The format's own arithmetic, checked per report: identities A1–A4 and S4 as errors, the
//! soft ones (S1 across years, S2, S3, S5) as warnings, also over the derived group subtotals.
//!
//! Where exactly one number of an identity is blank, it is inferred from the identity and
//! marked [`Origin::Inferred`]; a published number is never overwritten.
//!
//! [`reports`] takes the reports and gives them back inside a [`Checked`], each beside its
//! resolved cells, so a report and its cells cannot be mismatched:
//! [`frame::tidy`](crate::frame::tidy) takes the `Checked` alone.
//!
//! ```
//! use xxgk::read::ReadOptions;
//! use xxgk::schema::{Item, Key, Measure};
//! let batch = ReadOptions::new().from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real"))?;
//! let checked = xxgk::validate::reports(batch.reports);
//! assert!(checked.violations.is_empty());
//! // 新源县 2022 lost one value of its first row; the identities give it back.
//! let lost = Key::new(Item::NewReceived, Measure::OtherOrg);
//! assert!(checked.inferred.iter().any(|i| i.key == lost && i.value == 0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, HashMap};

use polars::prelude::{Column, DataFrame, NamedFrom, Series};

use crate::columns as cols;
use crate::report::{Origin, Report};
use crate::schema::{Equation, Item, Key, Relation, Rule, Severity, Table, Unit, equations};

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

/// One report beside its resolved cells: every published value, the blanks the identities
/// gave back, and the derived group subtotals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedReport {
    report: Report,
    cells: BTreeMap<Key, Resolved>,
}

impl CheckedReport {
    /// The report as read.
    ///
    /// ```
    /// # let batch = xxgk::read::ReadOptions::new().from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real"))?;
    /// let checked = xxgk::validate::reports(batch.reports);
    /// assert_eq!(checked.reports()[0].report().division_name, "新源县");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// Every cell: published, inferred or derived, keyed by the schema cell.
    ///
    /// ```
    /// # let batch = xxgk::read::ReadOptions::new().from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real"))?;
    /// use xxgk::report::Origin;
    /// let checked = xxgk::validate::reports(batch.reports);
    /// let cells = checked.reports()[0].cells();
    /// assert_eq!(cells.values().filter(|c| c.origin == Origin::Inferred).count(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cells(&self) -> &BTreeMap<Key, Resolved> {
        &self.cells
    }

    /// One resolved cell.
    ///
    /// ```
    /// # let batch = xxgk::read::ReadOptions::new().from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real"))?;
    /// use xxgk::report::Origin;
    /// use xxgk::schema::{Item, Key, Measure};
    /// let checked = xxgk::validate::reports(batch.reports);
    /// let withheld = checked.reports()[0].get(Key::new(Item::Withheld, Measure::Total));
    /// assert_eq!(withheld.map(|r| (r.value, r.origin)), Some((Some(1), Origin::Derived)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get(&self, key: Key) -> Option<Resolved> {
        self.cells.get(&key).copied()
    }
}

/// The result of [`reports`]: the reports, each with its resolved cells, every violation and
/// every inferred value.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Checked {
    /// Every identity that does not hold, in report order.
    pub violations: Vec<Violation>,
    /// Every blank recovered from an identity.
    pub inferred: Vec<Inferred>,
    #[serde(skip)]
    reports: Vec<CheckedReport>,
}

impl Checked {
    /// The reports, in the order given to [`reports`], each with its resolved cells.
    ///
    /// ```
    /// # let batch = xxgk::read::ReadOptions::new().from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real"))?;
    /// let checked = xxgk::validate::reports(batch.reports);
    /// assert_eq!(checked.reports().len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reports(&self) -> &[CheckedReport] {
        &self.reports
    }

    /// The reports back, without their resolved cells.
    ///
    /// ```
    /// # let batch = xxgk::read::ReadOptions::new().from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real"))?;
    /// let reports = xxgk::validate::reports(batch.reports).into_reports();
    /// assert_eq!(reports[0].year, 2022);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_reports(self) -> Vec<Report> {
        self.reports.into_iter().map(|c| c.report).collect()
    }
}

/// Check every identity of every report, inferring blanks where an identity allows.
///
/// The cross-year identities compare each report with the same unit's report of the year
/// before, when there is one (of several reports of one unit-year, the first given).
///
/// ```
/// use xxgk::report::{Report, Value};
/// use xxgk::schema::{Item, Key, Measure, Rule};
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
/// let checked = xxgk::validate::reports(vec![report]);
/// assert_eq!(checked.violations.len(), 1);
/// assert_eq!((checked.violations[0].rule, checked.violations[0].difference), (Rule::A4, 1));
/// ```
pub fn reports(reports: Vec<Report>) -> Checked {
    let mut out = Checked::default();
    for report in reports {
        let (cells, inferred) = resolve(&report);
        out.inferred.extend(inferred);
        out.reports.push(CheckedReport { report, cells });
    }
    // The first report of each unit-year, for the cross-year identities.
    let mut first: HashMap<(u32, i32), usize> = HashMap::new();
    for (i, c) in out.reports.iter().enumerate() {
        first.entry((c.report.division_code, c.report.year)).or_insert(i);
    }
    for c in &out.reports {
        let report = &c.report;
        let prev = first.get(&(report.division_code, report.year - 1)).map(|&p| &out.reports[p]);
        for table in Table::ALL {
            let template = report.template_of(*table);
            for eq in equations(template).iter().filter(|e| e.lhs[0].key.table == *table) {
                if let Some(v) = check(eq, c, prev) {
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

fn check(eq: &Equation, this: &CheckedReport, prev: Option<&CheckedReport>) -> Option<Violation> {
    let report = &this.report;
    let mut sides = [0i64, 0i64];
    for (side, terms) in [&eq.lhs, &eq.rhs].into_iter().enumerate() {
        for term in terms {
            let c = match term.lag {
                0 => &this.cells,
                _ => &prev?.cells,
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
            _ => prev.and_then(|p| location(&p.report, term.key)),
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

impl Checked {
    /// The violations as a DataFrame: `division_code, division_name, year, rule, severity,
    /// table, item, measure, unit, expected, actual, difference, source` — money in 分 (`unit`
    /// says which), `source` the cells of the identity, `; `-separated.
    ///
    /// ```
    /// let none = xxgk::validate::reports(Vec::new());
    /// assert_eq!(none.frame()?.height(), 0);
    /// assert_eq!(none.frame()?.width(), 13);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn frame(&self) -> crate::Result<DataFrame> {
        let v = &self.violations;
        let [table, item, measure, unit] = cols::key_columns(v.iter().map(|x| x.key))?;
        let columns: Vec<Column> = vec![
            Series::new(cols::DIVISION_CODE.into(), v.iter().map(|x| x.division_code).collect::<Vec<_>>())
                .into(),
            cols::categorical(cols::DIVISION_NAME, v.iter().map(|x| Some(x.division_name.as_str())))?,
            Series::new(cols::YEAR.into(), v.iter().map(|x| x.year).collect::<Vec<_>>()).into(),
            cols::enum_column(
                cols::RULE,
                &cols::codes(Rule::ALL, Rule::code),
                v.iter().map(|x| x.rule.index() as u8),
            )?,
            cols::enum_column(
                cols::SEVERITY,
                &cols::SEVERITIES,
                v.iter().map(|x| cols::severity_index(x.severity)),
            )?,
            table,
            item,
            measure,
            unit,
            Series::new("expected".into(), v.iter().map(|x| x.expected).collect::<Vec<_>>()).into(),
            Series::new("actual".into(), v.iter().map(|x| x.actual).collect::<Vec<_>>()).into(),
            Series::new("difference".into(), v.iter().map(|x| x.difference).collect::<Vec<_>>()).into(),
            Series::new("source".into(), v.iter().map(|x| x.cells.join("; ")).collect::<Vec<_>>()).into(),
        ];
        cols::frame(v.len(), columns)
    }
}
