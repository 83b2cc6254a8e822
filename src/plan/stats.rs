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

use super::{Class, Fate, History, Outcome, Phase, Track, replay_observed};
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
    /// Better call windows, from the whole log (see [`suggest_windows`]); filled by whoever
    /// shows them, as they do not depend on the span.
    pub window_suggestions: Vec<Suggestion>,
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
    let mut windows = super::WindowCache::new(config);
    for prospect in config.prospects.values() {
        let cadence = config.cadence_of(prospect);
        let mut step = (prospect.relationship != Relationship::Client).then_some(0usize);
        let mut first_attempt: Option<Date> = None;
        let mut first_contact: Option<Date> = None;
        // The email a reply was last counted for.
        let mut answered: Option<usize> = None;
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
            // A reply answers the latest email before it: it counts once for that email, when
            // the email was sent in the span (whenever the reply came).
            if event.outcome == Outcome::Replied
                && let Some(email) = events[..i].iter().rposition(|e| e.outcome == Outcome::Emailed)
                && answered != Some(email)
                && in_span(events[email].at().to_zoned(my_tz.clone()).date())
            {
                answered = Some(email);
                stats.emails.hits += 1;
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
            if event.outcome == Outcome::Emailed {
                stats.emails.of += 1;
            }
        }
        // Next steps due in the span, agreed in it or before, logged or typed into the book.
        let kept_from = |on: Date, from: usize| {
            events[from..].iter().any(|later| {
                matches!(later.outcome.class(), Class::Attempt | Class::Contact)
                    && later.at().to_zoned(my_tz.clone()).date() >= on
            })
        };
        for (i, event) in events.iter().enumerate() {
            if let Some(next) = event.next_step().filter(|n| in_span(n.on)) {
                stats.next_steps.add(kept_from(next.on, i + 1));
            }
        }
        if let Some(next) = prospect.next_step.as_ref().filter(|n| in_span(n.on)) {
            stats.next_steps.add(kept_from(next.on, 0));
        }
        // One replay per prospect: its promises' fates, then where it stands.
        let track = count_promises(&mut windows, history, prospect, &now, &in_span, &mut stats.promises);
        let place = standing(history, prospect, track.as_ref(), now.date());
        *stats.prospects.entry(place).or_default() += 1;
        if place == "finished without a drip" {
            stats.finished_without_drip.push(prospect.id.clone());
        }
    }
    stats.days_to_first_contact.sort_unstable();
    stats
}

pub(super) fn count_promises<'c>(
    windows: &mut super::WindowCache<'c>,
    history: &History,
    prospect: &'c crate::config::Prospect,
    now: &Zoned,
    in_span: &dyn Fn(Date) -> bool,
    promises: &mut Promises,
) -> Option<Track> {
    let today = now.date();
    let track = replay_observed(windows, history, prospect, now, &mut |on, fate, _| {
        if !in_span(on) {
            return;
        }
        // Replaced before its day came, it never fell due: the newer promise is the one.
        if let Fate::Superseded(day) = fate
            && day <= on
        {
            return;
        }
        promises.made += 1;
        match fate {
            Fate::Kept(day) if day <= on => promises.kept_on_time += 1,
            Fate::Kept(_) => promises.kept_late += 1,
            Fate::Answered => promises.kept_on_time += 1,
            Fate::Superseded(_) => promises.missed += 1,
        }
    });
    if let Some(promise) = track.as_ref().and_then(|t| t.promise.as_ref())
        && in_span(promise.on)
    {
        promises.made += 1;
        if promise.on < today {
            promises.missed += 1;
        } else {
            promises.open += 1;
        }
    }
    track
}

/// Whether the prospect's last decisive event was a `not-interested`.
pub(super) fn declined(history: &History, id: &str) -> bool {
    history
        .events_of(id)
        .iter()
        .rev()
        .find(|e| matches!(e.outcome.class(), Class::Decline | Class::Contact | Class::Attempt))
        .is_some_and(|e| e.outcome == Outcome::NotInterested)
}

/// Where a prospect stands now, as `stats` counts them, from its replay (`None`: closed).
fn standing(
    history: &History,
    prospect: &crate::config::Prospect,
    track: Option<&Track>,
    today: Date,
) -> &'static str {
    match prospect.status {
        Status::Paused => return "paused",
        Status::Won => return "won",
        Status::Lost => return "lost",
        Status::OptedOut => return "opted-out",
        Status::Active => {}
    }
    let Some(track) = track else {
        // Closed by a logged outcome.
        return match history.events_of(&prospect.id).last().map(|e| e.outcome) {
            Some(Outcome::Won) => "won",
            Some(Outcome::OptedOut) => "opted-out",
            _ => "lost",
        };
    };
    if track.snooze_until.is_some_and(|until| until > today) {
        return "snoozed";
    }
    match track.phase {
        Phase::Cadence { .. } => "in cadence",
        Phase::Engaged => "engaged",
        Phase::Drip { .. } => "on drip",
        // Said no, with no drip to keep in touch by: closed, not forgotten.
        Phase::Done if declined(history, &prospect.id) => "not interested",
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

/// A better call window, from the log: calls inside it connected at least twice as often as
/// the calls outside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    /// `None` for the whole book (`defaults.call_windows`).
    pub prospect: Option<String>,
    /// `17:30-18:30`, in the prospect's own time.
    pub window: String,
    pub inside: Rate,
    pub outside: Rate,
}

/// Calls to one prospect before a window is suggested for them.
pub const MIN_CALLS_PROSPECT: usize = 10;
/// Calls across the book before a book-wide window is suggested.
pub const MIN_CALLS_BOOK: usize = 30;
/// Connects inside a suggested window.
pub const MIN_CONNECTS_INSIDE: usize = 3;

/// Windows that learn: for each prospect with enough calls (and for the book), the hour or
/// hour and a half, on the half hour in their own time, where their calls connected best,
/// when the evidence rule holds: at least `MIN_CALLS_PROSPECT` calls to them
/// (`MIN_CALLS_BOOK` across the book), at least `MIN_CONNECTS_INSIDE` connects inside,
/// and a connect rate inside at least twice that outside. Never a change by itself.
pub fn suggest_windows(config: &Config, history: &History) -> Vec<Suggestion> {
    // (minute of their day, connected) per prospect.
    let mut book = Vec::new();
    let mut out = Vec::new();
    for prospect in config.prospects.values() {
        let calls: Vec<(i32, bool)> = history
            .events_of(&prospect.id)
            .iter()
            .filter(|e| {
                matches!(
                    e.outcome,
                    Outcome::Voicemail
                        | Outcome::NoAnswer
                        | Outcome::Gatekeeper
                        | Outcome::Spoke
                        | Outcome::Meeting
                )
            })
            .map(|e| {
                let theirs = e.at().to_zoned(prospect.timezone.clone());
                (
                    i32::from(theirs.hour()) * 60 + i32::from(theirs.minute()),
                    matches!(e.outcome, Outcome::Spoke | Outcome::Meeting),
                )
            })
            .collect();
        book.extend_from_slice(&calls);
        let current: Vec<String> = prospect.call_windows.iter().map(ToString::to_string).collect();
        if calls.len() >= MIN_CALLS_PROSPECT
            && let Some((window, inside, outside)) = best_window(&calls)
            && current != [window.clone()]
        {
            out.push(Suggestion { prospect: Some(prospect.id.clone()), window, inside, outside });
        }
    }
    let current: Vec<String> = config.defaults.call_windows.iter().map(ToString::to_string).collect();
    if book.len() >= MIN_CALLS_BOOK
        && let Some((window, inside, outside)) = best_window(&book)
        && current != [window.clone()]
    {
        out.push(Suggestion { prospect: None, window, inside, outside });
    }
    out
}

/// The qualifying range with the best connect rate inside; then more connects; then the
/// shorter; then the one that starts closest before its first call.
fn best_window(calls: &[(i32, bool)]) -> Option<(String, Rate, Rate)> {
    let mut best: Option<((i32, i32), Rate, Rate, i32)> = None;
    for start in (6 * 60..=20 * 60).step_by(30) {
        for length in [60, 90] {
            let end = start + length;
            let (mut inside, mut outside) = (Rate::default(), Rate::default());
            let mut first = i32::MAX;
            for &(minute, connect) in calls {
                if (start..end).contains(&minute) {
                    inside.add(connect);
                    first = first.min(minute);
                } else {
                    outside.add(connect);
                }
            }
            // Twice the rate outside, in whole numbers: hits_in/of_in >= 2 hits_out/of_out.
            let doubles = inside.hits * outside.of >= 2 * outside.hits * inside.of;
            if inside.hits < MIN_CONNECTS_INSIDE || !doubles || outside.of == 0 {
                continue;
            }
            let slack = first - start;
            let better = match &best {
                None => true,
                Some(((s, e), b, _, b_slack)) => {
                    let (a, c) = (inside.hits * b.of, b.hits * inside.of);
                    (a, inside.hits, -length, -slack) > (c, b.hits, -(e - s), -b_slack)
                }
            };
            if better {
                best = Some(((start, end), inside, outside, slack));
            }
        }
    }
    best.map(|((start, end), inside, outside, _)| {
        (format!("{:02}:{:02}-{:02}:{:02}", start / 60, start % 60, end / 60, end % 60), inside, outside)
    })
}

/// The weekly review: a week's calls, contacts and promises, its best and worst window, and
/// the four weeks to it.
#[derive(Debug, Clone, Serialize)]
pub struct Review {
    pub week: Stats,
    /// Calls and connects per week, the oldest first, the reviewed week last.
    pub trend: Vec<(Date, Rate)>,
}

impl Review {
    /// The best and worst local window by connect rate, when calls fell in two or more.
    pub fn best_and_worst(&self) -> Option<((LocalWindow, Rate), (LocalWindow, Rate))> {
        let windows: Vec<(LocalWindow, Rate)> =
            self.week.by_window.iter().filter(|(_, r)| r.of > 0).map(|(w, r)| (*w, *r)).collect();
        if windows.len() < 2 {
            return None;
        }
        let key = |r: &Rate| (r.hits * 1000 / r.of.max(1), r.of);
        let best = *windows.iter().max_by_key(|(_, r)| key(r))?;
        let worst = *windows.iter().min_by_key(|(_, r)| key(r))?;
        // Only when the rates differ: "best" between two zeros says nothing.
        (key(&best.1).0 != key(&worst.1).0).then_some((best, worst))
    }
}

/// The review of the week (Monday to Sunday) that starts on `monday`.
pub fn review(config: &Config, history: &History, monday: Date, now: Timestamp) -> Review {
    let sunday = |start: Date| start.saturating_add(jiff::Span::new().days(6));
    let week = stats(config, history, monday, sunday(monday), now);
    let trend = (0..4)
        .rev()
        .map(|k| {
            let start = monday.saturating_sub(jiff::Span::new().weeks(k));
            (start, stats(config, history, start, sunday(start), now).calls)
        })
        .collect();
    Review { week, trend }
}

/// The Monday of the week holding `day`.
pub fn monday_of(day: Date) -> Date {
    day.saturating_sub(jiff::Span::new().days(i64::from(day.weekday().to_monday_zero_offset())))
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
