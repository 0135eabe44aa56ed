//! xxgk loads China's 政府信息公开工作年度报告 (government information disclosure annual report)
//! statistics tables from spreadsheets, maps every label to the national schema, and checks the
//! format's own arithmetic.
//!
//! # Overview
//!
//! - [`schema`]: the two national templates (2019 and 2021) as static data — tables, items,
//!   measures, canonical codes, official labels, and the identities of the format.
//! - [`normalize`]: label text → schema code (whatever the brackets, quotes, line breaks or
//!   numbering), and cell text → value, with blank kept apart from 0.
//! - [`Error`]: the one error type; [`Location`] names file, sheet and cell.
//!
//! # Example
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
