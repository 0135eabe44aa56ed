//! A plain cell grid: what the locate step reads, whatever the source (a spreadsheet today; an
//! HTML table or text extracted from a PDF later).

use foldhash::HashMap;

/// One cell's content, as the source stored it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Cell {
    /// Text (labels, and numbers stored as text).
    Text(String),
    /// A number.
    Number(f64),
    /// Anything else with a display form (a boolean, a date, a formula error): never a value.
    Other(String),
}

/// A rectangle of merged cells, 0-based and inclusive; only its top-left cell holds content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Merge {
    /// Top-left (row, column).
    pub first: (u32, u32),
    /// Bottom-right (row, column).
    pub last: (u32, u32),
}

/// A sheet as a sparse grid of cells plus its merged regions. Rows and columns count from 0
/// (`(0, 0)` is A1).
///
/// ```
/// use xxgk::read::{Cell, Grid};
/// let mut grid = Grid::new("表三");
/// grid.set(0, 0, Cell::Text("（三）不予公开".into()));
/// grid.merge((0, 0), (7, 0));
/// assert_eq!(grid.label(5, 0), Some("（三）不予公开")); // inside the merged region
/// assert_eq!(grid.get(5, 0), None); // but it holds no value there
/// ```
#[derive(Clone, Debug, Default)]
pub struct Grid {
    name: String,
    /// Cells in reading order (row, then column), unique positions: spreadsheets stream their
    /// cells in this order, so setting is an append and getting a binary search.
    cells: Vec<((u32, u32), Cell)>,
    merges: Vec<Merge>,
    /// Covered cell → its merge's anchor.
    covered: HashMap<(u32, u32), (u32, u32)>,
    /// For a grid rebuilt from another source (published text laid out as the national form):
    /// each cell's place in that source, or `None` where it has none. Absent: cells are their
    /// own place.
    origins: Option<HashMap<(u32, u32), (u32, u32)>>,
}

/// The most cells a merged region may cover (a region over a whole sheet would otherwise cost
/// memory for nothing).
const MAX_MERGE_AREA: u64 = 10_000;

impl Grid {
    /// An empty grid named `name` (the sheet name).
    ///
    /// ```
    /// assert!(xxgk::read::Grid::new("Sheet1").is_empty());
    /// ```
    pub fn new(name: impl Into<String>) -> Grid {
        Grid { name: name.into(), ..Grid::default() }
    }

    /// The sheet name.
    ///
    /// ```
    /// assert_eq!(xxgk::read::Grid::new("新源县").name(), "新源县");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Set a cell (replacing what was there). Empty text is not stored.
    ///
    /// ```
    /// use xxgk::read::{Cell, Grid};
    /// let mut grid = Grid::new("s");
    /// grid.set(2, 3, Cell::Number(5.0));
    /// assert_eq!(grid.get(2, 3), Some(&Cell::Number(5.0)));
    /// ```
    pub fn set(&mut self, row: u32, col: u32, cell: Cell) {
        let at = (row, col);
        let empty = matches!(&cell, Cell::Text(t) if t.trim().is_empty());
        if self.cells.last().is_none_or(|(last, _)| *last < at) {
            if !empty {
                self.cells.push((at, cell));
            }
            return;
        }
        match (self.cells.binary_search_by_key(&at, |(k, _)| *k), empty) {
            (Ok(i), true) => {
                self.cells.remove(i);
            }
            (Ok(i), false) => self.cells[i].1 = cell,
            (Err(_), true) => {}
            (Err(i), false) => self.cells.insert(i, (at, cell)),
        }
    }

    /// Make room for `cells` more cells.
    pub(crate) fn reserve(&mut self, cells: usize) {
        self.cells.reserve(cells);
    }

    /// Record a merged region from `first` to `last` (inclusive). Regions larger than 10,000
    /// cells are kept but only their anchor row and column are mapped.
    ///
    /// ```
    /// use xxgk::read::{Cell, Grid};
    /// let mut grid = Grid::new("s");
    /// grid.set(0, 1, Cell::Text("法人或其他组织".into()));
    /// grid.merge((0, 1), (0, 5));
    /// assert_eq!(grid.label(0, 4), Some("法人或其他组织"));
    /// ```
    pub fn merge(&mut self, first: (u32, u32), last: (u32, u32)) {
        let (first, last) =
            ((first.0.min(last.0), first.1.min(last.1)), (first.0.max(last.0), first.1.max(last.1)));
        let area = u64::from(last.0 - first.0 + 1) * u64::from(last.1 - first.1 + 1);
        self.merges.push(Merge { first, last });
        let (rows, cols) = if area <= MAX_MERGE_AREA {
            (first.0..=last.0, first.1..=last.1)
        } else {
            (
                first.0..=first.0.saturating_add(99).min(last.0),
                first.1..=first.1.saturating_add(99).min(last.1),
            )
        };
        for r in rows {
            for c in cols.clone() {
                if (r, c) != first {
                    self.covered.insert((r, c), first);
                }
            }
        }
    }

    /// The merged regions.
    ///
    /// ```
    /// let mut grid = xxgk::read::Grid::new("s");
    /// grid.merge((0, 0), (2, 0));
    /// assert_eq!(grid.merges().len(), 1);
    /// ```
    pub fn merges(&self) -> &[Merge] {
        &self.merges
    }

    /// The cell stored at `(row, col)`; `None` for an empty cell or one covered by a merge.
    ///
    /// ```
    /// assert_eq!(xxgk::read::Grid::new("s").get(0, 0), None);
    /// ```
    pub fn get(&self, row: u32, col: u32) -> Option<&Cell> {
        self.cells.binary_search_by_key(&(row, col), |(k, _)| *k).ok().map(|i| &self.cells[i].1)
    }

    /// The text a reader sees at `(row, col)`: the cell's own text, or the text of the merged
    /// region covering it.
    ///
    /// ```
    /// use xxgk::read::{Cell, Grid};
    /// let mut grid = Grid::new("s");
    /// grid.set(0, 0, Cell::Number(3.0));
    /// assert_eq!(grid.label(0, 0), None); // numbers are not labels
    /// ```
    pub fn label(&self, row: u32, col: u32) -> Option<&str> {
        let (r, c) = self.anchor(row, col);
        match self.get(r, c) {
            Some(Cell::Text(t)) => Some(t.as_str()),
            _ => None,
        }
    }

    /// The anchor of the merged region covering `(row, col)`, or the cell itself.
    pub(crate) fn anchor(&self, row: u32, col: u32) -> (u32, u32) {
        self.covered.get(&(row, col)).copied().unwrap_or((row, col))
    }

    /// The bottom row of the merged region anchored at `(row, col)`, or `row`.
    pub(crate) fn bottom(&self, row: u32, col: u32) -> u32 {
        self.merges.iter().find(|m| m.first == (row, col)).map_or(row, |m| m.last.0)
    }

    /// Say where the cell at `at` came from in the grid's source (`None`: nowhere, as for a
    /// header the reader drew itself). Once any origin is set, cells without one have no place.
    pub(crate) fn set_origin(&mut self, at: (u32, u32), from: Option<(u32, u32)>) {
        let origins = self.origins.get_or_insert_with(HashMap::default);
        match from {
            Some(f) => origins.insert(at, f),
            None => origins.remove(&at),
        };
    }

    /// Where the cell at `(row, col)` came from: itself for a sheet, its place in the source
    /// for a rebuilt grid (`None` when it has none).
    pub(crate) fn origin(&self, row: u32, col: u32) -> Option<(u32, u32)> {
        match &self.origins {
            None => Some((row, col)),
            Some(map) => map.get(&(row, col)).copied(),
        }
    }

    /// The number of stored cells.
    ///
    /// ```
    /// assert_eq!(xxgk::read::Grid::new("s").len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// Whether no cell is stored.
    ///
    /// ```
    /// assert!(xxgk::read::Grid::new("s").is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// Every stored cell in reading order (row by row, left to right).
    pub(crate) fn sorted(&self) -> impl Iterator<Item = ((u32, u32), &Cell)> {
        self.cells.iter().map(|(k, v)| (*k, v))
    }
}
