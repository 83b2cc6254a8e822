//! `ringback stats`: what the log says about what works.
//!
//! A **call** is a logged `voicemail`, `no-answer`, `gatekeeper`, `spoke` or `meeting`; a
//! **connect** is a `spoke` or `meeting`. A call's **attempt number** is the cadence step it
//! was (emails count as steps, as the cadence does); calls outside a cadence (to an engaged
//! prospect or a client) have none. A call's **window** is the prospect's own local time:
//! early before 09:00, late from 17:00, other between. Dates are mine (`me.timezone`).

use std::collections::BTreeMap;

use jiff::civil::{Date, Weekday};
use jiff::{Timestamp, Zoned};
use serde::Serialize;

use super::{Class, Fate, History, Outcome, Phase, replay, replay_observed};
use crate::config::{Config, Relationship, Status};

/// A rate with the counts behind it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Rate {
    pub hits: usize,
    pub of: usize,
}

impl Rate {
    fn add(&mut self, hit: bool) {
        self.of += 1;
        if hit {
            self.hits += 1;
        }
    }

    /// As a fraction, when there is anything to divide.
    pub fn ratio(self) -> Option<f64> {
        (self.of > 0).then(|| self.hits as f64 / self.of as f64)
    }
}

/// Where a call fell in the prospect's day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LocalWindow {
    Early,
    Other,
    Late,
}

impl LocalWindow {
    pub fn of(hour: i8) -> LocalWindow {
        match hour {
            h if h < 9 => LocalWindow::Early,
            h if h >= 17 => LocalWindow::Late,
            _ => LocalWindow::Other,
        }
    }
}

/// What became of the promises whose day falls in the span.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Promises {
    pub made: usize,
    /// An attempt or contact on the day, or the prospect got in touch first.
    pub kept_on_time: usize,
    /// An attempt after the day.
    pub kept_late: usize,
    /// The day ended with no attempt or contact, and none came after.
    pub missed: usize,
    /// The day is today or later.
    pub open: usize,
}

/// Everything `stats` reports for a span.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    pub since: Date,
    pub until: Date,
    pub calls: Rate,
    /// Connects per call by attempt number (1-based); calls outside a cadence are not here.
    pub by_attempt: BTreeMap<usize, Rate>,
    pub by_window: BTreeMap<LocalWindow, Rate>,
    /// Monday first, by the prospect's local day.
    pub by_weekday: Vec<(String, Rate)>,
    /// Replies per email sent.
    pub emails: Rate,
    pub promises: Promises,
    /// Agreed next steps due in the span, kept by an attempt or contact on or after the day.
    pub next_steps: Rate,
    /// Days from the first attempt to the first contact, for prospects first reached in the
    /// span.
    pub days_to_first_contact: Vec<i64>,
    /// How many prospects stand where, now.
    pub prospects: BTreeMap<&'static str, usize>,
    /// Cold prospects whose cadence ended with no drip after it: no list shows them.
    pub finished_without_drip: Vec<String>,
}

/// The stats for `since..=until` (dates in my zone), with prospects' standing at `now`.
pub fn stats(config: &Config, history: &History, since: Date, until: Date, now: Timestamp) -> Stats {
    let my_tz = config.me.timezone.clone();
    let now = now.to_zoned(my_tz.clone());
    let in_span = |day: Date| since <= day && day <= until;
    let mut stats = Stats {
        since,
        until,
        by_weekday: [
            Weekday::Monday,
            Weekday::Tuesday,
            Weekday::Wednesday,
            Weekday::Thursday,
            Weekday::Friday,
            Weekday::Saturday,
            Weekday::Sunday,
        ]
        .iter()
        .map(|d| (format!("{d:?}")[..3].to_owned(), Rate::default()))
        .collect(),
        ..Stats::default()
    };
    for prospect in config.prospects.values() {
        let cadence = config.cadence_of(prospect);
        let mut step = (prospect.relationship != Relationship::Client).then_some(0usize);
        let mut first_attempt: Option<Date> = None;
        let mut first_contact: Option<Date> = None;
        let events = history.events_of(&prospect.id);
        for (i, event) in events.iter().enumerate() {
            let at = event.at();
            let mine = at.to_zoned(my_tz.clone()).date();
            let class = event.outcome.class();
            let attempt = match class {
                Class::Attempt => {
                    let n = step.map(|s| s + 1);
                    step = step.map(|s| s + 1).filter(|s| *s < cadence.steps.len());
                    n
                }
                Class::Contact => {
                    let n = step.map(|s| s + 1);
                    step = None;
                    n
                }
                _ => None,
            };
            if matches!(class, Class::Attempt | Class::Contact) {
                first_attempt.get_or_insert(mine);
            }
            if class == Class::Contact && first_contact.is_none() {
                first_contact = Some(mine);
                if in_span(mine)
                    && let Some(first) = first_attempt
                {
                    stats.days_to_first_contact.push(super::days_between(first, mine));
                }
            }
            if !in_span(mine) {
                continue;
            }
            let call = matches!(
                event.outcome,
                Outcome::Voicemail
                    | Outcome::NoAnswer
                    | Outcome::Gatekeeper
                    | Outcome::Spoke
                    | Outcome::Meeting
            );
            if call {
                let connect = matches!(event.outcome, Outcome::Spoke | Outcome::Meeting);
                let theirs = at.to_zoned(prospect.timezone.clone());
                stats.calls.add(connect);
                if let Some(n) = attempt {
                    stats.by_attempt.entry(n).or_default().add(connect);
                }
                stats.by_window.entry(LocalWindow::of(theirs.hour())).or_default().add(connect);
                let weekday = theirs.weekday().to_monday_zero_offset() as usize;
                stats.by_weekday[weekday].1.add(connect);
            }
            match event.outcome {
                Outcome::Emailed => stats.emails.of += 1,
                Outcome::Replied => stats.emails.hits += 1,
                _ => {}
            }
            if let Some(next) = event.next_step().filter(|n| in_span(n.on)) {
                let kept = events[i + 1..].iter().any(|later| {
                    matches!(later.outcome.class(), Class::Attempt | Class::Contact)
                        && later.at().to_zoned(my_tz.clone()).date() >= next.on
                });
                stats.next_steps.add(kept);
            }
        }
        count_promises(config, history, prospect, &now, &in_span, &mut stats.promises);
        let place = standing(config, history, prospect, &now);
        *stats.prospects.entry(place).or_default() += 1;
        if place == "finished without a drip" {
            stats.finished_without_drip.push(prospect.id.clone());
        }
    }
    // The emails' replies can outnumber them in a span (a reply to last month's email).
    stats.emails.hits = stats.emails.hits.min(stats.emails.of);
    stats.days_to_first_contact.sort_unstable();
    stats
}

fn count_promises(
    config: &Config,
    history: &History,
    prospect: &crate::config::Prospect,
    now: &Zoned,
    in_span: &dyn Fn(Date) -> bool,
    promises: &mut Promises,
) {
    let today = now.date();
    let track = replay_observed(config, history, prospect, now, &mut |on, fate, _| {
        if !in_span(on) {
            return;
        }
        promises.made += 1;
        match fate {
            Fate::Kept(day) if day <= on => promises.kept_on_time += 1,
            Fate::Kept(_) => promises.kept_late += 1,
            Fate::Answered => promises.kept_on_time += 1,
            Fate::Superseded if on < today => promises.missed += 1,
            Fate::Superseded => promises.open += 1,
        }
    });
    if let Some(promise) = track.and_then(|t| t.promise)
        && in_span(promise.on)
    {
        promises.made += 1;
        if promise.on < today {
            promises.missed += 1;
        } else {
            promises.open += 1;
        }
    }
}

/// Where a prospect stands now, as `stats` counts them.
fn standing(
    config: &Config,
    history: &History,
    prospect: &crate::config::Prospect,
    now: &Zoned,
) -> &'static str {
    match prospect.status {
        Status::Paused => return "paused",
        Status::Won => return "won",
        Status::Lost => return "lost",
        Status::OptedOut => return "opted-out",
        Status::Active => {}
    }
    let Some(track) = replay(config, history, prospect, now) else {
        // Closed by a logged outcome.
        return match history.events_of(&prospect.id).last().map(|e| e.outcome) {
            Some(Outcome::Won) => "won",
            Some(Outcome::OptedOut) => "opted-out",
            _ => "lost",
        };
    };
    if track.snooze_until.is_some_and(|until| until > now.date()) {
        return "snoozed";
    }
    match track.phase {
        Phase::Cadence { .. } => "in cadence",
        Phase::Engaged => "engaged",
        Phase::Drip { .. } => "on drip",
        Phase::Done => "finished without a drip",
    }
}

/// The median of sorted values, as `5` or `7.5`.
pub fn median_text(sorted: &[i64]) -> String {
    let n = sorted.len();
    if n == 0 {
        return "0".to_owned();
    }
    let twice = if n % 2 == 1 { 2 * sorted[n / 2] } else { sorted[n / 2 - 1] + sorted[n / 2] };
    if twice % 2 == 0 { (twice / 2).to_string() } else { format!("{}.5", twice / 2) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_split_at_nine_and_five_and_medians_halve() {
        assert_eq!(LocalWindow::of(8), LocalWindow::Early);
        assert_eq!(LocalWindow::of(9), LocalWindow::Other);
        assert_eq!(LocalWindow::of(16), LocalWindow::Other);
        assert_eq!(LocalWindow::of(17), LocalWindow::Late);
        assert_eq!(median_text(&[0, 10]), "5");
        assert_eq!(median_text(&[0, 3]), "1.5");
        assert_eq!(median_text(&[1, 2, 9]), "2");
        assert_eq!(Rate { hits: 0, of: 0 }.ratio(), None);
    }
}
