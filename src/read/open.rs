//! Workbook files → grids, through calamine, with the checks calamine lacks.
//!
//! calamine has no resource limits: a 5 KB xlsx with a cell at XFD1048576, a shared-string
//! table claiming ten billion entries, an ods of under a kilobyte repeating one cell 99 million
//! times or an xls with two cells at opposite corners aborts the process (not a panic: an
//! allocation failure). So before calamine sees a zipped workbook the zip directory is checked
//! (part sizes and compression ratios) and the shared-string count is bounded; xlsx and xlsb
//! sheets are streamed cell by cell into a sparse grid, never materialised as a dense range;
//! an ods's repeated rows and columns and an xls's cell positions are counted from the raw
//! file before calamine builds its dense ranges. A per-file deadline is checked between sheets,
//! pages and every 65,536 cells.

use std::io::{Cursor, Read, Seek};
use std::path::Path;
use std::time::{Duration, Instant};

use calamine::{Data, DataRef, Ods, Reader, Xls, Xlsb, Xlsx};

use super::grid::{Cell, Grid};
use crate::error::Location;
use crate::report::{Diagnostic, DiagnosticKind};
use crate::schema::Severity;

type Res<T> = std::result::Result<T, Diagnostic>;

fn diag(kind: DiagnosticKind, location: Location, message: String) -> Diagnostic {
    Diagnostic { severity: Severity::Error, kind, location, message }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Xlsx,
    Xlsb,
    Xls,
    Ods,
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// What reading one file may cost (the `ReadOptions` setters of the same names), and when its
/// time is up.
#[derive(Clone, Copy, Debug)]
pub(super) struct Limits {
    pub file_size: u64,
    pub cells: u64,
    #[cfg_attr(not(feature = "html"), allow(dead_code))]
    pub depth: u32,
    #[cfg_attr(not(feature = "pdf"), allow(dead_code))]
    pub pages: usize,
    pub timeout: Option<Duration>,
    pub deadline: Option<Instant>,
}

impl Limits {
    /// `Err` once the file's time is up: the whole file is left out (a workbook read in part
    /// could give a report with a table missing).
    pub fn on_time(&self, path: &Path) -> Res<()> {
        match (self.deadline, self.timeout) {
            (Some(deadline), Some(timeout)) if Instant::now() > deadline => Err(diag(
                DiagnosticKind::Limit,
                Location::file(path),
                format!(
                    "reading took longer than the time limit of {:.1} s per file (ReadOptions::timeout): the file is left out",
                    timeout.as_secs_f64()
                ),
            )),
            _ => Ok(()),
        }
    }

    /// A dense range calamine may build: four times the cell limit (sheets have blank cells).
    fn dense_cells(&self) -> u64 {
        self.cells.saturating_mul(4)
    }
}

/// A workbook's sheets as grids, and what was noticed opening it.
pub(super) struct Opened {
    pub grids: Vec<Grid>,
    pub notes: Vec<Diagnostic>,
    /// Merged regions were not read (xlsx keeps them at the end of each sheet's XML: a second
    /// parse). Labels sit in a region's top-left cell, so tables read the same without them;
    /// the caller asks again with `merges` when a sheet does not read cleanly.
    pub merges_skipped: bool,
}

/// A file's bytes, within the size limit: its size asked of the open file (one path look-up),
/// and the reading stopped past the limit too (a file that grows, or a device or pipe whose
/// size says nothing).
pub(super) fn load(path: &Path, limits: &Limits) -> Res<Vec<u8>> {
    let failed = |e: std::io::Error| {
        diag(DiagnosticKind::Unreadable, Location::file(path), format!("cannot read the file: {e}"))
    };
    let file = std::fs::File::open(path).map_err(failed)?;
    let len = file.metadata().map_err(failed)?.len();
    check_size(path, len, limits)?;
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(limits.file_size.saturating_add(1)).read_to_end(&mut bytes).map_err(failed)?;
    check_size(path, bytes.len() as u64, limits)?;
    Ok(bytes)
}

/// The file-size limit.
pub(super) fn check_size(path: &Path, len: u64, limits: &Limits) -> Res<()> {
    if len > limits.file_size {
        return Err(diag(
            DiagnosticKind::Limit,
            Location::file(path),
            format!(
                "file is {len} bytes, over the limit of {} (ReadOptions::max_file_size)",
                limits.file_size
            ),
        ));
    }
    Ok(())
}

/// Open a file's bytes (`path` names it and gives its extension): its sheets as grids (sheets
/// over the cell limit are left out with a diagnostic), or one diagnostic saying why the file
/// cannot be read.
pub(super) fn open(path: &Path, bytes: &[u8], limits: &Limits, merges: bool) -> Res<Opened> {
    let at = || Location::file(path);
    if bytes.is_empty() {
        return Err(diag(DiagnosticKind::Unreadable, at(), "the file is empty (0 bytes)".into()));
    }
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let (zip, cfb) = (bytes.starts_with(ZIP_MAGIC), bytes.starts_with(CFB_MAGIC));
    // Published pages, whatever their extension (an `.xls` from a government site is often a
    // page): by content.
    if bytes.starts_with(b"%PDF") || ext == "pdf" {
        return pdf(path, bytes, limits);
    }
    if !zip && !cfb && super::text::is_bbox(bytes) {
        return bbox(path, bytes);
    }
    if !zip && !cfb && looks_like_html(bytes) {
        return html(path, bytes, limits);
    }
    if ext == "txt" {
        return text(path, bytes);
    }
    let format = match (zip, cfb, ext.as_str()) {
        (true, _, "xlsb") => Format::Xlsb,
        (true, _, "ods") => Format::Ods,
        (true, _, _) => Format::Xlsx,
        (_, true, "xlsx" | "xlsm" | "xlsb" | "ods") => {
            let message = if contains_utf16(bytes, "EncryptionInfo") {
                "the workbook is encrypted (password-protected); save it without a password to read it"
            } else {
                "not a zipped workbook but an OLE compound file; save it as .xlsx or rename it .xls"
            };
            return Err(diag(DiagnosticKind::Unreadable, at(), message.into()));
        }
        (_, true, _) => Format::Xls,
        (_, _, "html" | "htm" | "shtml") => {
            return Err(diag(
                DiagnosticKind::Unreadable,
                at(),
                "not an HTML page: no markup at its start".into(),
            ));
        }
        _ => {
            return Err(diag(
                DiagnosticKind::Unreadable,
                at(),
                format!(
                    "not a spreadsheet: the file starts with neither a zip nor an OLE signature (.{ext})"
                ),
            ));
        }
    };
    let mut unthemed = None;
    match format {
        Format::Xls => super::dense::check_xls(path, bytes, limits.dense_cells(), limits.cells)?,
        Format::Ods => {
            check_zip(path, bytes, limits.file_size.saturating_mul(8))?;
            super::dense::check_ods(path, bytes, limits.dense_cells(), limits.cells)?;
        }
        Format::Xlsx => {
            unthemed = without_theme(check_zip(path, bytes, limits.file_size.saturating_mul(8))?, bytes)
        }
        _ => drop(check_zip(path, bytes, limits.file_size.saturating_mul(8))?),
    }
    let reader = Cursor::new(unthemed.as_deref().unwrap_or(bytes));
    let mut notes = Vec::new();
    let grids = match format {
        Format::Xlsx => {
            let mut wb: Xlsx<_> = Xlsx::new(reader).map_err(|e| unreadable(path, "xlsx", &e))?;
            let mut grids = Vec::new();
            for name in wb.sheet_names() {
                limits.on_time(path)?;
                let merges =
                    if merges { wb.merge_cells_by_sheet_name(&name).unwrap_or_default() } else { Vec::new() };
                let grid = {
                    let mut cells =
                        wb.worksheet_cells_reader(&name).map_err(|e| unreadable(path, "xlsx", &e))?;
                    let declared = cells.dimensions().len();
                    stream(path, &name, limits, declared, || cells.next_cell().map_err(|e| e.to_string()))
                };
                push_grid(grid, merges.iter().map(|d| (d.start, d.end)), &mut grids, &mut notes)?;
            }
            grids
        }
        Format::Xlsb => {
            let mut wb: Xlsb<_> = Xlsb::new(reader).map_err(|e| unreadable(path, "xlsb", &e))?;
            let mut grids = Vec::new();
            for name in wb.sheet_names() {
                limits.on_time(path)?;
                let grid = {
                    let mut cells =
                        wb.worksheet_cells_reader(&name).map_err(|e| unreadable(path, "xlsb", &e))?;
                    stream(path, &name, limits, 0, || cells.next_cell().map_err(|e| e.to_string()))
                };
                push_grid(grid, std::iter::empty(), &mut grids, &mut notes)?;
            }
            grids
        }
        Format::Ods => {
            let mut wb: Ods<_> = Ods::new(reader).map_err(|e| unreadable(path, "ods", &e))?;
            dense(path, &mut wb, limits, &mut notes, |_, _| Vec::new())?
        }
        Format::Xls => {
            let mut wb: Xls<_> = Xls::new(reader).map_err(|e| {
                let message = match &e {
                    calamine::XlsError::Password => {
                        "the workbook is encrypted (password-protected); save it without a password to read it"
                            .to_string()
                    }
                    other => format!("not a readable xls workbook: {other}"),
                };
                diag(DiagnosticKind::Unreadable, at(), message)
            })?;
            dense(path, &mut wb, limits, &mut notes, |wb, name| {
                wb.merge_cells_by_sheet_name(name)
                    .unwrap_or_default()
                    .iter()
                    .map(|d| (d.start, d.end))
                    .collect()
            })?
        }
    };
    if grids.iter().all(Grid::is_empty) && notes.is_empty() {
        return Err(diag(
            DiagnosticKind::NoTable,
            at(),
            "the workbook is empty: no sheet holds any cell".into(),
        ));
    }
    Ok(Opened { grids, notes, merges_skipped: format == Format::Xlsx && !merges })
}

#[cfg(feature = "html")]
use super::html::looks_like_html;

#[cfg(not(feature = "html"))]
fn looks_like_html(bytes: &[u8]) -> bool {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(bytes.len());
    bytes[start..].starts_with(b"<")
}

/// A page: one grid of its tables and headings.
#[cfg(feature = "html")]
fn html(path: &Path, bytes: &[u8], limits: &Limits) -> Res<Opened> {
    let at = || Location::file(path);
    let decoded = super::html::decode(bytes, true);
    let mut notes = Vec::new();
    if let Some(note) = decoded.note {
        notes.push(Diagnostic {
            severity: Severity::Info,
            kind: DiagnosticKind::Encoding,
            location: at(),
            message: note,
        });
    }
    // html5ever's tree builder slows down with the depth of open elements (50,000 nested
    // `<div>`s take seconds): the nesting is measured by its tokenizer first.
    let depth = limits.depth.min(super::html::MAX_DEPTH);
    let too_deep = || {
        diag(
            DiagnosticKind::Limit,
            at(),
            format!(
                "the page nests elements more than {depth} deep (ReadOptions::max_depth, which reads at most {} deep)",
                super::html::MAX_DEPTH
            ),
        )
    };
    if super::html::too_deep(&decoded.text, depth) {
        return Err(too_deep());
    }
    let grid =
        super::html::grid(&decoded.text, "page", limits.cells, depth).map_err(|refused| match refused {
            super::html::Refused::Depth => too_deep(),
            super::html::Refused::Cells(cells) => diag(
                DiagnosticKind::Limit,
                at(),
                format!(
                    "the page holds {cells} table cells, over the limit of {} (ReadOptions::max_cells)",
                    limits.cells
                ),
            ),
        })?;
    limits.on_time(path)?;
    if grid.is_empty() {
        return Err(diag(DiagnosticKind::NoTable, at(), "the page holds no text".into()));
    }
    Ok(Opened { grids: vec![grid], notes, merges_skipped: false })
}

#[cfg(not(feature = "html"))]
fn html(path: &Path, _: &[u8], _: &Limits) -> Res<Opened> {
    Err(diag(
        DiagnosticKind::Unreadable,
        Location::file(path),
        "an HTML page: this build reads no HTML (cargo feature `html`)".into(),
    ))
}

/// Text extracted from a PDF: the national form filled with what the text places.
fn text(path: &Path, bytes: &[u8]) -> Res<Opened> {
    let (text, notes) = decode_text(path, bytes)?;
    form(path, super::text::plain(path, &text, super::layout::year_in), notes)
}

/// `pdftotext -bbox-layout` output: words with their positions.
fn bbox(path: &Path, bytes: &[u8]) -> Res<Opened> {
    let text = String::from_utf8_lossy(bytes);
    let words = super::text::bbox_words(&text).ok_or_else(|| {
        diag(
            DiagnosticKind::Unreadable,
            Location::file(path),
            "not readable pdftotext -bbox-layout output (broken XHTML)".into(),
        )
    })?;
    form(path, super::text::positioned(path, words, super::layout::year_in), Vec::new())
}

/// A PDF file: its words with their positions.
#[cfg(feature = "pdf")]
fn pdf(path: &Path, bytes: &[u8], limits: &Limits) -> Res<Opened> {
    use super::pdf::{Failure, words};
    let at = || Location::file(path);
    let words = words(bytes.to_vec(), limits.pages, || limits.on_time(path).is_ok()).map_err(|failure| {
        match failure {
            Failure::Unreadable(message) => diag(DiagnosticKind::Unreadable, at(), message),
            Failure::TooManyPages(n) => diag(
                DiagnosticKind::Limit,
                at(),
                format!("the PDF has {n} pages, over the limit of {} (ReadOptions::max_pages)", limits.pages),
            ),
            Failure::OutOfTime => limits.on_time(path).err().unwrap_or_else(|| {
                diag(DiagnosticKind::Limit, at(), "reading ran out of time (ReadOptions::timeout)".into())
            }),
            Failure::NoTextLayer { bad, total } => diag(
                DiagnosticKind::Unreadable,
                at(),
                format!(
                    "unreadable text layer: {bad} of its {total} characters map to no text (private-use or replacement characters); its fonts carry no usable text, so no number is read"
                ),
            ),
        }
    })?;
    form(path, super::text::positioned(path, words, super::layout::year_in), Vec::new())
}

#[cfg(not(feature = "pdf"))]
fn pdf(path: &Path, _: &[u8], _: &Limits) -> Res<Opened> {
    Err(Diagnostic {
        severity: Severity::Warning,
        kind: DiagnosticKind::Unreadable,
        location: Location::file(path),
        message: "a PDF: this build reads no PDF (cargo feature `pdf`); pdftotext -bbox-layout output of it is read".into(),
    })
}

/// Published text read as the national form, or why not.
fn form(path: &Path, read: Option<(Grid, Vec<Diagnostic>)>, mut notes: Vec<Diagnostic>) -> Res<Opened> {
    let (grid, placed) = read.ok_or_else(|| {
        diag(
            DiagnosticKind::NoTable,
            Location::file(path),
            "no table heading of the national format in the text (二、主动公开政府信息情况 …)".into(),
        )
    })?;
    notes.extend(placed);
    Ok(Opened { grids: vec![grid], notes, merges_skipped: false })
}

/// A text file's characters: UTF-8 (as pdftotext writes), or with feature `html` any encoding
/// a byte-order mark names or detection finds (GBK).
#[cfg(feature = "html")]
fn decode_text(path: &Path, bytes: &[u8]) -> Res<(String, Vec<Diagnostic>)> {
    let decoded = super::html::decode(bytes, false);
    let notes = decoded
        .note
        .map(|message| Diagnostic {
            severity: Severity::Info,
            kind: DiagnosticKind::Encoding,
            location: Location::file(path),
            message,
        })
        .into_iter()
        .collect();
    Ok((decoded.text.into_owned(), notes))
}

#[cfg(not(feature = "html"))]
fn decode_text(path: &Path, bytes: &[u8]) -> Res<(String, Vec<Diagnostic>)> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok((text.to_string(), Vec::new())),
        Err(e) => Err(diag(
            DiagnosticKind::Unreadable,
            Location::file(path),
            format!("not UTF-8 text ({e}); this build reads other encodings with cargo feature `html`"),
        )),
    }
}

fn unreadable(path: &Path, what: &str, e: &dyn std::fmt::Display) -> Diagnostic {
    diag(DiagnosticKind::Unreadable, Location::file(path), format!("not a readable {what} workbook: {e}"))
}

fn contains_utf16(bytes: &[u8], text: &str) -> bool {
    let needle: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    bytes.windows(needle.len()).any(|w| w == needle.as_slice())
}

/// Check a zipped workbook's directory before calamine inflates anything: every part within
/// `max_part` bytes uncompressed and no suspicious compression ratio; the shared-string table's
/// declared count within what its size can hold.
fn check_zip<'a>(path: &Path, bytes: &'a [u8], max_part: u64) -> Res<zip::ZipArchive<Cursor<&'a [u8]>>> {
    let at = || Location::file(path);
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        diag(
            DiagnosticKind::Unreadable,
            at(),
            format!("not a readable workbook: the zip archive is damaged ({e})"),
        )
    })?;
    let mut sst_size = None;
    for i in 0..zip.len() {
        let entry = zip
            .by_index_raw(i)
            .map_err(|e| diag(DiagnosticKind::Unreadable, at(), format!("damaged zip entry {i}: {e}")))?;
        let (size, packed) = (entry.size(), entry.compressed_size().max(1));
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        if size > max_part || (size > 1 << 20 && size / packed > 1000) {
            return Err(diag(
                DiagnosticKind::Limit,
                at(),
                format!(
                    "part {} inflates to {size} bytes from {packed} (limit {max_part} bytes, ratio 1000)",
                    name
                ),
            ));
        }
        if name.eq_ignore_ascii_case("xl/sharedStrings.xml") {
            sst_size = Some(size);
        }
    }
    if let Some(size) = sst_size {
        let mut head = Vec::with_capacity(1024);
        if let Ok(entry) = zip.by_name("xl/sharedStrings.xml") {
            let _ = entry.take(1024).read_to_end(&mut head);
        }
        let head = String::from_utf8_lossy(&head);
        // Each shared string takes at least `<si><t/></si>` (13 bytes) of the part.
        for attr in ["uniqueCount=\"", " count=\""] {
            let declared = head
                .find(attr)
                .map(|i| &head[i + attr.len()..])
                .and_then(|rest| rest.split('"').next())
                .and_then(|n| n.parse::<u64>().ok());
            if let Some(n) = declared.filter(|&n| attr.starts_with('u') && n > size / 8 + 16) {
                return Err(diag(
                    DiagnosticKind::Limit,
                    at(),
                    format!(
                        "the shared-string table declares {n} strings in {size} bytes: refused as malformed"
                    ),
                ));
            }
        }
    }
    Ok(zip)
}

/// The workbook with its theme hidden, whose colours calamine resolves on opening (more than
/// half of what reading the styles costs it) and falls back to the default palette without:
/// nothing a count needs. The styles themselves stay, so a number formatted as a date is still a
/// date (a count typed as `1-2` that Excel made 2 January is refused, not read as 45,658).
///
/// The bytes are copied once and the last letter of each theme part's name in the central
/// directory changed (`theme1.xml` → `theme1.xm_`), so calamine looks for the theme and finds
/// none; neither the zip reader nor calamine reads the name in a part's local header, and the
/// copy costs a `memcpy` where rewriting the archive copied and checksummed every part.
/// `None` (read the file as it is) where there is no theme or the directory entry is not where
/// the zip reader says.
fn without_theme(mut zip: zip::ZipArchive<Cursor<&[u8]>>, bytes: &[u8]) -> Option<Vec<u8>> {
    /// A central directory header: its signature, then the name from this offset on.
    const CENTRAL: &[u8] = b"PK\x01\x02";
    const NAME_AT: usize = 46;
    let mut out: Option<Vec<u8>> = None;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).ok()?;
        let name = entry.name_raw();
        let lower = name.to_ascii_lowercase();
        if !(lower.windows(7).any(|w| w == b"/theme/") && lower.ends_with(b".xml")) {
            continue;
        }
        let start = usize::try_from(entry.central_header_start()).ok()?;
        let out = out.get_or_insert_with(|| bytes.to_vec());
        let at = start.checked_add(NAME_AT)?;
        if out.get(start..start + CENTRAL.len()) != Some(CENTRAL)
            || out.get(at..at + name.len()) != Some(name)
        {
            return None;
        }
        out[at + name.len() - 1] = b'_';
    }
    out
}

/// Why a sheet gives no grid: the sheet alone is left out, or the whole file is.
enum Stop {
    Sheet(Diagnostic),
    File(Diagnostic),
}

/// The most cells a sheet's declared extent reserves room for before its cells are read (the
/// declaration is the file's word: a sheet declaring a million cells grows as it is read).
const RESERVED_CELLS: u64 = 4096;

/// Stream one sheet's cells into a grid, stopping at the cell limit. `declared`: the cells the
/// sheet says it spans (0 where unknown), room for which is made at once up to
/// [`RESERVED_CELLS`].
fn stream<'a>(
    path: &Path,
    sheet: &str,
    limits: &Limits,
    declared: u64,
    mut next: impl FnMut() -> std::result::Result<Option<calamine::Cell<DataRef<'a>>>, String>,
) -> std::result::Result<Grid, Stop> {
    let mut grid = Grid::new(sheet);
    grid.reserve(declared.min(RESERVED_CELLS).min(limits.cells) as usize);
    let mut count: u64 = 0;
    loop {
        let cell = next().map_err(|e| {
            Stop::Sheet(diag(
                DiagnosticKind::Unreadable,
                Location::file(path).with_sheet(sheet),
                format!("the sheet cannot be parsed: {e}"),
            ))
        })?;
        let Some(cell) = cell else { break };
        let (row, col) = cell.get_position();
        let Some(value) = convert_ref(cell.get_value()) else { continue };
        count += 1;
        if count > limits.cells {
            return Err(Stop::Sheet(diag(
                DiagnosticKind::Limit,
                Location::file(path).with_sheet(sheet),
                format!(
                    "the sheet has more than {} cells: refused by the cell limit (ReadOptions::max_cells)",
                    limits.cells
                ),
            )));
        }
        if count.is_multiple_of(65_536) {
            limits.on_time(path).map_err(Stop::File)?;
        }
        grid.set(row, col, value);
    }
    Ok(grid)
}

fn push_grid(
    grid: std::result::Result<Grid, Stop>,
    merges: impl Iterator<Item = ((u32, u32), (u32, u32))>,
    grids: &mut Vec<Grid>,
    notes: &mut Vec<Diagnostic>,
) -> Res<()> {
    match grid {
        Ok(mut g) => {
            for (a, b) in merges {
                g.merge(a, b);
            }
            g.index();
            grids.push(g);
        }
        Err(Stop::Sheet(d)) => notes.push(d),
        Err(Stop::File(d)) => return Err(d),
    }
    Ok(())
}

/// Formats without a streaming reader (xls, ods, whose sizes were checked before calamine
/// opened them): each sheet's dense range, checked again against the cell limit.
fn dense<R: Reader<RS>, RS: Read + Seek>(
    path: &Path,
    wb: &mut R,
    limits: &Limits,
    notes: &mut Vec<Diagnostic>,
    merges: impl Fn(&R, &str) -> Vec<((u32, u32), (u32, u32))>,
) -> Res<Vec<Grid>>
where
    R::Error: std::fmt::Display,
{
    let mut grids = Vec::new();
    for name in wb.sheet_names() {
        limits.on_time(path)?;
        let range = match wb.worksheet_range(&name) {
            Ok(r) => r,
            Err(e) => {
                notes.push(diag(
                    DiagnosticKind::Unreadable,
                    Location::file(path).with_sheet(&name),
                    format!("the sheet cannot be read: {e}"),
                ));
                continue;
            }
        };
        let (h, w) = range.get_size();
        if (h as u64).saturating_mul(w as u64) > limits.dense_cells() {
            notes.push(diag(
                DiagnosticKind::Limit,
                Location::file(path).with_sheet(&name),
                format!(
                    "the sheet spans {h}×{w} cells: refused by the cell limit of {} (ReadOptions::max_cells)",
                    limits.cells
                ),
            ));
            continue;
        }
        let start = range.start().unwrap_or((0, 0));
        let mut grid = Grid::new(&name);
        let mut count = 0u64;
        for (r, c, data) in range.used_cells() {
            if let Some(cell) = convert(data) {
                count += 1;
                grid.set(start.0 + r as u32, start.1 + c as u32, cell);
            }
        }
        if count > limits.cells {
            notes.push(diag(
                DiagnosticKind::Limit,
                Location::file(path).with_sheet(&name),
                format!(
                    "the sheet has {count} cells, over the limit of {} (ReadOptions::max_cells)",
                    limits.cells
                ),
            ));
            continue;
        }
        for (a, b) in merges(wb, &name) {
            grid.merge(a, b);
        }
        grids.push(grid);
    }
    Ok(grids)
}

fn convert(data: &Data) -> Option<Cell> {
    Some(match data {
        Data::Empty => return None,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Float(f) => Cell::Number(*f),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Bool(b) => Cell::Other(b.to_string()),
        Data::DateTime(d) => Cell::Other(d.to_string()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Other(s.clone()),
        Data::Error(e) => Cell::Other(format!("#{e:?}")),
    })
}

fn convert_ref(data: &DataRef<'_>) -> Option<Cell> {
    Some(match data {
        DataRef::Empty => return None,
        DataRef::String(s) => Cell::Text(s.clone()),
        DataRef::SharedString(s) => Cell::Text((*s).to_string()),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Bool(b) => Cell::Other(b.to_string()),
        DataRef::DateTime(d) => Cell::Other(d.to_string()),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Cell::Other(s.clone()),
        DataRef::Error(e) => Cell::Other(format!("#{e:?}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every part of a zip but those named by `skip`, with its contents.
    fn parts(bytes: &[u8], skip: impl Fn(&str) -> bool) -> Vec<(String, Vec<u8>)> {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
        let mut parts = Vec::new();
        for i in 0..zip.len() {
            let mut part = zip.by_index(i).expect("part");
            let name = part.name().expect("name").into_owned();
            if !skip(&name) {
                let mut content = Vec::new();
                part.read_to_end(&mut content).expect("inflate");
                parts.push((name, content));
            }
        }
        parts
    }

    /// The theme is hidden from calamine by its name alone: every other part reads as it did,
    /// the workbook's cells and number formats read the same, and a workbook with no theme left
    /// is read as it is.
    #[test]
    fn the_theme_is_hidden_and_every_other_part_kept() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "一、本年新收政府信息公开申请数量").expect("text");
        ws.write_number(0, 1, 3.0).expect("number");
        let date = rust_xlsxwriter::Format::new().set_num_format("m月d日");
        ws.write_number_with_format(0, 2, 45659.0, &date).expect("date");
        let bytes = wb.save_to_buffer().expect("save");
        fn zip(b: &[u8]) -> Result<zip::ZipArchive<Cursor<&[u8]>>, String> {
            check_zip(Path::new("t.xlsx"), b, 1 << 30).map_err(|d| d.message)
        }
        let theme = |n: &str| n.starts_with("xl/theme/");
        assert!(parts(&bytes, |_| false).iter().any(|(n, _)| n == "xl/theme/theme1.xml"));

        let hidden = without_theme(zip(&bytes).expect("zip"), &bytes).expect("a theme to hide");
        assert_eq!(hidden.len(), bytes.len());
        assert_eq!(parts(&hidden, theme), parts(&bytes, theme));
        let names: Vec<String> = parts(&hidden, |_| false).into_iter().map(|(n, _)| n).collect();
        assert!(names.contains(&"xl/theme/theme1.xm_".to_string()), "{names:?}");
        assert!(!names.iter().any(|n| n.ends_with("theme1.xml")), "{names:?}");

        let cells = |b: &[u8]| {
            let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(b)).expect("xlsx");
            wb.worksheet_range("Sheet1").expect("sheet")
        };
        assert_eq!(cells(&hidden), cells(&bytes));
        assert!(matches!(cells(&hidden).get((0, 2)), Some(Data::DateTime(_))));
        assert_eq!(without_theme(zip(&hidden).expect("zip"), &hidden), None);
    }
}
