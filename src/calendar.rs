//! The calendar of workdays: which days something may fall due on, and how waits count.
//!
//! Core: pure date arithmetic on jiff's civil dates. It may not touch the state, the channels,
//! the daemon or the command line, nor read the clock.

use std::collections::BTreeSet;

use std::fmt;

use jiff::ToSpan;
use jiff::civil::{Date, Weekday};

/// Which days count as working days: the weekly pattern minus holidays and time away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    pub workdays: [bool; 7],
    pub holidays: BTreeSet<Date>,
    /// Inclusive ranges of time off.
    pub away: Vec<(Date, Date)>,
}

impl Default for Calendar {
    fn default() -> Self {
        // Monday to Friday.
        let workdays = [true, true, true, true, true, false, false];
        Calendar { workdays, holidays: BTreeSet::new(), away: Vec::new() }
    }
}

impl Calendar {
    /// Whether something may fall due on this day.
    pub fn is_workday(&self, date: Date) -> bool {
        self.workdays[weekday_index(date.weekday())]
            && !self.holidays.contains(&date)
            && !self.away.iter().any(|&(from, to)| from <= date && date <= to)
    }

    /// The day itself if it is a workday, else the next one.
    pub fn on_or_after(&self, mut date: Date) -> Date {
        // Validation guarantees at least one workday a week, so this ends; the bound guards
        // against absurd away ranges all the same.
        for _ in 0..5000 {
            if self.is_workday(date) {
                return date;
            }
            date = date.tomorrow().unwrap_or(date);
        }
        date
    }

    /// The first workday strictly after this day.
    pub fn next_after(&self, date: Date) -> Date {
        self.on_or_after(date.tomorrow().unwrap_or(date))
    }

    /// The last workday strictly before this day.
    pub fn previous_before(&self, mut date: Date) -> Date {
        for _ in 0..5000 {
            date = date.yesterday().unwrap_or(date);
            if self.is_workday(date) {
                return date;
            }
        }
        date
    }

    /// A wait added to a date, landing on a workday: calendar units are added then moved
    /// forward to a workday; workdays are counted one by one.
    pub fn add(&self, wait: Wait, date: Date) -> Date {
        match wait {
            Wait::Workdays(n) => {
                let mut day = date;
                for _ in 0..n {
                    day = self.next_after(day);
                }
                self.on_or_after(day)
            }
            other => self.on_or_after(other.add_calendar(date)),
        }
    }
}

pub fn weekday_index(day: Weekday) -> usize {
    day.to_monday_zero_offset() as usize
}

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
    /// Adds this wait to a date in plain calendar terms; workdays are the calendar's business,
    /// so `Workdays` is only approximated here and resolved by [`Calendar::add`].
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
