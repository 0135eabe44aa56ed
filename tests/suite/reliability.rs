//! Hostile input, conservation of every number, threads, and panics.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use proptest::prelude::*;
use rust_xlsxwriter::Workbook;
use xxgk::Location;
use xxgk::read::ReadOptions;
use xxgk::schema::{Item, Key, Measure};

use crate::analysis::strings;
use crate::read::root;
use crate::sample::{self, Style};

/// The hostile folder: each hostile file refused or read harmlessly with a diagnostic naming
/// it (and the limit where one applies); the two good reports beside them load exactly.
#[test]
#[cfg(feature = "html")]
fn hostile_files_are_refused_and_the_good_reports_beside_them_load() {
    let dir = root().join("data/hostile");
    let batch = ReadOptions::new().from_dir(&dir).expect("folder");
    let units: BTreeSet<(u32, i32)> = batch.reports.iter().map(|r| (r.division_code, r.year)).collect();
    assert_eq!(units, BTreeSet::from([(654021, 2022), (654025, 2022)]));
    for good in ["伊宁县-2022.html", "新源县-2022.xlsx"] {
        let alone = ReadOptions::new().from_path(dir.join(good)).expect("file");
        let mine = batch.reports.iter().find(|r| r.source.ends_with(good)).expect("loaded");
        assert_eq!(mine.values, alone.reports[0].values, "{good} reads as it does alone");
    }
    let about = |file: &str| -> Vec<&xxgk::Diagnostic> {
        batch
            .diagnostics
            .iter()
            .filter(|d| d.location.file.as_ref().is_some_and(|f| f.ends_with(file)))
            .collect()
    };
    let limited = [
        ("bomb.xlsx", "inflates to 629145600 bytes"),
        ("far-corner.xls", "(ReadOptions::max_cells)"),
        ("repeated.ods", "(ReadOptions::max_cells)"),
        ("nested-奎屯市-2022.html", "more than 512 deep (ReadOptions::max_depth"),
    ];
    for (file, says) in limited {
        let d = about(file);
        assert_eq!(d.len(), 1, "{file}: {d:?}");
        assert_eq!(d[0].kind, xxgk::report::DiagnosticKind::Limit, "{file}");
        assert!(d[0].message.contains(says), "{file}: {}", d[0].message);
    }
    assert_eq!(about("far-corner.xls")[0].location.sheet.as_deref(), Some("corner"));
    assert_eq!(about("repeated.ods")[0].location.sheet.as_deref(), Some("Sheet1"));
    assert_eq!(about("whole-grid.xlsx")[0].kind, xxgk::report::DiagnosticKind::NoTable);
    for pdf in ["truncated.pdf", "panics-pdf_oxide.pdf"] {
        let d = about(pdf);
        assert_eq!(d.len(), 1, "{pdf}: {d:?}");
        assert_eq!(d[0].kind, xxgk::report::DiagnosticKind::Unreadable, "{pdf}");
    }
}

/// Limits are options: raised, a refused file is read (a page whose tables sit 700 `<div>`s
/// deep, over the default of 512).
#[test]
#[cfg(feature = "html")]
fn a_raised_limit_reads_the_file_it_refused() {
    let fixture = root().join("data/html/奎屯市-2022-utf8.html");
    let page = std::fs::read_to_string(&fixture).expect("page");
    let at = page.find("<table").expect("a table");
    let deep = format!("{}{}{}", &page[..at], "<div>".repeat(700), &page[at..]);
    let refused = ReadOptions::new().from_bytes("奎屯市-2022.html", deep.as_bytes());
    assert!(refused.reports.is_empty());
    assert!(refused.diagnostics[0].message.contains("more than 512 deep"), "{:?}", refused.diagnostics);
    let read = ReadOptions::new().max_depth(800).from_bytes("奎屯市-2022.html", deep.as_bytes());
    let plain = ReadOptions::new().from_path(&fixture).expect("file");
    assert_eq!(read.reports.len(), 1);
    assert_eq!(read.reports[0].values, plain.reports[0].values);
    let capped =
        ReadOptions::new().max_depth(u32::MAX).from_path(root().join("data/hostile/nested-奎屯市-2022.html"));
    let capped = capped.expect("file");
    assert!(capped.diagnostics[0].message.contains("more than 1000 deep"), "{:?}", capped.diagnostics);
}

/// The same bytes give the same reports from memory as from a file, in every format.
#[test]
#[cfg(feature = "html")]
fn bytes_in_memory_read_as_the_file_does() {
    let files = [
        "data/real/新源县-2022.xlsx",
        "data/html/奎屯市-2022-gbk.htm",
        "data/html/奎屯市-2022.xls",
        "data/published/新源县-2022.txt",
        "data/pdf/霍城县-2022-bbox.html",
    ];
    let mut all: Vec<_> = files.iter().map(|f| root().join(f)).collect();
    for entry in std::fs::read_dir(root().join("data/test")).expect("dir") {
        all.push(entry.expect("entry").path());
    }
    for path in all {
        let bytes = std::fs::read(&path).expect("read");
        let from_file = ReadOptions::new().from_path(&path).expect("file");
        let from_bytes = ReadOptions::new().from_bytes(&path, &bytes);
        assert_eq!(from_bytes.reports, from_file.reports, "{}", path.display());
        assert_eq!(from_bytes.diagnostics, from_file.diagnostics, "{}", path.display());
    }
    let small = ReadOptions::new().max_file_size(10).from_bytes("a.xlsx", b"PK\x03\x04 more than ten bytes");
    assert!(small.diagnostics[0].message.contains("(ReadOptions::max_file_size)"));
}

/// A path whose size says nothing (a device that never ends) is read only up to the size
/// limit, then refused: not read until memory runs out.
#[cfg(target_os = "linux")]
#[test]
fn a_file_without_an_end_is_refused_at_the_size_limit() {
    let batch = ReadOptions::new().max_file_size(1 << 20).from_path("/dev/zero").expect("a file");
    assert!(batch.reports.is_empty());
    let message = &batch.diagnostics[0].message;
    assert!(message.contains("over the limit of 1048576 (ReadOptions::max_file_size)"), "{message}");
    assert_eq!(batch.diagnostics[0].location.file.as_deref(), Some(std::path::Path::new("/dev/zero")));
}

/// One thread or four: the same frames, whole.
#[test]
fn one_thread_and_four_give_identical_frames() {
    let dir = root().join("data/sample");
    let load = |threads: usize| {
        let mut options = ReadOptions::new();
        options.threads(threads).manifest(dir.join("manifest.csv")).expect("manifest");
        let batch = options.from_dir(&dir).expect("sample");
        let diagnostics = batch.all_diagnostics().cloned().collect::<Vec<_>>();
        let checked = xxgk::validate::reports(batch.reports);
        (xxgk::frame::tidy(&checked).expect("tidy"), checked.frame().expect("findings"), diagnostics)
    };
    let (one, four) = (load(1), load(4));
    assert!(one.0.height() > 10_000);
    assert!(one.0.equals_missing(&four.0), "tidy frames differ");
    assert!(one.1.equals_missing(&four.1), "findings differ");
    assert_eq!(one.2, four.2);
}

/// `load` (a chunk of files at a time, each report framed and dropped) gives what read →
/// validate → frame give together, on one thread or two: a national slice with cross-year
/// identities, collection workbooks and blanks; and a folder with a duplicate unit-year, an xls,
/// an ods, an encrypted and a truncated file.
#[test]
fn loading_in_chunks_gives_what_the_three_steps_give() {
    let national = crate::read::scratch("load_national");
    sample::write_national(&national, 2020..=2022, Some(40)).expect("write");
    let mixed = crate::read::scratch("load_mixed");
    let real = root().join("data/real/新源县-2022.xlsx");
    let good = std::fs::read(&real).expect("real workbook");
    std::fs::write(mixed.join("新源县-2022.xlsx"), &good).expect("write");
    std::fs::write(mixed.join("新源县-2022-copy.xlsx"), &good).expect("write");
    std::fs::write(mixed.join("truncated-新源县-2021.xlsx"), &good[..good.len() / 2]).expect("write");
    // 伊宁县's 2021 report given as its 2022: 2023's 上年结转 against a 结转下年度 of another year.
    let sample = root().join("data/sample");
    std::fs::copy(sample.join("2023/伊宁县-2023.xlsx"), mixed.join("伊宁县-2023.xlsx")).expect("copy");
    std::fs::copy(sample.join("2021/伊宁县-2021.xlsx"), mixed.join("last-year.xlsx")).expect("copy");
    std::fs::write(mixed.join("manifest.csv"), "path,unit,year\nlast-year.xlsx,伊宁县,2022\n")
        .expect("manifest");
    for entry in std::fs::read_dir(root().join("data/test")).expect("data/test") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, mixed.join(path.file_name().expect("name"))).expect("copy");
    }
    let sorted = |ds: &[xxgk::Diagnostic]| {
        let mut out: Vec<String> = ds.iter().map(|d| d.to_string()).collect();
        out.sort();
        out
    };
    for dir in [&national, &mixed] {
        let mut options = ReadOptions::new();
        if dir.join("manifest.csv").is_file() {
            options.manifest(dir.join("manifest.csv")).expect("manifest");
        }
        let batch = options.from_dir(dir).expect("read");
        let diagnostics: Vec<xxgk::Diagnostic> = batch.all_diagnostics().cloned().collect();
        let (files, reports) = (batch.files, batch.reports.len());
        let checked = xxgk::validate::reports(batch.reports);
        let tidy = xxgk::frame::tidy(&checked).expect("tidy");
        for threads in [1, 2] {
            let loaded = xxgk::load::from_path(options.clone().threads(threads), dir).expect("load");
            assert!(loaded.tidy.equals_missing(&tidy), "{}: tidy frames differ", dir.display());
            assert_eq!(loaded.checked.violations, checked.violations);
            assert_eq!(loaded.checked.inferred, checked.inferred);
            assert!(
                loaded.checked.frame().expect("findings").equals_missing(&checked.frame().expect("findings"))
            );
            assert_eq!(sorted(&loaded.diagnostics), sorted(&diagnostics));
            assert_eq!((loaded.files, loaded.reports), (files, reports));
        }
        assert!(tidy.height() > 200, "{}: {} rows", dir.display(), tidy.height());
        if dir == &mixed {
            // What the comparison covered: a cross-year finding, and duplicates.
            assert!(
                checked.violations.iter().any(|v| v.rule == xxgk::schema::Rule::S1),
                "{:#?}",
                checked.violations
            );
            assert!(diagnostics.iter().any(|d| d.kind == xxgk::report::DiagnosticKind::Duplicate));
        }
    }
    // A duplicate's warning follows its own report's diagnostics.
    let loaded = xxgk::load::from_path(&ReadOptions::new(), &mixed).expect("load");
    let kinds: Vec<(String, xxgk::report::DiagnosticKind)> = loaded
        .diagnostics
        .iter()
        .filter_map(|d| Some((d.location.file.as_ref()?.file_name()?.to_str()?.to_string(), d.kind)))
        .collect();
    let copy = kinds.iter().position(|(f, _)| f == "新源县-2022-copy.xlsx").expect("the copy's diagnostics");
    let own = kinds.iter().skip(copy).take_while(|(f, _)| f == "新源县-2022-copy.xlsx");
    assert_eq!(own.last().map(|(_, k)| *k), Some(xxgk::report::DiagnosticKind::Duplicate), "{kinds:#?}");
}

/// Everything that crosses threads in an embedding service can.
#[test]
fn public_types_are_send_and_sync() {
    fn both<T: Send + Sync>() {}
    both::<ReadOptions>();
    both::<xxgk::report::Batch>();
    both::<xxgk::report::Report>();
    both::<xxgk::Diagnostic>();
    both::<xxgk::Error>();
    both::<xxgk::read::Grid>();
    both::<xxgk::validate::Checked>();
    both::<xxgk::load::Loaded>();
    both::<xxgk::rollup::Grouping>();
    both::<xxgk::divisions::Registry>();
}

/// Junk written over a value cell: text no parser reads as a number.
const JUNK: &[&str] = &["约30", "见附件", "x", "不详"];

/// Every numeric cell of a generated workbook, by sheet and (row, column).
fn numeric_cells(bytes: &[u8]) -> BTreeMap<(String, u32, u32), f64> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("workbook");
    let mut out = BTreeMap::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).expect("sheet");
        let (r0, c0) = range.start().unwrap_or((0, 0));
        for (r, c, data) in range.used_cells() {
            let number = match data {
                Data::Float(f) => Some(*f),
                Data::Int(i) => Some(*i as f64),
                Data::String(s) => s.trim().trim_start_matches('+').parse::<f64>().ok(),
                _ => None,
            };
            if let Some(n) = number {
                out.insert((name.clone(), r0 + r as u32, c0 + c as u32), n);
            }
        }
    }
    out
}

/// One generated case: a report in a random layout, junk over some value cells, stray notes
/// beside the tables; the property of the issue checked on the tidy frame.
fn conserve(seed: u64, year: i32, style: usize, unit: usize, junk: usize) -> Result<(), TestCaseError> {
    let mut rng = sample::Rng::new(seed);
    let values =
        sample::blank_some_zeros(&sample::consistent(year, &mut rng, &mut Default::default()), &mut rng);
    let style = [Style::Template, Style::ThreeSheets, Style::Messy, Style::TextAndBlanks][style];
    let (code, name) = sample::YILI[unit];
    let mut wb = Workbook::new();
    sample::add_report_sheets(&mut wb, None, Some(name), year, &values, style, seed, false).expect("draw");
    let clean = wb.save_to_buffer().expect("save");
    let numbers = numeric_cells(&clean);
    // Junk over `junk` value cells, stray notes far right of each sheet.
    let spots: Vec<_> = numbers.keys().cloned().collect();
    let mut spoiled = BTreeSet::new();
    for i in 0..junk.min(spots.len()) {
        let spot = &spots[(rng.next() as usize + i) % spots.len()];
        let sheet = wb.worksheet_from_name(&spot.0).expect("sheet");
        sheet.write_string(spot.1, spot.2 as u16, JUNK[i % JUNK.len()]).expect("junk");
        spoiled.insert(spot.clone());
    }
    for sheet in wb.worksheets_mut() {
        sheet.write_string(3, 30, "备注：数据截至2022年12月31日，单位：件").expect("note");
    }
    let bytes = wb.save_to_buffer().expect("save");
    let file = format!("{name}-{year}.xlsx");
    let batch = ReadOptions::new().from_bytes(&file, &bytes);
    prop_assert_eq!(batch.reports.len(), 1, "{:?}", batch.diagnostics);
    prop_assert_eq!(batch.reports[0].division_code, code);
    let diagnostics: Vec<Location> = batch.all_diagnostics().map(|d| d.location.clone()).collect();
    let checked = xxgk::validate::reports(batch.reports);
    let tidy = xxgk::frame::tidy(&checked).expect("tidy");
    let strings = |c: &str| strings(&tidy, c);
    let (tables, items, measures, origins) =
        (strings("table"), strings("item"), strings("measure"), strings("origin"));
    let (sheets, cells) = (strings("sheet"), strings("cell"));
    let value = tidy.column("value").expect("value").i64().expect("i64").clone();
    let mut published: BTreeMap<(String, u32, u32), (Key, Option<i64>)> = BTreeMap::new();
    let mut published_keys = BTreeSet::new();
    let mut other_keys = Vec::new();
    let mut derived: Vec<(Key, Option<i64>)> = Vec::new();
    for i in 0..tidy.height() {
        let key: Key = format!(
            "{}.{}.{}",
            tables[i].as_deref().unwrap_or(""),
            items[i].as_deref().unwrap_or(""),
            measures[i].as_deref().unwrap_or("")
        )
        .parse()
        .expect("key");
        if origins[i].as_deref() != Some("published") {
            if origins[i].as_deref() == Some("derived") {
                derived.push((key, value.get(i)));
            }
            other_keys.push((key, origins[i].clone()));
            continue;
        }
        published_keys.insert(key);
        let (Some(sheet), Some(cell)) = (&sheets[i], &cells[i]) else {
            prop_assert!(false, "a published value without its cell: {key}");
            unreachable!()
        };
        let (row, col) = Location::parse_a1(cell).expect("A1");
        let before = published.insert((sheet.clone(), row, col), (key, value.get(i)));
        prop_assert!(before.is_none(), "two values from one cell {sheet}!{cell}");
    }
    // The items whose values lie on each row.
    let row_items: BTreeSet<(String, u32, Item)> =
        published.iter().map(|(spot, (key, _))| (spot.0.clone(), spot.1, key.item)).collect();
    let template = xxgk::schema::Template::for_year(year);
    // Every numeric cell: a published value naming it, holding the generator's number — or a
    // written subtotal the reader checks against its parts (法人或其他组织小计 beside its
    // item's five columns, a group's row), or a diagnostic naming it.
    let legal = [
        Measure::CommercialEnterprise,
        Measure::ResearchInstitution,
        Measure::SocialWelfareOrg,
        Measure::LegalServiceOrg,
        Measure::OtherOrg,
    ];
    for (spot, number) in &numbers {
        if spoiled.contains(spot) {
            continue;
        }
        let Some((key, got)) = published.get(spot) else {
            let n = *number as i64;
            let group = derived.iter().any(|(k, v)| *v == Some(n) && !k.item.members(template).is_empty());
            let legal_subtotal =
                row_items.iter().filter(|(s, r, _)| *s == spot.0 && *r == spot.1).any(|(_, _, item)| {
                    legal
                        .iter()
                        .map(|&m| values.get(&Key::new(*item, m)).copied().flatten().unwrap_or(0))
                        .sum::<i64>()
                        == n
                });
            let told = diagnostics
                .iter()
                .any(|l| l.sheet.as_deref() == Some(spot.0.as_str()) && l.cell == Some((spot.1, spot.2)));
            prop_assert!(
                group || legal_subtotal || told,
                "{}!{} ({number}) is in no value",
                spot.0,
                Location::a1(spot.1, spot.2)
            );
            continue;
        };
        prop_assert_eq!(
            *got,
            values.get(key).copied().flatten(),
            "{} at {}!{}",
            key,
            spot.0,
            Location::a1(spot.1, spot.2)
        );
    }
    // Every spoiled cell: no number from it, and a diagnostic naming it.
    for spot in &spoiled {
        let named = published.get(spot).is_none_or(|(_, v)| v.is_none());
        prop_assert!(named, "junk at {}!{} became a number", spot.0, Location::a1(spot.1, spot.2));
        let told = diagnostics.iter().any(|l| {
            l.file.as_deref() == Some(std::path::Path::new(&file))
                && l.sheet.as_deref() == Some(spot.0.as_str())
                && l.cell == Some((spot.1, spot.2))
        });
        prop_assert!(told, "no diagnostic names {}!{}", spot.0, Location::a1(spot.1, spot.2));
    }
    // Nothing invented: every published number came from a numeric cell of the generator's.
    for (spot, (key, got)) in &published {
        if let Some(v) = got {
            prop_assert!(numbers.contains_key(spot) && !spoiled.contains(spot), "{key} = {v} from nowhere");
        }
    }
    // Inferred and derived values never stand beside a published number of the same key.
    for (key, origin) in other_keys {
        prop_assert!(!published_keys.contains(&key), "{key} is both published and {origin:?}");
        prop_assert!(matches!(origin.as_deref(), Some("inferred" | "derived")));
    }
    Ok(())
}

fn cases() -> u32 {
    std::env::var("XXGK_CONSERVATION_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(48)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    /// Conservation (run with `XXGK_CONSERVATION_CASES=1000` for the full check).
    #[test]
    fn every_number_is_conserved_from_cell_to_frame(
        seed in any::<u64>(),
        year in 2019i32..=2025,
        style in 0usize..4,
        unit in 0usize..11,
        junk in 0usize..4,
    ) {
        conserve(seed, year, style, unit, junk)?;
    }
}

/// Every input the fuzzers found (`tests/regressions/TARGET/`), and the PDFs mutation found
/// (`data/pdf/bad/`), replayed as their target reads them: each must give diagnostics or
/// reports, never a panic, a hang or an abort.
#[test]
fn fuzz_findings_stay_fixed() {
    let dir = root().join("tests/regressions");
    let mut replayed = 0;
    for input in std::fs::read_dir(root().join("data/pdf/bad")).expect("bad PDFs") {
        replay("pdf", &std::fs::read(input.expect("entry").path()).expect("input"));
        replayed += 1;
    }
    for target in std::fs::read_dir(&dir).expect("regressions") {
        let target = target.expect("entry").path();
        if !target.is_dir() {
            continue;
        }
        let name = target.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
        for input in std::fs::read_dir(&target).expect("target") {
            let bytes = std::fs::read(input.expect("entry").path()).expect("input");
            replay(&name, &bytes);
            replayed += 1;
        }
    }
    assert!(replayed > 0, "no regression inputs under {}", dir.display());
}

/// One input as fuzz target `target` reads it (see `fuzz/fuzz_targets/`).
fn replay(target: &str, bytes: &[u8]) {
    use xxgk::normalize::{Context, MoneyScale, label, value};
    use xxgk::schema::{Table, Unit};
    let text = String::from_utf8_lossy(bytes);
    let batch = match target {
        "label" => {
            let _ = label(&text, Context::Any);
            let _ = label(&text, Context::Row { table: Table::Applications, group: None });
            return;
        }
        "value" => {
            for unit in [Unit::Count, Unit::SignedCount, Unit::Money] {
                let _ = value(&text, unit, MoneyScale::WanYuan);
            }
            return;
        }
        "manifest" => {
            let _ = ReadOptions::new().manifest_from_bytes("dir/manifest.csv", bytes);
            return;
        }
        "workbook" => {
            let Some((&pick, rest)) = bytes.split_first() else { return };
            let name = ["f.xlsx", "f.xls", "f.ods", "f.xlsb"][pick as usize % 4];
            ReadOptions::new().max_cells(200_000).from_bytes(name, rest)
        }
        "html" => ReadOptions::new().max_cells(200_000).from_bytes("page.html", bytes),
        "text" => ReadOptions::new().from_bytes("report.txt", bytes),
        "pdf" => ReadOptions::new().max_pages(50).from_bytes("report.pdf", bytes),
        other => panic!("unknown fuzz target {other}"),
    };
    assert!(!batch.reports.is_empty() || !batch.diagnostics.is_empty(), "{target}: nothing said");
    let _ = xxgk::validate::reports(batch.reports);
}

/// A shared-string table that declares more strings than its size can hold is refused before
/// calamine reserves room for them, whether the part is deflated or stored; the same workbook
/// with its own count, rewritten either way, reads as it did.
#[test]
fn a_shared_string_table_declaring_more_strings_than_it_holds_is_refused() {
    use std::io::{Read, Write};
    let real = root().join("data/real/新源县-2022.xlsx");
    let original = std::fs::read(&real).expect("workbook");
    let expected = ReadOptions::new().from_path(&real).expect("read").reports[0].values.clone();
    // Every part written again with `method`; the shared strings' uniqueCount as `count` says.
    let rewrite = |method: zip::CompressionMethod, count: Option<&str>| -> Vec<u8> {
        let mut archive = zip::ZipArchive::new(Cursor::new(&original)).expect("zip");
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..archive.len() {
            let mut entry = archive.by_index(i).expect("entry");
            let name = entry.name().expect("name").to_string();
            let mut text = Vec::new();
            entry.read_to_end(&mut text).expect("part");
            if let (Some(count), "xl/sharedStrings.xml") = (count, name.as_str()) {
                let xml = String::from_utf8(text).expect("utf-8");
                let at = xml.find("uniqueCount=\"").expect("uniqueCount") + "uniqueCount=\"".len();
                let end = at + xml[at..].find('"').expect("quote");
                text = format!("{}{count}{}", &xml[..at], &xml[end..]).into_bytes();
            }
            let options = zip::write::SimpleFileOptions::default().compression_method(method);
            out.start_file(name, options).expect("start");
            out.write_all(&text).expect("write");
        }
        out.finish().expect("finish").into_inner()
    };
    let dir = crate::read::scratch("shared_string_count");
    for method in [zip::CompressionMethod::Deflated, zip::CompressionMethod::Stored] {
        let path = dir.join(format!("新源县-2022-{method}.xlsx"));
        std::fs::write(&path, rewrite(method, Some("2000000000"))).expect("write");
        let batch = ReadOptions::new().from_path(&path).expect("read");
        assert!(batch.reports.is_empty(), "{method}");
        let d = batch.all_diagnostics().next().expect("a diagnostic");
        assert_eq!(d.kind, xxgk::report::DiagnosticKind::Limit, "{method}: {d}");
        assert!(d.message.contains("declares 2000000000 strings"), "{method}: {d}");
        std::fs::write(&path, rewrite(method, None)).expect("write");
        let batch = ReadOptions::new().from_path(&path).expect("read");
        assert_eq!(batch.reports.len(), 1, "{method}: {:?}", batch.all_diagnostics().collect::<Vec<_>>());
        let places =
            |vs: &[xxgk::report::Value]| vs.iter().map(|v| (v.key, v.value, v.cell)).collect::<Vec<_>>();
        assert_eq!(places(&batch.reports[0].values), places(&expected), "{method}");
    }
}
