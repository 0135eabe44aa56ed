//! The size of an ods's or an xls's sheets, counted from the raw file before calamine opens it.
//!
//! calamine reads both formats whole when it opens them, and lays each sheet out as a dense
//! range: an ods row repeated 9,000 times with one cell repeated 11,000 times (an 808-byte
//! file) becomes 99 million cells, and an xls with one cell at A1 and one at the far corner
//! becomes 4 billion. Neither can be stopped once started, so the cells calamine would build are
//! counted here first, the way calamine counts them, and a workbook with a sheet over the limit
//! is refused before it is read. The scans read only what they need: an ods's row and cell
//! elements with their repeat counts, an xls's record headers and cell positions.

use std::io::{BufReader, Cursor, Read};
use std::path::Path;

use quick_xml::Reader as XmlReader;
use quick_xml::events::{BytesStart, Event};

use crate::error::Location;
use crate::report::{Diagnostic, DiagnosticKind};
use crate::schema::Severity;

type Res<T> = std::result::Result<T, Diagnostic>;

fn refuse(path: &Path, sheet: &str, what: String, cells: u64, max_cells: u64) -> Diagnostic {
    Diagnostic {
        severity: Severity::Error,
        kind: DiagnosticKind::Limit,
        location: Location::file(path).with_sheet(sheet),
        message: format!(
            "{what} {cells} cells, over 4 × the cell limit of {max_cells} (ReadOptions::max_cells): the workbook is refused before it is read"
        ),
    }
}

/// A workbook whose size cannot be counted: not read.
fn damaged(path: &Path, why: String) -> Diagnostic {
    Diagnostic {
        severity: Severity::Error,
        kind: DiagnosticKind::Unreadable,
        location: Location::file(path),
        message: format!("not a readable workbook: {why}; its sheets cannot be sized, so none is read"),
    }
}

/// One ods table's extent as calamine will build it.
#[derive(Default)]
struct Table {
    name: String,
    /// Rows so far, repeats included.
    rows: u64,
    /// The first and past-the-last rows holding a cell.
    first_row: Option<u64>,
    end_row: u64,
    /// The first and past-the-last columns holding a cell, over all rows.
    first_col: u64,
    end_col: u64,
    /// Cells calamine keeps per row before expanding repeats: up to each row's last cell.
    stored: u64,
}

impl Table {
    fn cells(&self) -> u64 {
        let expanded = self.first_row.map_or(0, |first| {
            (self.end_row - first).saturating_mul(self.end_col.saturating_sub(self.first_col))
        });
        expanded.max(self.stored)
    }
}

/// A row being read: its repeats, the column reached, and where its cells lie.
struct Row {
    repeats: u64,
    col: u64,
    first: Option<u64>,
    end: u64,
}

fn number(e: &BytesStart<'_>, name: &str) -> u64 {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| a.value.trim().parse().ok())
        .unwrap_or(1)
}

fn has(e: &BytesStart<'_>, name: &str) -> bool {
    e.attributes().flatten().any(|a| a.key.as_ref() == name)
}

/// Refuse an ods whose repeated rows and columns expand past `dense` cells in one sheet, or
/// whose `content.xml` cannot be scanned to the end (what is not counted is not read). A file
/// without a `content.xml` passes: calamine then says what is wrong with it.
pub(super) fn check_ods(path: &Path, bytes: &[u8], dense: u64, max_cells: u64) -> Res<()> {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else { return Ok(()) };
    let Ok(content) = zip.by_name("content.xml") else { return Ok(()) };
    let mut xml = XmlReader::from_reader(BufReader::new(content));
    let mut buf = Vec::new();
    let mut table: Option<Table> = None;
    let mut row: Option<Row> = None;
    loop {
        let event = match xml.read_event_into(&mut buf) {
            Ok(Event::Eof) => break,
            Ok(e) => e,
            Err(e) => return Err(damaged(path, format!("content.xml is malformed ({e})"))),
        };
        // (the element, whether it has content, whether it ends here)
        let (e, open) = match &event {
            Event::Start(e) => (e, true),
            Event::Empty(e) => (e, false),
            Event::End(e) if e.name().as_ref() == "table:table-row" => {
                if let (Some(t), Some(r)) = (table.as_mut(), row.take()) {
                    if let Some(first) = r.first {
                        t.first_row.get_or_insert(t.rows);
                        t.end_row = t.rows.saturating_add(r.repeats);
                        t.first_col = t.first_col.min(first);
                        t.end_col = t.end_col.max(r.end);
                        t.stored = t.stored.saturating_add(r.end);
                    }
                    t.rows = t.rows.saturating_add(r.repeats);
                    if t.cells() > dense {
                        let what = "the sheet's repeated rows and columns expand to more than".to_string();
                        return Err(refuse(path, &t.name, what, dense, max_cells));
                    }
                }
                buf.clear();
                continue;
            }
            _ => {
                buf.clear();
                continue;
            }
        };
        match e.name().as_ref() {
            "table:table" => {
                let name = e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.as_ref() == "table:name")
                    .map(|a| a.value.into_owned())
                    .unwrap_or_default();
                table = Some(Table { name, first_col: u64::MAX, ..Table::default() });
            }
            "table:table-row" if open => {
                let repeats = number(e, "table:number-rows-repeated");
                row = Some(Row { repeats, col: 0, first: None, end: 0 });
            }
            "table:table-row" => {
                if let Some(t) = table.as_mut() {
                    t.rows = t.rows.saturating_add(number(e, "table:number-rows-repeated"));
                }
            }
            "table:table-cell" | "table:covered-table-cell" => {
                if let Some(r) = row.as_mut() {
                    let repeats = number(e, "table:number-columns-repeated");
                    // A cell with a value, or with content (text), is kept; an empty one only
                    // when a kept cell follows it.
                    if open || has(e, "office:value-type") {
                        r.first.get_or_insert(r.col);
                        r.end = r.col.saturating_add(repeats);
                    }
                    r.col = r.col.saturating_add(repeats);
                }
            }
            _ => {}
        }
        buf.clear();
    }
    Ok(())
}

const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;

/// The records of a BIFF stream from `at`: (type, data).
fn records(stream: &[u8], mut at: usize) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        let head = stream.get(at..at + 4)?;
        let typ = u16::from_le_bytes([head[0], head[1]]);
        let len = u16::from_le_bytes([head[2], head[3]]) as usize;
        let data = stream.get(at + 4..at + 4 + len)?;
        at += 4 + len;
        Some((typ, data))
    })
}

fn u16_at(data: &[u8], at: usize) -> Option<u32> {
    data.get(at..at + 2).map(|b| u16::from_le_bytes([b[0], b[1]]) as u32)
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    data.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// A BoundSheet8 record's sheet name (BIFF8: a short string, 8-bit or UTF-16).
fn sheet_name(data: &[u8], index: usize) -> String {
    let (Some(&len), Some(&flags)) = (data.get(6), data.get(7)) else {
        return format!("sheet {}", index + 1);
    };
    let len = len as usize;
    if flags & 1 == 1 {
        let Some(units) = data.get(8..8 + 2 * len) else { return format!("sheet {}", index + 1) };
        let units: Vec<u16> = units.chunks(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
        String::from_utf16_lossy(&units)
    } else {
        data.get(8..8 + len)
            .map(|b| b.iter().map(|&c| c as char).collect())
            .unwrap_or_else(|| format!("sheet {}", index + 1))
    }
}

/// Refuse an xls with a sheet whose cells, laid out as calamine lays them (the box from the
/// first to the last cell), or whose declared dimensions, exceed `dense` cells. The sheets are
/// found as calamine finds them, from the positions the workbook's globals give. A container
/// the `cfb` crate cannot read is refused too: calamine's own reader is more lenient, and a
/// sheet that cannot be counted is not read (found by fuzzing: a damaged FAT hid a sheet whose
/// cells made calamine ask for 137 GB).
pub(super) fn check_xls(path: &Path, bytes: &[u8], dense: u64, max_cells: u64) -> Res<()> {
    let mut file = cfb::CompoundFile::open(Cursor::new(bytes))
        .map_err(|e| damaged(path, format!("its OLE container is damaged ({e})")))?;
    let stream = match file.open_stream("Workbook") {
        Ok(s) => s,
        Err(_) => {
            file.open_stream("Book").map_err(|_| damaged(path, "it holds no Workbook stream".to_string()))?
        }
    };
    let mut data = Vec::new();
    // The container checked its chains; a stream is no longer than the file it came from.
    stream
        .take(bytes.len() as u64)
        .read_to_end(&mut data)
        .map_err(|e| damaged(path, format!("its Workbook stream cannot be read ({e})")))?;
    let mut sheets = Vec::new();
    for (typ, rec) in records(&data, 0) {
        match typ {
            EOF => break,
            0x0085 => {
                if let Some(at) = u32_at(rec, 0) {
                    sheets.push((at as usize, sheet_name(rec, sheets.len())));
                }
            }
            _ => {}
        }
    }
    for (at, name) in sheets {
        let (mut seen_bof, mut nested) = (false, 0usize);
        let (mut rows, mut cols) = ((u32::MAX, 0u32), (u32::MAX, 0u32));
        let mut cell = |row: u32, first: u32, last: u32| {
            rows = (rows.0.min(row), rows.1.max(row));
            cols = (cols.0.min(first), cols.1.max(last));
        };
        for (typ, rec) in records(&data, at) {
            if nested > 0 {
                match typ {
                    BOF => nested += 1,
                    EOF => nested -= 1,
                    _ => {}
                }
                continue;
            }
            match typ {
                BOF if seen_bof => nested += 1,
                BOF => seen_bof = true,
                EOF => break,
                // Declared dimensions: calamine reserves room for them.
                0x0200 => {
                    let (rf, rl, cf, cl) = if rec.len() == 10 {
                        (u16_at(rec, 0), u16_at(rec, 2), u16_at(rec, 4), u16_at(rec, 6))
                    } else {
                        (u32_at(rec, 0), u32_at(rec, 4), u16_at(rec, 8), u16_at(rec, 10))
                    };
                    let (Some(rf), Some(rl), Some(mut cf), Some(cl)) = (rf, rl, cf, cl) else { continue };
                    if cf > 0xFF || cl < cf {
                        cf = 0;
                    }
                    let claim = if rl >= 1 && cl >= 1 {
                        let r = (rl - 1).wrapping_sub(rf).wrapping_add(1) as u64;
                        let c = (cl - 1).wrapping_sub(cf).wrapping_add(1) as u64;
                        r.saturating_mul(c)
                    } else {
                        1
                    };
                    if claim > dense {
                        let what = "the sheet declares dimensions of".to_string();
                        return Err(refuse(path, &name, what, claim, max_cells));
                    }
                }
                0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => {
                    if let (Some(r), Some(c)) = (u16_at(rec, 0), u16_at(rec, 2)) {
                        cell(r, c, c);
                    }
                }
                // MulRk: a row, its first column, ..., its last column.
                0x00BD => {
                    if let (Some(r), Some(c), Some(last)) = (
                        u16_at(rec, 0),
                        u16_at(rec, 2),
                        rec.len().checked_sub(2).and_then(|i| u16_at(rec, i)),
                    ) {
                        cell(r, c, last.max(c));
                    }
                }
                _ => {}
            }
        }
        if rows.0 <= rows.1 {
            let area = (rows.1 - rows.0 + 1) as u64 * (cols.1 - cols.0 + 1) as u64;
            if area > dense {
                let what = "the sheet's cells lie so far apart that they span".to_string();
                return Err(refuse(path, &name, what, area, max_cells));
            }
        }
    }
    Ok(())
}
