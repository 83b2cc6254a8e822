//! The small parsers on their own: a wait (`2 workdays`) and the date it leads to from the
//! ends of the supported range, a call window, a clock duration and a cron pattern (and its
//! next and previous occurrences). Fields are separated by 0x1F.
#![no_main]

use ringback::config::{Calendar, Wait, Window, parse_clock, parse_cron};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut fields = text.split('\u{1F}');
    let mut next = || fields.next().unwrap_or("");
    let (wait, window, clock, cron) = (next(), next(), next(), next());
    if let Ok(wait) = Wait::parse(wait) {
        let calendar = Calendar::default();
        for date in ["1900-01-01", "2026-11-24", "2200-12-31"] {
            let _ = calendar.add(wait, date.parse().unwrap());
        }
    }
    let _ = Window::parse_call(window);
    let _ = Window::parse_any(window);
    let _ = parse_clock(clock, jiff::SignedDuration::from_hours(24), "24h");
    if let Ok(cron) = parse_cron(cron) {
        let from = jiff::Timestamp::from_second(1_795_000_000).unwrap().to_zoned(jiff::tz::TimeZone::get("Europe/Berlin").unwrap());
        let _ = cron.find_next_occurrence(&from, false);
        let _ = cron.find_previous_occurrence(&from, true);
    }
});
