//! Value parsing: any text, in every unit and scale, gives a value or an error; a value read
//! reads back the same from its own rendering (counts as digits, money as 元).
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "hook.rs"]
mod hook;
use xxgk::normalize::{MoneyScale, value, yuan};
use xxgk::schema::Unit;

fuzz_target!(|text: &str| {
    hook::catch_third_party_panics("value");
    for unit in [Unit::Count, Unit::SignedCount, Unit::Money] {
        for scale in [MoneyScale::Yuan, MoneyScale::WanYuan] {
            let Ok(parsed) = value(text, unit, scale) else { continue };
            let Some(v) = parsed.value else { continue };
            let (again, scale) = match unit {
                Unit::Money => (yuan(v), MoneyScale::Yuan),
                _ => (v.to_string(), scale),
            };
            let back = value(&again, unit, scale).ok().and_then(|p| p.value);
            assert_eq!(back, Some(v), "{text:?} read as {v}, rendered {again:?}");
        }
    }
});
