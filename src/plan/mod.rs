//! The planner: `plan(&Config, &History, now) -> Agenda`, a pure function.
//!
//! No I/O and no clock reads happen here, so every rule of the domain is a fast unit test with a
//! fixed `now`. Each prospect is replayed from its events into a `Track` (where it stands in
//! its cadence, its pending promise and next step), the track yields at most one item per kind,
//! and the agenda then applies the daily call cap, finds call windows and sorts.
//!
//! Core: it may use the config and the calendar only; never the rendering, the state, the
//! channels, the daemon or the command line.

mod cap;
mod history;
mod project;
mod stats;
mod why;

use std::cmp::{Ordering, Reverse};
use std::collections::HashMap;

use jiff::civil::Date;
use jiff::{Timestamp, Zoned};

use crate::config::{Action, Config, DripItem, NextStep, Prospect, Relationship, Status, Window};
pub use history::{Class, Event, History, Loading, Logged, Outcome, PromiseChoice, seen_keys};
pub use project::{
    FEED_DAYS_BACK, in_parts, in_parts_on, project, project_daily, project_each, project_in_parts,
};
pub use stats::{
    LocalWindow, Promises, Rate, Review, Stats, Suggestion, median_text, monday_of, review, stats,
    suggest_windows,
};
pub use why::{Explained, Trouble, Verdict, status_word, why};

/// What kind of reminder an item is; the derived order is the agenda's section order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Promise,
    NextStep,
    Call,
    Email,
    Drip,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Promise => "promise",
            Kind::NextStep => "next_step",
            Kind::Call => "call",
            Kind::Email => "email",
            Kind::Drip => "drip",
        }
    }

    /// What the person does for this item.
    pub fn action(self) -> Doing {
        match self {
            Kind::Promise | Kind::NextStep | Kind::Call => Doing::Call,
            Kind::Email => Doing::Email,
            Kind::Drip => Doing::Drip,
        }
    }

    /// A call (a promise, a next step or a cadence call): it has a window and a phone number.
    pub fn is_call(self) -> bool {
        self.action() == Doing::Call
    }
}

/// What the person does for an item: call or email (as a cadence step's [`Action`] says), or
/// send a drip item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Doing {
    Call,
    Email,
    Drip,
}

impl Doing {
    /// As JSON and messages name it: `call`, `email` or `drip`.
    pub fn as_str(self) -> &'static str {
        match self {
            Doing::Call => "call",
            Doing::Email => "email",
            Doing::Drip => "drip",
        }
    }
}

/// A call window on a given day, in my zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub start: Zoned,
    pub end: Zoned,
    /// The prospect's calendar date the window falls on (mine, the day before, or the day
    /// after): the day named to them.
    pub their_day: Date,
}

/// One thing to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub prospect: String,
    pub kind: Kind,
    /// The day it is due (a workday), possibly before the agenda's day.
    pub due: Date,
    /// The agenda day it is listed under: `due`, or the agenda's first day when overdue.
    pub day: Date,
    pub overdue: bool,
    pub days_late: i64,
    pub window: Option<Slot>,
    /// The cadence step this is (1-based) and the cadence length, inside a cadence.
    pub attempt: Option<usize>,
    pub of: Option<usize>,
    pub why: String,
    /// The template for the script.
    pub template: String,
    /// For a promise: the day it was made (`None` for one typed into the config), mine and
    /// theirs.
    pub promise_made: Option<Date>,
    pub promise_made_theirs: Option<Date>,
    /// The callback a voicemail left for this item would promise (worked out once the day the
    /// item is listed on is final).
    pub callback_on: Option<Date>,
    /// Their calendar dates (see [`their_day`]) of the day it is listed on (of its window, when
    /// it has one), of `due` and of `callback_on`: the days a script names to them. Set when
    /// the plan finishes its items (every plan a caller gets); `due` and `None` until then.
    pub their_today: Date,
    pub their_due: Date,
    pub their_callback: Option<Date>,
    pub next_step: Option<String>,
    pub drip_item: Option<DripItem>,
    pub note: Option<String>,
    /// Cadence attempts so far, for ordering.
    attempts: usize,
    relationship: Relationship,
    /// What `why` will say, kept as data until the item is known to be listed: most items a
    /// large book plans fall past the agenda's last day or roll over the call cap.
    reason: Reason,
    /// The days this call rolled over from, past the daily cap.
    rolled: Vec<Date>,
    /// Whether a voicemail left for it names a callback: every call, counted from the day it is
    /// listed (inside a cadence, its next call step; else two workdays on).
    names_callback: bool,
    /// The cadence step after this one, inside a cadence.
    next_step_index: Option<usize>,
    /// The day `window` was found for.
    window_for: Option<Date>,
    /// The prospect's place in the config's prospect map, so the planner finds it without a
    /// lookup by id.
    index: usize,
}

/// Why an item is due, as data (see [`why_text`]).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Reason {
    Promise {
        made: Option<Date>,
        on: Date,
    },
    NextStep {
        on: Date,
        what: String,
    },
    /// Cadence step `step` (0-based), with the last attempt before it.
    Step {
        step: usize,
        last: Option<(Date, Outcome)>,
    },
    KeepInTouch {
        last_touch: Date,
    },
    Drip {
        title: String,
    },
}

/// The plan at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agenda {
    pub at: Zoned,
    /// The first day covered (the date of `at` in my zone) and how many days.
    pub first_day: Date,
    pub days: u32,
    pub items: Vec<Item>,
    /// Calls the daily cap rolled over: (from, to, how many), by day.
    pub rolled: Vec<(Date, Date, usize)>,
}

/// Where a prospect stands after replaying its events.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    /// `step` attempts are done; the next is due `wait` after `anchor`.
    Cadence { step: usize, anchor: Date },
    /// Talking: only keep-in-touch calls, counted from the last touch.
    Engaged,
    /// The next drip item (index into the rotation) is due `every` after `anchor`.
    Drip { anchor: Date, next: usize },
    /// Nothing more is due (cadence over with no drip, or closed).
    Done,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Promise {
    on: Date,
    /// My date when it was made, and theirs (what a script names to them).
    made: Option<Date>,
    made_theirs: Option<Date>,
}

#[derive(Debug, Clone)]
struct Track {
    phase: Phase,
    last_touch: Date,
    last_attempt: Option<(Date, Outcome)>,
    promise: Option<Promise>,
    next_step: Option<NextStep>,
    snooze_until: Option<Date>,
    /// Their `email` bounced: email steps are calls until the address changes.
    email_bounces: bool,
    closed: bool,
}

/// Plans what is due from `at`'s day for `days` days (at least one).
pub fn plan(config: &Config, history: &History, at: Timestamp, days: u32) -> Agenda {
    plan_book(config, history, at, days, How::ALL)
}

/// [`plan`] with the daily cap applied day by day and call by call, as the rule reads: the
/// reference the planner's quicker way is held to in tests.
#[doc(hidden)]
pub fn plan_day_by_day(config: &Config, history: &History, at: Timestamp, days: u32) -> Agenda {
    plan_book(config, history, at, days, How { rolling: Rolling::DayByDay, ..How::ALL })
}

/// The whole book planned [`How`] it says.
fn plan_book(config: &Config, history: &History, at: Timestamp, days: u32, how: How) -> Agenda {
    let prospects = config.prospect_list();
    plan_of(config, &mut WindowCache::new(config), prospects, history, at, days, how)
}

/// One prospect's items from `at`'s day for `days` days, as the whole book's [`plan`] has
/// them, without planning the whole book when nothing else can move them.
///
/// Prospects are planned each on their own but for `me.max_calls_per_day`, where the book's
/// calls compete for each day's places. Without a cap (or when the prospect has no call in
/// the period) the prospect is planned alone, and `history` need only hold its own events.
/// With a cap, `history` must hold everyone's: the whole book is planned, and only this
/// prospect's items are finished (windows, callbacks, the `why`).
pub fn plan_for(config: &Config, history: &History, at: Timestamp, days: u32, id: &str) -> Vec<Item> {
    let Some(prospect) = config.prospects.get(id) else { return Vec::new() };
    let mut windows = WindowCache::new(config);
    let mut alone = plan_of(config, &mut windows, vec![prospect], history, at, days, How::ALL).items;
    if config.me.max_calls_per_day.is_some() && alone.iter().any(|i| i.kind == Kind::Call) {
        let how = How { only: Some(id), ..How::ALL };
        return plan_of(config, &mut windows, config.prospect_list(), history, at, days, how).items;
    }
    // The items are the book's: their index is the prospect's place in the whole book.
    let index = config.prospects.keys().position(|k| k == id).unwrap_or(0);
    for item in &mut alone {
        item.index = index;
    }
    alone
}

/// What [`plan_of`] finishes and how it applies the cap.
#[derive(Clone, Copy)]
pub(super) struct How<'a> {
    /// Only this prospect's items are finished and returned (the cap still sees everyone's).
    only: Option<&'a str>,
    rolling: Rolling,
    /// Whether items get their window, callback, their dates and `why`, and the agenda's
    /// order; without, only which items fall on which days is known.
    finish: bool,
}

impl How<'_> {
    pub(super) const ALL: How<'static> = How { only: None, rolling: Rolling::ByProfile, finish: true };
    pub(super) const DAYS_ONLY: How<'static> = How { finish: false, ..How::ALL };
}

/// How the daily cap is worked out (see [`cap`]).
#[derive(Clone, Copy)]
enum Rolling {
    ByProfile,
    DayByDay,
}

/// Plans the given prospects (all of them, for [`plan`]). `windows` may be shared by plans of
/// one config: what it keeps (each profile's windows by day) does not depend on the instant.
pub(super) fn plan_of<'c>(
    config: &'c Config,
    windows: &mut WindowCache<'c>,
    prospects: Vec<&'c Prospect>,
    history: &History,
    at: Timestamp,
    days: u32,
    how: How,
) -> Agenda {
    let span = Span::new(config, at, days);
    let replayed = |windows: &mut WindowCache<'c>, _: usize, prospect: &'c Prospect, now: &Zoned| {
        replay(windows, history, prospect, now)
    };
    // A plan of one prospect (`plan_for`) need not count the book's events.
    let work = if prospects.len() < 2 { 0 } else { prospects.len() + history.len() };
    let items = gathered_items(config, windows, &mut None, &prospects, &replayed, &span, work);
    plan_gathered(config, windows, prospects, items, span, how)
}

/// From this many prospects and events together, a plan gathers its items on two threads (see
/// [`gathered_items`]): a large book's replays are most of its plan (100 000 prospects with ten
/// events each: 80 of 105 ms). Below it a second thread costs what it saves (10 000 prospects
/// without events: 4 ms more, for its start and its own memory and window cache).
const ON_TWO_THREADS_FROM: usize = 40_000;

/// Whether [`gathered_items`] takes two threads to `prospects` prospects and `work` prospects
/// and events.
fn on_two_threads(prospects: usize, work: usize) -> bool {
    prospects >= 2 && work >= ON_TWO_THREADS_FROM
}

/// Where a prospect (at its place in the prospects planned) stands at an instant, on whichever
/// thread asks: a [`replay`] of its events, or a replay kept and stepped on.
type TrackOf<'t, 'c> = dyn Fn(&mut WindowCache<'c>, usize, &'c Prospect, &Zoned) -> Option<Track> + Sync + 't;

/// Each prospect's items as `track_of` leaves it (unfinished: see [`plan_gathered`]), in the
/// prospects' order. A large book's second half (`work` counts its prospects and events) is
/// gathered on a second thread (when the system gives one), with `spare` as its window cache
/// (made when `None`; what a cache keeps never changes what it gives).
fn gathered_items<'c>(
    config: &'c Config,
    windows: &mut WindowCache<'c>,
    spare: &mut Option<WindowCache<'c>>,
    prospects: &[&'c Prospect],
    track_of: &TrackOf<'_, 'c>,
    span: &Span,
    work: usize,
) -> Vec<Item> {
    let gather = |windows: &mut WindowCache<'c>,
                  first: usize,
                  part: &[&'c Prospect],
                  items: &mut Vec<Item>| {
        for (offset, prospect) in part.iter().enumerate() {
            let place = first + offset;
            if let Some(track) = track_of(windows, place, prospect, &span.now) {
                collect_items(config, windows, (place, prospect), &track, span.today, span.last_day, items);
            }
        }
    };
    let mut items = Vec::with_capacity(prospects.len());
    if !on_two_threads(prospects.len(), work) {
        gather(windows, 0, prospects, &mut items);
        return items;
    }
    // Two halves whatever the cores (on one, the threads take turns at the cost of a spawn), so
    // a plan is made the same way on every machine.
    let half = prospects.len() / 2;
    let (first, second) = prospects.split_at(half);
    let spare = spare.get_or_insert_with(|| WindowCache::new(config));
    let gather_second = |windows: &mut WindowCache<'c>| {
        let mut items = Vec::with_capacity(second.len());
        gather(windows, half, second, &mut items);
        items
    };
    std::thread::scope(|scope| {
        // A thread the system refuses (a unit's TasksMax reached): this one does both halves.
        let other = std::thread::Builder::new().spawn_scoped(scope, || gather_second(spare));
        gather(windows, 0, first, &mut items);
        let mut theirs = match other {
            Ok(other) => other.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => gather_second(windows),
        };
        items.append(&mut theirs);
    });
    items
}

/// The instant a plan is for, in my zone, and the days it covers.
struct Span {
    now: Zoned,
    today: Date,
    days: u32,
    last_day: Date,
}

impl Span {
    fn new(config: &Config, at: Timestamp, days: u32) -> Span {
        let now = at.to_zoned(config.me.timezone.clone());
        let today = now.date();
        let days = days.max(1);
        let last_day = today.saturating_add(jiff::Span::new().days(i64::from(days) - 1));
        Span { now, today, days, last_day }
    }
}

/// [`plan_of`], each prospect's track from `track_of`, on this thread.
fn plan_tracked<'c>(
    config: &'c Config,
    windows: &mut WindowCache<'c>,
    prospects: Vec<&'c Prospect>,
    track_of: &TrackOf<'_, 'c>,
    at: Timestamp,
    days: u32,
    how: How,
) -> Agenda {
    let span = Span::new(config, at, days);
    let items = gathered_items(config, windows, &mut None, &prospects, track_of, &span, 0);
    plan_gathered(config, windows, prospects, items, span, how)
}

/// The agenda of the items gathered from each prospect's track: each listed on its day, the
/// day's calls capped, and (`how.finish`) finished and put in the agenda's order.
fn plan_gathered<'c>(
    config: &'c Config,
    windows: &mut WindowCache<'c>,
    prospects: Vec<&'c Prospect>,
    mut items: Vec<Item>,
    span: Span,
    how: How,
) -> Agenda {
    let Span { now, today, days, last_day } = span;
    for item in &mut items {
        item.day = item.due.max(today);
        // An overdue item waits for a day open on both sides, so nobody is called on their
        // weekend or national day, and I am not nudged on mine.
        if item.due < today {
            let prospect = prospects[item.index];
            let doing = item.kind.action();
            if windows.first_open_day(prospect, doing, today, Side::Both) != today {
                item.day =
                    windows.first_open_day(prospect, doing, today.tomorrow().unwrap_or(today), Side::Both);
            }
        }
        item.overdue = item.due < today;
        item.days_late = if item.overdue { days_between(item.due, today) } else { 0 };
    }
    items.retain(|item| item.day <= last_day);

    // Cap the day's calls: overflow rolls to the next day open on both sides, in call order.
    let mut rolled = Vec::new();
    if let Some(cap) = config.me.max_calls_per_day {
        rolled = match how.rolling {
            Rolling::ByProfile => {
                cap::roll_over(windows, &prospects, &mut items, now.timestamp(), last_day, cap)
            }
            Rolling::DayByDay => {
                cap::roll_day_by_day(windows, &prospects, &mut items, &now, (today, last_day), cap)
            }
        };
        items.retain(|item| item.day <= last_day);
    }
    if let Some(id) = how.only {
        items.retain(|item| item.prospect == id);
    }

    if !how.finish {
        return Agenda { at: now, first_day: today, days, items, rolled };
    }
    for item in &mut items {
        let prospect = prospects[item.index];
        windows.fill(prospect, item, &now);
        if item.names_callback {
            item.callback_on = match item.next_step_index {
                Some(step) => next_call_date(windows, prospect, step, item.day),
                None => Some(callback_outside_cadence(windows, prospect, item.day)),
            };
        }
        item.their_today = match &item.window {
            Some(slot) => slot.their_day,
            None => windows.their_day(prospect, item.day),
        };
        item.their_due = windows.their_day(prospect, item.due);
        item.their_callback = item.callback_on.map(|on| windows.their_day(prospect, on));
        item.why = why_text(config, item, today, config.me.max_calls_per_day.unwrap_or(0));
    }
    // A stable sort of places, then each item (448 bytes) moved once.
    let mut order: Vec<u32> = (0..items.len() as u32).collect();
    order.sort_by(|&a, &b| agenda_order(&items[a as usize], &items[b as usize]));
    put_in_order(&mut items, order);
    Agenda { at: now, first_day: today, days, items, rolled }
}

/// The promise record for the digest: every promise due this month (in my zone) and what
/// became of it up to `at`, by the same rules as `stats` and the weekly review (a promise is
/// missed once its day has passed without a call; open while its day is today or later).
pub fn promise_record(config: &Config, history: &History, at: Timestamp) -> Promises {
    let now = at.to_zoned(config.me.timezone.clone());
    let month = (now.year(), now.month());
    let in_month = |d: Date| (d.year(), d.month()) == month;
    let mut record = Promises::default();
    let mut windows = WindowCache::new(config);
    for prospect in config.prospects.values() {
        stats::count_promises(&mut windows, history, prospect, &now, &in_month, &mut record);
    }
    record
}

/// The one thing to do now: the first promise, next step or call whose window is open, else
/// the one whose window opens soonest, else the first email or drip, else (every window of the
/// day has closed) the first remaining item, so a due promise is never hidden.
pub fn next(agenda: &Agenda) -> Option<&Item> {
    let today: Vec<&Item> = agenda.items.iter().filter(|i| i.day == agenda.first_day).collect();
    let calls = || today.iter().copied().filter(|i| i.kind.is_call());
    let at = &agenda.at;
    calls()
        .find(|i| i.window.as_ref().is_some_and(|w| w.start <= *at && *at < w.end))
        .or_else(|| {
            calls()
                .filter_map(|i| i.window.as_ref().map(|w| (w.start.timestamp(), i)))
                .min_by_key(|(start, _)| *start)
                .map(|(_, i)| i)
        })
        .or_else(|| today.iter().copied().find(|i| !i.kind.is_call()))
        .or_else(|| today.first().copied())
}

pub(super) fn days_between(from: Date, to: Date) -> i64 {
    to.since((jiff::Unit::Day, from)).map(|s| i64::from(s.get_days())).unwrap_or(0)
}

/// How many days the digest's agenda spans: today through the third workday after it.
pub fn coming_up_days(config: &Config, today: Date) -> u32 {
    let mut end = today;
    for _ in 0..3 {
        end = config.me.calendar.next_after(end);
    }
    let days = today.until((jiff::Unit::Day, end)).map(|s| s.get_days()).unwrap_or(3);
    u32::try_from(days).unwrap_or(3) + 1
}

/// `Tue 24 Nov`.
pub fn short_date(date: Date) -> String {
    // Written out rather than through strftime: the agenda and the feed name thousands of days.
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let month = MONTHS[usize::try_from(date.month() - 1).unwrap_or(0)];
    format!("{} {} {month}", &weekday_name(date)[..3], date.day())
}

/// `Tuesday`.
pub fn weekday_name(date: Date) -> &'static str {
    const DAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
    DAYS[usize::try_from(date.weekday().to_monday_zero_offset()).unwrap_or(0)]
}

/// Replays a prospect's events into where it stands; `None` when nothing can be due.
fn replay<'c>(
    windows: &mut WindowCache<'c>,
    history: &History,
    prospect: &'c Prospect,
    now: &Zoned,
) -> Option<Track> {
    replay_observed(windows, history, prospect, now, &mut |_, _, _| {})
}

/// A voicemail left to be logged with the callback its script named (`PromiseChoice::Auto`)
/// gets that day written into it (`PromiseChoice::On`), so the day said on the phone is the
/// day kept even if the book's windows, holidays or cadence change later. Any other event is
/// left as it is. Pure: the day is the one the plan would keep with the event appended.
pub fn pin_callback(config: &Config, history: &History, event: &mut Event) {
    if event.outcome != Outcome::Voicemail || event.promise != PromiseChoice::Auto {
        return;
    }
    let Some(prospect) = config.prospects.get(event.prospect.as_ref()) else { return };
    // Its own events and sightings are all its replay reads: not a copy of the whole book's.
    let mut after = history.alone(&event.prospect);
    after.push(event);
    let now = event.at.to_zoned(config.me.timezone.clone());
    let mut windows = WindowCache::new(config);
    let made = now.date();
    if let Some(promise) = replay(&mut windows, &after, prospect, &now).and_then(|t| t.promise)
        && promise.made == Some(made)
    {
        event.promise = PromiseChoice::On(promise.on);
    }
}

/// What became of a promise, seen from the event that ended it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// An attempt or contact on or after its date (the day it happened).
    Kept(Date),
    /// They got in touch first: a contact before its date.
    Answered,
    /// Replaced by a newer promise, or the prospect closed, on that day.
    Superseded(Date),
}

/// `windows` is the caller's: a voicemail's callback lands on a day with a window, and the
/// look-ups are shared by every prospect in one zone.
fn replay_observed<'c>(
    windows: &mut WindowCache<'c>,
    history: &History,
    prospect: &'c Prospect,
    now: &Zoned,
    observe: &mut dyn FnMut(Date, Fate, &Prospect),
) -> Option<Track> {
    let mut replay = Replay::start(history, prospect, now)?;
    for event in history.events_of(&prospect.id) {
        replay.step(windows, event, now.time_zone(), observe);
    }
    replay.finish()
}

/// A prospect's events replayed one at a time into where it stands (see [`replay_observed`]):
/// the feed's projection adds the events it imagines to a replay of the real ones, rather than
/// replaying them all again for each day it lays out.
#[derive(Debug, Clone)]
struct Replay<'c> {
    prospect: &'c Prospect,
    track: Track,
    /// Hand-entered promise and next step, until the first event after they were first seen.
    config_promise: Option<(Timestamp, Date)>,
    config_step: Option<(Timestamp, &'c NextStep)>,
    /// Whether the instant of the replay stood in for a first sighting never recorded: a
    /// replay started at another instant may then differ.
    assumed_now: bool,
}

impl<'c> Replay<'c> {
    /// Before the prospect's first event; `None` when nothing can be due (not active).
    fn start(history: &History, prospect: &'c Prospect, now: &Zoned) -> Option<Replay<'c>> {
        if prospect.status != Status::Active {
            return None;
        }
        let mut assumed_now = false;
        let mut seen = |key: &str| {
            history.seen_at(&prospect.id, key).unwrap_or_else(|| {
                assumed_now = true;
                now.timestamp()
            })
        };
        // The day it entered the book: `since`, else when ringback first saw it.
        let since = match prospect.since {
            Some(since) => since,
            None => seen("prospect").to_zoned(now.time_zone().clone()).date(),
        };
        // Hand-entered promises and next steps count from when ringback first saw them, so an
        // older contact does not clear a promise typed in after it.
        let config_promise = prospect.promised_callback.map(|on| (seen(&format!("promise:{on}")), on));
        let config_step = prospect.next_step.as_ref().map(|s| (seen(&format!("next_step:{}", s.on)), s));
        let track = Track {
            phase: if prospect.relationship == Relationship::Client {
                Phase::Engaged
            } else {
                Phase::Cadence { step: 0, anchor: since }
            },
            last_touch: since,
            last_attempt: None,
            promise: None,
            next_step: None,
            snooze_until: None,
            email_bounces: false,
            closed: false,
        };
        Some(Replay { prospect, track, config_promise, config_step, assumed_now })
    }

    /// Applies one event (my zone is `tz`), telling `observe` what became of a promise it ends.
    fn step(
        &mut self,
        windows: &mut WindowCache<'c>,
        event: &Logged,
        tz: &jiff::tz::TimeZone,
        observe: &mut dyn FnMut(Date, Fate, &Prospect),
    ) {
        let prospect = self.prospect;
        let track = &mut self.track;
        if track.closed {
            return;
        }
        let cadence = windows.config.cadence_of(prospect);
        let before = track.promise.clone();
        let at = event.at();
        apply_config_marks(track, &mut self.config_promise, &mut self.config_step, at);
        if let Some(old) = before.as_ref().filter(|_| track.promise != before) {
            observe(old.on, Fate::Superseded(tz.to_datetime(at).date()), prospect);
        }
        let before = track.promise.clone();
        let date = tz.to_datetime(at).date();
        apply(track, event, date, cadence, windows, prospect);
        if let Some(old) = before.as_ref().filter(|_| track.promise != before) {
            let class = event.outcome.class();
            let fate = match class {
                Class::Attempt | Class::Contact if date >= old.on => Fate::Kept(date),
                Class::Contact => Fate::Answered,
                _ => Fate::Superseded(date),
            };
            observe(old.on, fate, prospect);
        }
    }

    /// Where the prospect stands after the events stepped through; `None` once closed.
    fn finish(mut self) -> Option<Track> {
        if self.track.closed {
            return None;
        }
        apply_config_marks(&mut self.track, &mut self.config_promise, &mut self.config_step, Timestamp::MAX);
        Some(self.track)
    }
}

fn apply_config_marks(
    track: &mut Track,
    promise: &mut Option<(Timestamp, Date)>,
    step: &mut Option<(Timestamp, &NextStep)>,
    before: Timestamp,
) {
    if let Some((made, on)) = *promise
        && made <= before
    {
        track.promise = Some(Promise { on, made: None, made_theirs: None });
        *promise = None;
    }
    if let Some((made, s)) = *step
        && made <= before
    {
        track.next_step = Some(s.clone());
        *step = None;
    }
}

fn apply<'c>(
    track: &mut Track,
    event: &Logged,
    date: Date,
    cadence: &crate::config::Cadence,
    windows: &mut WindowCache<'c>,
    prospect: &'c Prospect,
) {
    let config = windows.config;
    let class = event.outcome.class();
    let in_cadence = matches!(track.phase, Phase::Cadence { .. });
    // "On Tuesday I said I'd call you back": the day it was for them when I said it (worked
    // out only for an event that makes a promise: a million events would each pay for it).
    let their_date = || prospect.timezone.to_datetime(event.at()).date();
    if matches!(class, Class::Attempt | Class::Contact) {
        if track.next_step.as_ref().is_some_and(|s| date >= s.on) {
            track.next_step = None;
        }
        track.last_touch = date;
    }
    match class {
        Class::Attempt => {
            if track.promise.as_ref().is_some_and(|p| date >= p.on) {
                track.promise = None;
            }
            track.last_attempt = Some((date, event.outcome));
            if let Phase::Cadence { step, .. } = track.phase {
                let step = step + 1;
                track.phase = if step < cadence.steps.len() {
                    Phase::Cadence { step, anchor: date }
                } else if cadence.then.is_some() {
                    Phase::Drip { anchor: date, next: 0 }
                } else {
                    Phase::Done
                };
            }
            // A voicemail names the callback it keeps: the cadence's next call inside it (none
            // after its last step), else two workdays on (a promise, next step or keep-in-touch
            // call), so an engaged prospect never drops to keep-in-touch unheard.
            if event.outcome == Outcome::Voicemail && event.promise == PromiseChoice::Auto {
                let on = match track.phase {
                    Phase::Cadence { step, anchor } => next_call_date(windows, prospect, step, anchor),
                    _ if in_cadence => None,
                    _ => Some(callback_outside_cadence(windows, prospect, date)),
                };
                if let Some(on) = on {
                    track.promise = Some(Promise { on, made: Some(date), made_theirs: Some(their_date()) });
                }
            }
        }
        Class::Contact => {
            // Kept if on or after its date, cleared if before: gone either way.
            track.promise = None;
            track.phase = Phase::Engaged;
        }
        Class::Drip => {
            if let Phase::Drip { next, .. } = track.phase {
                let drip = cadence.then.as_ref().and_then(|d| config.drips.get(d));
                let named = event
                    .item()
                    .and_then(|title| drip.and_then(|d| d.items.iter().position(|i| i.title == title)));
                track.phase = Phase::Drip { anchor: date, next: named.unwrap_or(next) + 1 };
            }
        }
        Class::Decline => {
            track.promise = None;
            track.next_step = None;
            track.last_touch = date;
            track.phase =
                if cadence.then.is_some() { Phase::Drip { anchor: date, next: 0 } } else { Phase::Done };
        }
        Class::Close => {
            track.closed = true;
            track.phase = Phase::Done;
        }
        Class::Snooze => {
            track.snooze_until = event.until();
        }
        Class::Note => {
            if event.outcome == Outcome::AutoReply && event.until().is_some() {
                track.snooze_until = event.until();
            }
            if event.outcome == Outcome::Bounced && event.item().is_some_and(|a| prospect.is_email(a)) {
                track.email_bounces = true;
            }
        }
    }
    if let PromiseChoice::On(on) = event.promise
        && matches!(class, Class::Attempt | Class::Contact)
    {
        track.promise = Some(Promise { on, made: Some(date), made_theirs: Some(their_date()) });
    }
    if let Some(step) = event.next_step() {
        track.next_step = Some(step.clone());
    }
}

/// Whether mail to the prospect's `email` bounced (a `bounced` event naming it): their email
/// steps are calls, and no draft is written for them, until the address changes.
pub fn email_bounces(history: &History, prospect: &Prospect) -> bool {
    history
        .events_of(&prospect.id)
        .iter()
        .any(|e| e.outcome == Outcome::Bounced && e.item().is_some_and(|a| prospect.is_email(a)))
}

/// Whether none of the prospect's call windows ever falls outside my quiet hours (a year from
/// `from` is looked at), so no call to them can be offered.
pub fn never_offered(config: &Config, prospect: &Prospect, from: Date) -> bool {
    !prospect.call_windows.is_empty() && !WindowCache::new(config).ever_open(prospect, from)
}

/// How far on a voicemail outside a cadence promises to call back.
const CALLBACK_OUTSIDE_CADENCE: crate::config::Wait = crate::config::Wait::Workdays(2);

/// The callback a voicemail left on `day` outside a cadence promises: the first day open on
/// both sides, two of my workdays on.
fn callback_outside_cadence<'c>(windows: &mut WindowCache<'c>, prospect: &'c Prospect, day: Date) -> Date {
    let on = windows.config.me.calendar.add(CALLBACK_OUTSIDE_CADENCE, day);
    windows.first_open_day(prospect, Doing::Call, on, Side::Both)
}

/// The day of the first call step at or after `from`, reckoned as if the steps before it are
/// done on their due dates: the waits count on my calendar, and the call lands on the first day
/// open on both sides (the day a voicemail names, and then keeps).
fn next_call_date<'c>(
    windows: &mut WindowCache<'c>,
    prospect: &'c Prospect,
    from: usize,
    anchor: Date,
) -> Option<Date> {
    let config = windows.config;
    let mut date = anchor;
    for step in config.cadence_of(prospect).steps.iter().skip(from) {
        date = config.me.calendar.add(step.wait, date);
        if step.action == Action::Call {
            return Some(windows.first_open_day(prospect, Doing::Call, date, Side::Both));
        }
    }
    None
}

/// The items a prospect's track yields; `index` is its place in the config's prospect map.
fn collect_items<'c>(
    config: &'c Config,
    windows: &mut WindowCache<'c>,
    (index, prospect): (usize, &'c Prospect),
    track: &Track,
    today: Date,
    last_day: Date,
    items: &mut Vec<Item>,
) {
    let calendar = &config.me.calendar;
    let cadence = config.cadence_of(prospect);
    let (attempt, of, attempts) = match track.phase {
        Phase::Cadence { step, .. } => (Some(step + 1), Some(cadence.steps.len()), step),
        _ => (None, None, 0),
    };
    // Where a voicemail left for a call item would take the cadence next.
    let next_step_index = match track.phase {
        Phase::Cadence { step, .. } => Some(step + 1),
        _ => None,
    };
    // `None` past the agenda's last day: nothing rolls back, so it would never be listed.
    let mut make = |kind: Kind, due: Date, reason: Reason, template: &str| {
        let due = match track.snooze_until {
            Some(until) if until > due => until,
            _ => due,
        };
        let due = windows.first_open_day(prospect, kind.action(), due, Side::Both);
        (due <= last_day).then(|| Item {
            prospect: prospect.id.clone(),
            kind,
            due,
            day: due,
            overdue: false,
            days_late: 0,
            window: None,
            attempt,
            of,
            why: String::new(),
            template: template.to_owned(),
            promise_made: None,
            promise_made_theirs: None,
            callback_on: None,
            their_today: due,
            their_due: due,
            their_callback: None,
            next_step: None,
            drip_item: None,
            note: None,
            attempts,
            relationship: prospect.relationship,
            reason,
            rolled: Vec::new(),
            names_callback: kind.is_call(),
            next_step_index,
            window_for: None,
            index,
        })
    };

    if let Some(promise) = &track.promise {
        let reason = Reason::Promise { made: promise.made, on: promise.on };
        if let Some(mut item) = make(Kind::Promise, promise.on, reason, "call") {
            item.promise_made = promise.made;
            item.promise_made_theirs = promise.made_theirs;
            items.push(item);
        }
    }
    if let Some(step) = &track.next_step {
        let reason = Reason::NextStep { on: step.on, what: step.what.clone() };
        if let Some(mut item) = make(Kind::NextStep, step.on, reason, "next_step") {
            item.next_step = Some(step.what.clone());
            items.push(item);
        }
    }
    match &track.phase {
        Phase::Cadence { step, anchor } => {
            let s = &cadence.steps[*step];
            let due = calendar.add(s.wait, *anchor);
            let reason = Reason::Step { step: *step, last: track.last_attempt };
            match s.action {
                // A pending promise replaces the call: it is the call, on the promised day.
                Action::Call if track.promise.is_some() => {}
                Action::Call => {
                    let template = s.template.as_deref().unwrap_or("call");
                    if let Some(mut item) = make(Kind::Call, due, reason, template) {
                        item.note = s.note.clone();
                        items.push(item);
                    }
                }
                // Their address bounces: the email step is a call (none while a promise
                // stands for it).
                Action::Email if track.email_bounces => {
                    if track.promise.is_none() {
                        items.extend(make(Kind::Call, due, reason, "call"));
                    }
                }
                Action::Email => {
                    // A promised call or an agreed next step listed on the email's day goes
                    // first: "I've tried to reach you by phone" must not arrive the day you call
                    // as promised. Overdue items are listed today, so while the call waits the
                    // email waits a day more each day. One listed on another day leaves the
                    // email where the cadence puts it.
                    let listed = |day: Date| day.max(today);
                    let calls: Vec<Date> =
                        [track.promise.as_ref().map(|p| p.on), track.next_step.as_ref().map(|n| n.on)]
                            .into_iter()
                            .flatten()
                            .map(listed)
                            .collect();
                    let email_day = listed(calendar.on_or_after(due));
                    let mut day = email_day;
                    while calls.contains(&day) {
                        day = calendar.next_after(day);
                    }
                    let due = if day == email_day { due } else { day };
                    let template = s.template.as_deref().unwrap_or("email");
                    if let Some(mut item) = make(Kind::Email, due, reason, template) {
                        item.note = s.note.clone();
                        items.push(item);
                    }
                }
            }
        }
        Phase::Engaged => {
            if track.promise.is_none() && track.next_step.is_none() {
                let due = calendar.add(config.defaults.keep_in_touch, track.last_touch);
                let reason = Reason::KeepInTouch { last_touch: track.last_touch };
                items.extend(make(Kind::Call, due, reason, "call"));
            }
        }
        Phase::Drip { anchor, next } => {
            let drip_name = cadence.then.as_ref().expect("drip phase implies a drip");
            let drip = &config.drips[drip_name];
            let drip_item = &drip.items[next % drip.items.len()];
            let due = calendar.add(drip.every, *anchor);
            let reason = Reason::Drip { title: drip_item.title.clone() };
            if let Some(mut item) = make(Kind::Drip, due, reason, "drip") {
                item.attempt = None;
                item.of = None;
                item.drip_item = Some(drip_item.clone());
                items.push(item);
            }
        }
        Phase::Done => {}
    }
}

/// The `why` a person reads for a listed item.
fn why_text(config: &Config, item: &Item, today: Date, cap: usize) -> String {
    let prospect = &config.prospects[&item.prospect];
    let cadence = config.cadence_of(prospect);
    let mut why = match &item.reason {
        Reason::Promise { made: Some(made), on } => {
            format!("you promised on {} to call back {}", short_date(*made), when(*on, today))
        }
        Reason::Promise { made: None, on } => format!("you promised to call back {}", when(*on, today)),
        Reason::NextStep { on, what } => format!("agreed next step, due {}: {what}", when(*on, today)),
        Reason::Step { step, last } => {
            let position =
                format!("attempt {} of {} ({} cadence)", step + 1, cadence.steps.len(), prospect.cadence);
            let note = cadence.steps[*step].note.as_ref().map(|n| format!(": {n}")).unwrap_or_default();
            let last = match last {
                Some((date, outcome)) => format!("; last {} on {}", outcome, short_date(*date)),
                None => String::new(),
            };
            // An email step made a call: their address bounces.
            let bounced = match (&cadence.steps[*step].action, item.kind.is_call(), &prospect.email) {
                (Action::Email, true, Some(email)) => format!("; email to {email} bounces: call instead"),
                _ => String::new(),
            };
            format!("{position}{note}{last}{bounced}")
        }
        Reason::KeepInTouch { last_touch } => format!(
            "keep in touch: no contact since {} ({} without one is too long)",
            short_date(*last_touch),
            config.defaults.keep_in_touch
        ),
        Reason::Drip { title } => {
            let drip_name = cadence.then.as_deref().unwrap_or_default();
            let every = config.drips.get(drip_name).map(|d| d.every.to_string()).unwrap_or_default();
            format!("{drip_name} drip (every {every}): send “{title}”")
        }
    };
    let calls = if cap == 1 { "call" } else { "calls" };
    match item.rolled.as_slice() {
        [] => {}
        [day] => {
            why = format!("{why} (rolled over from {}: more than {cap} {calls} that day)", short_date(*day))
        }
        // A call rolled for weeks under a binding cap: one clause, not one for each day.
        [first, .., last] => {
            let n = item.rolled.len();
            why = format!(
                "{why} (rolled over on {n} days, {} to {}: more than {cap} {calls} each of those days)",
                short_date(*first),
                short_date(*last)
            );
        }
    }
    why
}

/// Call windows by zone, windows, their calendar and day: a book names a handful of zones and
/// window sets thousands of times, and each window costs several zone conversions.
pub(super) struct WindowCache<'c> {
    config: &'c Config,
    /// A number for each profile in use, so the day look-ups hash two integers.
    profiles: HashMap<Profile<'c>, u32, Quick>,
    /// The last prospect asked about and its profile: one prospect's items come together.
    last: Option<(&'c Prospect, u32)>,
    /// Each prospect's profile, by its address in the config: a plan of the whole book for each
    /// day of the feed asks for every prospect's again, and a profile's key is text to hash.
    by_prospect: HashMap<usize, u32, Quick>,
    /// The windows offered, by profile and my day.
    slots: HashMap<(u32, Date), Vec<Slot>, Quick>,
    /// Whether a profile has any window outside my quiet hours at all: a search for an open
    /// day stops at once when none has.
    ever_open: HashMap<u32, bool, Quick>,
}

/// Puts `items` in the order `order` gives (place k takes the item that was at `order[k]`),
/// where they lie: a list of large items (a planned item takes 448 bytes, a million events 32
/// MB) is never held twice, and each item moves once rather than at every step of a sort.
/// Each cycle of the permutation is followed once, carrying its first item along by swaps.
pub(crate) fn put_in_order<T>(items: &mut [T], mut order: Vec<u32>) {
    debug_assert_eq!(items.len(), order.len());
    for first in 0..order.len() {
        let mut k = first;
        while order[k] as usize != k {
            let from = order[k] as usize;
            order[k] = k as u32;
            if from == first {
                break;
            }
            items.swap(k, from);
            k = from;
        }
    }
}

/// The hasher of the window cache and of the history's tables by prospect id. Their keys come
/// from my own config and state, never from someone who could aim for collisions, so SipHash's
/// guard is not needed; its cost was a tenth of the feed's projection (looked up for each day
/// an open day is searched on) and a fifth of loading a large history.
pub(crate) type Quick = std::hash::BuildHasherDefault<QuickHasher>;

/// A multiply-and-rotate hasher (the one rustc uses for its own tables, "FxHash").
#[derive(Default)]
pub(crate) struct QuickHasher(u64);

impl QuickHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl std::hash::Hasher for QuickHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().unwrap_or_default()));
        }
        for &byte in chunks.remainder() {
            self.add(u64::from(byte));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u16(&mut self, n: u16) {
        self.add(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn write_i8(&mut self, n: i8) {
        self.add(n as u64);
    }

    fn write_i16(&mut self, n: i16) {
        self.add(n as u64);
    }

    fn write_i32(&mut self, n: i32) {
        self.add(n as u64);
    }

    fn write_i64(&mut self, n: i64) {
        self.add(n as u64);
    }
}

/// What decides a prospect's windows: the zone as written and its IANA name (an unnamed system
/// zone, named `UTC` for display, must not share windows with a prospect's real `UTC`), the
/// windows, their holiday code and their week.
type Profile<'c> = (&'c str, Option<&'c str>, &'c [Window], Option<&'c str>, Option<[bool; 7]>);

/// Whose calendar decides whether a day is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// Mine and theirs: a day something falls due on.
    Both,
    /// Theirs alone: an overdue item stays listed on my days off.
    Theirs,
}

impl<'c> WindowCache<'c> {
    fn new(config: &'c Config) -> WindowCache<'c> {
        WindowCache {
            config,
            profiles: HashMap::default(),
            last: None,
            by_prospect: HashMap::default(),
            slots: HashMap::default(),
            ever_open: HashMap::default(),
        }
    }

    fn profile(&mut self, prospect: &'c Prospect) -> u32 {
        if let Some((last, id)) = self.last
            && std::ptr::eq(last, prospect)
        {
            return id;
        }
        let address = std::ptr::from_ref(prospect) as usize;
        let id = match self.by_prospect.get(&address) {
            Some(&id) => id,
            None => {
                let key = (
                    &*prospect.timezone_name,
                    prospect.timezone.iana_name(),
                    &prospect.call_windows[..],
                    prospect.holidays.as_deref(),
                    prospect.workdays,
                );
                let next = u32::try_from(self.profiles.len()).unwrap_or(u32::MAX);
                let id = *self.profiles.entry(key).or_insert(next);
                self.by_prospect.insert(address, id);
                id
            }
        };
        self.last = Some((prospect, id));
        id
    }

    /// Whether any of the prospect's windows falls outside my quiet hours on some day of the
    /// year from `from`: a window my quiet hours cover only while our clocks agree opens in the
    /// weeks they change on different dates, and a search for its open day must find those.
    /// Kept by profile: a year holds every such week, so the answer does not hang on which day
    /// asked first (nor on how a large book was split among the cores). The search stops at the
    /// first open day, so it looks at one day for most profiles.
    fn ever_open(&mut self, prospect: &'c Prospect, from: Date) -> bool {
        let key = self.profile(prospect);
        let config = self.config;
        *self.ever_open.entry(key).or_insert_with(|| {
            (0..EVER_OPEN_DAYS).filter_map(|n| from.checked_add(jiff::Span::new().days(n)).ok()).any(|day| {
                day_windows(config, prospect, day)
                    .into_iter()
                    .any(|slot| !outside_quiet(slot, config.schedule.quiet_hours).is_empty())
            })
        })
    }

    /// The prospect's windows that may be offered on my `day` (see [`open_windows`]).
    fn open(&mut self, prospect: &'c Prospect, day: Date) -> &[Slot] {
        let key = (self.profile(prospect), day);
        self.slots.entry(key).or_insert_with(|| open_windows(self.config, prospect, day))
    }

    /// [`their_day`], from the windows kept.
    fn their_day(&mut self, prospect: &'c Prospect, day: Date) -> Date {
        let config = self.config;
        self.open(prospect, day)
            .first()
            .map_or_else(|| their_date_at_my_noon(config, prospect, day), |slot| slot.their_day)
    }

    /// Finds the item's window for its day, unless found already.
    fn fill(&mut self, prospect: &'c Prospect, item: &mut Item, now: &Zoned) {
        if item.window_for == Some(item.day) {
            return;
        }
        item.window_for = Some(item.day);
        item.window = None;
        if !item.kind.is_call() {
            return;
        }
        item.window =
            self.open(prospect, item.day).iter().find(|slot| slot.end.timestamp() > now.timestamp()).cloned();
    }

    /// The first of my days from `from` on which the prospect can be reached: a call needs a
    /// window on a workday of theirs, outside my quiet hours; an email or drip item needs the
    /// same date to be a workday of theirs. With [`Side::Both`] the day must be my workday too.
    /// A prospect whose windows never open (all inside my quiet hours) keeps `from`: `check`
    /// says so.
    fn first_open_day(&mut self, prospect: &'c Prospect, doing: Doing, from: Date, side: Side) -> Date {
        if doing == Doing::Call && !self.ever_open(prospect, from) {
            return from;
        }
        let config = self.config;
        let mine = &config.me.calendar;
        let mut day = from;
        for _ in 0..OPEN_DAY_SEARCH {
            let open_for_me = side == Side::Theirs || mine.is_workday(day);
            let open = open_for_me
                && match doing {
                    Doing::Call => !self.open(prospect, day).is_empty(),
                    Doing::Email | Doing::Drip => config.is_their_workday(prospect, day),
                };
            if open {
                return day;
            }
            let Ok(next) = day.tomorrow() else { break };
            day = next;
        }
        from
    }
}

/// How many days [`WindowCache::ever_open`] looks at: a year and a week.
const EVER_OPEN_DAYS: i64 = 372;

/// How many days ahead a search for an open day looks (a year, and then some for time away).
const OPEN_DAY_SEARCH: usize = 800;

/// `today`, `on Tue 24 Nov`.
fn when(date: Date, today: Date) -> String {
    if date == today { "today".to_owned() } else { format!("on {}", short_date(date)) }
}

/// The prospect's next call window that may be offered on the item's day in my zone (today for
/// overdue items) and has not ended at `now`.
pub fn window(config: &Config, item: &Item, now: &Zoned) -> Option<Slot> {
    if !item.kind.is_call() {
        return None;
    }
    let prospect = config.prospects.get(&item.prospect)?;
    open_windows(config, prospect, item.day).into_iter().find(|slot| slot.end.timestamp() > now.timestamp())
}

/// The windows of [`day_windows`] that may be offered: on a workday of theirs (their weekend
/// and holidays, on their date), cut to the part outside my quiet hours; a window wholly inside
/// them is not offered. Whether `day` is my workday is the caller's question.
pub fn open_windows(config: &Config, prospect: &Prospect, day: Date) -> Vec<Slot> {
    day_windows(config, prospect, day)
        .into_iter()
        .filter(|slot| config.is_their_workday(prospect, slot.their_day))
        .flat_map(|slot| outside_quiet(slot, config.schedule.quiet_hours))
        .collect()
}

/// The parts of a window outside my quiet hours, earliest first: a window that quiet hours
/// cut in the middle (`11:00-14:00` with `12:00-13:00` quiet) is offered as both its ends.
fn outside_quiet(slot: Slot, quiet: Option<Window>) -> Vec<Slot> {
    let Some(quiet) = quiet else { return vec![slot] };
    // The next instant at or after `from` whose wall time is `time`.
    let next = |from: &Zoned, time: jiff::civil::Time| -> Option<Zoned> {
        let same_day = from.with().time(time).build().ok()?;
        if same_day >= *from { Some(same_day) } else { same_day.checked_add(jiff::Span::new().days(1)).ok() }
    };
    let mut parts = Vec::new();
    let mut rest = slot;
    // A window is at most a day long, so two turns see every quiet spell inside it.
    for _ in 0..3 {
        if quiet.contains(rest.start.time()) {
            match next(&rest.start, quiet.end) {
                Some(end) if end < rest.end => rest.start = end,
                _ => break,
            }
        }
        match next(&rest.start, quiet.start).filter(|sleep| *sleep < rest.end) {
            Some(sleep) => {
                let mut part = rest.clone();
                part.end = sleep.clone();
                if part.start < part.end {
                    parts.push(part);
                }
                rest.start = sleep;
            }
            None => {
                parts.push(rest);
                return parts;
            }
        }
    }
    parts
}

/// The prospect's calendar date of their first window that may be offered on my `day`: the
/// day a script names to them. Their date of the day itself when no window is open on it.
pub fn their_day(config: &Config, prospect: &Prospect, day: Date) -> Date {
    open_windows(config, prospect, day)
        .first()
        .map_or_else(|| their_date_at_my_noon(config, prospect, day), |slot| slot.their_day)
}

/// Their date at my noon on `day`.
fn their_date_at_my_noon(config: &Config, prospect: &Prospect, day: Date) -> Date {
    day.to_datetime(jiff::civil::time(12, 0, 0, 0))
        .to_zoned(config.me.timezone.clone())
        .map_or(day, |noon| noon.with_time_zone(prospect.timezone.clone()).date())
}

/// All of a prospect's call windows that open on `day` in my zone, earliest first, whatever
/// the day is for either of us. A window belongs to the day, in my zone, on which it opens, so
/// a Tokyo prospect's 07:30 can be my previous evening.
pub fn day_windows(config: &Config, prospect: &Prospect, day: Date) -> Vec<Slot> {
    let mine = &config.me.timezone;
    let theirs = &prospect.timezone;
    let mut slots = Vec::new();
    for offset in [-1i64, 0, 1] {
        let Ok(their_day) = day.checked_add(jiff::Span::new().days(offset)) else { continue };
        for w in prospect.call_windows.iter() {
            let Ok(start) = their_day.to_datetime(w.start).to_zoned(theirs.clone()) else { continue };
            let start = start.with_time_zone(mine.clone());
            if start.date() != day {
                continue;
            }
            let Ok(end) = their_day.to_datetime(w.end).to_zoned(theirs.clone()) else { continue };
            slots.push(Slot { start, end: end.with_time_zone(mine.clone()), their_day });
        }
    }
    slots.sort_by_key(|s| s.start.timestamp());
    slots
}

fn window_start(item: &Item) -> Option<Timestamp> {
    item.window.as_ref().map(|w| w.start.timestamp())
}

/// Earlier windows first, items without one (all ended) last.
fn by_window(a: &Item, b: &Item) -> Ordering {
    match (window_start(a), window_start(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

fn call_order(a: &Item, b: &Item) -> Ordering {
    by_window(a, b)
        .then(a.relationship.cmp(&b.relationship))
        .then(a.due.cmp(&b.due))
        .then(a.attempts.cmp(&b.attempts))
        .then_with(|| a.prospect.cmp(&b.prospect))
}

/// The agenda's order: by day, then section, then each section's own rule.
pub fn agenda_order(a: &Item, b: &Item) -> Ordering {
    a.day.cmp(&b.day).then(a.kind.cmp(&b.kind)).then_with(|| match a.kind {
        Kind::Promise | Kind::NextStep => Reverse(a.days_late)
            .cmp(&Reverse(b.days_late))
            .then(by_window(a, b))
            .then_with(|| a.prospect.cmp(&b.prospect)),
        Kind::Call => call_order(a, b),
        Kind::Email => a
            .relationship
            .cmp(&b.relationship)
            .then(a.due.cmp(&b.due))
            .then_with(|| a.prospect.cmp(&b.prospect)),
        Kind::Drip => a.due.cmp(&b.due).then_with(|| a.prospect.cmp(&b.prospect)),
    })
}

#[cfg(test)]
mod tests;
