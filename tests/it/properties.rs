//! Planner invariants over random books and histories.

use jiff::civil::{Date, date};
use jiff::{Timestamp, ToSpan};
use proptest::prelude::*;
use ringback::config::{Config, Status};
use ringback::plan::{self, Event, History, Kind, Outcome, PromiseChoice, agenda_order};

const ZONES: &[&str] =
    &["America/Toronto", "America/Vancouver", "Europe/Berlin", "Asia/Tokyo", "Australia/Sydney"];
const RELATIONSHIPS: &[&str] = &["cold", "met", "warm", "client"];
const STATUSES: &[&str] = &["active", "active", "active", "paused", "won", "lost"];
const WINDOWS: &[&str] =
    &["\"07:30-08:30\"", "\"17:00-18:00\"", "\"07:30-08:30\", \"17:00-18:00\"", "\"12:00-12:30\""];

#[derive(Debug, Clone)]
struct P {
    zone: usize,
    relationship: usize,
    status: usize,
    since: i64,
    windows: usize,
    promise: Option<i64>,
    step: Option<i64>,
    cadence: bool,
}

fn prospect() -> impl Strategy<Value = P> {
    (
        0..ZONES.len(),
        0..RELATIONSHIPS.len(),
        0..STATUSES.len(),
        0i64..60,
        0..WINDOWS.len(),
        proptest::option::of(0i64..60),
        proptest::option::of(0i64..60),
        any::<bool>(),
    )
        .prop_map(|(zone, relationship, status, since, windows, promise, step, cadence)| P {
            zone,
            relationship,
            status,
            since,
            windows,
            promise,
            step,
            cadence,
        })
}

fn event() -> impl Strategy<Value = (usize, usize, i64, i8, u8, i64)> {
    (0usize..8, 0..Outcome::ALL.len(), 0i64..70, 0i8..24, 0u8..3, 1i64..30)
}

const BASE: &str = r#"
[me]
name = "Dana"
timezone = "America/Toronto"
holidays = [2026-10-12, 2026-12-25]
away = [{ from = 2026-11-09, to = 2026-11-13 }]
max_calls_per_day = 3

[cadences.standard]
steps = [
  { wait = "0 days", action = "call" },
  { wait = "2 workdays", action = "call" },
  { wait = "3 workdays", action = "email" },
  { wait = "1 week", action = "call" },
  { wait = "1 month", action = "email" },
]
then = "monthly"

[cadences.short]
steps = [{ wait = "1 day", action = "call" }, { wait = "1 week", action = "email" }]

[drips.monthly]
every = "1 month"
items = [{ title = "A" }, { title = "B" }]
"#;

fn origin() -> Date {
    date(2026, 10, 1)
}

fn book(prospects: &[P]) -> Config {
    let mut text = BASE.to_owned();
    for (i, p) in prospects.iter().enumerate() {
        text.push_str(&format!(
            "[prospects.p{i}]\nname = \"P{i}\"\ntimezone = \"{}\"\nrelationship = \"{}\"\nstatus = \"{}\"\nsince = {}\ncall_windows = [{}]\ncadence = \"{}\"\n",
            ZONES[p.zone],
            RELATIONSHIPS[p.relationship],
            STATUSES[p.status],
            origin().checked_add(p.since.days()).unwrap(),
            WINDOWS[p.windows],
            if p.cadence { "standard" } else { "short" },
        ));
        if let Some(d) = p.promise {
            text.push_str(&format!("promised_callback = {}\n", origin().checked_add(d.days()).unwrap()));
        }
        if let Some(d) = p.step {
            text.push_str(&format!(
                "next_step = {{ on = {}, what = \"x\" }}\n",
                origin().checked_add(d.days()).unwrap()
            ));
        }
    }
    Config::from_toml(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn history(n: usize, raw: &[(usize, usize, i64, i8, u8, i64)]) -> History {
    let tz = jiff::tz::TimeZone::get("America/Toronto").unwrap();
    let mut h = History::default();
    for (seq, &(who, outcome, day, hour, promise, until)) in raw.iter().enumerate() {
        let day = origin().checked_add(day.days()).unwrap();
        let outcome = Outcome::ALL[outcome];
        h.push(&Event {
            seq: seq as i64,
            prospect: format!("p{}", who % n).into(),
            at: day.at(hour, 0, 0, 0).to_zoned(tz.clone()).unwrap().timestamp(),
            outcome,
            note: None,
            promise: match promise {
                0 => PromiseChoice::Auto,
                1 => PromiseChoice::Skip,
                _ => PromiseChoice::On(day.checked_add(until.days()).unwrap()),
            },
            next_step: None,
            until: (outcome == Outcome::Snooze).then(|| day.checked_add(until.days()).unwrap()),
            item: None,
        });
    }
    h
}

fn instant(day: i64, hour: i8) -> Timestamp {
    let tz = jiff::tz::TimeZone::get("America/Toronto").unwrap();
    origin().checked_add(day.days()).unwrap().at(hour, 0, 0, 0).to_zoned(tz).unwrap().timestamp()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn planner_invariants(
        prospects in proptest::collection::vec(prospect(), 1..8),
        events in proptest::collection::vec(event(), 0..40),
        day in 0i64..120,
        hour in 0i8..24,
        days in 1u32..10,
    ) {
        let config = book(&prospects);
        let history = history(prospects.len(), &events);
        let at = instant(day, hour);
        let agenda = plan::plan(&config, &history, at, days);

        // Planning twice gives the same agenda.
        prop_assert_eq!(&agenda, &plan::plan(&config, &history, at, days));

        let calendar = &config.me.calendar;
        let mut seen = std::collections::HashSet::new();
        for item in &agenda.items {
            // Every due date is a workday outside away ranges and holidays.
            prop_assert!(calendar.is_workday(item.due), "{} due on a non-workday {}", item.prospect, item.due);
            // Nothing for closed or paused prospects.
            let p = &config.prospects[&item.prospect];
            prop_assert_eq!(p.status, Status::Active);
            let closed = history.events_of(&p.id).iter().any(|e| matches!(e.outcome, Outcome::Won | Outcome::Lost | Outcome::OptedOut));
            prop_assert!(!closed, "{} is closed by an event", p.id);
            // Nothing due before the latest snooze's end.
            if let Some(until) = history.events_of(&p.id).iter().rfind(|e| e.outcome == Outcome::Snooze).and_then(|e| e.until()) {
                prop_assert!(item.due >= until, "{} due {} while snoozed until {}", p.id, item.due, until);
            }
            // A prospect appears at most once per kind (per day listed).
            prop_assert!(seen.insert((item.prospect.clone(), item.kind)), "{} twice as {:?}", item.prospect, item.kind);
            // Overdue and lateness agree.
            prop_assert_eq!(item.overdue, item.days_late > 0);
            prop_assert!(item.day >= agenda.first_day);
        }
        // The ordering rules hold.
        prop_assert!(agenda.items.is_sorted_by(|a, b| agenda_order(a, b) != std::cmp::Ordering::Greater));
        // A pending promise replaces the prospect's call.
        for item in agenda.items.iter().filter(|i| i.kind == Kind::Promise) {
            prop_assert!(!agenda.items.iter().any(|i| i.prospect == item.prospect && i.kind == Kind::Call));
        }
        // The daily cap holds on every day.
        for offset in 0..days {
            let d = agenda.first_day.checked_add((offset as i64).days()).unwrap();
            let calls = agenda.items.iter().filter(|i| i.kind == Kind::Call && i.day == d).count();
            prop_assert!(calls <= 3, "{calls} calls on {d}");
        }
    }
}

/// The same book with another daily cap (none: prospects are then planned each on their own).
fn capped(config: &Config, cap: Option<usize>) -> Config {
    let mut config = config.clone();
    config.me.max_calls_per_day = cap;
    config
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// `plan_for` (what `why`, `log`, `undo` and `set` show) is the whole book's plan, seen for
    /// one prospect: with the cap (which it meets by planning the book as far as it must) and
    /// without (one prospect alone, from its own events only).
    #[test]
    fn one_prospects_plan_is_the_books(
        prospects in proptest::collection::vec(prospect(), 1..8),
        events in proptest::collection::vec(event(), 0..40),
        day in 0i64..120,
        hour in 0i8..24,
        days in 1u32..90,
    ) {
        let history = history(prospects.len(), &events);
        let at = instant(day, hour);
        // A cap of one call a day rolls calls often, so the book's competition is tried.
        let config = book(&prospects);
        for config in [capped(&config, Some(1)), capped(&config, None)] {
            let agenda = plan::plan(&config, &history, at, days);
            for id in config.prospects.keys() {
                let whole: Vec<_> = agenda.items.iter().filter(|i| &i.prospect == id).cloned().collect();
                let capped = config.me.max_calls_per_day.is_some();
                // Without a cap the prospect's own events are all it is given.
                let own = if capped { history.clone() } else { history.only(id) };
                prop_assert_eq!(&plan::plan_for(&config, &own, at, days, id), &whole, "{} (cap: {})", id, capped);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The feed's projection without a cap (each prospect laid out alone, planned only on the
    /// days it has something) is the day-by-day projection of the whole book.
    #[test]
    fn the_quick_projection_is_the_daily_one(
        prospects in proptest::collection::vec(prospect(), 1..8),
        events in proptest::collection::vec(event(), 0..40),
        day in 0i64..120,
        hour in 0i8..24,
        days in 1u32..60,
    ) {
        let config = capped(&book(&prospects), None);
        let mut history = history(prospects.len(), &events);
        let at = instant(day, hour);
        // As the feed and `ics` load it: every hand-entered mark has been seen (by the state,
        // or as of the command's `--at`), never "as of each day planned".
        history.assume_seen(at);
        let key = |_: &Config, item: &plan::Item| format!("{}:{:?}:{}", item.prospect, item.kind, item.due);
        let quick = plan::project(&config, &history, at, days, key);
        let daily = plan::project_daily(&config, &history, at, days, key);
        let brief = |v: &[plan::Item]| v.iter().map(|i| format!("{} {:?} due {} day {}", i.prospect, i.kind, i.due, i.day)).collect::<Vec<_>>();
        prop_assert_eq!(&quick, &daily, "quick {:#?}\ndaily {:#?}", brief(&quick), brief(&daily));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The feed's projection under a cap (each prospect's real events replayed once, each
    /// imagined one stepped into that replay) is the day-by-day projection that replays every
    /// event of the book each day: with first sightings assumed as of the feed's instant, or
    /// not at all (each day's instant then stands in for a hand-entered promise's or next
    /// step's), and quiet hours that close some prospects' only window.
    #[test]
    fn the_capped_projection_is_the_daily_one(
        prospects in proptest::collection::vec(prospect(), 1..16),
        events in proptest::collection::vec(event(), 0..40),
        day in 0i64..120,
        hour in 0i8..24,
        days in 1u32..40,
        cap in 1usize..4,
        assumed in any::<bool>(),
        quiet in any::<bool>(),
    ) {
        let mut config = capped(&book(&prospects), Some(cap));
        if quiet {
            config.schedule.quiet_hours = Some(ringback::config::Window { start: jiff::civil::time(11, 0, 0, 0), end: jiff::civil::time(13, 0, 0, 0) });
        }
        let mut history = history(prospects.len(), &events);
        let at = instant(day, hour);
        if assumed {
            history.assume_seen(at);
        }
        let key = |_: &Config, item: &plan::Item| format!("{}:{:?}:{}", item.prospect, item.kind, item.due);
        let quick = plan::project(&config, &history, at, days, key);
        let daily = plan::project_daily(&config, &history, at, days, key);
        let brief = |v: &[plan::Item]| v.iter().map(|i| format!("{} {:?} due {} day {}", i.prospect, i.kind, i.due, i.day)).collect::<Vec<_>>();
        prop_assert_eq!(&quick, &daily, "quick {:#?}\ndaily {:#?}", brief(&quick), brief(&daily));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The daily cap worked out by profile (calls of one zone and set of windows rolled
    /// together) gives the agenda the rule gives call by call, day by day: the same calls on
    /// each day, the same days rolled from, the same counts rolled.
    #[test]
    fn the_cap_by_profile_is_the_cap_call_by_call(
        prospects in proptest::collection::vec(prospect(), 1..24),
        events in proptest::collection::vec(event(), 0..60),
        day in 0i64..120,
        hour in 0i8..24,
        days in 1u32..120,
        cap in 1usize..4,
        quiet in any::<bool>(),
    ) {
        let mut config = capped(&book(&prospects), Some(cap));
        // Quiet hours over my midday: Toronto's 12:00-12:30 is never offered, Berlin's
        // 17:00-18:00 only in the week of October when the clocks differ, so some calls find
        // no window or roll day after day.
        if quiet {
            config.schedule.quiet_hours = Some(ringback::config::Window { start: jiff::civil::time(11, 0, 0, 0), end: jiff::civil::time(13, 0, 0, 0) });
        }
        let history = history(prospects.len(), &events);
        let at = instant(day, hour);
        let quick = plan::plan(&config, &history, at, days);
        let reference = plan::plan_day_by_day(&config, &history, at, days);
        prop_assert_eq!(quick, reference);
    }
}

/// A book large enough to be laid out on several threads (in parts of the book, joined) is
/// projected as the daily projection of the whole book has it, in the same order, each item
/// knowing its prospect's place in the whole book.
#[test]
fn a_large_book_projected_in_parts_is_the_daily_projection() {
    let prospects: Vec<P> = (0..640)
        .map(|i| P {
            zone: i % ZONES.len(),
            relationship: i % RELATIONSHIPS.len(),
            status: i % 4,
            since: (i % 50) as i64,
            windows: i % WINDOWS.len(),
            promise: (i % 7 == 0).then_some((i % 40) as i64),
            step: (i % 11 == 0).then_some((i % 45) as i64),
            cadence: i % 3 != 0,
        })
        .collect();
    let raw: Vec<_> = (0..900)
        .map(|i| (i % 640, i % Outcome::ALL.len(), (i % 40) as i64, (7 + i % 12) as i8, (i % 3) as u8, 5))
        .collect();
    let config = capped(&book(&prospects), None);
    let mut history = history(prospects.len(), &raw);
    let at = instant(45, 9);
    history.assume_seen(at);
    let key = |_: &Config, item: &plan::Item| format!("{}:{:?}:{}", item.prospect, item.kind, item.due);
    let daily = plan::project_daily(&config, &history, at, 21, key);
    assert!(daily.len() > 150, "{} items", daily.len());
    assert_eq!(plan::project(&config, &history, at, 21, key), daily);
    // In parts as a machine of one to three cores would make them, whatever this one has.
    for parts in 1..=3 {
        assert_eq!(plan::project_in_parts(parts, &config, &history, at, 21, key), daily, "{parts} parts");
    }
}
