//! PDF files through pdf_oxide and the positioned-word reader.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "hook.rs"]
mod hook;
use xxgk::read::ReadOptions;

fuzz_target!(|data: &[u8]| {
    hook::catch_third_party_panics("pdf");
    let batch = ReadOptions::new().max_pages(50).from_bytes("report.pdf", data);
    let _ = xxgk::validate::reports(batch.reports);
});
