//! The quick reader of prospect tables against the general parser: for any text, the config
//! (or the diagnostics) must be the same either way.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(difference) = ringback::config::Config::quick_and_general_agree(text) {
        panic!("{difference}");
    }
});
