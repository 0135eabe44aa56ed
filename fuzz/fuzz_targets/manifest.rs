//! The manifest: any bytes give a manifest or an error naming a line.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "hook.rs"]
mod hook;
use xxgk::read::ReadOptions;

fuzz_target!(|data: &[u8]| {
    hook::catch_third_party_panics("manifest");
    let _ = ReadOptions::new().manifest_from_bytes("dir/manifest.csv", data);
});
