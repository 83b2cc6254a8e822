//! Any `--at` text against the example book: parsed, and if accepted, planned at that time.
#![no_main]

mod common;

use std::sync::OnceLock;

fn config() -> &'static ringback::config::Config {
    static CONFIG: OnceLock<ringback::config::Config> = OnceLock::new();
    CONFIG.get_or_init(|| {
        ringback::config::Config::from_toml(include_str!("../../config/ringback.toml")).expect("the fuzz book loads")
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(at) = ringback::cli::parse_at(text, config()) {
        common::exercise(config(), at);
        let _ = ringback::schedule::digests_due(config(), Some(at - jiff::SignedDuration::from_hours(24)), at);
    }
});
