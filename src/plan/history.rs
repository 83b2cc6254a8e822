//! What happened: the events a person logged and when ringback first saw parts of the config.
//! The state module loads these; the planner only reads them.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use jiff::civil::Date;

use crate::config::NextStep;
use crate::plan::Quick;

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

/// An event as the planner keeps it: 32 bytes where an [`Event`] takes about 140, for a
/// history of a million events. The note is left out (the planner never reads it) and the
/// rare parts (a snooze's end, an agreed next step, a named drip item) are boxed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    /// Insertion order, to order events logged at the same second.
    pub seq: i64,
    /// When, in whole seconds (as the state keeps it).
    second: i64,
    pub outcome: Outcome,
    pub promise: PromiseChoice,
    rare: Option<Box<Rare>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Rare {
    until: Option<Date>,
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
        let rare = (until.is_some() || next_step.is_some() || item.is_some())
            .then(|| Box::new(Rare { until, next_step, item }));
        Logged { seq, second: at.as_second(), outcome, promise, rare }
    }

    pub fn at(&self) -> Timestamp {
        Timestamp::from_second(self.second).unwrap_or(Timestamp::MIN)
    }

    /// Until when a snooze or an out-of-office reply holds.
    pub fn until(&self) -> Option<Date> {
        self.rare.as_ref().and_then(|r| r.until)
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

/// By prospect id, hashed quickly: a large history looks up and inserts 100 000 ids.
type ById<V> = HashMap<String, V, Quick>;

/// Everything the planner needs from the state.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Every prospect's events in one list, each prospect's together and oldest first: one
    /// allocation for a million events rather than one per prospect.
    log: Vec<Logged>,
    /// What is known of each prospect, in one table (100 000 ids kept once, not once per
    /// table).
    of: ById<Of>,
    /// When anything not in `of` counts as first seen: a command that only reads the state
    /// assumes "now" without writing each sighting down.
    assumed_seen: Option<Timestamp>,
}

/// One prospect's events, and when ringback first saw it and parts of its config: the keys
/// `prospect`, `promise:DATE` and `next_step:DATE`.
#[derive(Debug, Clone, Default)]
struct Of {
    /// Where its events are in the log.
    events: std::ops::Range<usize>,
    /// The key `prospect`, which every prospect has: kept apart, so a book of prospects
    /// without hand-entered promises allocates no list.
    first_seen: Option<Timestamp>,
    /// The other keys (a handful at most, so a list, and a lookup by `&str` that allocates
    /// nothing).
    marks: Vec<(String, Timestamp)>,
}

impl Of {
    fn seen_at(&self, key: &str) -> Option<Timestamp> {
        match key {
            "prospect" => self.first_seen,
            _ => self.marks.iter().find(|(k, _)| k == key).map(|(_, at)| *at),
        }
    }

    fn mark_seen(&mut self, key: &str, at: Timestamp) {
        if key == "prospect" {
            self.first_seen.get_or_insert(at);
        } else if self.seen_at(key).is_none() {
            self.marks.push((key.to_owned(), at));
        }
    }

    /// Adds the sightings of `other` (which has no events), a sighting already known standing.
    fn merge_seen(&mut self, other: Of) {
        self.first_seen = self.first_seen.or(other.first_seen);
        for (key, at) in other.marks {
            if self.seen_at(&key).is_none() {
                self.marks.push((key, at));
            }
        }
    }
}

impl History {
    /// Adds an event, keeping each prospect's events in order. The prospect's events move to
    /// the end of the log (their old place is left unused: a logged event is a rare, small
    /// addition, and a reload compacts).
    pub fn push(&mut self, event: &Event) {
        let old = self.of_mut(&event.prospect).events.clone();
        let start = self.log.len();
        let range = if old.end == start {
            // Already last: extend in place.
            self.log.push(Logged::from(event));
            old.start..self.log.len()
        } else {
            self.log.extend_from_within(old);
            self.log.push(Logged::from(event));
            start..self.log.len()
        };
        self.log[range.clone()].sort_by_key(|e| (e.second, e.seq));
        self.of_mut(&event.prospect).events = range;
    }

    /// What is known of `id`, made empty if nothing is yet; looked up before anything is
    /// inserted, so a known id allocates nothing.
    fn of_mut(&mut self, id: &str) -> &mut Of {
        if !self.of.contains_key(id) {
            self.of.insert(id.to_owned(), Of::default());
        }
        self.of.get_mut(id).expect("inserted above")
    }

    /// Puts `events` in place of a prospect's events (as [`History::push`], at the end of the
    /// log): a history read before a change to them, brought up to date.
    pub fn replace_events_of(&mut self, id: &str, events: &[Logged]) {
        let start = self.log.len();
        self.log.extend_from_slice(events);
        let end = self.log.len();
        self.of_mut(id).events = start..end;
    }

    /// Builds a history from loaded events: `log[i]` is an event of the prospect numbered
    /// `who[i]`, with `ids[number]` naming each prospect. Rows of one prospect usually come
    /// together and in order; when they do not, the events are put in order where they lie,
    /// so a million of them are never held twice.
    pub fn from_loaded(ids: Vec<String>, who: Vec<u32>, mut log: Vec<Logged>) -> History {
        debug_assert_eq!(who.len(), log.len());
        let key = |i: usize| (who[i], log[i].second, log[i].seq);
        let mut order: Vec<u32> = Vec::new();
        if !(1..log.len()).all(|i| key(i - 1) <= key(i)) {
            order = (0..log.len() as u32).collect();
            order.sort_unstable_by_key(|&i| key(i as usize));
        }
        let who_at = |k: usize| if order.is_empty() { who[k] } else { who[order[k] as usize] };
        let mut of: ById<Of> = ById::with_capacity_and_hasher(ids.len(), Quick::default());
        let mut ids: Vec<Option<String>> = ids.into_iter().map(Some).collect();
        let mut start = 0;
        for k in 1..=log.len() {
            if k == log.len() || who_at(k) != who_at(start) {
                if let Some(id) = ids[who_at(start) as usize].take() {
                    of.insert(id, Of { events: start..k, ..Of::default() });
                }
                start = k;
            }
        }
        if !order.is_empty() {
            super::put_in_order(&mut log, order);
        }
        History { log, of, ..History::default() }
    }

    pub fn events_of(&self, id: &str) -> &[Logged] {
        self.of.get(id).map_or(&[], |of| &self.log[of.events.clone()])
    }

    /// This history with only `id`'s events, every first-seen mark kept: what
    /// `State::history_of` loads for a plan of that prospect alone.
    pub fn only(&self, id: &str) -> History {
        let mut only = self.alone(id);
        for (other, of) in self.of.iter().filter(|(other, _)| *other != id) {
            only.of.insert(other.clone(), Of { events: 0..0, ..of.clone() });
        }
        only
    }

    /// This history with only `id`'s events and first sightings: all a plan of that prospect
    /// alone reads, cheap to copy for each prospect of a large book.
    pub fn alone(&self, id: &str) -> History {
        let log = self.events_of(id).to_vec();
        let of = match self.of.get(id) {
            Some(of) => ById::from_iter([(id.to_owned(), Of { events: 0..log.len(), ..of.clone() })]),
            None => ById::default(),
        };
        History { log, of, assumed_seen: self.assumed_seen }
    }

    /// Whether `other` holds the same events and first sightings of `id`, and assumes the same
    /// instant for what was never seen: all a layout of that prospect alone reads.
    pub fn same_for(&self, other: &History, id: &str) -> bool {
        let seen = match (self.of.get(id), other.of.get(id)) {
            (Some(a), Some(b)) => a.first_seen == b.first_seen && a.marks == b.marks,
            (a, b) => a.is_none() && b.is_none(),
        };
        self.assumed_seen == other.assumed_seen && self.events_of(id) == other.events_of(id) && seen
    }

    /// How many events it holds.
    pub fn len(&self) -> usize {
        self.of.values().map(|of| of.events.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// When ringback first saw this key of a prospect's config.
    pub fn seen_at(&self, id: &str, key: &str) -> Option<Timestamp> {
        self.of.get(id).and_then(|of| of.seen_at(key)).or(self.assumed_seen)
    }

    /// Whether this key was recorded as seen (an assumed sighting does not count).
    pub fn was_seen(&self, id: &str, key: &str) -> bool {
        self.of.get(id).is_some_and(|of| of.seen_at(key).is_some())
    }

    /// Records a first sighting; an earlier one for the same key stands.
    pub fn mark_seen(&mut self, id: &str, key: &str, at: Timestamp) {
        // One lookup for a prospect already known (a large history's every sighting), where
        // `of_mut` takes two.
        match self.of.get_mut(id) {
            Some(of) => of.mark_seen(key, at),
            None => {
                let mut of = Of::default();
                of.mark_seen(key, at);
                self.of.insert(id.to_owned(), of);
            }
        }
    }

    /// Everything not recorded as seen counts as first seen at `at`.
    pub fn assume_seen(&mut self, at: Timestamp) {
        self.assumed_seen = Some(at);
    }
}

/// A history being loaded from per-prospect groups of events (the state's packs), then the
/// first sightings. Both come in the order of prospect ids, so a sighting finds its prospect by
/// walking along with it, where a lookup by id would hash and compare each of 100 000 ids.
pub struct Loading {
    /// Each prospect with events, in the order the groups came.
    known: Vec<(String, Of)>,
    log: Vec<Logged>,
    /// Where the walk along `known` stands.
    at: usize,
    /// Sightings of prospects without events, or out of order, each prospect's together when
    /// they come together: looked up at the end.
    later: Vec<(String, Of)>,
}

impl Loading {
    /// Each prospect's events are together in `log`, at the range given with its id, in any
    /// order (each is put in order where it lies).
    pub fn new(groups: Vec<(String, std::ops::Range<usize>)>, mut log: Vec<Logged>) -> Loading {
        let known = groups
            .into_iter()
            .map(|(id, events)| {
                let own = &mut log[events.clone()];
                if !own.is_sorted_by_key(|e| (e.second, e.seq)) {
                    own.sort_unstable_by_key(|e| (e.second, e.seq));
                }
                (id, Of { events, ..Of::default() })
            })
            .collect();
        Loading { known, log, at: 0, later: Vec::new() }
    }

    /// Records a first sighting, as [`History::mark_seen`] does.
    pub fn seen(&mut self, id: &str, key: &str, at: Timestamp) {
        while self.known.get(self.at).is_some_and(|(known, _)| known.as_str() < id) {
            self.at += 1;
        }
        match self.known.get_mut(self.at) {
            Some((known, of)) if known == id => of.mark_seen(key, at),
            _ => match self.later.last_mut() {
                Some((last, of)) if last == id => of.mark_seen(key, at),
                _ => {
                    let mut of = Of::default();
                    of.mark_seen(key, at);
                    self.later.push((id.to_owned(), of));
                }
            },
        }
    }

    pub fn finish(self) -> History {
        let mut of: ById<Of> =
            ById::with_capacity_and_hasher(self.known.len() + self.later.len(), Quick::default());
        of.extend(self.known);
        for (id, seen) in self.later {
            match of.entry(id) {
                std::collections::hash_map::Entry::Occupied(mut known) => known.get_mut().merge_seen(seen),
                std::collections::hash_map::Entry::Vacant(new) => {
                    new.insert(seen);
                }
            }
        }
        History { log: self.log, of, ..History::default() }
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
    fn a_prospects_events_are_replaced_and_the_others_kept() {
        let mut h = History::default();
        h.push(&event("ann", 1, 10, Outcome::Voicemail));
        h.push(&event("bob", 2, 20, Outcome::Spoke));
        h.push(&event("ann", 3, 30, Outcome::NoAnswer));
        h.mark_seen("ann", "prospect", Timestamp::from_second(5).unwrap());
        h.replace_events_of("ann", &[Logged::from(&event("ann", 1, 10, Outcome::Voicemail))]);
        assert_eq!(seqs(&h, "ann"), [1]);
        assert_eq!(seqs(&h, "bob"), [2]);
        assert_eq!(h.seen_at("ann", "prospect"), Timestamp::from_second(5).ok());
        h.replace_events_of("ann", &[]);
        h.replace_events_of("cy", &[Logged::from(&event("cy", 4, 40, Outcome::Emailed))]);
        assert!(h.events_of("ann").is_empty());
        assert_eq!(seqs(&h, "cy"), [4]);
        assert_eq!(h.len(), 2);
    }

    #[test]
    fn loaded_rows_out_of_order_are_sorted_by_prospect_then_time() {
        let logged = |seq: i64, second: i64| Logged::from(&event("x", seq, second, Outcome::Voicemail));
        let who = vec![1, 0, 1, 0, 2, 1];
        let log =
            vec![logged(5, 30), logged(2, 20), logged(4, 10), logged(1, 20), logged(6, 5), logged(7, 1)];
        let ids = vec!["ann".to_owned(), "bob".to_owned(), "cy".to_owned()];
        let h = History::from_loaded(ids, who, log);
        assert_eq!(seqs(&h, "ann"), [1, 2]);
        assert_eq!(seqs(&h, "bob"), [7, 4, 5]);
        assert_eq!(seqs(&h, "cy"), [6]);
        assert_eq!(h.len(), 6);
    }

    #[test]
    fn an_event_as_the_planner_keeps_it_takes_32_bytes() {
        // A million of them are most of a large book's history: 8 more bytes are 8 MB.
        assert_eq!(size_of::<Logged>(), 32);
    }

    #[test]
    fn many_loaded_rows_in_any_order_are_put_in_place() {
        // A history logged day by day interleaves prospects; the events of 37 prospects in a
        // scrambled order (a step coprime with the count visits each once), some at one second.
        let count = 600_usize;
        let ids: Vec<String> = (0..37).map(|n| format!("p{n}")).collect();
        let mut who = Vec::new();
        let mut log = Vec::new();
        for k in 0..count {
            let i = (k * 389) % count;
            who.push((i % 37) as u32);
            log.push(Logged::from(&event("x", i as i64, (i as i64 * 7919) % 50, Outcome::Voicemail)));
        }
        let h = History::from_loaded(ids, who, log);
        for n in 0..37 {
            let mut expected: Vec<(i64, i64)> =
                (0..count).filter(|i| i % 37 == n).map(|i| ((i as i64 * 7919) % 50, i as i64)).collect();
            expected.sort();
            let expected: Vec<i64> = expected.into_iter().map(|(_, seq)| seq).collect();
            assert_eq!(seqs(&h, &format!("p{n}")), expected, "p{n}");
        }
        assert_eq!(h.len(), count);
    }

    #[test]
    fn sightings_walked_along_the_packs_are_the_sightings_looked_up() {
        let at = |s: i64| Timestamp::from_second(s).unwrap();
        let log: Vec<Logged> = [("a", 3), ("a", 1), ("c", 2), ("e", 4)]
            .iter()
            .enumerate()
            .map(|(seq, &(id, second))| Logged::from(&event(id, seq as i64, second, Outcome::Voicemail)))
            .collect();
        let groups = vec![("a".to_owned(), 0..2), ("c".to_owned(), 2..3), ("e".to_owned(), 3..4)];
        // In the packs' order, with a prospect without events between two with, one after the
        // last, a key seen twice, and two out of order at the end.
        let seen = [
            ("a", "prospect", 10),
            ("b", "prospect", 11),
            ("c", "promise:2026-01-01", 12),
            ("c", "prospect", 13),
            ("c", "prospect", 99),
            ("z", "prospect", 14),
            ("a", "next_step:2026-02-02", 15),
            ("b", "promise:2026-03-03", 16),
        ];
        let mut loading = Loading::new(groups, log.clone());
        let mut looked_up =
            History::from_loaded(vec!["a".into(), "c".into(), "e".into()], vec![0, 0, 1, 2], log);
        for (id, key, second) in seen {
            loading.seen(id, key, at(second));
            looked_up.mark_seen(id, key, at(second));
        }
        let walked = loading.finish();
        assert_eq!(walked.events_of("a").iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 0], "put in order");
        for id in ["a", "b", "c", "e", "z", "nobody"] {
            assert_eq!(walked.events_of(id), looked_up.events_of(id), "{id}");
            for key in ["prospect", "promise:2026-01-01", "next_step:2026-02-02", "promise:2026-03-03"] {
                assert_eq!(walked.seen_at(id, key), looked_up.seen_at(id, key), "{id} {key}");
            }
        }
        assert_eq!(walked.seen_at("c", "prospect"), Some(at(13)), "the first sighting stands");
        assert_eq!(walked.seen_at("b", "promise:2026-03-03"), Some(at(16)));
    }
}
