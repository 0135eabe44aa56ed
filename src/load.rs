//! Files → the checked tidy frame in one pass, a chunk of files at a time: read, validate and
//! frame without holding every [`Report`] at once.
//!
//! [`ReadOptions::from_path`] → [`validate::reports`](crate::validate::reports) →
//! [`frame::tidy`](crate::frame::tidy) keeps every report, every resolved cell and the frame in
//! memory together; for a national dataset (14,000 reports) that is most of a gigabyte. Here
//! each worker reads a file and checks its reports on its own identities; the reports' rows go
//! into the frame's column vectors and the reports are dropped, keeping of each a few numbers
//! (unit, year, templates, where its rows begin) and its own-year findings. The cross-year
//! identities are checked at the end on the frame's rows. Memory grows with the frame's rows,
//! not with the files' size, and validation runs on every core with the reading.
//!
//! The result is the same as the three steps one after another: the same tidy frame, the same
//! violations and inferred values in the same order, the same diagnostics (a file's own, then
//! each of its reports', a duplicate unit-year's warning after its report's).
//!
//! ```
//! use xxgk::read::ReadOptions;
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample");
//! let mut options = ReadOptions::new();
//! options.manifest(format!("{dir}/manifest.csv"))?;
//! let loaded = xxgk::load::from_path(&options, dir)?;
//! let batch = options.from_path(dir)?;
//! let checked = xxgk::validate::reports(batch.reports);
//! assert!(loaded.tidy.equals_missing(&xxgk::frame::tidy(&checked)?));
//! assert_eq!(loaded.checked.violations, checked.violations);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicUsize;

use polars::prelude::DataFrame;
use rayon::prelude::*;

use crate::error::Result;
use crate::frame::TidyBuilder;
use crate::read::{self, ReadOptions};
use crate::report::{Diagnostic, Report};
use crate::validate::{self, Carry, Checked, CheckedReport, Checker, Findings, FrameCells, Scratch};

/// Files read at a time: enough to keep every core busy, few enough that their reports are
/// a small part of memory.
const CHUNK: usize = 256;

/// What [`from_path`] and [`from_paths`] give back.
///
/// ```
/// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/real");
/// let loaded = xxgk::load::from_path(&xxgk::read::ReadOptions::new(), dir)?;
/// assert_eq!((loaded.files, loaded.reports), (1, 1));
/// assert_eq!(loaded.tidy.height(), 228);
/// assert_eq!(loaded.checked.inferred.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct Loaded {
    /// The tidy frame of every report (see [`frame`](crate::frame)): published, inferred and
    /// derived values.
    pub tidy: DataFrame,
    /// The violations and the inferred values, as [`validate::reports`] finds them; its
    /// [`reports`](Checked::reports) is empty (each report was framed and dropped), and
    /// [`Checked::frame`] gives the findings frame.
    pub checked: Checked,
    /// Every diagnostic, file by file: the file's own, then each report's.
    pub diagnostics: Vec<Diagnostic>,
    /// Files read.
    pub files: usize,
    /// Reports loaded.
    pub reports: usize,
}

/// Read, check and frame one file, or every file under a folder (as
/// [`ReadOptions::from_path`] finds them). An error only when `path` cannot be read or the
/// frame cannot be made; every problem inside a file is a diagnostic.
///
/// ```
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/real/新源县-2022.xlsx");
/// let loaded = xxgk::load::from_path(&xxgk::read::ReadOptions::new(), path)?;
/// assert_eq!(loaded.tidy.column("division_code")?.u32()?.get(0), Some(654025));
/// assert!(xxgk::load::from_path(&xxgk::read::ReadOptions::new(), "no/such/folder").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn from_path(options: &ReadOptions, path: impl AsRef<Path>) -> Result<Loaded> {
    read_files(options, &options.files(path.as_ref())?)
}

/// Read, check and frame these files and folders (each folder's files in path order), in their
/// order, on the options' threads. A file that cannot be read is a diagnostic; a folder that
/// cannot be listed is an error.
///
/// ```
/// let path = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real/新源县-2022.xlsx"));
/// let loaded = xxgk::load::from_paths(&xxgk::read::ReadOptions::new(), &[path.clone(), path])?;
/// assert_eq!(loaded.reports, 2);
/// assert!(loaded.diagnostics.iter().any(|d| d.kind == xxgk::report::DiagnosticKind::Duplicate));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn from_paths(options: &ReadOptions, paths: &[PathBuf]) -> Result<Loaded> {
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        if path.is_dir() {
            files.extend(options.files(path)?);
        } else {
            files.push(path.clone());
        }
    }
    read_files(options, &files)
}

fn read_files(options: &ReadOptions, paths: &[PathBuf]) -> Result<Loaded> {
    let total = paths.len();
    let done = AtomicUsize::new(0);
    let read_chunk = |chunk: &[PathBuf]| -> Vec<File> {
        chunk
            .par_iter()
            .map_init(Scratch::new, |scratch, path| {
                let (reports, loose) = options.read_one(path, &done, total);
                let reports = reports
                    .into_iter()
                    .map(|mut report| {
                        let diagnostics = std::mem::take(&mut report.diagnostics);
                        let (checked, findings) = validate::resolve_report(report, scratch);
                        (checked, findings, diagnostics)
                    })
                    .collect();
                File { loose, reports }
            })
            .collect()
    };
    let mut state = State::new(paths);
    options.in_pool(move || {
        // One chunk is framed while the next is read.
        let mut pending: Option<Vec<File>> = None;
        for (i, chunk) in paths.chunks(CHUNK).enumerate() {
            let ready = pending.take();
            let (taken, next) = rayon::join(
                || -> Result<()> {
                    if let Some(files) = ready {
                        state.take(files)?;
                        if i == 1 {
                            // The first chunk's rows per file, for every file and a little
                            // over (room that is never written costs no memory).
                            let rows = state.frame.rows() * total / CHUNK;
                            state.frame.expect_rows(rows + rows / 16);
                            let reports = state.ends.len() * total / CHUNK;
                            state.checker.expect_reports(reports + reports / 16);
                        }
                    }
                    Ok(())
                },
                || read_chunk(chunk),
            );
            taken?;
            pending = Some(next);
        }
        if let Some(files) = pending {
            state.take(files)?;
        }
        state.finish()
    })
}

/// One file read and its reports checked on their own.
struct File {
    loose: Vec<Diagnostic>,
    reports: Vec<(CheckedReport, Findings, Vec<Diagnostic>)>,
}

struct State<'a> {
    /// The files read, in the order their reports are taken.
    paths: &'a [PathBuf],
    /// Files taken so far.
    taken: usize,
    frame: TidyBuilder,
    checker: Checker,
    diagnostics: Vec<Diagnostic>,
    /// Per report: where its diagnostics end in `diagnostics`.
    ends: Vec<usize>,
    /// Each report's code, year, unit name (its number in the frame's names) and file (its
    /// place in `paths`), for the duplicate check: 16 bytes a report.
    seen: Vec<(u32, i32, u32, u32)>,
}

impl<'a> State<'a> {
    fn new(paths: &'a [PathBuf]) -> State<'a> {
        State {
            paths,
            taken: 0,
            frame: TidyBuilder::default(),
            checker: Checker::default(),
            diagnostics: Vec::new(),
            ends: Vec::new(),
            seen: Vec::new(),
        }
    }

    fn take(&mut self, files: Vec<File>) -> Result<()> {
        for file in files {
            let index = self.taken as u32;
            self.taken += 1;
            self.diagnostics.extend(file.loose);
            for (checked, findings, diagnostics) in file.reports {
                let r: &Report = checked.report();
                debug_assert_eq!(Some(&r.source), self.paths.get(index as usize));
                let name = self.frame.name_id(&r.division_name);
                self.seen.push((r.division_code, r.year, name, index));
                self.diagnostics.extend(diagnostics);
                self.ends.push(self.diagnostics.len());
                let row = self.frame.rows();
                self.frame.push(&checked)?;
                self.checker.push(&checked, findings, row);
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<Loaded> {
        let files = self.paths.len();
        // A unit-year reported more than once: each report told of the others, as
        // `ReadOptions::from_paths` does.
        // In report order, so in the order of where each goes.
        let told =
            read::duplicates(self.seen.iter().map(|&(c, y, name, file)| {
                (c, y, self.frame.name(name), self.paths[file as usize].as_path())
            }));
        let extra: Vec<(usize, Diagnostic)> = told.into_iter().map(|(i, d)| (self.ends[i], d)).collect();
        let mut diagnostics = Vec::with_capacity(self.diagnostics.len() + extra.len());
        let mut extra = extra.into_iter().peekable();
        for (i, d) in self.diagnostics.into_iter().enumerate() {
            while let Some((_, e)) = extra.next_if(|(at, _)| *at == i) {
                diagnostics.push(e);
            }
            diagnostics.push(d);
        }
        diagnostics.extend(extra.map(|(_, e)| e));
        let reports = self.ends.len();
        let tidy = self.frame.finish()?;
        let checked = self.checker.finish(Carry::Frame(&FrameCells::of(&tidy)?));
        Ok(Loaded { tidy, checked, diagnostics, files, reports })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{CellRef, TableRead, Value};
    use crate::schema::{Item, Key, Measure, Rule, Table, Template};

    /// A cell given: its item and measure, its value and where it was read (row, column).
    type Given = (Item, Measure, Option<i64>, Option<(u32, u32)>);

    fn report(year: i32, values: &[Given]) -> Report {
        Report {
            division_code: 654025,
            division_name: "新源县".into(),
            year,
            template: Template::V2021,
            // Each table on the one sheet: a row without a cell of its own has its table's.
            tables: Table::ALL
                .iter()
                .map(|&table| TableRead { table, template: Template::V2021, cell: CellRef::default() })
                .collect(),
            source: format!("{year}.xlsx").into(),
            sheets: vec!["表".into()],
            values: values
                .iter()
                .map(|&(item, measure, value, cell)| Value {
                    key: Key::new(item, measure),
                    value,
                    cell: cell.map(|(row, col)| CellRef { sheet: 0, row, col }),
                    note: None,
                })
                .collect(),
            diagnostics: Vec::new(),
        }
    }

    /// The cross-year identities read the framed rows as they read the reports: a key's value
    /// its last row's, its cell its first row's, a value without a cell of its own named by its
    /// file alone.
    #[test]
    fn cross_year_findings_from_the_frame_are_those_from_the_reports() {
        use Item::{CarriedForward, CarriedOver, Regulations};
        use Measure::{InForce, Issued, NaturalPerson as Natural, Repealed, Total};
        let reports = vec![
            report(
                2021,
                &[
                    (CarriedForward, Natural, Some(3), Some((20, 2))),
                    (CarriedForward, Natural, Some(5), Some((40, 2))),
                    (CarriedForward, Total, Some(9), None),
                    (Regulations, InForce, Some(10), Some((5, 1))),
                ],
            ),
            report(
                2022,
                &[
                    (CarriedOver, Natural, Some(4), Some((7, 2))),
                    (CarriedOver, Total, Some(8), Some((7, 9))),
                    (Regulations, InForce, Some(12), Some((5, 1))),
                    (Regulations, Issued, Some(1), None),
                    (Regulations, Repealed, Some(0), Some((5, 3))),
                ],
            ),
        ];
        let expected = validate::reports(reports.clone());
        let mut scratch = Scratch::new();
        let files: Vec<File> = reports
            .into_iter()
            .map(|r| File {
                loose: Vec::new(),
                reports: vec![{
                    let (checked, findings) = validate::resolve_report(r, &mut scratch);
                    (checked, findings, Vec::new())
                }],
            })
            .collect();
        let paths: Vec<PathBuf> = files.iter().map(|f| f.reports[0].0.report().source.clone()).collect();
        let mut state = State::new(&paths);
        state.take(files).expect("framed");
        let loaded = state.finish().expect("loaded");
        assert_eq!(loaded.checked.violations, expected.violations);
        // What the comparison covered: the last of two values (5, not 3) at the first's cell,
        // a cell-less value by its file, and the three this-year terms of S2.
        let s1: Vec<_> = expected.violations.iter().filter(|v| v.rule == Rule::S1).collect();
        assert_eq!(s1.len(), 2, "{s1:#?}");
        assert_eq!((s1[0].actual, s1[0].expected), (4, 5));
        assert_eq!(s1[0].cells, ["2022.xlsx!表!C8", "2021.xlsx!表!C21"]);
        assert_eq!(s1[1].cells, ["2022.xlsx!表!J8", "2021.xlsx"]);
        let s2: Vec<_> = expected.violations.iter().filter(|v| v.rule == Rule::S2).collect();
        assert_eq!((s2.len(), s2[0].actual, s2[0].expected), (1, 12, 11));
    }
}
