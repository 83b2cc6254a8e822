//! What happened: the events a person logged and when ringback first saw parts of the config.
//! The state module loads these; the planner only reads them.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use jiff::civil::Date;

use crate::config::NextStep;

/// The outcome of a logged event (DESIGN.md, "Events and states").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Voicemail,
    NoAnswer,
    Gatekeeper,
    Emailed,
    Spoke,
    Replied,
    Meeting,
    DripSent,
    NotInterested,
    Won,
    Lost,
    OptedOut,
    Snooze,
    /// An out-of-office reply (from the mailbox): with `until`, nothing is due before it.
    AutoReply,
    /// Mail to the address in `item` failed for good (from the mailbox).
    Bounced,
}

/// What an outcome counts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Attempt,
    Contact,
    Drip,
    /// `not-interested`: the cadence ends, a drip may continue.
    Decline,
    /// `won`, `lost`, `opted-out`: nothing is ever due again.
    Close,
    Snooze,
    /// Noted for the record; an auto-reply's `until` snoozes.
    Note,
}

impl Outcome {
    pub const ALL: [Outcome; 15] = [
        Outcome::Voicemail,
        Outcome::NoAnswer,
        Outcome::Gatekeeper,
        Outcome::Emailed,
        Outcome::Spoke,
        Outcome::Replied,
        Outcome::Meeting,
        Outcome::DripSent,
        Outcome::NotInterested,
        Outcome::Won,
        Outcome::Lost,
        Outcome::OptedOut,
        Outcome::Snooze,
        Outcome::AutoReply,
        Outcome::Bounced,
    ];

    /// The short forms a person types forty times a day.
    pub const ALIASES: [(&'static str, Outcome); 5] = [
        ("vm", Outcome::Voicemail),
        ("na", Outcome::NoAnswer),
        ("noanswer", Outcome::NoAnswer),
        ("gk", Outcome::Gatekeeper),
        ("ni", Outcome::NotInterested),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Voicemail => "voicemail",
            Outcome::NoAnswer => "no-answer",
            Outcome::Gatekeeper => "gatekeeper",
            Outcome::Emailed => "emailed",
            Outcome::Spoke => "spoke",
            Outcome::Replied => "replied",
            Outcome::Meeting => "meeting",
            Outcome::DripSent => "drip-sent",
            Outcome::NotInterested => "not-interested",
            Outcome::Won => "won",
            Outcome::Lost => "lost",
            Outcome::OptedOut => "opted-out",
            Outcome::Snooze => "snooze",
            Outcome::AutoReply => "auto-reply",
            Outcome::Bounced => "bounced",
        }
    }

    pub fn class(self) -> Class {
        match self {
            Outcome::Voicemail | Outcome::NoAnswer | Outcome::Gatekeeper | Outcome::Emailed => Class::Attempt,
            Outcome::Spoke | Outcome::Replied | Outcome::Meeting => Class::Contact,
            Outcome::DripSent => Class::Drip,
            Outcome::NotInterested => Class::Decline,
            Outcome::Won | Outcome::Lost | Outcome::OptedOut => Class::Close,
            Outcome::Snooze => Class::Snooze,
            Outcome::AutoReply | Outcome::Bounced => Class::Note,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Outcome {
    type Err = String;

    /// An outcome's name in any case, with spaces or `_` for `-` (`no answer`, `No_Answer`),
    /// or one of the short forms in [`Outcome::ALIASES`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let typed = s.split_whitespace().collect::<Vec<_>>().join("-").replace('_', "-").to_lowercase();
        let alias = Outcome::ALIASES.iter().find(|(short, _)| *short == typed).map(|(_, o)| *o);
        alias.or_else(|| Outcome::ALL.into_iter().find(|o| o.as_str() == typed)).ok_or_else(|| {
            let names: Vec<&str> = Outcome::ALL.iter().map(|o| o.as_str()).collect();
            let aliases: Vec<String> =
                Outcome::ALIASES.iter().map(|(short, o)| format!("{short} ({o})")).collect();
            format!("unknown outcome `{s}`: expected one of {}, or {}", names.join(", "), aliases.join(", "))
        })
    }
}

/// What a logged event says about a callback promise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PromiseChoice {
    /// No flag: a voicemail promises the next call step's date; other outcomes promise nothing.
    #[default]
    Auto,
    /// `--promise DATE`.
    On(Date),
    /// `--no-promise`.
    Skip,
}

/// One logged event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Insertion order, to order events logged at the same instant.
    pub seq: i64,
    /// Shared by all of a prospect's events, so loading a large history allocates it once.
    pub prospect: std::sync::Arc<str>,
    pub at: Timestamp,
    pub outcome: Outcome,
    pub note: Option<String>,
    pub promise: PromiseChoice,
    pub next_step: Option<NextStep>,
    pub until: Option<Date>,
    pub item: Option<String>,
}

/// An event as the planner keeps it: 40 bytes where an [`Event`] takes about 140, for a
/// history of a million events. The note is left out (the planner never reads it) and the
/// rare parts (an agreed next step, a named drip item) are boxed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    /// Insertion order, to order events logged at the same second.
    pub seq: i64,
    /// When, in whole seconds (as the state keeps it).
    second: i64,
    pub outcome: Outcome,
    pub promise: PromiseChoice,
    pub until: Option<Date>,
    rare: Option<Box<Rare>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Rare {
    next_step: Option<NextStep>,
    item: Option<String>,
}

impl Logged {
    /// The planner's copy of an event (its time cut to whole seconds, as stored).
    pub fn new(
        seq: i64,
        at: Timestamp,
        outcome: Outcome,
        promise: PromiseChoice,
        until: Option<Date>,
        next_step: Option<NextStep>,
        item: Option<String>,
    ) -> Logged {
        let rare = (next_step.is_some() || item.is_some()).then(|| Box::new(Rare { next_step, item }));
        Logged { seq, second: at.as_second(), outcome, promise, until, rare }
    }

    pub fn at(&self) -> Timestamp {
        Timestamp::from_second(self.second).unwrap_or(Timestamp::MIN)
    }

    pub fn next_step(&self) -> Option<&NextStep> {
        self.rare.as_ref().and_then(|r| r.next_step.as_ref())
    }

    /// The drip item a `drip-sent` named.
    pub fn item(&self) -> Option<&str> {
        self.rare.as_ref().and_then(|r| r.item.as_deref())
    }
}

impl From<&Event> for Logged {
    fn from(e: &Event) -> Logged {
        Logged::new(e.seq, e.at, e.outcome, e.promise, e.until, e.next_step.clone(), e.item.clone())
    }
}

/// Everything the planner needs from the state.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Every prospect's events in one list, each prospect's together and oldest first: one
    /// allocation for a million events rather than one per prospect.
    log: Vec<Logged>,
    /// Where each prospect's events are in `log`.
    ranges: HashMap<String, std::ops::Range<usize>>,
    /// When ringback first saw a prospect id, or a hand-entered promise or next step: by id,
    /// the keys `prospect`, `promise:DATE` and `next_step:DATE` (a handful per prospect, so a
    /// list, and a lookup by `&str` that allocates nothing).
    seen: HashMap<String, Vec<(String, Timestamp)>>,
    /// When anything not in `seen` counts as first seen: a command that only reads the state
    /// assumes "now" without writing each sighting down.
    assumed_seen: Option<Timestamp>,
}

impl History {
    /// Adds an event, keeping each prospect's events in order. The prospect's events move to
    /// the end of the log (their old place is left unused: a logged event is a rare, small
    /// addition, and a reload compacts).
    pub fn push(&mut self, event: &Event) {
        let id = event.prospect.to_string();
        let old = self.ranges.remove(&id).unwrap_or(0..0);
        let start = self.log.len();
        if old.end == start {
            // Already last: extend in place.
            self.log.push(Logged::from(event));
            let range = old.start..self.log.len();
            self.log[range.clone()].sort_by_key(|e| (e.second, e.seq));
            self.ranges.insert(id, range);
            return;
        }
        self.log.extend_from_within(old);
        self.log.push(Logged::from(event));
        let range = start..self.log.len();
        self.log[range.clone()].sort_by_key(|e| (e.second, e.seq));
        self.ranges.insert(id, range);
    }

    /// Builds a history from loaded events: `(prospect number, event)` with `ids[number]`
    /// naming each prospect. Rows of one prospect usually come together and in order; the
    /// list is sorted only when they do not.
    pub fn from_loaded(ids: Vec<String>, mut rows: Vec<(u32, Logged)>) -> History {
        if !rows.is_sorted_by_key(|(who, e)| (*who, e.second, e.seq)) {
            rows.sort_unstable_by_key(|(who, e)| (*who, e.second, e.seq));
        }
        let mut ranges: HashMap<String, std::ops::Range<usize>> = HashMap::with_capacity(ids.len());
        let mut ids: Vec<Option<String>> = ids.into_iter().map(Some).collect();
        let mut start = 0;
        for i in 1..=rows.len() {
            if i == rows.len() || rows[i].0 != rows[start].0 {
                if let Some(id) = ids[rows[start].0 as usize].take() {
                    ranges.insert(id, start..i);
                }
                start = i;
            }
        }
        let log = rows.into_iter().map(|(_, e)| e).collect();
        History { log, ranges, ..History::default() }
    }

    pub fn events_of(&self, id: &str) -> &[Logged] {
        self.ranges.get(id).map_or(&[], |r| &self.log[r.clone()])
    }

    /// This history with only `id`'s events, every first-seen mark kept: what
    /// `State::history_of` loads for a plan of that prospect alone.
    pub fn only(&self, id: &str) -> History {
        History { seen: self.seen.clone(), ..self.alone(id) }
    }

    /// This history with only `id`'s events and first sightings: all a plan of that prospect
    /// alone reads, cheap to copy for each prospect of a large book.
    pub fn alone(&self, id: &str) -> History {
        let log = self.events_of(id).to_vec();
        let ranges =
            if log.is_empty() { HashMap::new() } else { HashMap::from([(id.to_owned(), 0..log.len())]) };
        let seen =
            self.seen.get(id).map(|keys| HashMap::from([(id.to_owned(), keys.clone())])).unwrap_or_default();
        History { log, ranges, seen, assumed_seen: self.assumed_seen }
    }

    /// How many events it holds.
    pub fn len(&self) -> usize {
        self.ranges.values().map(|r| r.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// When ringback first saw this key of a prospect's config.
    pub fn seen_at(&self, id: &str, key: &str) -> Option<Timestamp> {
        let marked =
            self.seen.get(id).and_then(|keys| keys.iter().find(|(k, _)| k == key)).map(|(_, at)| *at);
        marked.or(self.assumed_seen)
    }

    /// Whether this key was recorded as seen (an assumed sighting does not count).
    pub fn was_seen(&self, id: &str, key: &str) -> bool {
        self.seen.get(id).is_some_and(|keys| keys.iter().any(|(k, _)| k == key))
    }

    /// Records a first sighting; an earlier one for the same key stands.
    pub fn mark_seen(&mut self, id: &str, key: String, at: Timestamp) {
        let keys = self.seen.entry(id.to_owned()).or_default();
        if !keys.iter().any(|(k, _)| *k == key) {
            keys.push((key, at));
        }
    }

    /// Everything not recorded as seen counts as first seen at `at`.
    pub fn assume_seen(&mut self, at: Timestamp) {
        self.assumed_seen = Some(at);
    }
}

/// The `seen` keys for a prospect's config that the planner dates.
pub fn seen_keys(prospect: &crate::config::Prospect) -> Vec<String> {
    let mut keys = vec!["prospect".to_owned()];
    if let Some(date) = prospect.promised_callback {
        keys.push(format!("promise:{date}"));
    }
    if let Some(step) = &prospect.next_step {
        keys.push(format!("next_step:{}", step.on));
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(prospect: &str, seq: i64, second: i64, outcome: Outcome) -> Event {
        Event {
            seq,
            prospect: prospect.into(),
            at: Timestamp::from_second(1_795_000_000 + second).unwrap(),
            outcome,
            note: None,
            promise: PromiseChoice::Auto,
            next_step: None,
            until: None,
            item: Some("Case study".into()).filter(|_| outcome == Outcome::DripSent),
        }
    }

    fn seqs(history: &History, id: &str) -> Vec<i64> {
        history.events_of(id).iter().map(|e| e.seq).collect()
    }

    #[test]
    fn pushing_keeps_each_prospects_events_together_and_in_order() {
        let mut h = History::default();
        h.push(&event("ann", 1, 100, Outcome::Voicemail));
        h.push(&event("bob", 2, 50, Outcome::NoAnswer));
        // Ann's events move behind Bob's; the earlier event sorts first.
        h.push(&event("ann", 3, 10, Outcome::DripSent));
        h.push(&event("bob", 4, 50, Outcome::Spoke));
        assert_eq!(seqs(&h, "ann"), [3, 1]);
        assert_eq!(seqs(&h, "bob"), [2, 4]);
        assert_eq!(h.events_of("ann")[0].item(), Some("Case study"));
        assert_eq!(h.events_of("ann")[1].item(), None);
        assert_eq!(h.len(), 4);
        assert!(h.events_of("cy").is_empty());
    }

    #[test]
    fn loaded_rows_out_of_order_are_sorted_by_prospect_then_time() {
        let ids = vec!["ann".to_owned(), "bob".to_owned()];
        let logged = |seq: i64, second: i64| Logged::from(&event("x", seq, second, Outcome::Voicemail));
        let rows = vec![(1, logged(5, 30)), (0, logged(2, 20)), (1, logged(4, 10)), (0, logged(1, 20))];
        let h = History::from_loaded(ids, rows);
        assert_eq!(seqs(&h, "ann"), [1, 2]);
        assert_eq!(seqs(&h, "bob"), [4, 5]);
    }
}
