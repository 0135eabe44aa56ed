//! Write the bundled data: the synthetic sample prefecture and the transcribed real report.
//!
//! `data/sample/` is **synthetic**: 伊犁哈萨克自治州's 11 directly administered county-level
//! units, 2019–2023, with invented numbers that satisfy the format's identities (except one
//! deliberate error, for the validate example), written in the layouts real offices use (the
//! national template, three sheets, messy labels, numbers as text with dashes, a collection
//! workbook with one unit per sheet, a tidy long table, files only a manifest can place).
//! Every value written is listed in `data/sample/expected.csv`.
//!
//! `data/real/新源县-2022.xlsx` is the real 新源县 2022 report, transcribed from its PDF.
//!
//! Run it like this (from the repository root; it rewrites both folders):
//!
//! ```text
//! cargo run --example generate_dataset -- [ROOT]     # ROOT defaults to data/
//! wrote 55 synthetic reports under data/sample and the real report data/real/新源县-2022.xlsx
//! ```

mod sample;

use std::error::Error;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn Error>> {
    let root = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "data".into()));
    let sample_dir = root.join("sample");
    if sample_dir.exists() {
        std::fs::remove_dir_all(&sample_dir)?;
    }
    let n = sample::write_sample(&sample_dir)?;
    let real = sample::write_real(&root.join("real"))?;
    println!(
        "wrote {n} synthetic reports under {} and the real report {}",
        sample_dir.display(),
        real.display()
    );
    Ok(())
}
