//! Any bytes as a config file: parse, validate, and if it loads, plan and render it.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(config) = ringback::config::Config::from_toml(text) {
        common::exercise(&config, common::now());
    }
});
