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
    let tz = &config.me.timezone;
    let today = now.to_zoned(tz.clone()).date();
    let mut history = history.clone();
    let mut listed = HashSet::new();
    let mut out = Vec::new();
    // After every real event: the replay orders events of one second by this.
    let mut seq = i64::MAX / 2;
    // Prospects the projection has made something up for: what comes after it is a guess.
    let mut imagined: HashSet<String> = HashSet::new();
    for offset in 0..i64::from(days.max(1)) {
        let Ok(day) = today.checked_add(jiff::Span::new().days(offset)) else { break };
        let at = if offset == 0 {
            now
        } else {
            match day.to_zoned(tz.clone()) {
                Ok(start) => start.timestamp(),
                Err(_) => break,
            }
        };
        let agenda = plan(config, &history, at, 1);
        for mut item in agenda.items {
            if item.day != day || !listed.insert(key(config, &item)) {
                continue;
            }
            // Too old to show; and not pretended done either, so nothing after it is laid out
            // as if it had happened: the cadence waits on it, as the agenda says.
            if item.overdue && item.days_late > FEED_DAYS_BACK {
                continue;
            }
            if imagined.contains(&item.prospect) {
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
            seq += 1;
            history.push(&Event {
                seq,
                prospect: item.prospect.as_str().into(),
                at: done_at,
                outcome,
                note: None,
                promise: PromiseChoice::Skip,
                next_step: None,
                until: None,
                item: item.drip_item.as_ref().map(|d| d.title.clone()),
            });
            imagined.insert(item.prospect.clone());
            out.push(item);
        }
    }
    out
}
