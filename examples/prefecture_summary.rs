//! Summarise a prefecture's reports.
//!
//! Until the reader lands this prints the national schema the summary is built on.
//!
//! Run it like this: `cargo run --release --example prefecture_summary`

use std::error::Error;

use xxgk::schema::{Item, Table, Template, cells, derived_cells, measures};

fn main() -> Result<(), Box<dyn Error>> {
    for template in [Template::V2019, Template::V2021] {
        println!("{template} format");
        for &table in Table::ALL {
            let published = cells(template).iter().filter(|k| k.table == table).count();
            println!("  {} {} — {published} published cells", table.code(), table.label());
            let columns: Vec<&str> = measures(table, template).iter().map(|m| m.code()).collect();
            println!("    columns: {}", columns.join(", "));
            for &item in Item::ALL.iter().filter(|i| i.table() == table && i.in_template(template)) {
                println!(
                    "    {:<36} {}{}",
                    item.code(),
                    item.numbering().unwrap_or(""),
                    item.label_in(template)
                );
            }
        }
        println!("  derived subtotal cells: {}", derived_cells(template).len());
    }
    Ok(())
}
