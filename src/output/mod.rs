//! Writing frames and results: CSV, JSON, a hive-partitioned Parquet dataset, and (feature
//! `xlsx`) the summed report as a workbook in the national layout. Every writer
//! takes the frame itself, so the formats cannot drift from it or from each other: each carries
//! the frame's exact values (counts in 件, money in 分, with the `unit` column saying which) and
//! keeps a blank blank (an empty CSV field, a JSON `null`, a Parquet null).
//!
//! The Parquet dataset is one folder per partition value, `year=2022/province=650000/part-0.parquet`,
//! which DuckDB (`read_parquet('out/**/*.parquet', hive_partitioning = true)`), Spark and
//! polars' scanner read directly.

#[cfg(feature = "charts")]
pub mod chart;
#[cfg(any(feature = "xlsx", feature = "charts"))]
mod sums;
#[cfg(feature = "xlsx")]
mod xlsx;

use std::io::Write;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use polars_io::prelude::{CsvWriter, ParquetWriter, SerWriter};

#[cfg(feature = "xlsx")]
#[cfg_attr(docsrs, doc(cfg(feature = "xlsx")))]
pub use self::xlsx::{Handover, xlsx, xlsx_frames};
use crate::columns::polars_error;
use crate::error::{Error, ErrorKind, Location, Result};

fn io(path: &Path, source: std::io::Error) -> Error {
    Error::new(ErrorKind::Io { location: Location::file(path), source })
}

/// Write any serde value as pretty JSON.
///
/// ```
/// let mut out = Vec::new();
/// xxgk::output::json(&mut out, &xxgk::schema::Rule::A1)?;
/// assert_eq!(String::from_utf8(out)?, "\"A1\"");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn json<T: serde::Serialize + ?Sized>(writer: impl Write, value: &T) -> Result<()> {
    serde_json::to_writer_pretty(writer, value)
        .map_err(|e| Error::new(ErrorKind::Frame { context: "writing JSON".into(), source: Box::new(e) }))
}

/// Write a frame as JSON: an array with one object per row, one row per line. Enum and
/// categorical columns are written as their text, lists as arrays, nulls as `null`.
///
/// ```
/// use polars::prelude::*;
/// let df = df!("code" => [654025u32, 654026], "value" => [Some(4i64), None])?;
/// let mut out = Vec::new();
/// xxgk::output::json_frame(&mut out, &df)?;
/// assert_eq!(String::from_utf8(out)?, "[\n{\"code\":654025,\"value\":4},\n{\"code\":654026,\"value\":null}\n]\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn json_frame(mut writer: impl Write, df: &DataFrame) -> Result<()> {
    let names: Vec<&str> = df.get_column_names().into_iter().map(|n| n.as_str()).collect();
    let columns: Vec<Vec<serde_json::Value>> =
        df.columns().iter().map(|c| json_values(c.as_materialized_series())).collect::<Result<_>>()?;
    let fail = |e: std::io::Error| {
        Error::new(ErrorKind::Frame { context: "writing JSON".into(), source: Box::new(e) })
    };
    // Keys in column order, so a record reads like the frame's row.
    let keys: Vec<String> = names.iter().map(|n| serde_json::Value::from(*n).to_string()).collect();
    writer.write_all(b"[").map_err(fail)?;
    for row in 0..df.height() {
        let mut line = String::from(if row == 0 { "\n{" } else { ",\n{" });
        for (i, (key, column)) in keys.iter().zip(&columns).enumerate() {
            if i > 0 {
                line.push(',');
            }
            line.push_str(key);
            line.push(':');
            line.push_str(&column[row].to_string());
        }
        line.push('}');
        writer.write_all(line.as_bytes()).map_err(fail)?;
    }
    writer.write_all(b"\n]\n").map_err(fail)
}

/// One column as JSON values.
fn json_values(s: &Series) -> Result<Vec<serde_json::Value>> {
    use serde_json::Value as J;
    let err = |e| polars_error("writing JSON", e);
    Ok(match s.dtype() {
        DataType::Boolean => s.bool().map_err(err)?.iter().map(|v| v.map_or(J::Null, J::Bool)).collect(),
        DataType::Float32 | DataType::Float64 => {
            let f = s.cast(&DataType::Float64).map_err(err)?;
            f.f64()
                .map_err(err)?
                .iter()
                .map(|v| v.and_then(serde_json::Number::from_f64).map_or(J::Null, J::Number))
                .collect()
        }
        dt if dt.is_integer() => {
            let i = s.cast(&DataType::Int64).map_err(err)?;
            i.i64().map_err(err)?.iter().map(|v| v.map_or(J::Null, J::from)).collect()
        }
        DataType::List(_) => {
            let list = s.list().map_err(err)?;
            let mut out = Vec::with_capacity(s.len());
            for i in 0..list.len() {
                out.push(match list.get_as_series(i) {
                    Some(inner) => J::Array(json_values(&inner)?),
                    None => J::Null,
                });
            }
            out
        }
        _ => {
            let text = s.cast(&DataType::String).map_err(err)?;
            text.str().map_err(err)?.iter().map(|v| v.map_or(J::Null, |v| J::String(v.to_string()))).collect()
        }
    })
}

/// Write a DataFrame as CSV with a header (nulls as empty fields; Enum and categorical columns
/// as their text).
///
/// ```
/// use polars::prelude::*;
/// let mut df = DataFrame::new(2, vec![Series::new("value".into(), [Some(1i64), None]).into()])?;
/// let mut out = Vec::new();
/// xxgk::output::csv(&mut out, &mut df)?;
/// assert_eq!(String::from_utf8(out)?, "value\n1\n\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn csv(writer: impl Write, df: &mut DataFrame) -> Result<()> {
    CsvWriter::new(writer).include_header(true).finish(df).map_err(|e| polars_error("writing CSV", e))
}

/// Write `df` as a hive-partitioned Parquet dataset under `dir`: one file per distinct value
/// of the `partition` columns (which must be integer columns, such as `year` and `province`),
/// at `dir/col=value/…/part-0.parquet`. The partition columns stay in the files too. Returns the
/// files written. A folder that already holds Parquet files is refused, so that two datasets
/// never mix.
///
/// ```
/// use polars::prelude::*;
/// let df = DataFrame::new(3, vec![
///     Series::new("year".into(), [2021i32, 2022, 2022]).into(),
///     Series::new("value".into(), [1i64, 2, 3]).into(),
/// ])?;
/// let dir = std::env::temp_dir().join("xxgk-doc-parquet");
/// # let _ = std::fs::remove_dir_all(&dir);
/// let files = xxgk::output::parquet_dataset(&df, &dir, &["year"])?;
/// assert_eq!(files.len(), 2);
/// assert!(files[1].ends_with("year=2022/part-0.parquet"));
/// assert!(xxgk::output::parquet_dataset(&df, &dir, &["year"]).is_err()); // never mixed with another
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parquet_dataset(df: &DataFrame, dir: impl AsRef<Path>, partition: &[&str]) -> Result<Vec<PathBuf>> {
    let dir = dir.as_ref();
    let err = |e| polars_error("partitioning", e);
    if crate::frame::is_dataset(dir) {
        // Writing beside an older dataset would mix the two when the folder is read back.
        return Err(io(
            dir,
            std::io::Error::new(std::io::ErrorKind::AlreadyExists, "the folder already holds Parquet files"),
        ));
    }
    let mut parts = if partition.is_empty() {
        vec![df.clone()]
    } else {
        df.partition_by_stable(partition.iter().copied(), true).map_err(err)?
    };
    // Each part's partition values, as integers (null: hive's default partition).
    let key = |part: &DataFrame| -> Result<Vec<Option<i64>>> {
        partition
            .iter()
            .map(|name| {
                let c = part.column(name).map_err(err)?.cast(&DataType::Int64).map_err(err)?;
                Ok(c.i64().map_err(err)?.get(0))
            })
            .collect()
    };
    let mut keyed: Vec<(Vec<Option<i64>>, DataFrame)> =
        parts.drain(..).map(|p| Ok((key(&p)?, p))).collect::<Result<_>>()?;
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    let mut files = Vec::new();
    for (values, mut part) in keyed {
        let mut path = dir.to_path_buf();
        for (name, v) in partition.iter().zip(&values) {
            path.push(format!(
                "{name}={}",
                v.map_or("__HIVE_DEFAULT_PARTITION__".to_string(), |v| v.to_string())
            ));
        }
        std::fs::create_dir_all(&path).map_err(|e| io(&path, e))?;
        path.push("part-0.parquet");
        let file = std::fs::File::create(&path).map_err(|e| io(&path, e))?;
        ParquetWriter::new(file).finish(&mut part).map_err(|e| polars_error("writing Parquet", e))?;
        files.push(path);
    }
    Ok(files)
}
