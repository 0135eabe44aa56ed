//! Label normalisation: any text, in every context, gives an answer and never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "hook.rs"]
mod hook;
use xxgk::normalize::{Context, label};
use xxgk::schema::{Item, Table};

fuzz_target!(|text: &str| {
    hook::catch_third_party_panics("label");
    for ctx in [
        Context::Any,
        Context::Title,
        Context::Row { table: Table::Applications, group: None },
        Context::Row { table: Table::Applications, group: Some(Item::Withheld) },
        Context::Row { table: Table::Proactive, group: None },
        Context::Column { table: Table::Applications },
        Context::Column { table: Table::ReviewLitigation },
    ] {
        let _ = label(text, ctx);
    }
});
