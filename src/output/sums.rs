//! The rollup frame read into cells by group and year: what the workbook and the charts draw.

use std::collections::BTreeMap;

use polars::prelude::*;

use crate::columns::{self as cols, polars_error};
use crate::error::Result;
use crate::schema::Key;

/// One summed cell of the rollup.
pub(super) struct Sum {
    pub value: Option<i64>,
    pub blank_units: u32,
    pub inferred_units: u32,
}

/// One group's summed cells in one year.
pub(super) struct Group {
    pub name: String,
    pub level: String,
    /// Units that reported this year, and units the registry expects (the charts' notes).
    #[cfg_attr(not(feature = "charts"), allow(dead_code))]
    pub reported: u32,
    #[cfg_attr(not(feature = "charts"), allow(dead_code))]
    pub expected: u32,
    pub cells: BTreeMap<Key, Sum>,
}

/// The rollup frame by group and year.
pub(super) struct Sums {
    pub groups: BTreeMap<(u32, i32), Group>,
}

impl Sums {
    /// Read a rollup frame; `context` names what failed in an error.
    pub fn from(rollup: &DataFrame, context: &str) -> Result<Sums> {
        let err = |e| polars_error(context, e);
        let text = |name: &str| -> Result<Vec<Option<String>>> {
            let c = rollup.column(name).map_err(err)?.cast(&DataType::String).map_err(err)?;
            Ok(c.str().map_err(err)?.iter().map(|s| s.map(str::to_string)).collect())
        };
        let ints = |name: &str| -> Result<Vec<Option<i64>>> {
            let c = rollup.column(name).map_err(err)?.cast(&DataType::Int64).map_err(err)?;
            Ok(c.i64().map_err(err)?.iter().collect())
        };
        let (level, name, item, measure) =
            (text(cols::LEVEL)?, text(cols::NAME)?, text(cols::ITEM)?, text(cols::MEASURE)?);
        let (code, year, value) = (ints(cols::CODE)?, ints(cols::YEAR)?, ints(cols::VALUE)?);
        let (blank, inferred) = (ints(cols::BLANK_UNITS)?, ints(cols::INFERRED_UNITS)?);
        let (reported, expected) = (ints(cols::UNITS_REPORTED)?, ints(cols::UNITS_EXPECTED)?);
        let count = |v: Option<i64>| v.unwrap_or(0).clamp(0, i64::from(u32::MAX)) as u32;
        let mut groups: BTreeMap<(u32, i32), Group> = BTreeMap::new();
        for i in 0..rollup.height() {
            let (Some(c), Some(y), Some(it), Some(m)) = (code[i], year[i], &item[i], &measure[i]) else {
                continue;
            };
            let key = Key::new(it.parse()?, m.parse()?);
            let group = groups.entry((c as u32, y as i32)).or_insert_with(|| Group {
                name: name[i].clone().unwrap_or_else(|| c.to_string()),
                level: level[i].clone().unwrap_or_default(),
                reported: count(reported[i]),
                expected: count(expected[i]),
                cells: BTreeMap::new(),
            });
            let sum =
                Sum { value: value[i], blank_units: count(blank[i]), inferred_units: count(inferred[i]) };
            group.cells.insert(key, sum);
        }
        Ok(Sums { groups })
    }
}
