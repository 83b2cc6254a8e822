//! `ringback why`: one prospect explained: where they stand, what is pending, when they are due
//! next, and why they are or are not on the day's list, in plain words.

use jiff::Timestamp;
use jiff::civil::Date;

use super::{Item, Kind, Outcome, Phase, replay, short_date};
use crate::config::{Config, Status};

/// Why a prospect is or is not on the day's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Listed; with what is wrong with it, if anything.
    Listed {
        why: String,
        trouble: Option<Trouble>,
    },
    Paused,
    /// Won, lost or opted out in the config.
    Closed(Status),
    /// Closed by a logged outcome (won, lost, opted-out, not-interested).
    ClosedBy(Outcome, Date),
    Snoozed(Date),
    /// Over the daily call cap: rolled to that day.
    OverTheCap(Date),
    /// Nothing due until then; what falls due then, and whether it is a cadence step.
    Waiting(Date, String, bool),
    /// The cadence ended and there is no drip after it: nothing will ever be due.
    FinishedWithoutDrip,
}

/// Something that keeps a listed call from being made as planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trouble {
    WindowsEnded,
    NoPhone,
}

/// Everything `why` says of a prospect at a time.
#[derive(Debug, Clone)]
pub struct Explained {
    pub id: String,
    pub day: Date,
    /// `step` attempts done of `of`, when in a cadence.
    pub cadence: Option<(usize, usize)>,
    pub stage: &'static str,
    pub last: Option<(Timestamp, Outcome)>,
    pub promise: Option<(Date, Option<Date>)>,
    pub next_step: Option<(Date, String)>,
    pub snoozed_until: Option<Date>,
    pub next: Option<Item>,
    pub verdict: Verdict,
}

/// How far ahead `why` looks for the next item.
const HORIZON_DAYS: u32 = 400;

/// Explains the prospect `id` at `at`; `None` for an id the config does not have.
pub fn why(config: &Config, history: &super::History, id: &str, at: Timestamp) -> Option<Explained> {
    let prospect = config.prospects.get(id)?;
    let now = at.to_zoned(config.me.timezone.clone());
    let today = now.date();
    let events = history.events_of(id);
    let last = events.last().map(|e| (e.at(), e.outcome));
    let mut explained = Explained {
        id: id.to_owned(),
        day: today,
        cadence: None,
        stage: "closed",
        last,
        promise: None,
        next_step: None,
        snoozed_until: None,
        next: None,
        verdict: Verdict::Paused,
    };
    match prospect.status {
        Status::Active => {}
        Status::Paused => {
            explained.stage = "paused";
            return Some(explained);
        }
        closed => {
            explained.verdict = Verdict::Closed(closed);
            return Some(explained);
        }
    }
    let Some(track) = replay(&mut super::WindowCache::new(config), history, prospect, &now) else {
        // Active in the config, closed by what was logged.
        let (when, outcome) =
            last.map_or((today, Outcome::Lost), |(at, o)| (at.to_zoned(now.time_zone().clone()).date(), o));
        explained.verdict = Verdict::ClosedBy(outcome, when);
        return Some(explained);
    };
    let cadence = config.cadence_of(prospect);
    explained.stage = match track.phase {
        Phase::Cadence { step, .. } => {
            explained.cadence = Some((step, cadence.steps.len()));
            "in cadence"
        }
        Phase::Engaged => "engaged",
        Phase::Drip { .. } => "on drip",
        Phase::Done => "finished",
    };
    explained.promise = track.promise.as_ref().map(|p| (p.on, p.made));
    explained.next_step = track.next_step.as_ref().map(|s| (s.on, s.what.clone()));
    explained.snoozed_until = track.snooze_until.filter(|until| *until > today);

    let planned = super::plan_for(config, history, at, HORIZON_DAYS, id);
    let mine: Vec<&Item> = planned.iter().collect();
    explained.next = mine.first().map(|i| (*i).clone());
    let listed_today = mine.iter().find(|i| i.day == today);
    explained.verdict = match (listed_today, mine.first()) {
        (Some(item), _) => {
            let trouble = if item.kind.is_call() && prospect.phone.is_none() {
                Some(Trouble::NoPhone)
            } else if item.kind.is_call() && item.window.is_none() {
                Some(Trouble::WindowsEnded)
            } else {
                None
            };
            Verdict::Listed { why: item.why.clone(), trouble }
        }
        (None, Some(item)) if item.rolled.contains(&today) => Verdict::OverTheCap(item.day),
        (None, Some(item)) => match explained.snoozed_until {
            Some(until) if until >= item.day => Verdict::Snoozed(until),
            _ => Verdict::Waiting(item.day, what_falls_due(item), item.attempt.is_some()),
        },
        (None, None) if track.phase == Phase::Done && super::stats::declined(history, id) => {
            let day = last.map_or(today, |(at, _)| at.to_zoned(now.time_zone().clone()).date());
            Verdict::ClosedBy(Outcome::NotInterested, day)
        }
        (None, None) if track.phase == Phase::Done && cadence.then.is_none() => Verdict::FinishedWithoutDrip,
        (None, None) => match explained.snoozed_until {
            Some(until) => Verdict::Snoozed(until),
            None => Verdict::Waiting(
                today.saturating_add(jiff::Span::new().days(i64::from(HORIZON_DAYS))),
                "nothing within 400 days".to_owned(),
                false,
            ),
        },
    };
    Some(explained)
}

/// `the promised callback`, `call 3 of 7`, `the drip "Q4 report"`.
fn what_falls_due(item: &Item) -> String {
    match item.kind {
        Kind::Promise => "the promised callback".to_owned(),
        Kind::NextStep => format!("the agreed next step ({})", item.next_step.as_deref().unwrap_or("")),
        Kind::Call => match (item.attempt, item.of) {
            (Some(n), Some(of)) => format!("call {n} of {of}"),
            _ => "a keep-in-touch call".to_owned(),
        },
        Kind::Email => match (item.attempt, item.of) {
            (Some(n), Some(of)) => format!("email (step {n} of {of})"),
            _ => "an email".to_owned(),
        },
        Kind::Drip => format!("the drip “{}”", item.drip_item.as_ref().map_or("", |d| d.title.as_str())),
    }
}

impl Verdict {
    /// The verdict in plain words, for the prospect `id` on the day it was asked about.
    pub fn text(&self, id: &str, today: Date) -> String {
        let on = |day: &Date| if *day == today { "today".to_owned() } else { short_date(*day) };
        match self {
            Verdict::Listed { why, trouble: None } => format!("on today's list: {why}"),
            Verdict::Listed { why, trouble: Some(Trouble::WindowsEnded) } => {
                format!(
                    "on today's list ({why}), but today's call windows have ended: it stays listed until it is done"
                )
            }
            Verdict::Listed { why, trouble: Some(Trouble::NoPhone) } => {
                format!(
                    "on today's list ({why}), but there is no phone for this call step: add one with `ringback set {id} phone=...`"
                )
            }
            Verdict::Paused => {
                "not listed: paused (status = \"paused\"; set it back to active to resume)".to_owned()
            }
            Verdict::Closed(status) => format!("not listed: {} (status in the config)", status_word(*status)),
            Verdict::ClosedBy(outcome, day) => {
                format!("not listed: {outcome} was logged on {}", short_date(*day))
            }
            Verdict::Snoozed(until) => format!("not listed: snoozed until {}", short_date(*until)),
            Verdict::OverTheCap(to) => {
                format!("not listed: over the daily call cap (max_calls_per_day), rolled to {}", on(to))
            }
            Verdict::Waiting(day, what, true) => {
                format!(
                    "not listed: waiting for the cadence until {}, when {what} falls due",
                    short_date(*day)
                )
            }
            Verdict::Waiting(day, what, false) => {
                format!("not listed: nothing is due until {}, when {what} falls due", short_date(*day))
            }
            Verdict::FinishedWithoutDrip => {
                "not listed: the cadence finished without a drip (no `then`): nothing will be due again"
                    .to_owned()
            }
        }
    }
}

/// A status as a person reads it: `active`, `opted out`.
pub fn status_word(status: Status) -> &'static str {
    match status {
        Status::Active => "active",
        Status::Paused => "paused",
        Status::Won => "won",
        Status::Lost => "lost",
        Status::OptedOut => "opted out",
    }
}
