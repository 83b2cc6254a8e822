//! The daily call cap: each day the book's calls compete for `me.max_calls_per_day` places,
//! in call order, and the rest roll to their next day open on both sides.
//!
//! Worked out by profile rather than call by call. Every call of one profile (zone, windows,
//! holidays, week) has the same window on a day and rolls to the same next day, and calls
//! rolled together are all due the day they are rolled to, so the calls waiting in a profile
//! keep their order among themselves from one day to the next. Each day's places are then the
//! first of a merge of the profiles' queues, and a call waiting for weeks costs nothing on the
//! days it waits. Rolling each call on each day, as the rule reads ([`roll_day_by_day`], kept
//! as the reference the tests hold this to), costs the book's size squared over the cap: a
//! 10k book under a cap of 50 took 0.5 s to say when one call would land.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::Timestamp;
use jiff::civil::Date;

use super::{Doing, Item, Kind, Side, WindowCache, call_order};
use crate::config::{Prospect, Relationship};

/// Calls rolled over: (from, to, how many), one entry for each pair of days.
pub(super) type Rolled = Vec<(Date, Date, usize)>;

/// A call's place in a day's call order: window start (none last), relationship, due,
/// attempts, and its rank by prospect id, which also names it.
type Key = (bool, Option<Timestamp>, Relationship, Date, u32, u32);

/// Calls rolled to one day in one profile, all due that day.
#[derive(Default)]
struct Queue {
    /// In call order (the window and due day being the same for all): relationship, attempts,
    /// rank.
    waiting: BTreeSet<(Relationship, u32, u32)>,
    /// The days this queue has rolled over from; a call's own list is the part after it joined.
    from: Vec<Date>,
}

/// Applies the cap from each call's `day` through `last_day`: a call that does not make a day's
/// places moves on, and where it is listed gets `day` and `due` set to that day and the days
/// it rolled from in `rolled`; a call rolled past `last_day` only gets a `day` past it (the
/// caller drops it).
pub(super) fn roll_over<'c>(
    windows: &mut WindowCache<'c>,
    prospects: &[&'c Prospect],
    items: &mut [Item],
    now: Timestamp,
    last_day: Date,
    cap: usize,
) -> Rolled {
    // The calls by prospect id, named by their rank: a prospect has one call at most, and the
    // id breaks ties last. Everything kept for a call is kept by rank, for calls only (a large
    // book's plan is most of its peak memory).
    let number = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let mut calls: Vec<u32> = (0..items.len()).filter(|&i| items[i].kind == Kind::Call).map(number).collect();
    calls.sort_by(|&a, &b| items[a as usize].prospect.cmp(&items[b as usize].prospect));
    let mut profile = Vec::with_capacity(calls.len());
    let mut someone: HashMap<u32, &'c Prospect> = HashMap::new();
    let mut arriving: BTreeMap<Date, Vec<u32>> = BTreeMap::new();
    for (rank, &i) in calls.iter().enumerate() {
        let item = &items[i as usize];
        let prospect = prospects[item.index];
        let p = windows.profile(prospect);
        profile.push(p);
        someone.entry(p).or_insert(prospect);
        arriving.entry(item.day).or_default().push(number(rank));
    }
    // Where each call joined its queue's list of days rolled from.
    let mut joined = vec![0u32; calls.len()];
    let mut queues: HashMap<(u32, Date), Queue> = HashMap::new();
    let mut queued: BTreeMap<Date, Vec<u32>> = BTreeMap::new();
    let mut rolled = Rolled::new();

    loop {
        let day = match (arriving.keys().next(), queued.keys().next()) {
            (Some(&a), Some(&q)) => a.min(q),
            (Some(&a), None) => a,
            (None, Some(&q)) => q,
            (None, None) => break,
        };
        if day > last_day {
            break;
        }
        // The day's calls by profile: those first listed today, in call order, and the queue.
        let mut fresh: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for rank in arriving.remove(&day).unwrap_or_default() {
            fresh.entry(profile[rank as usize]).or_default().push(rank);
        }
        for p in queued.remove(&day).unwrap_or_default() {
            fresh.entry(p).or_default();
        }
        let count: usize =
            fresh.iter().map(|(&p, f)| f.len() + queues.get(&(p, day)).map_or(0, |q| q.waiting.len())).sum();

        let mut candidates: Vec<(Key, u32, bool)> = Vec::new();
        for (&p, fresh) in &mut fresh {
            let start = windows
                .open(someone[&p], day)
                .iter()
                .find(|slot| slot.end.timestamp() > now)
                .map(|slot| slot.start.timestamp());
            let key = |rank: u32, due: Option<Date>| -> Key {
                let item = &items[calls[rank as usize] as usize];
                let attempts = number(item.attempts);
                (start.is_none(), start, item.relationship, due.unwrap_or(item.due), attempts, rank)
            };
            if count <= cap {
                continue;
            }
            // Only the first `cap` can be placed today, and only their order counts: the rest
            // wait in the queue, which keeps its own order. Each key is made once; keys end
            // with the rank, so no two are equal and an unstable sort gives the one order.
            let mut keyed: Vec<Key> = fresh.iter().map(|&rank| key(rank, None)).collect();
            if keyed.len() > cap {
                keyed.select_nth_unstable(cap);
            }
            let first = keyed.len().min(cap);
            keyed[..first].sort_unstable();
            fresh.clear();
            fresh.extend(keyed.iter().map(|k| k.5));
            // No more than the day's places can come from one profile: its first `cap`,
            // merging the two lists, each already in order.
            let waiting = queues.get(&(p, day)).map(|q| &q.waiting);
            let mut rolled_here =
                waiting.into_iter().flatten().map(|&(_, _, rank)| key(rank, Some(day))).peekable();
            let mut new = fresh.iter().map(|&rank| key(rank, None)).peekable();
            for _ in 0..cap {
                let from_queue = match (rolled_here.peek(), new.peek()) {
                    (Some(a), Some(b)) => a < b,
                    (Some(_), None) => true,
                    (None, Some(_)) => false,
                    (None, None) => break,
                };
                let next = if from_queue { rolled_here.next() } else { new.next() };
                candidates.extend(next.map(|k| (k, p, from_queue)));
            }
        }
        if candidates.len() > cap {
            candidates.select_nth_unstable_by(cap, |a, b| a.0.cmp(&b.0));
            candidates.truncate(cap);
        }
        let mut places: HashMap<u32, (usize, usize)> = HashMap::new();
        for (_, p, from_queue) in &candidates {
            let (queue, new) = places.entry(*p).or_default();
            if *from_queue {
                *queue += 1;
            } else {
                *new += 1;
            }
        }

        for (p, fresh) in fresh {
            let mut queue = queues.remove(&(p, day)).unwrap_or_default();
            // Everyone makes it when the day has room.
            let (from_queue, new) = if count <= cap {
                (queue.waiting.len(), fresh.len())
            } else {
                places.get(&p).copied().unwrap_or_default()
            };
            for _ in 0..from_queue {
                let Some((_, _, rank)) = queue.waiting.pop_first() else { break };
                let item = &mut items[calls[rank as usize] as usize];
                item.rolled.extend_from_slice(&queue.from[joined[rank as usize] as usize..]);
                item.due = day;
                item.day = day;
                item.overdue = false;
                item.days_late = 0;
            }
            let waiting = fresh[new..].iter().map(|&rank| {
                joined[rank as usize] = number(queue.from.len());
                let item = &items[calls[rank as usize] as usize];
                (item.relationship, number(item.attempts), rank)
            });
            if queue.waiting.is_empty() {
                // Built in one go (sorted, then laid out), not by a thousand inserts.
                queue.waiting = waiting.collect();
            } else {
                queue.waiting.extend(waiting);
            }
            if queue.waiting.is_empty() {
                continue;
            }
            let next =
                windows.first_open_day(someone[&p], Doing::Call, day.tomorrow().unwrap_or(day), Side::Both);
            rolled.push((day, next, queue.waiting.len()));
            queue.from.push(day);
            if next > last_day || next <= day {
                // Listed past the period (or nowhere): the caller drops them.
                for &(_, _, rank) in &queue.waiting {
                    items[calls[rank as usize] as usize].day =
                        next.max(last_day.tomorrow().unwrap_or(last_day));
                }
                continue;
            }
            match queues.get_mut(&(p, next)) {
                // Not met in practice: a profile's calls are first listed on its open days, so
                // its queue is the only one to roll onto a day. Kept right if that ever fails.
                Some(there) => {
                    for &(_, _, rank) in &queue.waiting {
                        let from = &queue.from[joined[rank as usize] as usize..];
                        items[calls[rank as usize] as usize].rolled.extend_from_slice(from);
                        joined[rank as usize] = number(there.from.len());
                    }
                    there.waiting.append(&mut queue.waiting);
                }
                None => {
                    queues.insert((p, next), queue);
                    queued.entry(next).or_default().push(p);
                }
            }
        }
    }
    merge(rolled)
}

/// One entry for each pair of days, in order.
fn merge(mut rolled: Rolled) -> Rolled {
    rolled.sort_unstable();
    let mut merged: Rolled = Vec::with_capacity(rolled.len());
    for (from, to, count) in rolled {
        match merged.last_mut() {
            Some(last) if (last.0, last.1) == (from, to) => last.2 += count,
            _ => merged.push((from, to, count)),
        }
    }
    merged
}

/// The cap as the rule reads: day by day, every call listed that day in call order, the first
/// `cap` kept and the rest rolled on. The reference [`roll_over`] is held to.
pub(super) fn roll_day_by_day<'c>(
    windows: &mut WindowCache<'c>,
    prospects: &[&'c Prospect],
    items: &mut [Item],
    now: &jiff::Zoned,
    (today, last_day): (Date, Date),
    cap: usize,
) -> Rolled {
    let mut rolled = Rolled::new();
    let mut day = today;
    while day <= last_day {
        let mut todays: Vec<usize> =
            (0..items.len()).filter(|&i| items[i].kind == Kind::Call && items[i].day == day).collect();
        for &i in &todays {
            windows.fill(prospects[items[i].index], &mut items[i], now);
        }
        if todays.len() > cap {
            todays.select_nth_unstable_by(cap, |&a, &b| call_order(&items[a], &items[b]));
        }
        for &i in todays.iter().skip(cap) {
            let next = windows.first_open_day(
                prospects[items[i].index],
                Doing::Call,
                day.tomorrow().unwrap_or(day),
                Side::Both,
            );
            rolled.push((day, next, 1));
            let item = &mut items[i];
            item.rolled.push(day);
            item.due = next;
            item.day = next;
            item.overdue = false;
            item.days_late = 0;
        }
        match day.tomorrow() {
            Ok(next) => day = next,
            Err(_) => break,
        }
    }
    merge(rolled)
}
