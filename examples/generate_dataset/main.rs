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
//! `data/html/` is one synthetic report (奎屯市 2022) published as web pages five ways (UTF-8,
//! GBK declared `gb2312`, GBK undeclared, table 三 split over two tables, a page saved as
//! `.xls`), and `data/published/` holds one report per published format: the real 新源县 text
//! extracted from its PDF (committed, not written here), 伊宁县 as a page, 霍城县 as a PDF,
//! 尼勒克县 as a workbook, with `expected.csv`. `data/pdf/霍城县-2022.html` is the page
//! `data/pdf/make.sh` turns into the PDF and its pdftotext outputs (committed).
//!
//! With `--national`, it writes instead a synthetic national dataset for benchmarks: every
//! county-level unit of the registry (about 2,850) for each year of `--years`, in every layout
//! of the sample, with `expected.csv` and `manifest.csv` — seeded, the same on every run. Keep
//! it out of git (under `target/`).
//!
//! Run it like this (from the repository root):
//!
//! ```text
//! cargo run --example generate_dataset -- [ROOT]     # ROOT defaults to data/; rewrites sample/, real/, html/, published/, pdf/*.html
//! wrote 55 synthetic reports under data/sample and the real report data/real/新源县-2022.xlsx
//!
//! cargo run --release --example generate_dataset -- --national --years 2021-2025 --out target/national
//! wrote 14235 reports in 11061 files under target/national
//! ```

mod sample;

use std::error::Error;
use std::path::PathBuf;

use clap::Parser;

/// Write the bundled sample data, or a national dataset for benchmarks.
#[derive(Parser, Debug)]
#[command(name = "generate_dataset")]
struct Cli {
    /// Where the sample goes (its sample/ and real/ folders are rewritten)
    #[arg(value_name = "ROOT", default_value = "data")]
    root: PathBuf,
    /// Write the national dataset instead
    #[arg(long)]
    national: bool,
    /// The years of the national dataset, FIRST-LAST
    #[arg(long, value_name = "FIRST-LAST", default_value = "2021-2025", value_parser = years)]
    years: (i32, i32),
    /// Only the first N county-level units (national dataset)
    #[arg(long, value_name = "N")]
    units: Option<usize>,
    /// Where the national dataset goes (a folder; it is replaced)
    #[arg(long, value_name = "DIR", default_value = "target/national")]
    out: PathBuf,
}

fn years(text: &str) -> Result<(i32, i32), String> {
    let (a, b) = text.split_once('-').unwrap_or((text, text));
    let year = |t: &str| t.trim().parse::<i32>().map_err(|_| format!("not a year range: {text:?}"));
    let (a, b) = (year(a)?, year(b)?);
    if a > b || !(1990..=2100).contains(&a) || !(1990..=2100).contains(&b) {
        return Err(format!("not a year range: {text:?}"));
    }
    Ok((a, b))
}

fn main() -> Result<(), Box<dyn Error>> {
    let cli = Cli::parse();
    if cli.national {
        if cli.out.exists() {
            std::fs::remove_dir_all(&cli.out)?;
        }
        let n = sample::write_national(&cli.out, cli.years.0..=cli.years.1, cli.units)?;
        println!("wrote {} reports in {} files under {}", n.reports, n.files, cli.out.display());
        return Ok(());
    }
    let root = cli.root;
    let sample_dir = root.join("sample");
    if sample_dir.exists() {
        std::fs::remove_dir_all(&sample_dir)?;
    }
    let n = sample::write_sample(&sample_dir)?;
    let real = sample::write_real(&root.join("real"))?;
    sample::write_html_fixtures(&root.join("html"))?;
    sample::write_published(&root.join("published"))?;
    sample::write_pdf_source(&root.join("pdf"))?;
    println!(
        "wrote {n} synthetic reports under {} and the real report {}",
        sample_dir.display(),
        real.display()
    );
    Ok(())
}
