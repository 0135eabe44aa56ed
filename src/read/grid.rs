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
    /// Each cell's place in `cells` by position, once the grid is complete (see
    /// [`Grid::index`]); dropped by any change.
    index: Option<Index>,
}

/// The places of a grid's cells in the box from its first row to its last, column 0 to its
/// widest: [`Grid::get`] without a search.
#[derive(Clone, Debug)]
struct Index {
    first_row: u32,
    width: u32,
    /// Row-major over the box; [`Index::NONE`] where no cell is stored.
    at: Vec<u16>,
}

impl Index {
    const NONE: u16 = u16::MAX;
    /// The largest box indexed (64 KiB of places); a grid spread wider is searched.
    const MAX_AREA: usize = 32_768;
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
        self.index = None;
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
        if let Some(index) = &self.index {
            let place = (row.checked_sub(index.first_row)? as usize)
                .checked_mul(index.width as usize)?
                .checked_add(col as usize)
                .filter(|_| col < index.width)?;
            let i = *index.at.get(place)?;
            return (i != Index::NONE).then(|| &self.cells[usize::from(i)].1);
        }
        self.cells.binary_search_by_key(&(row, col), |(k, _)| *k).ok().map(|i| &self.cells[i].1)
    }

    /// Index the cells by position, for a grid that is complete: [`Grid::get`] then finds a
    /// cell without a search (a table is read a cell at a time). Only a grid whose cells fit in
    /// a box of 32,768 positions is indexed; any change drops the index.
    pub(crate) fn index(&mut self) {
        self.index = None;
        let (Some(first), Some(last)) = (self.cells.first(), self.cells.last()) else { return };
        let (first_row, rows) = (first.0.0, (last.0.0 - first.0.0) as usize + 1);
        let width = self.cells.iter().map(|((_, c), _)| *c as usize + 1).max().unwrap_or(0);
        let area = rows.saturating_mul(width);
        if area > Index::MAX_AREA {
            return;
        }
        let mut at = vec![Index::NONE; area];
        for (i, ((r, c), _)) in self.cells.iter().enumerate() {
            at[(r - first_row) as usize * width + *c as usize] = i as u16;
        }
        // At most 32,768 columns here.
        self.index = Some(Index { first_row, width: width as u32, at });
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// An indexed grid finds what a searched one finds at every position, inside its box
        /// and around it, and again after a change (which drops the index).
        #[test]
        fn an_indexed_grid_finds_what_a_searched_one_finds(
            cells in proptest::collection::vec((0u32..40, 0u32..12, -5i32..5), 0..120),
            far in proptest::option::of((0u32..5000, prop_oneof![0u32..200, Just(u32::MAX)])),
            change in (0u32..42, 0u32..14),
        ) {
            let mut searched = Grid::new("s");
            for &(r, c, v) in &cells {
                searched.set(r, c, if v < 0 { Cell::Text(String::new()) } else { Cell::Number(f64::from(v)) });
            }
            if let Some((r, c)) = far {
                searched.set(r, c, Cell::Text("far".into()));
            }
            let mut indexed = searched.clone();
            indexed.index();
            // Indexed where the box from the first row to the last, column 0 to the widest, is
            // at most 32,768 positions.
            let rows: Vec<u32> = searched.sorted().map(|((r, _), _)| r).collect();
            let width = searched.sorted().map(|((_, c), _)| c as usize + 1).max().unwrap_or(0);
            let area = rows.first().zip(rows.last()).map(|(a, b)| (b - a + 1) as usize * width);
            prop_assert_eq!(indexed.index.is_some(), area.is_some_and(|a| a <= 32_768));
            let same = |a: &Grid, b: &Grid| (0..45).all(|r| (0..16).all(|c| a.get(r, c) == b.get(r, c)));
            prop_assert!(same(&indexed, &searched));
            if let Some((r, c)) = far {
                prop_assert_eq!(indexed.get(r, c), searched.get(r, c));
            }
            indexed.set(change.0, change.1, Cell::Number(99.0));
            searched.set(change.0, change.1, Cell::Number(99.0));
            prop_assert!(indexed.index.is_none());
            prop_assert!(same(&indexed, &searched));
        }
    }
}
