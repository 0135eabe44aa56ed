//! HTML pages, in any encoding, through the page reader, locate and validation.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "hook.rs"]
mod hook;
use xxgk::read::ReadOptions;

fuzz_target!(|data: &[u8]| {
    hook::catch_third_party_panics("html");
    let batch = ReadOptions::new().max_cells(200_000).from_bytes("page.html", data);
    let _ = xxgk::validate::reports(batch.reports);
});
