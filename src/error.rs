//! The crate's one error type, and where things are in a workbook.

use std::fmt;
use std::path::{Path, PathBuf};

/// A convenient alias for results whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error from xxgk.
///
/// Per-file problems met while loading many files are not errors but diagnostics attached to
/// what was loaded; an `Error` stops the operation that returned it. Every
/// kind that concerns a place in a workbook carries a [`Location`].
///
/// ```
/// use xxgk::{Error, ErrorKind};
/// let Err(err) = "nonsense".parse::<xxgk::schema::Item>() else { return Err("parsed".into()) };
/// assert!(matches!(err.kind(), ErrorKind::UnknownCode { .. }));
/// assert_eq!(err.to_string(), "unknown item code \"nonsense\"");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Error(Box<ErrorKind>);

impl Error {
    pub(crate) fn new(kind: ErrorKind) -> Error {
        Error(Box::new(kind))
    }

    /// What went wrong.
    ///
    /// ```
    /// let Err(err) = "x".parse::<xxgk::schema::Rule>() else { return Err("parsed".into()) };
    /// assert!(matches!(err.kind(), xxgk::ErrorKind::UnknownCode { what: "rule", .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn kind(&self) -> &ErrorKind {
        &self.0
    }

    /// What went wrong, by value.
    ///
    /// ```
    /// let Err(err) = "x".parse::<xxgk::schema::Rule>() else { return Err("parsed".into()) };
    /// assert!(matches!(err.into_kind(), xxgk::ErrorKind::UnknownCode { .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_kind(self) -> ErrorKind {
        *self.0
    }

    /// Where it went wrong, when that is a place in a file.
    ///
    /// ```
    /// let err = xxgk::read::ReadOptions::new().from_path("missing.xlsx").err().ok_or("read")?;
    /// assert_eq!(err.location().map(|l| l.to_string()), Some("missing.xlsx".to_string()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn location(&self) -> Option<&Location> {
        match &*self.0 {
            ErrorKind::Io { location, .. } | ErrorKind::Unreadable { location, .. } => Some(location),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

/// A polars error met while collecting or transforming one of xxgk's frames, so that
/// `xxgk::rollup::by(tidy, level)?.collect()?` works in a function returning [`Result`].
///
/// ```
/// use xxgk::polars::prelude::*;
/// fn sums(tidy: LazyFrame) -> xxgk::Result<DataFrame> {
///     Ok(xxgk::rollup::by(tidy, xxgk::rollup::Level::Nation)?.collect()?)
/// }
/// let tidy = df!("division_code" => [654025u32], "year" => [2022i32], "table" => ["applications"],
///     "item" => ["granted"], "measure" => ["total"], "value" => [Some(4i64)])?;
/// assert_eq!(sums(tidy.lazy())?.height(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl From<polars::prelude::PolarsError> for Error {
    fn from(e: polars::prelude::PolarsError) -> Error {
        Error::new(ErrorKind::Frame { context: "polars".into(), source: Box::new(e) })
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Error {
        Error::new(kind)
    }
}

/// The kinds of [`Error`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A file or folder could not be read or written.
    #[error("{location}: {source}")]
    Io {
        /// The file.
        location: Location,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file could not be read as what it should be (a part of a stored dataset that is no
    /// readable Parquet). Problems inside report files are diagnostics, never this error. The
    /// library's error is kept as the source.
    #[error("{location}: {message}")]
    Unreadable {
        /// The file.
        location: Location,
        /// What failed.
        message: String,
        /// The underlying error, when there is one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// A manifest line could not be used.
    #[error("{path}, line {line}: {message}")]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// The 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A code that is not in the schema (`"withheld.secret"` as an item).
    #[error("unknown {what} code {code:?}")]
    UnknownCode {
        /// What kind of code was expected ("item", "measure", …).
        what: &'static str,
        /// The text given.
        code: String,
    },
    /// A division code or name that the registry does not know, or knows more than once.
    #[error("{message}")]
    Division {
        /// What is wrong, naming the candidates when there are several.
        message: String,
    },
    /// A column of a frame given to a stage is missing, has a dtype the stage cannot use,
    /// holds nulls where every row needs a value, or holds a value outside the schema's codes.
    #[error("column {column:?}: {message}")]
    Column {
        /// The column.
        column: String,
        /// What is wrong with it, naming the values.
        message: String,
    },
    /// Building or writing a frame failed.
    #[error("{context}: {source}")]
    Frame {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// An argument that cannot be used.
    #[error("{0}")]
    Usage(String),
}

/// A place in a workbook: file, sheet and cell, each as far as known.
///
/// Displays as `file!sheet!A1` (Excel's notation with the file in front), e.g.
/// `新源县.xlsx!表3!C7`. Rows and columns are 0-based, as in calamine; A1 notation is 1-based,
/// so `(row 6, col 2)` is `C7`.
///
/// ```
/// use xxgk::Location;
/// let loc = Location::file("新源县.xlsx").with_sheet("表3").with_cell(6, 2);
/// assert_eq!(loc.to_string(), "新源县.xlsx!表3!C7");
/// assert_eq!(xxgk::Location::a1(6, 2), "C7");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Location {
    /// The file, when the data came from one.
    pub file: Option<PathBuf>,
    /// The sheet name.
    pub sheet: Option<String>,
    /// The absolute cell, 0-based (row, column).
    pub cell: Option<(u32, u32)>,
}

impl Location {
    /// A location in a file.
    ///
    /// ```
    /// assert_eq!(xxgk::Location::file("a.xlsx").to_string(), "a.xlsx");
    /// ```
    pub fn file(path: impl AsRef<Path>) -> Location {
        Location { file: Some(path.as_ref().to_path_buf()), sheet: None, cell: None }
    }

    /// The same location narrowed to a sheet.
    ///
    /// ```
    /// assert_eq!(xxgk::Location::file("a.xlsx").with_sheet("表三").to_string(), "a.xlsx!表三");
    /// ```
    pub fn with_sheet(mut self, sheet: impl Into<String>) -> Location {
        self.sheet = Some(sheet.into());
        self
    }

    /// The same location narrowed to a cell (0-based row and column).
    ///
    /// ```
    /// assert_eq!(xxgk::Location::file("a.xlsx").with_cell(6, 2).to_string(), "a.xlsx!C7");
    /// ```
    pub fn with_cell(mut self, row: u32, col: u32) -> Location {
        self.cell = Some((row, col));
        self
    }

    /// A 0-based (row, column) in A1 notation: `(0, 0)` is `A1`, `(9, 27)` is `AB10`.
    ///
    /// ```
    /// assert_eq!(xxgk::Location::a1(9, 27), "AB10");
    /// ```
    pub fn a1(row: u32, col: u32) -> String {
        let mut s = String::with_capacity(10);
        // Writing to a String cannot fail.
        let _ = write_a1(&mut s, row, col);
        s
    }

    /// The 0-based (row, column) of a cell in A1 notation: `"AB10"` is `(9, 27)`; `None` for
    /// anything else.
    ///
    /// ```
    /// assert_eq!(xxgk::Location::parse_a1("AB10"), Some((9, 27)));
    /// assert_eq!(xxgk::Location::parse_a1("10AB"), None);
    /// ```
    pub fn parse_a1(text: &str) -> Option<(u32, u32)> {
        let split = text.find(|c: char| !c.is_ascii_uppercase())?;
        let (letters, digits) = text.split_at(split);
        if letters.is_empty() || letters.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let col = letters.bytes().fold(0u32, |acc, b| acc * 26 + u32::from(b - b'A') + 1) - 1;
        let row: u32 = digits.parse().ok().filter(|&r: &u32| r >= 1)?;
        Some((row - 1, col))
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        place(f, self.file.as_deref(), self.sheet.as_deref(), self.cell.map(|(row, col)| A1(row, col)))
    }
}

/// A 0-based (row, column) shown in A1 notation.
pub(crate) struct A1(pub(crate) u32, pub(crate) u32);

impl fmt::Display for A1 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_a1(f, self.0, self.1)
    }
}

/// Write a 0-based (row, column) in A1 notation, without allocating.
fn write_a1(f: &mut (impl fmt::Write + ?Sized), row: u32, col: u32) -> fmt::Result {
    // At most three letters for a u32 column within Excel's XFD; up to seven for any u32.
    let mut letters = [0u8; 7];
    let mut n = 0;
    let mut c = u64::from(col) + 1;
    while c > 0 {
        letters[n] = b'A' + ((c - 1) % 26) as u8;
        n += 1;
        c = (c - 1) / 26;
    }
    for &l in letters[..n].iter().rev() {
        f.write_char(l as char)?;
    }
    write!(f, "{}", u64::from(row) + 1)
}

/// Write a place as `file!sheet!A1`, each part as far as known (`<input>` when none is): the
/// one formatting of a [`Location`], also used where a place is written without building one
/// (the cell as an [`A1`], or as the A1 text a frame holds).
pub(crate) fn place(
    f: &mut impl fmt::Write,
    file: Option<&Path>,
    sheet: Option<&str>,
    cell: Option<impl fmt::Display>,
) -> fmt::Result {
    let mut first = true;
    let mut sep =
        |f: &mut dyn fmt::Write| if std::mem::take(&mut first) { Ok(()) } else { f.write_char('!') };
    if let Some(file) = file {
        sep(f)?;
        match file.to_str() {
            Some(text) => f.write_str(text)?,
            None => f.write_str(&file.to_string_lossy())?,
        }
    }
    if let Some(sheet) = sheet {
        sep(f)?;
        f.write_str(sheet)?;
    }
    if let Some(cell) = cell {
        sep(f)?;
        write!(f, "{cell}")?;
    }
    if first { f.write_str("<input>") } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a1_notation() {
        assert_eq!(Location::a1(0, 0), "A1");
        assert_eq!(Location::a1(0, 25), "Z1");
        assert_eq!(Location::a1(0, 26), "AA1");
        assert_eq!(Location::a1(1_048_575, 16_383), "XFD1048576");
    }

    #[test]
    fn a1_parses_back() {
        for (row, col) in [(0, 0), (0, 25), (0, 26), (9, 27), (1_048_575, 16_383), (41, 701), (3, 702)] {
            assert_eq!(Location::parse_a1(&Location::a1(row, col)), Some((row, col)));
        }
        for bad in ["", "A", "7", "A0", "a1", "A1B", "ABCD1", "A-1"] {
            assert_eq!(Location::parse_a1(bad), None, "{bad}");
        }
    }

    #[test]
    fn errors_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Error>();
    }
}
