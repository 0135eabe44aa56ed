//! Spreadsheets and published reports → [`Report`]s: the only module that touches calamine,
//! html5ever and pdf_oxide.
//!
//! Which reader reads a file is decided by its content: a zip or OLE file is a spreadsheet, a
//! page of markup an HTML page (feature `html`; `.xls` files from government sites often are),
//! `pdftotext -bbox-layout` output words with positions, a `.txt` the plain text of a PDF, a
//! `%PDF` file a PDF (feature `pdf`). Pages become a grid of their tables; text and PDF words are
//! laid into the national form by their labels (and, with positions, their columns). Every
//! source then goes through the same locate and normalise steps.
//!
//! Reading a folder never stops at a bad file: each file yields its reports and its
//! [`Diagnostic`]s. Tables are found by their labels, never by cell addresses; see
//! [`ReadOptions`] for the knobs and [`Batch`] for what comes back.
//!
//! A sheet as the national template lays it out, and as the reader finds it whatever the
//! position, merges and wording:
//!
//! ```text
//!  ┌────────────────────────┬──────────────────────── 申请人情况 ───────────────────────┐
//!  │                        │ 自然人 │ ─────────── 法人或其他组织 ──────────── │ 总计 │
//!  │                        │        │ 商业企业 科研机构 社会公益组织 法律服务机构 其他 │      │
//!  ├────────────────────────┼────────┼──────────────────────────────────────────┼──────┤
//!  │ 一、本年新收…           │   3    │   0       0        0          2        ·  │  5   │
//!  │ 三、  │（一）予以公开    │   3    │ …                                         │  4   │
//!  │ 本年  │（三）│1.属于国家秘密 │ …                                                  │
//!  │ 度办  │不予  │2.其他法律…    │ …   (merged group cells, any row or column)        │
//!  │ 理结果│公开  │…             │                                                    │
//! ```
//!
//! ```
//! use xxgk::read::ReadOptions;
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/real");
//! let batch = ReadOptions::new().from_dir(dir)?;
//! let report = &batch.reports[0];
//! assert_eq!((report.division_code, report.year), (654025, 2022));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod dense;
mod grid;
#[cfg(feature = "html")]
mod html;
mod layout;
mod locate;
mod open;
#[cfg(feature = "pdf")]
mod pdf;
mod text;

use std::collections::HashMap;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;

pub use self::grid::{Cell, Grid, Merge};
use crate::error::{Error, ErrorKind, Location, Result};
use crate::report::{Batch, Diagnostic, DiagnosticKind, Report};
use crate::schema::Severity;

/// The file extensions the reader opens: spreadsheets, published pages (`html`, `htm`,
/// `shtml`; feature `html`), text extracted from published PDFs (`txt`, and `pdftotext
/// -bbox-layout` output under any of these names) and PDF files (`pdf`; feature `pdf`). Which reader reads a file is decided by its content: an `.xls`
/// that is a page is read as a page.
pub const EXTENSIONS: &[&str] = &["xlsx", "xlsm", "xlsb", "xls", "ods", "html", "htm", "shtml", "txt", "pdf"];

/// A manifest entry: the unit and year of one file, given by the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ManifestEntry {
    unit: String,
    year: Option<i32>,
}

/// A progress callback: called with (files done, files in all) after each file.
pub type Progress = Arc<dyn Fn(usize, usize) + Send + Sync>;

/// How to read: a builder (csv's style). Setters take `&mut self`; `from_path` and `from_dir`
/// take `&self`, so one configured builder serves any number of files and threads.
///
/// ```
/// use xxgk::read::ReadOptions;
/// let batch = ReadOptions::new()
///     .strict(false)
///     .threads(2)
///     .max_file_size(20 << 20)
///     .from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample"))?;
/// assert!(!batch.reports.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct ReadOptions {
    strict: bool,
    manifest: HashMap<PathBuf, ManifestEntry>,
    threads: usize,
    max_file_size: u64,
    max_cells: u64,
    max_depth: u32,
    max_pages: usize,
    timeout: Option<Duration>,
    progress: Option<Progress>,
}

impl fmt::Debug for ReadOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadOptions")
            .field("strict", &self.strict)
            .field("manifest_entries", &self.manifest.len())
            .field("threads", &self.threads)
            .field("max_file_size", &self.max_file_size)
            .field("max_cells", &self.max_cells)
            .field("max_depth", &self.max_depth)
            .field("max_pages", &self.max_pages)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Default for ReadOptions {
    fn default() -> ReadOptions {
        ReadOptions {
            strict: false,
            manifest: HashMap::new(),
            threads: 0,
            max_file_size: 64 << 20,
            max_cells: 2_000_000,
            max_depth: 512,
            max_pages: 500,
            timeout: Some(Duration::from_secs(60)),
            progress: None,
        }
    }
}

impl ReadOptions {
    /// The defaults: not strict, no manifest, all cores, 64 MiB per file, 2,000,000 cells per
    /// sheet, pages nested at most 512 deep, PDFs of at most 500 pages, 60 seconds per file, no
    /// progress callback.
    ///
    /// ```
    /// let batch = xxgk::read::ReadOptions::new().from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real"))?;
    /// assert_eq!(batch.reports.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new() -> ReadOptions {
        ReadOptions::default()
    }

    /// Strict mode (default `false`): warnings count as errors, and a report with any error
    /// is refused (its diagnostics move to the batch) instead of loaded with the bad cells
    /// left out.
    ///
    /// ```
    /// // 新源县 2022 has blanks (infos) but no warning: strict mode still loads it.
    /// let batch = xxgk::read::ReadOptions::new().strict(true).from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real"))?;
    /// assert_eq!(batch.reports.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn strict(&mut self, yes: bool) -> &mut ReadOptions {
        self.strict = yes;
        self
    }

    /// Load a manifest (default none): a CSV with the header `path,unit,year` giving the unit
    /// (a six-digit code or a name) and year of files the reader cannot tell by itself. Paths
    /// are relative to the manifest's folder. The manifest wins over titles and file names.
    ///
    /// ```
    /// let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample/manifest.csv");
    /// let batch = xxgk::read::ReadOptions::new().manifest(manifest)?
    ///     .from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample"))?;
    /// assert!(batch.reports.iter().all(|r| r.year >= 2019));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn manifest(&mut self, path: impl AsRef<Path>) -> Result<&mut ReadOptions> {
        let path = path.as_ref();
        let bytes = std::fs::read(path)
            .map_err(|source| Error::new(ErrorKind::Io { location: Location::file(path), source }))?;
        self.manifest_from_bytes(path, &bytes)
    }

    /// A manifest held in memory: `path` stands for the manifest's own path (its folder is the
    /// base of the paths it lists, and errors name it). The same format and checks as
    /// [`manifest`](ReadOptions::manifest).
    ///
    /// ```
    /// use xxgk::read::ReadOptions;
    /// let text = "path,unit,year\n新源县-2022.xlsx,654025,2022\n";
    /// let mut options = ReadOptions::new();
    /// options.manifest_from_bytes("data/real/manifest.csv", text.as_bytes())?;
    /// let bad = ReadOptions::new().manifest_from_bytes("m.csv", b"path,unit,year\na.xlsx,x,20o2\n").err();
    /// assert_eq!(bad.ok_or("accepted")?.to_string(), "m.csv, line 2: bad year \"20o2\"");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn manifest_from_bytes(&mut self, path: impl AsRef<Path>, bytes: &[u8]) -> Result<&mut ReadOptions> {
        let path = path.as_ref();
        let base = path.parent().unwrap_or(Path::new(""));
        let bad = |line: usize, message: String| {
            Error::new(ErrorKind::Manifest { path: path.to_path_buf(), line, message })
        };
        let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(bytes);
        let headers = reader.headers().map_err(|e| bad(1, e.to_string()))?.clone();
        let col = |name: &str| headers.iter().position(|h| h.trim_start_matches('\u{feff}') == name);
        let (Some(pc), Some(uc), Some(yc)) = (col("path"), col("unit"), col("year")) else {
            return Err(bad(1, "the header must be `path,unit,year`".into()));
        };
        for record in reader.records() {
            let record =
                record.map_err(|e| bad(e.position().map_or(0, |p| p.line() as usize), e.to_string()))?;
            let line = record.position().map_or(0, |p| p.line() as usize);
            let field = |i: usize| record.get(i).unwrap_or("");
            if field(pc).is_empty() {
                return Err(bad(line, "empty path".into()));
            }
            let year = match field(yc) {
                "" => None,
                y => Some(
                    y.parse()
                        .ok()
                        .filter(|y| (1990..=2100).contains(y))
                        .ok_or_else(|| bad(line, format!("bad year {y:?}")))?,
                ),
            };
            let file = normal_path(&base.join(field(pc)));
            self.manifest.insert(file, ManifestEntry { unit: field(uc).to_string(), year });
        }
        Ok(self)
    }

    /// Worker threads for [`from_dir`](ReadOptions::from_dir) (default 0: one per core). The
    /// output order never depends on it.
    ///
    /// ```
    /// let batch = xxgk::read::ReadOptions::new().threads(1).from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real"))?;
    /// assert_eq!(batch.files, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn threads(&mut self, n: usize) -> &mut ReadOptions {
        self.threads = n;
        self
    }

    /// The largest file read, in bytes (default 64 MiB); also bounds the uncompressed size of
    /// each part of a zipped workbook, at 8 times this.
    ///
    /// ```
    /// use xxgk::read::ReadOptions;
    /// use xxgk::report::DiagnosticKind;
    /// let batch = ReadOptions::new().max_file_size(1000).from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real"))?;
    /// assert_eq!(batch.diagnostics[0].kind, DiagnosticKind::Limit);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_file_size(&mut self, bytes: u64) -> &mut ReadOptions {
        self.max_file_size = bytes;
        self
    }

    /// The most cells read from one sheet (default 2,000,000); a larger sheet is refused with a
    /// diagnostic before it is materialised.
    ///
    /// ```
    /// use xxgk::read::ReadOptions;
    /// use xxgk::report::DiagnosticKind;
    /// let batch = ReadOptions::new().max_cells(10).from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real"))?;
    /// assert!(batch.reports.is_empty());
    /// assert!(batch.diagnostics.iter().any(|d| d.kind == DiagnosticKind::Limit));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_cells(&mut self, cells: u64) -> &mut ReadOptions {
        self.max_cells = cells;
        self
    }

    /// How deep a page may nest its elements (default 512, at most 1,000; feature `html`).
    /// html5ever's tree builder slows down with the depth of open elements, so the depth is
    /// measured first and a deeper page is refused with a diagnostic; real report pages nest a
    /// few dozen deep. The page is then walked recursively, which is why 1,000 is the most
    /// taken.
    ///
    #[cfg_attr(feature = "html", doc = "```")]
    #[cfg_attr(not(feature = "html"), doc = "```ignore")]
    /// use xxgk::read::ReadOptions;
    /// use xxgk::report::DiagnosticKind;
    /// let page = format!("<html><body>{}</body></html>", "<div>".repeat(100));
    /// let batch = ReadOptions::new().max_depth(50).from_bytes("page.html", page.as_bytes());
    /// assert_eq!(batch.diagnostics[0].kind, DiagnosticKind::Limit);
    /// ```
    pub fn max_depth(&mut self, depth: u32) -> &mut ReadOptions {
        self.max_depth = depth;
        self
    }

    /// The most pages read from one PDF (default 500; feature `pdf`): an annual report has a
    /// dozen or two. A longer PDF is refused with a diagnostic before any page is read.
    ///
    /// ```
    /// let options = xxgk::read::ReadOptions::new().max_pages(40).clone();
    /// assert!(format!("{options:?}").contains("max_pages: 40"));
    /// ```
    pub fn max_pages(&mut self, pages: usize) -> &mut ReadOptions {
        self.max_pages = pages;
        self
    }

    /// The time one file may take (default 60 s; `None`: no limit). The clock is read between
    /// sheets, between pages and every 65,536 cells — calamine and pdf_oxide cannot be
    /// interrupted inside a call — and a file over its time is left out whole with a diagnostic,
    /// so one pathological file cannot stall a batch.
    ///
    /// ```
    /// use std::time::Duration;
    /// use xxgk::read::ReadOptions;
    /// use xxgk::report::DiagnosticKind;
    /// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/real");
    /// let batch = ReadOptions::new().timeout(Some(Duration::ZERO)).from_dir(dir)?;
    /// assert!(batch.reports.is_empty());
    /// assert!(batch.diagnostics[0].message.contains("ReadOptions::timeout"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn timeout(&mut self, limit: Option<Duration>) -> &mut ReadOptions {
        self.timeout = limit;
        self
    }

    /// Call `f(done, total)` after each file (default none): for a progress bar.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    /// let seen = Arc::new(AtomicUsize::new(0));
    /// let s = Arc::clone(&seen);
    /// xxgk::read::ReadOptions::new()
    ///     .progress(move |done, _total| { s.fetch_max(done, Ordering::Relaxed); })
    ///     .from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real"))?;
    /// assert_eq!(seen.load(Ordering::Relaxed), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn progress(&mut self, f: impl Fn(usize, usize) + Send + Sync + 'static) -> &mut ReadOptions {
        self.progress = Some(Arc::new(f));
        self
    }

    /// Read one file, or every workbook under a folder.
    ///
    /// An error only when `path` itself cannot be read; every problem inside a file is a
    /// diagnostic.
    ///
    /// ```
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/real/新源县-2022.xlsx");
    /// assert_eq!(xxgk::read::ReadOptions::new().from_path(path)?.reports[0].year, 2022);
    /// assert!(xxgk::read::ReadOptions::new().from_path("no/such/file.xlsx").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_path(&self, path: impl AsRef<Path>) -> Result<Batch> {
        Ok(self.read_files(self.files(path.as_ref())?))
    }

    /// Read every workbook (by extension: xlsx, xlsm, xlsb, xls, ods) under `dir`, recursively,
    /// in parallel. Reports come in path order whatever the thread count.
    ///
    /// ```
    /// let batch = xxgk::read::ReadOptions::new().from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/test"))?;
    /// // Three files: the .xls and .ods load; the encrypted workbook is a diagnostic.
    /// assert_eq!((batch.files, batch.reports.len()), (3, 2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_dir(&self, dir: impl AsRef<Path>) -> Result<Batch> {
        Ok(self.read_files(listing(dir.as_ref())?))
    }

    /// Read these files (in parallel); the batch keeps their order.
    ///
    /// ```
    /// let path = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real/新源县-2022.xlsx"));
    /// let batch = xxgk::read::ReadOptions::new().from_paths(&[path.clone(), path]);
    /// assert_eq!(batch.reports.len(), 2); // both kept, each told about the other
    /// assert!(batch.all_diagnostics().any(|d| d.kind == xxgk::report::DiagnosticKind::Duplicate));
    /// ```
    pub fn from_paths(&self, paths: &[PathBuf]) -> Batch {
        self.read_files(paths.to_vec())
    }

    /// Read one file held in memory (an upload, a download, a zip member): `name` stands for
    /// its path — its extension picks the reader where content cannot, its name may give the
    /// unit and year, diagnostics name it, and the manifest is matched against it.
    ///
    /// ```
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/real/新源县-2022.xlsx");
    /// let bytes = std::fs::read(path)?;
    /// let batch = xxgk::read::ReadOptions::new().from_bytes("新源县-2022.xlsx", &bytes);
    /// assert_eq!(batch.reports[0].division_code, 654025);
    /// assert_eq!(batch.reports[0].values, xxgk::read::ReadOptions::new().from_path(path)?.reports[0].values);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_bytes(&self, name: impl AsRef<Path>, bytes: &[u8]) -> Batch {
        let name = name.as_ref();
        let limits = self.limits();
        let (reports, diagnostics) =
            guarded(name, || match open::check_size(name, bytes.len() as u64, &limits) {
                Ok(()) => self.read_bytes(name, bytes, &limits),
                Err(d) => (Vec::new(), vec![d]),
            });
        let mut batch = Batch { files: 1, reports, diagnostics };
        flag_duplicates(&mut batch);
        batch
    }

    /// The files a path names: itself, or every file under a folder the reader opens, in path
    /// order.
    pub(crate) fn files(&self, path: &Path) -> Result<Vec<PathBuf>> {
        let meta = std::fs::metadata(path)
            .map_err(|source| Error::new(ErrorKind::Io { location: Location::file(path), source }))?;
        if meta.is_dir() { listing(path) } else { Ok(vec![path.to_path_buf()]) }
    }

    /// One file as [`from_paths`](ReadOptions::from_paths) reads it (a panic inside is its
    /// diagnostic), with the progress callback told `done` of `total`.
    pub(crate) fn read_one(
        &self,
        path: &Path,
        done: &AtomicUsize,
        total: usize,
    ) -> (Vec<Report>, Vec<Diagnostic>) {
        let out = guarded(path, || self.read_file(path));
        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(p) = &self.progress {
            p(n, total);
        }
        out
    }

    /// Run `work` on the configured number of threads (all cores when 0).
    pub(crate) fn in_pool<R: Send>(&self, work: impl FnOnce() -> R + Send) -> R {
        match rayon::ThreadPoolBuilder::new().num_threads(self.threads).build() {
            Ok(pool) if self.threads > 0 => pool.install(work),
            _ => work(),
        }
    }

    /// The limits of one file, its clock started now.
    fn limits(&self) -> open::Limits {
        open::Limits {
            file_size: self.max_file_size,
            cells: self.max_cells,
            depth: self.max_depth,
            pages: self.max_pages,
            timeout: self.timeout,
            deadline: self.timeout.and_then(|t| Instant::now().checked_add(t)),
        }
    }

    fn read_files(&self, files: Vec<PathBuf>) -> Batch {
        let total = files.len();
        let done = AtomicUsize::new(0);
        let results: Vec<(Vec<Report>, Vec<Diagnostic>)> =
            self.in_pool(|| files.par_iter().map(|f| self.read_one(f, &done, total)).collect());
        let mut batch = Batch { files: total, ..Batch::default() };
        for (reports, diagnostics) in results {
            batch.reports.extend(reports);
            batch.diagnostics.extend(diagnostics);
        }
        flag_duplicates(&mut batch);
        batch
    }

    /// One file: its reports, and its diagnostics that belong to no report.
    fn read_file(&self, path: &Path) -> (Vec<Report>, Vec<Diagnostic>) {
        let limits = self.limits();
        match open::load(path, &limits) {
            Ok(bytes) => self.read_bytes(path, &bytes, &limits),
            Err(d) => (Vec::new(), vec![d]),
        }
    }

    /// One file's bytes: its reports, and its diagnostics that belong to no report.
    fn read_bytes(&self, path: &Path, bytes: &[u8], limits: &open::Limits) -> (Vec<Report>, Vec<Diagnostic>) {
        let (mut reports, mut loose, skipped) = self.read_grids(path, bytes, limits, false);
        let troubled = |reports: &[Report], loose: &[Diagnostic]| {
            loose
                .iter()
                .chain(reports.iter().flat_map(|r| r.diagnostics.iter()))
                .any(|d| d.severity >= Severity::Warning)
        };
        if skipped && troubled(&reports, &loose) {
            (reports, loose, _) = self.read_grids(path, bytes, limits, true);
        }
        if !self.strict {
            return (reports, loose);
        }
        let mut kept = Vec::new();
        for mut report in reports {
            for d in &mut report.diagnostics {
                if d.severity == Severity::Warning {
                    d.severity = Severity::Error;
                }
            }
            if report.diagnostics.iter().any(|d| d.severity == Severity::Error) {
                loose.push(Diagnostic {
                    severity: Severity::Error,
                    kind: DiagnosticKind::Conflict,
                    location: Location::file(path),
                    message: format!(
                        "report of {} {} refused in strict mode ({} problems)",
                        report.division_name,
                        report.year,
                        report.diagnostics.iter().filter(|d| d.severity == Severity::Error).count()
                    ),
                });
                loose.append(&mut report.diagnostics);
            } else {
                kept.push(report);
            }
        }
        for d in &mut loose {
            if d.severity == Severity::Warning {
                d.severity = Severity::Error;
            }
        }
        (kept, loose)
    }
}

impl ReadOptions {
    /// Open and lay out one file; the flag says whether merged regions were skipped.
    fn read_grids(
        &self,
        path: &Path,
        bytes: &[u8],
        limits: &open::Limits,
        merges: bool,
    ) -> (Vec<Report>, Vec<Diagnostic>, bool) {
        let opened =
            match open::open(path, bytes, limits, merges).and_then(|o| limits.on_time(path).map(|()| o)) {
                Ok(o) => o,
                Err(d) => return (Vec::new(), vec![d], false),
            };
        let mut loose = opened.notes;
        let manifest = self.manifest.get(&normal_path(path));
        let reports =
            layout::reports(path, &opened.grids, manifest.map(|m| (m.unit.as_str(), m.year)), &mut loose);
        (reports, loose, opened.merges_skipped)
    }
}

/// Run one file's read so that a panic inside it (in xxgk or a library it calls) becomes the
/// file's diagnostic and the batch goes on.
fn guarded(
    path: &Path,
    read: impl FnOnce() -> (Vec<Report>, Vec<Diagnostic>),
) -> (Vec<Report>, Vec<Diagnostic>) {
    catch_unwind(AssertUnwindSafe(read)).unwrap_or_else(|panic| {
        let message = format!(
            "reading this file failed inside the reader ({}); the file is left out and the batch goes on — please report it with the file",
            panic_message(panic.as_ref())
        );
        let d = Diagnostic {
            severity: Severity::Error,
            kind: DiagnosticKind::Unreadable,
            location: Location::file(path),
            message,
        };
        (Vec::new(), vec![d])
    })
}

/// A panic's message, first line, at most 120 characters.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into());
    what.lines().next().unwrap_or("").chars().take(120).collect()
}

/// The same unit and year twice: both kept, each told about the other.
fn flag_duplicates(batch: &mut Batch) {
    let told = duplicates(
        batch.reports.iter().map(|r| (r.division_code, r.year, r.division_name.as_str(), &*r.source)),
    );
    for (i, d) in told {
        batch.reports[i].diagnostics.push(d);
    }
}

/// The warnings on reports whose unit and year another report has too, each told the others'
/// files (both are kept): `(index, warning)` in index order, from each report's code, year,
/// unit name and file.
pub(crate) fn duplicates<'a>(
    reports: impl Iterator<Item = (u32, i32, &'a str, &'a Path)>,
) -> Vec<(usize, Diagnostic)> {
    let reports: Vec<_> = reports.collect();
    let mut seen: HashMap<(u32, i32), Vec<usize>> = HashMap::new();
    for (i, (code, year, ..)) in reports.iter().enumerate() {
        seen.entry((*code, *year)).or_default().push(i);
    }
    let mut out = Vec::new();
    for group in seen.into_values().filter(|g| g.len() > 1) {
        for &i in &group {
            let others: Vec<String> =
                group.iter().filter(|&&j| j != i).map(|&j| reports[j].3.display().to_string()).collect();
            let (_, year, name, source) = reports[i];
            out.push((
                i,
                Diagnostic {
                    severity: Severity::Warning,
                    kind: DiagnosticKind::Duplicate,
                    location: Location::file(source),
                    message: format!(
                        "{name} {year} is also reported by {}; both are kept",
                        others.join(", ")
                    ),
                },
            ));
        }
    }
    out.sort_by_key(|(i, _)| *i);
    out
}

/// Every file under `dir` the reader opens, in path order.
fn listing(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    walk(dir, &mut files)
        .map_err(|source| Error::new(ErrorKind::Io { location: Location::file(dir), source }))?;
    files.sort();
    Ok(files)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            walk(&path, out)?;
        } else if is_workbook(&path) {
            out.push(path);
        }
    }
    Ok(())
}

fn is_workbook(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    // Office's lock files (~$name.xlsx) are not workbooks.
    !name.starts_with("~$")
        && path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// A path with `.` and `..` folded, for matching manifest entries.
fn normal_path(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Read one in-memory grid as a report (for sources other than spreadsheets, and for tests).
/// The unit and year come from `unit` and `year` when given, else from the grid's title cells
/// and name.
///
/// ```
/// use xxgk::read::{from_grid, Cell, Grid};
/// let mut grid = Grid::new("新源县");
/// let rows: &[&[&str]] = &[
///     &["", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"],
///     &["一、本年新收政府信息公开申请数量", "3", "0", "0", "0", "2", "0", "5"],
/// ];
/// for (r, row) in rows.iter().enumerate() {
///     for (c, text) in row.iter().enumerate() {
///         grid.set(r as u32, c as u32, Cell::Text(text.to_string()));
///     }
/// }
/// let (reports, _) = from_grid("新源县.xlsx", &[grid], None, Some(2022));
/// assert_eq!(reports[0].values.len(), 7);
/// ```
pub fn from_grid(
    source: impl AsRef<Path>,
    grids: &[Grid],
    unit: Option<&str>,
    year: Option<i32>,
) -> (Vec<Report>, Vec<Diagnostic>) {
    let mut loose = Vec::new();
    let given = (unit.is_some() || year.is_some()).then_some((unit.unwrap_or(""), year));
    let reports = layout::reports(source.as_ref(), grids, given, &mut loose);
    (reports, loose)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_a_read_is_the_files_diagnostic() {
        let (reports, diagnostics) =
            guarded(Path::new("bad.xlsx"), || panic!("index out of bounds: the len is 3"));
        assert!(reports.is_empty());
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].kind, DiagnosticKind::Unreadable);
        assert_eq!(diagnostics[0].location, Location::file("bad.xlsx"));
        assert!(
            diagnostics[0].message.contains("(index out of bounds: the len is 3)"),
            "{}",
            diagnostics[0].message
        );
        let fine = guarded(Path::new("good.xlsx"), || (Vec::new(), Vec::new()));
        assert!(fine.1.is_empty());
    }
}
