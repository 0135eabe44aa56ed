//! Text extracted from PDFs: plain `pdftotext` output, and `-bbox-layout` XHTML (by content).
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "hook.rs"]
mod hook;
use xxgk::read::ReadOptions;

fuzz_target!(|data: &[u8]| {
    hook::catch_third_party_panics("text");
    let batch = ReadOptions::new().from_bytes("report.txt", data);
    let _ = xxgk::validate::reports(batch.reports);
});
