//! PDF files → positioned words (cargo feature `pdf`), read like `pdftotext -bbox-layout`
//! output ([`super::text`]).
//!
//! pdf_oxide (pure Rust) gives each page's characters with their boxes; its own word and text
//! assembly is not used (it reorders table cells, and repeats text where a span changes font).
//! Characters on one baseline that touch are one word. A PDF whose fonts map to nothing usable
//! (方正 fonts mapped to private-use characters, broken GBK-EUC-H maps) shows it as private-use
//! or replacement characters: past a small share the file gets an "unreadable text layer"
//! diagnostic, never numbers. A panic inside the PDF library is caught and becomes the file's
//! diagnostic; the batch goes on.

use std::panic::{AssertUnwindSafe, catch_unwind};

use pdf_oxide::PdfDocument;

use super::text::Word;

/// Why a PDF gives no words.
#[derive(Debug)]
pub(super) enum Failure {
    /// The file is no PDF pdf_oxide can parse, or it failed on a page.
    Unreadable(String),
    /// More pages than the limit.
    TooManyPages(usize),
    /// The file's time ran out between pages.
    OutOfTime,
    /// The text layer is private-use or replacement characters: `bad` of `total`.
    NoTextLayer { bad: usize, total: usize },
}

/// The words of every page, y growing down each page.
/// The words of every page, y growing down each page; at most `max_pages` pages, and
/// `on_time` asked before each.
pub(super) fn words(
    bytes: Vec<u8>,
    max_pages: usize,
    on_time: impl Fn() -> bool,
) -> Result<Vec<Word>, Failure> {
    match catch_unwind(AssertUnwindSafe(|| read(bytes, max_pages, on_time))) {
        Ok(result) => result,
        Err(panic) => Err(Failure::Unreadable(format!(
            "the PDF library failed on this file ({})",
            super::panic_message(panic.as_ref())
        ))),
    }
}

/// A character's box (x0, y0, x1, y1; y growing down) and the character.
type Glyph = (f32, f32, f32, f32, char);

fn read(bytes: Vec<u8>, max_pages: usize, on_time: impl Fn() -> bool) -> Result<Vec<Word>, Failure> {
    let doc = PdfDocument::from_bytes(bytes)
        .map_err(|e| Failure::Unreadable(format!("not a readable PDF: {e}")))?;
    let pages = doc.page_count().map_err(|e| Failure::Unreadable(format!("not a readable PDF: {e}")))?;
    if pages > max_pages {
        return Err(Failure::TooManyPages(pages));
    }
    let (mut words, mut bad, mut total) = (Vec::new(), 0, 0);
    for page in 0..pages {
        if !on_time() {
            return Err(Failure::OutOfTime);
        }
        let chars = doc
            .extract_chars(page)
            .map_err(|e| Failure::Unreadable(format!("page {}: cannot read its text: {e}", page + 1)))?;
        // Characters by line (PDF y grows up the page), then left to right.
        let mut chars: Vec<Glyph> = chars
            .iter()
            .filter(|c| !c.char.is_whitespace())
            .map(|c| (c.bbox.x, -(c.bbox.y + c.bbox.height), c.bbox.x + c.bbox.width, -c.bbox.y, c.char))
            .collect();
        total += chars.len();
        bad += chars.iter().filter(|c| is_unreadable(c.4)).count();
        // Lines: characters whose baselines agree; then each line left to right.
        chars.sort_by(|a, b| a.3.total_cmp(&b.3));
        let mut lines: Vec<Vec<Glyph>> = Vec::new();
        for c in chars {
            match lines.last_mut() {
                Some(line) if (line[0].3 - c.3).abs() < (c.3 - c.1).max(1.0) * 0.3 => line.push(c),
                _ => lines.push(vec![c]),
            }
        }
        let mut current: Option<Word> = None;
        for mut line in lines {
            line.sort_by(|a, b| a.0.total_cmp(&b.0));
            for (x0, y0, x1, y1, ch) in line {
                let height = (y1 - y0).max(1.0);
                match current.as_mut() {
                    // Touching (a font's spacing, not a cell's gap).
                    Some(w)
                        if (w.y1 - y1).abs() < height * 0.3
                            && x0 >= w.x1 - height * 0.3
                            && x0 - w.x1 < height * 0.2 =>
                    {
                        w.text.push(ch);
                        w.x1 = x1;
                        w.y0 = w.y0.min(y0);
                    }
                    _ => {
                        words.extend(current.take());
                        current = Some(Word { page: page as u32 + 1, x0, y0, x1, y1, text: ch.to_string() });
                    }
                }
            }
        }
        words.extend(current);
    }
    // Unreadable past a few characters in a hundred (a stray symbol is no broken font).
    if bad > 0 && bad * 20 > total {
        return Err(Failure::NoTextLayer { bad, total });
    }
    Ok(words)
}

/// A character that is no text: private use (a font mapped to nothing) or a replacement.
fn is_unreadable(c: char) -> bool {
    c == '\u{fffd}' || ('\u{e000}'..='\u{f8ff}').contains(&c) || ('\u{f0000}'..='\u{10ffff}').contains(&c)
}
