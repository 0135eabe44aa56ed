//! Reports as they are published: web pages (feature `html`), text extracted from PDF.

use std::collections::BTreeMap;
use std::path::Path;

use xxgk::read::ReadOptions;
use xxgk::report::{Batch, DiagnosticKind};
use xxgk::schema::{Item, Key, Measure, Severity};
use xxgk::validate;

#[cfg(feature = "html")]
use crate::read::scratch;
use crate::read::{assert_reproduces, root};

#[cfg(feature = "html")]
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

/// The resolved cells of a file's one report after validation.
fn resolved(batch: Batch) -> BTreeMap<Key, Option<i64>> {
    assert_eq!(batch.reports.len(), 1);
    let checked = validate::reports(batch.reports);
    checked.reports()[0].cells().iter().map(|(k, r)| (*k, r.value)).collect()
}

/// The real 新源县 2022 report as text extracted from its PDF gives the same values as the
/// workbook transcribed from it: the two rows the text cannot place are blank with a
/// diagnostic naming their line and numbers, every other value is read where the text has it,
/// and after validation (which infers the blank row) every cell equals the workbook's.
#[test]
fn the_seed_text_gives_the_workbooks_values() {
    let text = read(&root().join("data/published/新源县-2022.txt"));
    let workbook = read(&root().join("data/real/新源县-2022.xlsx"));
    assert_eq!((text.reports[0].division_code, text.reports[0].year), (654025, 2022));
    let unplaced: Vec<(u32, String)> = text
        .all_diagnostics()
        .filter(|d| d.kind == DiagnosticKind::Unplaced)
        .map(|d| (d.location.cell.expect("a line").0 + 1, d.message.clone()))
        .collect();
    assert_eq!(unplaced.len(), 2, "{unplaced:#?}");
    assert_eq!(unplaced[0].0, 153);
    assert!(unplaced[0].1.contains("30 80") && unplaced[0].1.contains("行政规范性文件"), "{}", unplaced[0].1);
    assert_eq!(unplaced[1].0, 216);
    assert!(
        unplaced[1].1.contains("3 0 0 0 2 5") && unplaced[1].1.contains("7 columns"),
        "{}",
        unplaced[1].1
    );
    let problems: Vec<String> = text
        .all_diagnostics()
        .filter(|d| d.severity >= Severity::Warning && d.kind != DiagnosticKind::Unplaced)
        .map(|d| d.to_string())
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    // Read where the text has it: line 159, the first number after the label.
    let licensing = text.reports[0].get(Key::new(Item::Licensing, Measure::Decisions)).expect("行政许可");
    assert_eq!(licensing.value, Some(8209));
    let cell = licensing.cell.expect("a place in the text");
    assert_eq!(
        (text.reports[0].sheets[cell.sheet as usize].as_str(), cell.row + 1, cell.col),
        ("text", 159, 1)
    );
    // As read, the text differs from the workbook only in the row it could not place.
    let (t, w) = (&text.reports[0], &workbook.reports[0]);
    for v in &w.values {
        let got = t.get(v.key).map(|x| x.value);
        if v.key.item == Item::NewReceived {
            assert_eq!(got, Some(None), "{}: blank in the text", v.key);
        } else {
            assert_eq!(got, Some(v.value), "{}", v.key);
        }
    }
    assert_eq!(t.values.len(), w.values.len());
    assert_eq!(resolved(text), resolved(workbook));
}

/// 霍城县 2022 printed to PDF by Chromium, its words with positions (`pdftotext -bbox-layout`):
/// every value is read into its column, blanks (an empty cell, a dash) stay blank, nothing is
/// left unplaced.
#[test]
fn words_with_positions_read_every_value() {
    let dir = root().join("data/pdf");
    let batch = read(&dir.join("霍城县-2022-bbox.html"));
    assert_eq!(batch.reports.len(), 1);
    assert_reproduces(&batch, &dir.join("expected.csv"));
    let problems: Vec<String> =
        batch.all_diagnostics().filter(|d| d.severity >= Severity::Warning).map(|d| d.to_string()).collect();
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The expected values of a fixture folder, by key (one report).
fn expected(csv: &Path) -> BTreeMap<Key, Option<i64>> {
    let text = std::fs::read_to_string(csv).expect("expected.csv");
    text.lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            (f[2].parse().expect("key"), f[3].parse().ok())
        })
        .collect()
}

/// Every number a reader placed is the published one; what it could not place is blank and said.
fn never_wrong(batch: &Batch, expected: &BTreeMap<Key, Option<i64>>) -> (usize, usize) {
    let (mut placed, mut unplaced) = (0, 0);
    for v in &batch.reports[0].values {
        match v.value {
            Some(x) => {
                assert_eq!(Some(&Some(x)), expected.get(&v.key), "{} placed wrongly", v.key);
                placed += 1;
            }
            None if expected.get(&v.key).is_some_and(Option::is_some) => unplaced += 1,
            None => {}
        }
    }
    if unplaced > 0 {
        assert!(batch.all_diagnostics().any(|d| d.kind == DiagnosticKind::Unplaced), "blanks without a word");
    }
    (placed, unplaced)
}

/// The same PDF's plain text puts most cells on lines of their own, a blank cell as nothing at
/// all: the rows whose numbers cannot be counted out are left blank and said, and no number is
/// placed in a wrong cell.
#[test]
fn plain_text_never_places_a_number_in_a_wrong_cell() {
    let dir = root().join("data/pdf");
    let batch = read(&dir.join("霍城县-2022.txt"));
    let (placed, unplaced) = never_wrong(&batch, &expected(&dir.join("expected.csv")));
    assert!(placed >= 60 && unplaced > 0, "placed {placed}, unplaced {unplaced}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    /// The seed text with one number of its tables lost (as extraction loses them): the row it
    /// was in is left blank and said, every other number still lands in its own cell.
    #[test]
    fn a_lost_number_blanks_its_row_and_shifts_nothing(pick in proptest::prelude::any::<proptest::sample::Index>()) {
        let seed = std::fs::read_to_string(root().join("data/published/新源县-2022.txt")).expect("seed");
        let lines: Vec<&str> = seed.lines().collect();
        // Numbers of the table lines (二 to 四), as (line, word).
        let tables = 136..434;
        let spots: Vec<(usize, usize)> = lines.iter().enumerate()
            .filter(|(i, _)| tables.contains(i))
            .flat_map(|(i, l)| l.split_whitespace().enumerate().filter(|(_, w)| w.chars().all(|c| c.is_ascii_digit() || c == '.')).map(move |(j, _)| (i, j)))
            .collect();
        let (li, wi) = spots[pick.index(spots.len())];
        let mut changed: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        changed[li] = lines[li].split_whitespace().enumerate().filter(|&(j, _)| j != wi).map(|(_, w)| w).collect::<Vec<_>>().join(" ");
        let dir = crate::read::scratch(&format!("lost-number-{li}-{wi}"));
        let path = dir.join("新源县-2022.txt");
        std::fs::write(&path, changed.join("\n")).expect("write");
        let batch = read(&path);
        let workbook = read(&root().join("data/real/新源县-2022.xlsx"));
        let published: BTreeMap<Key, Option<i64>> = workbook.reports[0].values.iter().map(|v| (v.key, v.value)).collect();
        let (_, unplaced) = never_wrong(&batch, &published);
        proptest::prop_assert!(unplaced > 0 || batch.reports[0].values.iter().all(|v| v.value == published[&v.key]));
    }
}

/// PDF files (feature `pdf`): Chromium's print and a hand-built Identity-H + ToUnicode font read
/// to every value; a hand-built GBK-EUC-H font (whose widths pdf_oxide gets wrong for some
/// digits) never gives a wrong number; a font mapped to the private-use area is an unreadable
/// text layer, not numbers; a truncated file, and one that makes the PDF library panic, are
/// diagnostics — and the folder's other files still load.
#[cfg(feature = "pdf")]
#[test]
fn pdf_files_read_their_values_or_say_why_not() {
    let dir = root().join("data/pdf");
    let expected_csv = dir.join("expected.csv");
    for file in ["霍城县-2022.pdf", "霍城县-2022-identity-h.pdf"] {
        let batch = read(&dir.join(file));
        assert_reproduces(&batch, &expected_csv);
        let problems: Vec<String> = batch
            .all_diagnostics()
            .filter(|d| d.severity >= Severity::Warning)
            .map(|d| d.to_string())
            .collect();
        assert!(problems.is_empty(), "{file}: {problems:#?}");
    }
    let gbk = read(&dir.join("霍城县-2022-gbk-euc-h.pdf"));
    let (placed, _) = never_wrong(&gbk, &expected(&expected_csv));
    assert!(placed > 150, "most cells are single digits and read: {placed}");

    let scratch = crate::read::scratch("pdf-folder");
    for f in
        ["霍城县-2022-private-use.pdf", "bad/truncated.pdf", "bad/panics-pdf_oxide.pdf", "霍城县-2022.pdf"]
    {
        let name = f.rsplit('/').next().expect("a name");
        std::fs::copy(dir.join(f), scratch.join(name)).expect("copy");
    }
    let batch = ReadOptions::new().from_dir(&scratch).expect("folder");
    assert_eq!((batch.files, batch.reports.len()), (4, 1), "only the good PDF gives a report");
    let said = |file: &str| -> String {
        batch
            .diagnostics
            .iter()
            .filter(|d| d.location.file.as_ref().is_some_and(|p| p.ends_with(file)))
            .map(|d| format!("{:?}: {}", d.kind, d.message))
            .collect::<Vec<_>>()
            .join("; ")
    };
    assert!(
        said("霍城县-2022-private-use.pdf").starts_with("Unreadable: unreadable text layer"),
        "{}",
        said("霍城县-2022-private-use.pdf")
    );
    assert!(said("truncated.pdf").starts_with("Unreadable"), "{}", said("truncated.pdf"));
    assert!(
        said("panics-pdf_oxide.pdf").contains("the PDF library failed on this file"),
        "{}",
        said("panics-pdf_oxide.pdf")
    );
}

/// Without the `pdf` feature a PDF is a word, not an error: the build reads no PDF.
#[cfg(not(feature = "pdf"))]
#[test]
fn without_the_pdf_feature_a_pdf_is_a_warning() {
    let batch = read(&root().join("data/pdf/霍城县-2022.pdf"));
    assert!(batch.reports.is_empty());
    let d = &batch.diagnostics[0];
    assert_eq!((d.severity, d.kind), (Severity::Warning, DiagnosticKind::Unreadable));
    assert!(d.message.contains("cargo feature `pdf`"), "{}", d.message);
}
