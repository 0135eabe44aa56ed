//! Reports as they are published: web pages (feature `html`), text extracted from PDF.

use std::path::Path;

use xxgk::read::ReadOptions;
use xxgk::report::{Batch, DiagnosticKind};
use xxgk::schema::Severity;

use crate::read::{assert_reproduces, root, scratch};

fn problems(batch: &Batch) -> Vec<String> {
    batch.all_diagnostics().filter(|d| d.severity >= Severity::Warning).map(|d| d.to_string()).collect()
}

fn read(path: &Path) -> Batch {
    ReadOptions::new().from_path(path).expect("a file")
}

/// 奎屯市 2022 published five ways — in a layout table with unclosed cells, three tables under
/// paragraph headings in GBK declared gb2312, messy labels in undeclared GBK, table 三 split
/// over two tables, a page saved as `.xls` — reads back as the values written, every one, with
/// no warning; the GBK pages say how they were decoded.
#[cfg(feature = "html")]
#[test]
fn every_published_page_reads_back_exactly() {
    let dir = root().join("data/html");
    let mut pages: Vec<_> = std::fs::read_dir(&dir)
        .expect("data/html")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e != "csv"))
        .collect();
    pages.sort();
    assert_eq!(pages.len(), 5);
    for page in &pages {
        let batch = read(page);
        assert_eq!(batch.reports.len(), 1, "{}", page.display());
        assert_reproduces(&batch, &dir.join("expected.csv"));
        assert!(problems(&batch).is_empty(), "{}: {:#?}", page.display(), problems(&batch));
        let encoding: Vec<String> = batch
            .all_diagnostics()
            .filter(|d| d.kind == DiagnosticKind::Encoding)
            .map(|d| d.message.clone())
            .collect();
        let name = page.file_name().and_then(|n| n.to_str()).unwrap_or("");
        match name {
            n if n.contains("gb2312") => assert_eq!(encoding, ["read as GBK (declared)"]),
            n if n.contains("gbk") => assert_eq!(encoding, ["read as GBK (detected)"]),
            _ => assert!(encoding.is_empty(), "{name}: {encoding:?}"),
        }
    }
}

/// Pages that are no report, or a broken one, say so by file and cell; the batch goes on.
#[cfg(feature = "html")]
#[test]
fn bad_pages_are_diagnostics_naming_file_and_cell() {
    let dir = scratch("bad-pages");
    let good = std::fs::read(root().join("data/html/奎屯市-2022-utf8.html")).expect("page");
    let two_numbers =
        String::from_utf8(good.clone()).expect("utf-8").replacen("<td>21<td>3", "<td>2<br>1<td>3", 1);
    assert_ne!(two_numbers.as_bytes(), good.as_slice(), "the fixture has the cell to break");
    let files: [(&str, &[u8]); 4] = [
        (
            "a-no-table.html",
            b"<html><head><title>\xe9\x80\x9a\xe7\x9f\xa5</title></head><body><p>hello</p></body></html>",
        ),
        ("b-not-a-page.html", b"\x00\x01binary"),
        ("c-two-numbers.html", two_numbers.as_bytes()),
        ("d-good.html", &good),
    ];
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).expect("write");
    }
    let batch = ReadOptions::new().from_dir(&dir).expect("folder");
    assert_eq!(batch.files, 4);
    let said = |file: &str, kind: DiagnosticKind| {
        batch
            .all_diagnostics()
            .any(|d| d.kind == kind && d.location.file.as_ref().is_some_and(|f| f.ends_with(file)))
    };
    assert!(said("a-no-table.html", DiagnosticKind::NoTable));
    let junk = batch
        .all_diagnostics()
        .find(|d| d.location.file.as_ref().is_some_and(|f| f.ends_with("b-not-a-page.html")))
        .expect("a word on the junk");
    assert_eq!(
        (junk.kind, junk.message.as_str()),
        (DiagnosticKind::Unreadable, "not an HTML page: no markup at its start")
    );
    let bad =
        batch.all_diagnostics().find(|d| d.kind == DiagnosticKind::BadValue).expect("the two-number cell");
    assert!(
        bad.location.file.as_ref().is_some_and(|f| f.ends_with("c-two-numbers.html"))
            && bad.location.cell.is_some(),
        "{bad}"
    );
    assert_eq!(batch.reports.len(), 2, "the broken page's report and the good one load");
    let limited = ReadOptions::new().max_cells(100).from_path(dir.join("d-good.html")).expect("file");
    assert!(
        limited.reports.is_empty() && limited.diagnostics.iter().any(|d| d.kind == DiagnosticKind::Limit)
    );
}
