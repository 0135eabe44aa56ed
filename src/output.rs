//! Writing results: JSON (serde), CSV and a hive-partitioned Parquet dataset.
//!
//! The Parquet dataset is one folder per partition value, `year=2022/province=650000/part-0.parquet`,
//! which DuckDB (`read_parquet('out/**/*.parquet', hive_partitioning = true)`), Spark and
//! polars' scanner read directly.

use std::io::Write;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use polars_io::prelude::{CsvWriter, ParquetWriter, SerWriter};

use crate::error::{Error, ErrorKind, Location, Result};
use crate::frame::polars_error;

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

/// Write a DataFrame as CSV with a header (nulls as empty fields).
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
/// files written.
///
/// ```
/// use polars::prelude::*;
/// let df = DataFrame::new(3, vec![
///     Series::new("year".into(), [2021i32, 2022, 2022]).into(),
///     Series::new("value".into(), [1i64, 2, 3]).into(),
/// ])?;
/// let dir = std::env::temp_dir().join("xxgk-doc-parquet");
/// let files = xxgk::output::parquet_dataset(&df, &dir, &["year"])?;
/// assert_eq!(files.len(), 2);
/// assert!(files[1].ends_with("year=2022/part-0.parquet"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parquet_dataset(df: &DataFrame, dir: &Path, partition: &[&str]) -> Result<Vec<PathBuf>> {
    let keys: Vec<Vec<Option<i64>>> = partition
        .iter()
        .map(|name| {
            let col = df.column(name).map_err(|e| polars_error(name, e))?;
            let col = col.cast(&DataType::Int64).map_err(|e| polars_error(name, e))?;
            Ok(col.i64().map_err(|e| polars_error(name, e))?.iter().collect())
        })
        .collect::<Result<_>>()?;
    let mut groups: std::collections::BTreeMap<Vec<Option<i64>>, Vec<bool>> =
        std::collections::BTreeMap::new();
    for row in 0..df.height() {
        let key: Vec<Option<i64>> = keys.iter().map(|k| k[row]).collect();
        groups.entry(key).or_insert_with(|| vec![false; df.height()])[row] = true;
    }
    let mut files = Vec::new();
    for (values, mask) in groups {
        let mut path = dir.to_path_buf();
        for (name, v) in partition.iter().zip(&values) {
            path.push(format!(
                "{name}={}",
                v.map_or("__HIVE_DEFAULT_PARTITION__".to_string(), |v| v.to_string())
            ));
        }
        std::fs::create_dir_all(&path).map_err(|e| io(&path, e))?;
        path.push("part-0.parquet");
        let mask = BooleanChunked::from_slice("mask".into(), &mask);
        let mut part = df.filter(&mask).map_err(|e| polars_error("partitioning", e))?;
        let file = std::fs::File::create(&path).map_err(|e| io(&path, e))?;
        ParquetWriter::new(file).finish(&mut part).map_err(|e| polars_error("writing Parquet", e))?;
        files.push(path);
    }
    Ok(files)
}
