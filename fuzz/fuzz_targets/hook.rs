//! Which panics count as crashes.
//!
//! libFuzzer aborts on every panic, even one the reader catches. xxgk catches a panic inside a
//! library it calls (pdf_oxide panics on some malformed PDFs) and turns it into the file's
//! diagnostic, by design; such a panic is written to `third_party/TARGET.txt` (its place in
//! the library), for the report and for upstream, and the run goes on. A panic anywhere else —
//! in xxgk itself — still aborts: that is a crash to fix.

use std::io::Write;
use std::sync::Once;

pub fn catch_third_party_panics(target: &str) {
    static ONCE: Once = Once::new();
    let target = target.to_string();
    ONCE.call_once(move || {
        let abort = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let place = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
            if place.contains("/.cargo/registry/") {
                let _ = std::fs::create_dir_all("third_party");
                if let Ok(mut f) = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(format!("third_party/{target}.txt"))
                {
                    let _ = writeln!(f, "{place}");
                }
            } else {
                abort(info);
            }
        }));
    });
}
