//! xxgk's integration tests, in one binary: every file directly under `tests/` would be its own
//! binary linking polars again, so the suites live in `tests/suite/` as modules of this one.

#[path = "suite/analysis.rs"]
mod analysis;
#[cfg(feature = "charts")]
#[path = "suite/charts.rs"]
mod charts;
#[path = "suite/examples.rs"]
mod examples;
#[cfg(feature = "xlsx")]
#[path = "suite/handover.rs"]
mod handover;
#[path = "suite/normalize.rs"]
mod normalize;
#[path = "suite/published.rs"]
mod published;
#[path = "suite/read.rs"]
mod read;
#[path = "suite/reliability.rs"]
mod reliability;
#[path = "../examples/generate_dataset/sample.rs"]
mod sample;
#[path = "suite/validate.rs"]
mod validate;
