//! The plan laid out over the coming weeks, for the calendar feed: each day's items as the
//! agenda of that day would list them, if everything before them is done on its day.

use std::collections::HashSet;

use jiff::Timestamp;

use super::{
    Event, History, How, Item, Kind, Logged, Outcome, PromiseChoice, Reason, Replay, WindowCache, plan,
    why_text,
};
use crate::config::{Config, Prospect};

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
    key: impl Fn(&Config, &Item) -> String + Sync,
) -> Vec<Item> {
    if config.me.max_calls_per_day.is_some() {
        return project_capped(config, history, now, days, key);
    }
    // Without a cap nobody's items move anybody else's: each prospect is laid out alone, and
    // planned only on the days it has something, not on every day of the period. A large book
    // is shared among the cores.
    project_in_parts(parts_for(config.prospects.len()), config, history, now, days, key)
}

/// [`project_daily`] as [`project`] does it under a cap: each day's calls compete for the day's
/// places, so the whole book is planned for each day, but each prospect's real events are
/// replayed once and each imagined one stepped into that replay (as [`Alone`] does for one
/// prospect laid out alone), and the windows are looked up once for the whole period. A
/// prospect whose replay cannot be kept (an imagined event that would not come last, a first
/// sighting never recorded) is replayed in full each day, as `project_daily` does.
fn project_capped<'c>(
    config: &'c Config,
    history: &History,
    now: Timestamp,
    days: u32,
    key: impl Fn(&Config, &Item) -> String,
) -> Vec<Item> {
    let tz = &config.me.timezone;
    let zoned = now.to_zoned(tz.clone());
    let today = zoned.date();
    let book: Vec<&'c Prospect> = config.prospect_list();
    let places: std::collections::HashMap<&str, usize> =
        book.iter().enumerate().map(|(place, p)| (p.id.as_str(), place)).collect();
    let mut windows = WindowCache::new(config);
    let mut stepped: Vec<Stepped<'c>> =
        book.iter().map(|&prospect| Stepped::new(&mut windows, history, prospect, &zoned)).collect();
    let mut projection = Projection::new(history.clone());
    // The window cache of the thread that gathers the book's second half each day.
    let mut spare = None;
    let work = book.len() + history.len();
    for offset in 0..i64::from(days.max(1)) {
        let Some(at) = day_start(config, today, offset, now) else { break };
        let agenda = {
            let (stepped, planned) = (&stepped, &projection.history);
            // `stepped` is in the book's order, as the prospects planned are.
            let track_of =
                |windows: &mut WindowCache<'c>, place: usize, prospect: &'c Prospect, now: &jiff::Zoned| {
                    stepped[place].track(windows, planned, prospect, now)
                };
            let span = super::Span::new(config, at, 1);
            let items =
                super::gathered_items(config, &mut windows, &mut spare, &book, &track_of, &span, work);
            super::plan_gathered(config, &mut windows, book.clone(), items, span, How::ALL)
        };
        for event in projection.lay_out(config, agenda.items, at, &key) {
            if let Some(&place) = places.get(&*event.prospect) {
                stepped[place].step(&mut windows, &event, tz);
            }
        }
    }
    projection.out
}

/// [`project`] without a cap, the book laid out in `parts` parts (see [`in_parts_on`]).
#[doc(hidden)]
pub fn project_in_parts(
    parts: usize,
    config: &Config,
    history: &History,
    now: Timestamp,
    days: u32,
    key: impl Fn(&Config, &Item) -> String + Sync,
) -> Vec<Item> {
    let prospects: Vec<(usize, &Prospect)> = config.prospect_list().into_iter().enumerate().collect();
    let mut out: Vec<Item> = in_parts_on(parts, &prospects, |_, part| {
        lay_out_alone(config, history, part, now, days, &key).into_iter().flatten().collect()
    });
    // The book's order, as the daily projection lists it: by day, then the agenda's rules. A
    // stable sort of places, then each item moved once.
    let mut order: Vec<u32> = (0..out.len() as u32).collect();
    order.sort_by(|&a, &b| super::agenda_order(&out[a as usize], &out[b as usize]));
    super::put_in_order(&mut out, order);
    out
}

/// [`project`]'s items of some prospects of a book without a cap, each prospect's apart and
/// in the order they were laid out: `which` are their places in the book. The feed keeps each
/// prospect's part between requests and lays out again only those whose history changed;
/// sorted by [`super::agenda_order`] (a stable sort) after the parts are put back in the
/// book's order, they are [`project`]'s items.
///
/// # Panics
/// Under a daily cap (a prospect's items then depend on everyone's), or for a place outside
/// the book.
pub fn project_each(
    config: &Config,
    history: &History,
    which: &[usize],
    now: Timestamp,
    days: u32,
    key: impl Fn(&Config, &Item) -> String + Sync,
) -> Vec<Vec<Item>> {
    assert!(config.me.max_calls_per_day.is_none(), "a capped book is projected day by day");
    let book = config.prospect_list();
    let prospects: Vec<(usize, &Prospect)> = which.iter().map(|&place| (place, book[place])).collect();
    in_parts_on(parts_for(prospects.len()), &prospects, |_, part| {
        lay_out_alone(config, history, part, now, days, &key)
    })
}

/// `work` done on `items` in parts, one for each core (up to four), the results in the items'
/// order. `work` gets a part and where in `items` it starts. Fewer than 500 items are done in
/// one part: a thread costs more than they do.
pub fn in_parts<T: Sync, R: Send>(items: &[T], work: impl Fn(usize, &[T]) -> Vec<R> + Sync) -> Vec<R> {
    in_parts_on(parts_for(items.len()), items, work)
}

/// How many parts [`in_parts`] makes of `n` items on this machine.
fn parts_for(n: usize) -> usize {
    if n < ALONE_BELOW {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get()).min(MAX_THREADS)
    }
}

/// [`in_parts`] in `parts` parts (at least one), whatever the machine. A part whose thread the
/// system refuses is done on the calling thread.
#[doc(hidden)]
pub fn in_parts_on<T: Sync, R: Send>(
    parts: usize,
    items: &[T],
    work: impl Fn(usize, &[T]) -> Vec<R> + Sync,
) -> Vec<R> {
    if parts <= 1 || items.len() <= 1 {
        return work(0, items);
    }
    let size = items.len().div_ceil(parts);
    std::thread::scope(|scope| {
        let work = &work;
        let started: Vec<_> = items
            .chunks(size)
            .enumerate()
            .map(|(n, part)| {
                let first = n * size;
                (first, part, std::thread::Builder::new().spawn_scoped(scope, move || work(first, part)).ok())
            })
            .collect();
        started
            .into_iter()
            .flat_map(|(first, part, thread)| match thread {
                Some(thread) => thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                None => work(first, part),
            })
            .collect()
    })
}

/// Fewer items than this are worked on in one part (see [`in_parts`]).
const ALONE_BELOW: usize = 500;

/// The most threads [`in_parts`] shares work among.
const MAX_THREADS: usize = 4;

/// [`project`]'s layout of some prospects, each alone, with their places in the book: each
/// prospect's items apart.
fn lay_out_alone<'c>(
    config: &'c Config,
    history: &History,
    prospects: &[(usize, &'c Prospect)],
    now: Timestamp,
    days: u32,
    key: &(impl Fn(&Config, &Item) -> String + Sync),
) -> Vec<Vec<Item>> {
    let zoned = now.to_zoned(config.me.timezone.clone());
    let today = zoned.date();
    let days = i64::from(days.max(1));
    // Shared: prospects in one zone with the same windows look each day up once.
    let mut windows = WindowCache::new(config);
    let mut out = Vec::with_capacity(prospects.len());
    for &(place, prospect) in prospects {
        let mut alone = Alone::new(&mut windows, history, prospect, &zoned);
        let mut offset = 0;
        while offset < days {
            let Some(next) = alone.first_day_due(&mut windows, (today, offset, days), now) else { break };
            offset = next;
            let Some(at) = day_start(config, today, offset, now) else { break };
            let on_the_day = alone.plan(&mut windows, at, 1, How::ALL);
            alone.lay_out(&mut windows, on_the_day.items, at, key);
            offset += 1;
        }
        let mut items = alone.projection.out;
        for item in &mut items {
            // The book's items: their index is the prospect's place in the whole book.
            item.index = place;
        }
        out.push(items);
    }
    out
}

/// A prospect's real events replayed once, and each imagined one stepped into that replay,
/// while it comes after every event before it and nothing hangs on the instant planned at;
/// else (`replay` is `None`) everything is replayed for each plan.
struct Stepped<'c> {
    replay: Option<Replay<'c>>,
    /// The last event stepped through: (when, seq).
    last: Option<(Timestamp, i64)>,
}

impl<'c> Stepped<'c> {
    fn new(
        windows: &mut WindowCache<'c>,
        history: &History,
        prospect: &'c Prospect,
        now: &jiff::Zoned,
    ) -> Stepped<'c> {
        let events = history.events_of(&prospect.id);
        let replay = Replay::start(history, prospect, now).filter(|r| !r.assumed_now).map(|mut replay| {
            for event in events {
                replay.step(windows, event, now.time_zone(), &mut |_, _, _| {});
            }
            replay
        });
        Stepped { replay, last: events.last().map(|e| (e.at(), e.seq)) }
    }

    /// Where the prospect stands at `now`, with what was laid out (in `history`) taken as done.
    fn track(
        &self,
        windows: &mut WindowCache<'c>,
        history: &History,
        prospect: &'c Prospect,
        now: &jiff::Zoned,
    ) -> Option<super::Track> {
        match &self.replay {
            Some(replay) => replay.clone().finish(),
            None => super::replay(windows, history, prospect, now),
        }
    }

    /// Steps in an event the projection imagined.
    fn step(&mut self, windows: &mut WindowCache<'c>, event: &Event, tz: &jiff::tz::TimeZone) {
        let logged = Logged::from(event);
        let place = (logged.at(), logged.seq);
        match &mut self.replay {
            Some(replay) if self.last.is_none_or(|last| place > last) => {
                replay.step(windows, &logged, tz, &mut |_, _, _| {});
                self.last = Some(place);
            }
            _ => self.replay = None,
        }
    }
}

/// One prospect laid out alone: its own events and what the projection imagined after them.
struct Alone<'c> {
    prospect: &'c Prospect,
    projection: Projection,
    stepped: Stepped<'c>,
}

impl<'c> Alone<'c> {
    fn new(
        windows: &mut WindowCache<'c>,
        history: &History,
        prospect: &'c Prospect,
        now: &jiff::Zoned,
    ) -> Alone<'c> {
        let projection = Projection::new(history.alone(&prospect.id));
        let stepped = Stepped::new(windows, &projection.history, prospect, now);
        Alone { prospect, projection, stepped }
    }

    /// Where the prospect stands at `now`, with what was laid out taken as done.
    fn track(&self, windows: &mut WindowCache<'c>, now: &jiff::Zoned) -> Option<super::Track> {
        self.stepped.track(windows, &self.projection.history, self.prospect, now)
    }

    fn plan(&self, windows: &mut WindowCache<'c>, at: Timestamp, days: u32, how: How) -> super::Agenda {
        let track_of = |windows: &mut WindowCache<'c>, _: usize, _: &'c Prospect, now: &jiff::Zoned| {
            self.track(windows, now)
        };
        super::plan_tracked(windows.config, windows, vec![self.prospect], &track_of, at, days, how)
    }

    /// The first day, from day `from` of the `days` laid out from `today`, on which it has
    /// something due: planned alone from that day to the last.
    fn first_day_due(
        &self,
        windows: &mut WindowCache<'c>,
        (today, from, days): (jiff::civil::Date, i64, i64),
        now: Timestamp,
    ) -> Option<i64> {
        let at = day_start(windows.config, today, from, now)?;
        let remaining = u32::try_from(days - from).ok()?;
        let ahead = self.plan(windows, at, remaining, How::DAYS_ONLY);
        let next = ahead.items.iter().map(|i| i.day).min()?;
        Some(from + super::days_between(ahead.first_day, next))
    }

    /// Lays out the items of the day that starts at `at` (see [`Projection::lay_out`]).
    fn lay_out(
        &mut self,
        windows: &mut WindowCache<'c>,
        items: Vec<Item>,
        at: Timestamp,
        key: &impl Fn(&Config, &Item) -> String,
    ) {
        let config = windows.config;
        for event in self.projection.lay_out(config, items, at, key) {
            self.stepped.step(windows, &event, &config.me.timezone);
        }
    }
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

/// [`project`] the long way, the whole book planned day by day, every event replayed each
/// day: the rule as it reads, which the quick ways (each prospect alone without a cap,
/// [`project_capped`] under one) are held to in tests.
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
    let mut projection = Projection::new(history.clone());
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
    fn new(history: History) -> Projection {
        Projection {
            history,
            listed: HashSet::new(),
            out: Vec::new(),
            seq: i64::MAX / 2,
            imagined: HashSet::new(),
        }
    }

    /// Lists the items of the day that starts at `at` (a day's plan), each taken as done: the
    /// events imagined for them, in the order added to the history.
    fn lay_out(
        &mut self,
        config: &Config,
        items: Vec<Item>,
        at: Timestamp,
        key: &impl Fn(&Config, &Item) -> String,
    ) -> Vec<Event> {
        let mut imagined = Vec::new();
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
            let event = Event {
                seq: self.seq,
                prospect: item.prospect.as_str().into(),
                at: done_at,
                outcome,
                note: None,
                promise: PromiseChoice::Skip,
                next_step: None,
                until: None,
                item: item.drip_item.as_ref().map(|d| d.title.clone()),
            };
            self.history.push(&event);
            imagined.push(event);
            self.imagined.insert(item.prospect.clone());
            self.out.push(item);
        }
        imagined
    }
}

#[cfg(test)]
mod tests {
    use super::in_parts_on;

    #[test]
    fn work_in_parts_keeps_the_order_and_says_where_each_part_starts() {
        for parts in 1..=5 {
            for n in [0, 1, 2, 7, 500, 1003] {
                let items: Vec<usize> = (0..n).collect();
                let seen = std::sync::Mutex::new(Vec::new());
                let done = in_parts_on(parts, &items, |first, part| {
                    seen.lock().unwrap().push(std::thread::current().id());
                    part.iter().enumerate().map(|(i, &item)| (first + i, item * 2)).collect()
                });
                let want: Vec<(usize, usize)> = (0..n).map(|i| (i, i * 2)).collect();
                assert_eq!(done, want, "{n} items in {parts} parts");
                // One call for each part, each on a thread of its own when there are several.
                let mut threads = seen.into_inner().unwrap();
                let calls = threads.len();
                threads.sort_by_key(|t| format!("{t:?}"));
                threads.dedup();
                let expected = if n <= 1 || parts == 1 { 1 } else { n.div_ceil(n.div_ceil(parts)) };
                assert_eq!((calls, threads.len()), (expected, expected), "{n} items in {parts} parts");
            }
        }
    }
}
