//! The plan laid out over the coming weeks, for the calendar feed: each day's items as the
//! agenda of that day would list them, if everything before them is done on its day.

use std::collections::HashSet;

use jiff::Timestamp;

use super::{Event, History, Item, Kind, Outcome, PromiseChoice, Reason, plan, why_text};
use crate::config::Config;

/// How far back an open item still shows: an overdue promise or a late call that fell due in
/// the last week is still worth a slot; older ones belong to the agenda, not the calendar.
pub const FEED_DAYS_BACK: i64 = 7;

/// Items from `now` through `days` days, each once, with its place on its day. A later cadence
/// step is placed as if the earlier ones were done on their due dates: a call or promise ends
/// in no answer at its window's start (so no new promise), an email is sent, a drip goes out,
/// and an agreed next step is kept; an item placed that way says so in its `why` ("if what
/// comes before it goes unanswered: …"), since the attempt before it has not happened. Items
/// due more than [`FEED_DAYS_BACK`] days ago are left out, and not taken as done: nothing after
/// them is laid out until they are logged. `key` names the logical item; the first day an item
/// is listed wins.
pub fn project(
    config: &Config,
    history: &History,
    now: Timestamp,
    days: u32,
    key: impl Fn(&Config, &Item) -> String,
) -> Vec<Item> {
    if config.me.max_calls_per_day.is_some() {
        return project_daily(config, history, now, days, key);
    }
    // Without a cap nobody's items move anybody else's: each prospect is laid out alone, and
    // planned only on the days it has something, not on every day of the period.
    let tz = &config.me.timezone;
    let today = now.to_zoned(tz.clone()).date();
    let mut projection = Projection::new(history);
    let days = i64::from(days.max(1));
    // Shared: prospects in one zone with the same windows look each day up once.
    let mut windows = super::WindowCache::new(config);
    for prospect in config.prospects.values() {
        let mut offset = 0;
        while offset < days {
            let Some(at) = day_start(config, today, offset, now) else { break };
            let remaining = u32::try_from(days - offset).unwrap_or(u32::MAX);
            let ahead = super::plan_of(
                config,
                &mut windows,
                vec![prospect],
                &projection.history,
                at,
                remaining,
                super::How::ALL,
            );
            let Some(next) = ahead.items.iter().map(|i| i.day).min() else { break };
            offset += super::days_between(ahead.first_day, next);
            let Some(at) = day_start(config, today, offset, now) else { break };
            let on_the_day = super::plan_of(
                config,
                &mut windows,
                vec![prospect],
                &projection.history,
                at,
                1,
                super::How::ALL,
            );
            projection.lay_out(config, on_the_day.items, at, &key);
            offset += 1;
        }
    }
    let mut out = projection.out;
    // The book's order, as the daily projection lists it: by day, then the agenda's rules; the
    // index is the prospect's place in the whole book.
    let index: std::collections::HashMap<&str, usize> =
        config.prospects.keys().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
    for item in &mut out {
        item.index = index.get(item.prospect.as_str()).copied().unwrap_or(0);
    }
    out.sort_by(super::agenda_order);
    out
}

/// Where day `offset` of the projection starts: `now` on the first day, else midnight in my
/// zone.
fn day_start(config: &Config, today: jiff::civil::Date, offset: i64, now: Timestamp) -> Option<Timestamp> {
    if offset == 0 {
        return Some(now);
    }
    let day = today.checked_add(jiff::Span::new().days(offset)).ok()?;
    day.to_zoned(config.me.timezone.clone()).ok().map(|start| start.timestamp())
}

/// [`project`] the long way, the whole book planned day by day: what a daily call cap needs
/// (each day's calls compete for its places), and what the quick way is held to in tests.
#[doc(hidden)]
pub fn project_daily(
    config: &Config,
    history: &History,
    now: Timestamp,
    days: u32,
    key: impl Fn(&Config, &Item) -> String,
) -> Vec<Item> {
    let tz = &config.me.timezone;
    let today = now.to_zoned(tz.clone()).date();
    let mut projection = Projection::new(history);
    for offset in 0..i64::from(days.max(1)) {
        let Some(at) = day_start(config, today, offset, now) else { break };
        let agenda = plan(config, &projection.history, at, 1);
        projection.lay_out(config, agenda.items, at, &key);
    }
    projection.out
}

/// The projection so far: the history with every laid-out item taken as done, and the items.
struct Projection {
    history: History,
    listed: HashSet<String>,
    out: Vec<Item>,
    /// After every real event: the replay orders events of one second by this.
    seq: i64,
    /// Prospects the projection has made something up for: what comes after it is a guess.
    imagined: HashSet<String>,
}

impl Projection {
    fn new(history: &History) -> Projection {
        Projection {
            history: history.clone(),
            listed: HashSet::new(),
            out: Vec::new(),
            seq: i64::MAX / 2,
            imagined: HashSet::new(),
        }
    }

    /// Lists the items of the day that starts at `at` (a day's plan), each taken as done.
    fn lay_out(
        &mut self,
        config: &Config,
        items: Vec<Item>,
        at: Timestamp,
        key: &impl Fn(&Config, &Item) -> String,
    ) {
        let tz = &config.me.timezone;
        let day = at.to_zoned(tz.clone()).date();
        for mut item in items {
            if item.day != day || !self.listed.insert(key(config, &item)) {
                continue;
            }
            // Too old to show; and not pretended done either, so nothing after it is laid out
            // as if it had happened: the cadence waits on it, as the agenda says.
            if item.overdue && item.days_late > FEED_DAYS_BACK {
                continue;
            }
            if self.imagined.contains(&item.prospect) {
                // Its `why` would name an attempt nobody made ("last no-answer on …").
                if let Reason::Step { last, .. } = &mut item.reason {
                    *last = None;
                }
                let cap = config.me.max_calls_per_day.unwrap_or(0);
                item.why =
                    format!("if what comes before it goes unanswered: {}", why_text(config, &item, day, cap));
            }
            let outcome = match item.kind {
                Kind::Promise | Kind::Call => Outcome::NoAnswer,
                Kind::NextStep => Outcome::Spoke,
                Kind::Email => Outcome::Emailed,
                Kind::Drip => Outcome::DripSent,
            };
            let done_at = match &item.window {
                Some(slot) => slot.start.timestamp(),
                None => day.at(12, 0, 0, 0).to_zoned(tz.clone()).map_or(at, |noon| noon.timestamp()).max(at),
            };
            self.seq += 1;
            self.history.push(&Event {
                seq: self.seq,
                prospect: item.prospect.as_str().into(),
                at: done_at,
                outcome,
                note: None,
                promise: PromiseChoice::Skip,
                next_step: None,
                until: None,
                item: item.drip_item.as_ref().map(|d| d.title.clone()),
            });
            self.imagined.insert(item.prospect.clone());
            self.out.push(item);
        }
    }
}
