//! The small value types a config is made of: waits, call windows, clock durations, weekdays.

use std::fmt;

use jiff::SignedDuration;
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;

pub use crate::calendar::Wait;

/// The longest wait a config may hold: 10 years. Cadence gaps, drip intervals and
/// `keep_in_touch` are weeks or months in practice; the bound keeps every due date the planner
/// computes far inside the calendar's range (see [`MIN_YEAR`] and [`MAX_YEAR`]).
pub const MAX_WAIT_YEARS: i64 = 10;

impl Wait {
    /// Parses `N days|d`, `N workdays|wd`, `N weeks|w`, `N months|mo` (singular forms too), at
    /// most [`MAX_WAIT_YEARS`] long: `3653 days`, `2610 workdays`, `522 weeks` or `120 months`.
    pub fn parse(text: &str) -> Result<Wait, String> {
        let expected = || {
            format!("expected a duration like `3 days`, `2 workdays`, `1 week` or `3 months`, found `{text}`")
        };
        let trimmed = text.trim();
        let split = trimmed.find(|c: char| !c.is_ascii_digit()).ok_or_else(expected)?;
        let (number, unit) = trimmed.split_at(split);
        let n: i64 = match number.parse() {
            Ok(n) => n,
            // All digits but more than an i64 holds: too long rather than malformed.
            Err(_) if !number.is_empty() => i64::MAX,
            Err(_) => return Err(expected()),
        };
        let (wait, max) = match unit.trim() {
            "day" | "days" | "d" => (Wait::Days(n), Wait::Days(MAX_WAIT_YEARS * 365 + 3)),
            "workday" | "workdays" | "wd" => (Wait::Workdays(n), Wait::Workdays(MAX_WAIT_YEARS * 261)),
            "week" | "weeks" | "w" => (Wait::Weeks(n), Wait::Weeks(MAX_WAIT_YEARS * 52 + 2)),
            "month" | "months" | "mo" => (Wait::Months(n), Wait::Months(MAX_WAIT_YEARS * 12)),
            _ => return Err(expected()),
        };
        if wait.count() > max.count() {
            return Err(format!("`{text}` is too long: a wait is at most {MAX_WAIT_YEARS} years (`{max}`)"));
        }
        Ok(wait)
    }

    fn count(self) -> i64 {
        match self {
            Wait::Days(n) | Wait::Workdays(n) | Wait::Weeks(n) | Wait::Months(n) => n,
        }
    }
}

/// A daily span of wall-clock time, `HH:MM-HH:MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    pub start: Time,
    pub end: Time,
}

impl Window {
    /// Parses a call window; it must not cross midnight (split it in two instead).
    pub fn parse_call(text: &str) -> Result<Window, String> {
        let window = Window::parse_any(text)?;
        if window.end <= window.start {
            return Err(format!(
                "`{text}` ends before it starts: a call window must end after it starts on the same day"
            ));
        }
        Ok(window)
    }

    /// Parses a span that may cross midnight, such as quiet hours `21:00-07:00`.
    pub fn parse_any(text: &str) -> Result<Window, String> {
        let expected = || format!("expected a time range like `07:30-08:30`, found `{text}`");
        let (start, end) = text.split_once('-').ok_or_else(expected)?;
        let start = parse_hhmm(start.trim()).ok_or_else(expected)?;
        let end = parse_hhmm(end.trim()).ok_or_else(expected)?;
        if start == end {
            return Err(format!("`{text}` is empty: start and end are the same time"));
        }
        Ok(Window { start, end })
    }

    /// Whether a time of day falls inside, allowing for spans across midnight.
    pub fn contains(&self, time: Time) -> bool {
        if self.start < self.end {
            self.start <= time && time < self.end
        } else {
            time >= self.start || time < self.end
        }
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start.strftime("%H:%M"), self.end.strftime("%H:%M"))
    }
}

fn parse_hhmm(text: &str) -> Option<Time> {
    let (h, m) = text.split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let h: i8 = h.parse().ok()?;
    let m: i8 = m.parse().ok()?;
    if h == 24 && m == 0 {
        return Some(Time::MAX);
    }
    Time::new(h, m, 0, 0).ok()
}

/// Parses a clock duration such as `5m`, `4h` or `1h 30m` (jiff's friendly format), at most
/// `max` long (shown in the message as `max_text`).
pub fn parse_clock(text: &str, max: SignedDuration, max_text: &str) -> Result<SignedDuration, String> {
    let duration: SignedDuration = text
        .trim()
        .parse()
        .map_err(|_| format!("expected a duration like `5m`, `90s` or `4h`, found `{text}`"))?;
    if duration.is_negative() {
        return Err(format!("`{text}` is negative: expected a positive duration"));
    }
    if duration > max {
        return Err(format!("`{text}` is too long: at most `{max_text}`"));
    }
    Ok(duration)
}

/// Parses `Mon`..`Sun` (or the full English name, any case).
pub fn parse_weekday(text: &str) -> Result<Weekday, String> {
    let day = match text.to_ascii_lowercase().as_str() {
        "mon" | "monday" => Weekday::Monday,
        "tue" | "tues" | "tuesday" => Weekday::Tuesday,
        "wed" | "wednesday" => Weekday::Wednesday,
        "thu" | "thur" | "thurs" | "thursday" => Weekday::Thursday,
        "fri" | "friday" => Weekday::Friday,
        "sat" | "saturday" => Weekday::Saturday,
        "sun" | "sunday" => Weekday::Sunday,
        _ => return Err(format!("expected a weekday like `Mon` or `Fri`, found `{text}`")),
    };
    Ok(day)
}

/// The first year a config date or `--at` may fall in.
pub const MIN_YEAR: i16 = 1900;
/// The last year a config date or `--at` may fall in. With waits of at most
/// [`MAX_WAIT_YEARS`], everything the planner computes stays far from the end of the calendar
/// (year 9999), where date arithmetic would overflow.
pub const MAX_YEAR: i16 = 2200;

/// Refuses a date outside [`MIN_YEAR`]..=[`MAX_YEAR`], naming the supported range.
pub fn in_range(date: Date) -> Result<Date, String> {
    if (MIN_YEAR..=MAX_YEAR).contains(&date.year()) {
        Ok(date)
    } else {
        Err(format!(
            "`{date}` is out of range: ringback plans dates from {MIN_YEAR}-01-01 to {MAX_YEAR}-12-31"
        ))
    }
}

/// A TOML local date (`2026-12-25`) as a civil date in the supported range; times and offsets
/// are refused.
pub fn toml_date(value: &toml::value::Datetime) -> Result<Date, String> {
    match (&value.date, &value.time, &value.offset) {
        (Some(d), None, None) => Date::new(d.year as i16, d.month as i8, d.day as i8)
            .map_err(|e| format!("`{value}` is not a valid date: {e}"))
            .and_then(in_range),
        _ => Err(format!("expected a date like 2026-11-24 (no time), found `{value}`")),
    }
}

/// Looks up an IANA zone. jiff's database indexes the whole zoneinfo tree the first time it is
/// asked (a third of a small book's run); a name of the usual shape (`UTC`, or an IANA area and
/// a location: `America/Toronto`, `America/Argentina/Salta`) is read straight from its file
/// instead, and anything else (another spelling, `posix/...`, a missing file, a system without
/// the tree) goes to jiff's database as before. Besides jiff's own, this is the one read of the
/// system the config makes.
pub fn time_zone(name: &str) -> Result<TimeZone, jiff::Error> {
    const AREAS: &[&str] = &[
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Etc",
        "Indian",
        "Pacific",
    ];
    let mut parts = name.split('/');
    let area = parts.next().unwrap_or_default();
    let rest: Vec<&str> = parts.collect();
    let usual = name == "UTC"
        || (AREAS.contains(&area)
            && (1..=2).contains(&rest.len())
            && rest.iter().all(|part| {
                !part.is_empty()
                    && part.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
                    && part.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+'))
            }));
    if usual {
        let dir = std::env::var_os("TZDIR")
            .filter(|d| !d.is_empty())
            .map_or_else(|| std::path::PathBuf::from("/usr/share/zoneinfo"), std::path::PathBuf::from);
        if let Ok(data) = std::fs::read(dir.join(name))
            && let Ok(tz) = TimeZone::tzif(name, &data)
        {
            return Ok(tz);
        }
    }
    TimeZone::get(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_are_bounded_to_ten_years() {
        assert_eq!(Wait::parse("120 months"), Ok(Wait::Months(120)));
        assert_eq!(Wait::parse("2610 workdays"), Ok(Wait::Workdays(2610)));
        for text in ["121 months", "523 weeks", "3654 days", "2611 wd", "99999999999999999999999 days"] {
            let error = Wait::parse(text).expect_err(text);
            assert!(error.contains("at most 10 years"), "{text}: {error}");
        }
    }

    #[test]
    fn the_longest_wait_from_the_last_date_stays_in_range() {
        let last = Date::new(MAX_YEAR, 12, 31).unwrap();
        for wait in ["3653 days", "522 weeks", "120 months", "2610 workdays"] {
            let date = Wait::parse(wait).unwrap().add_calendar(last);
            assert!(date.year() < 9000, "{wait}: {date}");
        }
    }

    #[test]
    fn zones_read_from_their_file_are_the_ones_jiff_knows() {
        for name in ["UTC", "America/Toronto", "America/Argentina/Salta", "Etc/GMT+5", "Asia/Kolkata"] {
            let quick = time_zone(name).expect(name);
            let jiff = TimeZone::get(name).expect(name);
            assert_eq!(quick.iana_name(), Some(name));
            let at: jiff::Timestamp = "2026-07-01T12:00:00Z".parse().unwrap();
            assert_eq!(quick.to_offset(at), jiff.to_offset(at), "{name}");
        }
        // Not zones to jiff, so not to ringback either, though files by these names exist.
        for name in ["posix/America/Toronto", "right/UTC", "zone.tab", "America/../UTC", ""] {
            assert!(time_zone(name).is_err(), "{name}");
        }
    }

    #[test]
    fn dates_outside_the_supported_range_are_refused() {
        let date = |s: &str| toml_date(&s.parse::<toml::value::Datetime>().unwrap());
        assert!(date("2200-12-31").is_ok());
        assert!(date("1900-01-01").is_ok());
        assert_eq!(
            date("9999-12-31").unwrap_err(),
            "`9999-12-31` is out of range: ringback plans dates from 1900-01-01 to 2200-12-31"
        );
        assert!(date("0001-01-01").is_err());
    }
}
