//! Workbook bytes through the whole reader: the first byte picks the extension the bytes are
//! read under (content decides the reader; the extension decides between xlsx, xlsb and ods).
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "hook.rs"]
mod hook;
use xxgk::read::ReadOptions;

fuzz_target!(|data: &[u8]| {
    hook::catch_third_party_panics("workbook");
    let Some((&pick, bytes)) = data.split_first() else { return };
    let name = ["f.xlsx", "f.xls", "f.ods", "f.xlsb"][pick as usize % 4];
    let batch = ReadOptions::new().max_cells(200_000).from_bytes(name, bytes);
    let _ = xxgk::validate::reports(batch.reports);
});
