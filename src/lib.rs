//! xxgk loads China's 政府信息公开工作年度报告 (government information disclosure annual report)
//! statistics tables from spreadsheets into polars DataFrames, maps every label to the national
//! schema, checks the format's own arithmetic, and rolls units up to prefecture, province and
//! nation, year over year.
//!
//! # Overview
//!
//! The pipeline, one module per stage; from the tidy frame on, every stage is a polars
//! transformation (`LazyFrame` in, `LazyFrame` out):
//!
//! ```text
//! files ─read─▶ Batch of Reports ─validate─▶ Checked ─frame::tidy─▶ tidy DataFrame ─rollup::by─▶ rollup ─compare::years─▶ year over year
//!                                                                        ▲
//!                                   a stored dataset (frame::read_dataset) or your own frame
//! ```
//!
//! - [`read`]: spreadsheets (xlsx, xlsm, xlsb, xls, ods) → [`Report`]s and [`Diagnostic`]s
//!   ([`report`] holds the types), configured by [`ReadOptions`]; tables found by their labels.
//! - [`validate`]: the format's identities per report; blanks inferred where one identity
//!   allows. Gives a [`validate::Checked`]: each report beside its resolved cells.
//! - [`frame`]: the tidy polars DataFrame every later stage reads (and the wide view); a stored
//!   dataset read back; a tidy frame turned back into reports.
//! - [`load`]: read → validate → frame in one pass over many files, a chunk at a time, each
//!   report dropped once framed: the same frame and findings in a fraction of the memory.
//! - [`rollup`] and [`compare`]: prefecture, province and nation sums with coverage; year over
//!   year across the 2021 template change, and rates. [`output`] writes CSV, JSON and Parquet.
//! - [`schema`], [`normalize`], [`divisions`]: the national templates as data, label and value
//!   normalisation, and the GB/T 2260 registry.
//! - [`Error`]: the one error type; [`Location`] names file, sheet and cell.
//!
//! # Example
//!
//! The real 新源县 2022 report, bundled in `data/real`:
//!
//! ```
//! use xxgk::polars::prelude::*;
//! use xxgk::read::ReadOptions;
//! use xxgk::rollup::Level;
//!
//! let batch = ReadOptions::new().from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real"))?;
//! let checked = xxgk::validate::reports(batch.reports);
//! assert!(checked.violations.is_empty());
//! let tidy = xxgk::frame::tidy(&checked)?;
//! let sums = xxgk::rollup::by(tidy.clone().lazy(), Level::Prefecture)?
//!     .filter(col("item").eq(lit("granted")).and(col("measure").eq(lit("total"))))
//!     .collect()?;
//! assert_eq!(sums.column("value")?.i64()?.get(0), Some(4));
//! let coverage = xxgk::rollup::coverage(tidy.lazy(), Level::Prefecture)?.collect()?;
//! assert_eq!(coverage.column("units_reported")?.u32()?.get(0), Some(1)); // 1 of 伊犁州's 11 units
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Polars
//!
//! xxgk re-exports the polars it was built with: `use xxgk::polars::prelude::*;` names the same
//! polars, so a caller's frames and xxgk's mix without a polars dependency of the caller's own
//! (polars breaks its API between minor versions). A caller's own frame rolls up like one xxgk
//! built:
//!
//! ```
//! use xxgk::polars::prelude::*;
//! let mine = df!(
//!     "division_code" => [654025u32, 654026, 654025],
//!     "year" => [2022i32, 2022, 2023],
//!     "table" => ["applications"; 3],
//!     "item" => ["new_received"; 3],
//!     "measure" => ["total"; 3],
//!     "value" => [Some(31i64), None, Some(40)],
//! )?;
//! let sums = xxgk::rollup::by(mine.lazy(), xxgk::rollup::Level::Prefecture)?;
//! let changes = xxgk::compare::years(sums)?.collect()?;
//! assert_eq!(changes.column("delta")?.i64()?.get(0), Some(9));
//! assert_eq!(changes.column("prev_blank_units")?.u32()?.get(0), Some(1));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Scope
//!
//! County-level and departmental annual reports in the 2019 and 2021 national formats, as
//! spreadsheets, published web pages (feature `html`), text extracted from PDFs and PDF files
//! (feature `pdf`). Word documents and scanned PDFs (images without a text layer) are out of
//! scope.
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub use polars;

mod columns;
pub mod compare;
pub mod divisions;
mod error;
mod form;
pub mod frame;
pub mod load;
pub mod normalize;
pub mod output;
pub mod read;
pub mod report;
pub mod rollup;
pub mod schema;
pub mod validate;

pub use crate::error::{Error, ErrorKind, Location, Result};
pub use crate::read::ReadOptions;
pub use crate::report::{Batch, Diagnostic, Report};
pub use crate::validate::{Checked, Violation};
