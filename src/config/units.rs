//! The small value types a config is made of: waits, call windows, clock durations, weekdays.

use std::fmt;

use jiff::civil::{Date, Time, Weekday};
use jiff::{SignedDuration, ToSpan};

/// A cadence gap or drip interval. Calendar units stay calendar units so that "1 month" after
/// 31 January is the end of February and "1 week" spans a DST change without drifting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    Days(i64),
    Workdays(i64),
    Weeks(i64),
    Months(i64),
}

impl Wait {
    /// Parses `N days|d`, `N workdays|wd`, `N weeks|w`, `N months|mo` (singular forms too).
    pub fn parse(text: &str) -> Result<Wait, String> {
        let expected = || {
            format!("expected a duration like `3 days`, `2 workdays`, `1 week` or `3 months`, found `{text}`")
        };
        let trimmed = text.trim();
        let split = trimmed.find(|c: char| !c.is_ascii_digit()).ok_or_else(expected)?;
        let (number, unit) = trimmed.split_at(split);
        let n: i64 = number.parse().map_err(|_| expected())?;
        if n > 10_000 {
            return Err(format!("`{text}` is too long: at most 10000 units"));
        }
        match unit.trim() {
            "day" | "days" | "d" => Ok(Wait::Days(n)),
            "workday" | "workdays" | "wd" => Ok(Wait::Workdays(n)),
            "week" | "weeks" | "w" => Ok(Wait::Weeks(n)),
            "month" | "months" | "mo" => Ok(Wait::Months(n)),
            _ => Err(expected()),
        }
    }

    /// Adds this wait to a date in plain calendar terms; workdays are the calendar's business,
    /// so `Workdays` is only approximated here and resolved by [`crate::config::Calendar::add`].
    pub fn add_calendar(self, date: Date) -> Date {
        let span = match self {
            Wait::Days(n) | Wait::Workdays(n) => n.days(),
            Wait::Weeks(n) => n.weeks(),
            Wait::Months(n) => n.months(),
        };
        date.saturating_add(span)
    }
}

impl fmt::Display for Wait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (n, unit) = match *self {
            Wait::Days(n) => (n, "day"),
            Wait::Workdays(n) => (n, "workday"),
            Wait::Weeks(n) => (n, "week"),
            Wait::Months(n) => (n, "month"),
        };
        write!(f, "{n} {unit}{}", if n == 1 { "" } else { "s" })
    }
}

/// A daily span of wall-clock time, `HH:MM-HH:MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// Parses a clock duration such as `5m`, `4h` or `1h 30m` (jiff's friendly format).
pub fn parse_clock(text: &str) -> Result<SignedDuration, String> {
    let duration: SignedDuration = text
        .trim()
        .parse()
        .map_err(|_| format!("expected a duration like `5m`, `90s` or `4h`, found `{text}`"))?;
    if duration.is_negative() {
        return Err(format!("`{text}` is negative: expected a positive duration"));
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

/// A TOML local date (`2026-12-25`) as a civil date; times and offsets are refused.
pub fn toml_date(value: &toml::value::Datetime) -> Result<Date, String> {
    match (&value.date, &value.time, &value.offset) {
        (Some(d), None, None) => Date::new(d.year as i16, d.month as i8, d.day as i8)
            .map_err(|e| format!("`{value}` is not a valid date: {e}")),
        _ => Err(format!("expected a date like 2026-11-24 (no time), found `{value}`")),
    }
}
