//! Load reports and summarise them.
//!
//! Run it like this: `cargo run --release --example prefecture_summary -- [PATH]...`

use std::error::Error;

use xxgk::read::ReadOptions;
use xxgk::schema::Severity;

fn main() -> Result<(), Box<dyn Error>> {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    let paths = if paths.is_empty() { vec!["data/sample".to_string()] } else { paths };
    for path in paths {
        let mut opts = ReadOptions::new();
        let manifest = std::path::Path::new(&path).join("manifest.csv");
        if manifest.exists() {
            opts.manifest(&manifest)?;
        }
        let batch = opts.from_path(&path)?;
        for d in batch.all_diagnostics().filter(|d| d.severity >= Severity::Warning) {
            eprintln!("{d}");
        }
        for r in &batch.reports {
            let n = |s| r.diagnostics.iter().filter(|d| d.severity == s).count();
            println!(
                "{} {} {} {} values={} blank={} err={} warn={} {}",
                r.division_code,
                r.division_name,
                r.year,
                r.template,
                r.values.len(),
                r.values.iter().filter(|v| v.value.is_none()).count(),
                n(Severity::Error),
                n(Severity::Warning),
                r.source.display()
            );
        }
    }
    Ok(())
}
