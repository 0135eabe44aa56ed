//! xxgk loads China's 政府信息公开工作年度报告 (government information disclosure annual report)
//! statistics tables from spreadsheets, maps every label to the national schema, and checks the
//! format's own arithmetic.
//!
//! # Overview
//!
//! - [`read`]: spreadsheets (xlsx, xlsm, xlsb, xls, ods) → [`Report`]s and [`Diagnostic`]s,
//!   configured by [`ReadOptions`]; tables found by their labels, in any layout.
//! - [`validate`]: the format's identities per report; blanks inferred where one identity allows.
//! - [`frame`]: the tidy polars DataFrame every later stage reads, and the wide view.
//! - [`rollup`] and [`compare`]: prefecture, province and nation sums with coverage; year over
//!   year across the 2021 template change. [`output`] writes CSV, JSON and Parquet datasets.
//! - [`schema`], [`normalize`], [`divisions`]: the national templates as data, label and value
//!   normalisation, and the GB/T 2260 registry.
//! - [`Error`]: the one error type; [`Location`] names file, sheet and cell.
//!
//! # Example
//!
//! The real 新源县 2022 report, bundled in `data/real`:
//!
//! ```
//! use xxgk::read::ReadOptions;
//! use xxgk::rollup::{by_level, Level};
//! use xxgk::schema::{Item, Key, Measure};
//!
//! let batch = ReadOptions::new().from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/real"))?;
//! let checked = xxgk::validate::reports(&batch.reports);
//! assert!(checked.violations.is_empty());
//! let tidy = xxgk::frame::tidy(&batch.reports, &checked)?;
//! assert_eq!(tidy.height(), 200);
//! let sums = by_level(&batch.reports, &checked, Level::Prefecture);
//! let granted = sums.rows.iter().find(|r| r.key == Key::new(Item::Granted, Measure::Total));
//! assert_eq!(granted.and_then(|r| r.value), Some(4));
//! assert_eq!(sums.coverage[0].missing.len(), 10); // 1 of 伊犁州's 11 units reported
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Labels and values on their own:
//!
//! ```
//! use xxgk::normalize::{label, value, Context, Label, Lookup, MoneyScale};
//! use xxgk::schema::{Item, Table, Unit};
//!
//! let row = Context::Row { table: Table::Applications, group: None };
//! assert_eq!(label("(三) 不予公开", row), Lookup::Found(Label::Item(Item::Withheld)));
//! assert_eq!(value("—", Unit::Count, MoneyScale::Yuan)?.value, None); // blank, not 0
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Scope
//!
//! County-level and departmental annual reports in the 2019 and 2021 national formats. Text
//! extraction from PDF or Word documents is out of scope: xxgk reads spreadsheets.
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod compare;
pub mod divisions;
mod error;
pub mod frame;
pub mod normalize;
pub mod output;
pub mod read;
pub mod rollup;
pub mod schema;
pub mod validate;

pub use crate::error::{Error, ErrorKind, Location, Result};
pub use crate::read::{Batch, Diagnostic, ReadOptions, Report};
pub use crate::validate::Violation;
