//! When things fire: the digest's cron occurrences, catch-up, nudge groups and quiet hours.
//! Pure functions of (config, agenda, now), so every timing rule is a fast test.
//!
//! Core: no I/O and no clock reads. It may not touch the state, the rendering, the channels,
//! the daemon or the command line; the daemon asks it and acts.

use jiff::{SignedDuration, Timestamp, Zoned};

use crate::config::Config;
use crate::plan::{Agenda, Item, Kind};

/// Digest occurrences accounted for together: one, or a run of skipped ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestRecord {
    pub first: Timestamp,
    pub through: Timestamp,
    pub count: i64,
    /// The local wall time(s), for people: `2026-11-24T07:00:00`, or a range.
    pub occurrence: String,
    /// `sent`, `skipped` (missed by more than catch_up) or `superseded` (a later one was sent).
    pub outcome: &'static str,
}

/// A wake-up is never further away than this, so suspend, resume and clock changes are
/// noticed within a minute even though tokio's timers follow the monotonic clock.
pub const MAX_SLEEP: SignedDuration = SignedDuration::from_secs(60);

/// Waking this late after a digest's time still counts as on time, whatever `catch_up` says.
pub const ON_TIME: SignedDuration = SignedDuration::from_secs(90);

/// The first digest occurrence strictly after `after`, in my zone.
pub fn next_digest(config: &Config, after: Timestamp) -> Option<Zoned> {
    let now = after.to_zoned(config.me.timezone.clone());
    config.schedule.digest.find_next_occurrence(&now, false).ok()
}

/// The latest digest occurrence at or before `now`, in my zone.
pub fn last_digest(config: &Config, now: Timestamp) -> Option<Zoned> {
    let now = now.to_zoned(config.me.timezone.clone());
    config.schedule.digest.find_previous_occurrence(&now, true).ok()
}

/// The ledger key of a digest occurrence: its local wall time, as the contract says.
pub fn digest_key(channel: &str, occurrence: &Zoned) -> String {
    format!("{channel}:digest:{}", occurrence.strftime("%Y-%m-%dT%H:%M:%S"))
}

/// Occurrences to account for after a long gap are counted up to this many; a gap longer
/// than that (a per-second cron down for a day) is logged as one run of "at least" this many.
pub const MAX_COUNTED: i64 = 100_000;

/// What to do about the digest occurrences not yet accounted for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DigestsDue {
    /// Occurrences missed by more than `catch_up`, or superseded by a later one sent now:
    /// logged as skipped, once.
    pub skipped: Option<DigestRecord>,
    /// The latest occurrence, to send now (on time, or late but within `catch_up`).
    pub send: Option<Zoned>,
}

/// Decides about every occurrence after `last` (the latest accounted for) up to `now`; with
/// no `last` (the first start), only about the latest one. Each occurrence is then either
/// sent or logged skipped: only the latest can be sent (a stack of old digests helps nobody),
/// and only within `catch_up` (at least [`ON_TIME`]).
pub fn digests_due(config: &Config, last: Option<Timestamp>, now: Timestamp) -> DigestsDue {
    let Some(latest) = last_digest(config, now) else { return DigestsDue::default() };
    if last.is_some_and(|l| latest.timestamp() <= l) {
        return DigestsDue::default();
    }
    // The earlier occurrences not yet accounted for, from the one after `last` up to the one
    // before `latest`: (first, through, count, counting stopped at the bound).
    let mut run: Option<(Zoned, Zoned, i64, bool)> = None;
    if let Some(last) = last {
        let first = next_digest(config, last).filter(|f| f.timestamp() < latest.timestamp());
        if let Some(first) = first {
            let mut count = 1;
            let mut through = first.clone();
            while count < MAX_COUNTED {
                match config.schedule.digest.find_next_occurrence(&through, false) {
                    Ok(n) if n.timestamp() < latest.timestamp() => {
                        through = n;
                        count += 1;
                    }
                    _ => break,
                }
            }
            if count == MAX_COUNTED {
                // Stop counting: the run ends just before `latest` all the same.
                through = config
                    .schedule
                    .digest
                    .find_previous_occurrence(&(latest.clone() - SignedDuration::from_secs(1)), true)
                    .unwrap_or(through);
            }
            run = Some((first, through, count, count == MAX_COUNTED));
        }
    }
    let late = now.duration_since(latest.timestamp());
    let send = (late <= config.schedule.catch_up.max(ON_TIME)).then(|| latest.clone());
    if send.is_none() {
        // Missed too: it joins the run.
        run = Some(match run {
            Some((first, _, count, at_least)) => (first, latest, count + 1, at_least),
            None => (latest.clone(), latest, 1, false),
        });
    }
    let skipped =
        run.map(|(first, through, count, at_least)| record(&first, &through, count, at_least, "skipped"));
    DigestsDue { skipped, send }
}

fn record(first: &Zoned, through: &Zoned, count: i64, at_least: bool, outcome: &'static str) -> DigestRecord {
    let occurrence = if count == 1 {
        local_wall_time(first)
    } else {
        let more = if at_least { "at least " } else { "" };
        format!("{} … {} ({more}{count} occurrences)", local_wall_time(first), local_wall_time(through))
    };
    DigestRecord { first: first.timestamp(), through: through.timestamp(), count, occurrence, outcome }
}

/// The log record of one occurrence.
pub fn digest_record(occurrence: &Zoned, outcome: &'static str) -> DigestRecord {
    record(occurrence, occurrence, 1, false, outcome)
}

/// An occurrence as the local wall time it was scheduled for (what `check` shows).
pub fn local_wall_time(occurrence: &Zoned) -> String {
    occurrence.strftime("%Y-%m-%dT%H:%M:%S").to_string()
}

/// Whether desktop notifications are held at this instant.
pub fn quiet(config: &Config, now: Timestamp) -> bool {
    let local = now.to_zoned(config.me.timezone.clone());
    config.schedule.quiet_hours.is_some_and(|q| q.contains(local.time()))
}

/// Call items whose windows open together, nudged as one notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NudgeGroup {
    pub opens: Zoned,
    pub fire_at: Timestamp,
    pub items: Vec<Item>,
    /// An overdue promise is among them.
    pub critical: bool,
}

/// The ledger key of one item's nudge: (channel, kind, prospect, the day it is listed, the
/// window). Keyed by the listed day, not the due date, so an overdue promise is nudged again
/// on every day it stays listed, once per window.
pub fn nudge_key(item: &Item) -> String {
    let window = item.window.as_ref().map_or(0, |w| w.start.timestamp().as_second());
    format!("desktop:nudge:{}:{}:{}:{window}", item.kind.as_str(), item.prospect, item.day)
}

/// Today's nudges not yet delivered, grouped by window start, earliest first (none on a day
/// that is not my workday). A group is due
/// once `nudge` before its window opens; a window that has ended has no nudge (the agenda
/// already moved the item to its next window, or to none).
pub fn nudges(config: &Config, agenda: &Agenda, delivered: impl Fn(&str) -> bool) -> Vec<NudgeGroup> {
    let mut groups: Vec<NudgeGroup> = Vec::new();
    // On a day off (a weekend, a holiday, time away) overdue calls stay in the agenda but
    // nobody is nudged to make them.
    if !config.me.calendar.is_workday(agenda.first_day) {
        return groups;
    }
    for item in &agenda.items {
        if item.day != agenda.first_day || !item.kind.is_call() || delivered(&nudge_key(item)) {
            continue;
        }
        let Some(window) = &item.window else { continue };
        let critical = item.kind == Kind::Promise && item.overdue;
        match groups.iter_mut().find(|g| g.opens.timestamp() == window.start.timestamp()) {
            Some(group) => {
                group.items.push(item.clone());
                group.critical |= critical;
            }
            None => groups.push(NudgeGroup {
                opens: window.start.clone(),
                fire_at: window.start.timestamp() - config.schedule.nudge,
                items: vec![item.clone()],
                critical,
            }),
        }
    }
    groups.sort_by_key(|g| g.opens.timestamp());
    groups
}

/// When the loop should next wake: the earliest of the next digest, the next nudge, local
/// midnight (to replan the day) and the outbox's next try, but never more than a minute away.
pub fn next_wake(
    config: &Config,
    now: Timestamp,
    next_digest: Option<&Zoned>,
    groups: &[NudgeGroup],
    next_letter: Option<Timestamp>,
) -> Timestamp {
    let mut wake = now + MAX_SLEEP;
    let mut consider = |t: Timestamp| {
        if t > now && t < wake {
            wake = t;
        }
    };
    if let Some(digest) = next_digest {
        consider(digest.timestamp());
    }
    for group in groups {
        consider(group.fire_at);
    }
    if let Some(at) = next_letter {
        consider(at);
    }
    let local = now.to_zoned(config.me.timezone.clone());
    if let Ok(midnight) = local.tomorrow().and_then(|t| t.start_of_day()) {
        consider(midnight.timestamp());
    }
    wake
}

/// Until when a plan made at `now` holds: the next time one of today's call windows closes
/// (an item then moves to its next window, or loses its nudge), or local midnight.
pub fn plan_valid_until(config: &Config, agenda: &Agenda, now: Timestamp) -> Timestamp {
    let local = now.to_zoned(config.me.timezone.clone());
    let mut until =
        local.tomorrow().and_then(|t| t.start_of_day()).map_or(now + MAX_SLEEP, |m| m.timestamp());
    for window in agenda.items.iter().filter_map(|i| i.window.as_ref()) {
        let end = window.end.timestamp();
        if end > now && end < until {
            until = end;
        }
    }
    until
}

/// What the daemon reports to systemd as its status.
pub fn status_line(next_digest: Option<&Zoned>, now: Timestamp, groups: &[NudgeGroup]) -> String {
    let digest = next_digest.map(|d| (d.timestamp(), format!("digest {}", d.strftime("%a %-d %b %H:%M"))));
    let nudge = groups.iter().find(|g| g.fire_at > now).map(|g| {
        let count = g.items.len();
        (
            g.fire_at,
            format!(
                "nudge for {count} call{} at {}",
                if count == 1 { "" } else { "s" },
                g.opens.strftime("%H:%M")
            ),
        )
    });
    let next = match (digest, nudge) {
        (Some(d), Some(n)) => Some(if n.0 < d.0 { n.1 } else { d.1 }),
        (Some(d), None) => Some(d.1),
        (None, Some(n)) => Some(n.1),
        (None, None) => None,
    };
    match next {
        Some(text) => format!("next: {text}"),
        None => "idle: nothing scheduled".to_owned(),
    }
}

/// Whether the digest at `at` is the first scheduled one of its week (Monday to Sunday in my
/// zone): that one carries the weekly review of the week before.
pub fn first_digest_of_week(config: &Config, at: Timestamp) -> bool {
    let tz = config.me.timezone.clone();
    let day = at.to_zoned(tz.clone()).date();
    let Ok(week_start) = crate::plan::monday_of(day).to_zoned(tz) else { return false };
    let cron = &config.schedule.digest;
    let Ok(first) = cron.find_next_occurrence(&week_start, true) else { return false };
    let Ok(second) = cron.find_next_occurrence(&first, false) else { return first.timestamp() <= at };
    first.timestamp() <= at && at < second.timestamp()
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;

    use super::*;
    use crate::config::Config;
    use crate::plan::{History, plan};

    fn config(zone: &str, schedule: &str, prospects: &str) -> Config {
        let text = format!(
            "[me]\nname = \"Dana\"\ntimezone = \"{zone}\"\n[schedule]\n{schedule}\n\
             [cadences.standard]\nsteps = [{{ wait = \"0 days\", action = \"call\" }}]\n{prospects}"
        );
        Config::from_toml(&text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn at(zone: &str, text: &str) -> Timestamp {
        let dt: jiff::civil::DateTime = text.parse().unwrap();
        dt.to_zoned(jiff::tz::TimeZone::get(zone).unwrap()).unwrap().timestamp()
    }

    fn next(zone: &str, cron: &str, after: &str) -> String {
        let c = config(zone, &format!("digest = \"{cron}\""), "");
        next_digest(&c, at(zone, after)).unwrap().strftime("%Y-%m-%d %H:%M:%S %:z").to_string()
    }

    #[test]
    fn digest_stays_at_seven_local_across_dst_in_three_zones() {
        let cases = [
            ("America/New_York", "2026-03-07T08:00", "2026-03-08 07:00:00 -04:00"),
            ("America/New_York", "2026-10-31T08:00", "2026-11-01 07:00:00 -05:00"),
            ("Europe/Berlin", "2026-03-28T08:00", "2026-03-29 07:00:00 +02:00"),
            ("Europe/Berlin", "2026-10-24T08:00", "2026-10-25 07:00:00 +01:00"),
            ("Australia/Sydney", "2026-04-04T08:00", "2026-04-05 07:00:00 +10:00"),
            ("Australia/Sydney", "2026-10-03T08:00", "2026-10-04 07:00:00 +11:00"),
        ];
        for (zone, after, expected) in cases {
            assert_eq!(next(zone, "0 7 * * *", after), expected, "{zone} after {after}");
        }
    }

    #[test]
    fn a_time_skipped_by_spring_forward_fires_once_at_the_first_valid_instant() {
        // 02:30 does not exist in New York on 8 March 2026.
        assert_eq!(next("America/New_York", "30 2 * * *", "2026-03-08T00:00"), "2026-03-08 03:00:00 -04:00");
        assert_eq!(next("America/New_York", "30 2 * * *", "2026-03-08T03:00"), "2026-03-09 02:30:00 -04:00");
    }

    #[test]
    fn a_time_repeated_by_fall_back_fires_once() {
        // 01:30 happens twice in New York on 1 November 2026.
        let first = next("America/New_York", "30 1 * * *", "2026-11-01T00:00");
        assert_eq!(first, "2026-11-01 01:30:00 -04:00");
        let c = config("America/New_York", "digest = \"30 1 * * *\"", "");
        let after_first = at("America/New_York", "2026-11-01T01:30") + SignedDuration::from_secs(1);
        let second = next_digest(&c, after_first).unwrap();
        assert_eq!(second.strftime("%Y-%m-%d %H:%M %:z").to_string(), "2026-11-02 01:30 -05:00");
    }

    #[test]
    fn day_of_month_and_day_of_week_combine_with_or() {
        // Friday 13 November: both; Friday 20 November: weekday only; Sunday 13 December: day only.
        let c = config("America/Toronto", "digest = \"0 7 13 * Fri\"", "");
        let mut t = at("America/Toronto", "2026-11-12T08:00");
        let mut fired = Vec::new();
        for _ in 0..6 {
            let n = next_digest(&c, t).unwrap();
            fired.push(n.strftime("%a %d %b").to_string());
            t = n.timestamp();
        }
        assert_eq!(
            fired,
            ["Fri 13 Nov", "Fri 20 Nov", "Fri 27 Nov", "Fri 04 Dec", "Fri 11 Dec", "Sun 13 Dec"]
        );
    }

    #[test]
    fn six_field_cron_has_seconds_first() {
        assert_eq!(next("America/Toronto", "30 0 7 * * *", "2026-11-23T08:00"), "2026-11-24 07:00:30 -05:00");
    }

    #[test]
    fn catch_up_inside_and_beyond_the_limit() {
        let c = config("America/Toronto", "digest = \"0 7 * * *\"\ncatch_up = \"2h\"", "");
        let due = digests_due(&c, None, at("America/Toronto", "2026-11-24T08:59"));
        assert_eq!(due.send.unwrap().strftime("%d %H:%M").to_string(), "24 07:00");
        assert_eq!(due.skipped, None);
        let due = digests_due(&c, None, at("America/Toronto", "2026-11-24T09:01"));
        assert_eq!(due.send, None);
        assert_eq!(due.skipped.unwrap().occurrence, "2026-11-24T07:00:00");
        let handled = Some(at("America/Toronto", "2026-11-24T07:00"));
        assert_eq!(
            digests_due(&c, handled, at("America/Toronto", "2026-11-24T08:00")),
            DigestsDue::default()
        );
        // Before today's time, the latest occurrence is yesterday's, long missed.
        let due = digests_due(&c, None, at("America/Toronto", "2026-11-24T06:00"));
        assert_eq!(due.skipped.unwrap().occurrence, "2026-11-23T07:00:00");
    }

    #[test]
    fn every_occurrence_missed_while_down_is_accounted_for_once() {
        let c = config("America/Toronto", "digest = \"0 7 * * *\"\ncatch_up = \"2h\"", "");
        // Last sent on the 20th; back on the 24th at 08:00: 21, 22, 23 skipped, 24 sent.
        let last = Some(at("America/Toronto", "2026-11-20T07:00"));
        let due = digests_due(&c, last, at("America/Toronto", "2026-11-24T08:00"));
        let skipped = due.skipped.unwrap();
        assert_eq!(skipped.count, 3);
        assert_eq!(skipped.occurrence, "2026-11-21T07:00:00 … 2026-11-23T07:00:00 (3 occurrences)");
        assert_eq!(due.send.unwrap().strftime("%d").to_string(), "24");
        // Back at 10:00 instead: the 24th is missed too, in the same run.
        let due = digests_due(&c, last, at("America/Toronto", "2026-11-24T10:00"));
        let skipped = due.skipped.unwrap();
        assert_eq!((skipped.count, due.send), (4, None));
        assert_eq!(skipped.through, at("America/Toronto", "2026-11-24T07:00"));
        // A per-second cron down for two days is counted up to a bound, not forever.
        let c = config("America/Toronto", "digest = \"* * * * * *\"", "");
        let last = Some(at("America/Toronto", "2026-11-22T07:00"));
        let due = digests_due(&c, last, at("America/Toronto", "2026-11-24T07:00"));
        let skipped = due.skipped.unwrap();
        assert_eq!(skipped.count, MAX_COUNTED);
        assert!(skipped.occurrence.contains("at least"), "{}", skipped.occurrence);
        assert_eq!(skipped.through, at("America/Toronto", "2026-11-24T07:00") - SignedDuration::from_secs(1));
    }

    #[test]
    fn a_zero_catch_up_still_sends_a_digest_woken_for_on_time() {
        let c = config("America/Toronto", "digest = \"0 7 * * *\"\ncatch_up = \"0s\"", "");
        let t = at("America/Toronto", "2026-11-24T07:00") + SignedDuration::from_millis(30);
        assert!(digests_due(&c, None, t).send.is_some());
    }

    #[test]
    fn quiet_hours_cross_midnight() {
        let c = config("America/Toronto", "quiet_hours = \"21:00-07:00\"", "");
        assert!(quiet(&c, at("America/Toronto", "2026-11-24T23:00")));
        assert!(quiet(&c, at("America/Toronto", "2026-11-24T06:59")));
        assert!(!quiet(&c, at("America/Toronto", "2026-11-24T07:00")));
        assert!(!quiet(&c, at("America/Toronto", "2026-11-24T20:59")));
    }

    const BOOK: &str = r#"
[prospects.a]
name = "A"
since = 2026-11-24
call_windows = ["07:30-08:30"]
[prospects.b]
name = "B"
since = 2026-11-24
call_windows = ["07:30-08:00", "17:00-18:00"]
[prospects.c]
name = "C"
since = 2026-11-24
call_windows = ["17:00-18:00"]
[prospects.d]
name = "D"
since = 2026-11-02
promised_callback = 2026-11-20
call_windows = ["17:00-18:00"]
"#;

    #[test]
    fn nudges_group_windows_that_open_together() {
        let c = config("America/Toronto", "nudge = \"5m\"", BOOK);
        let agenda = plan(&c, &History::default(), at("America/Toronto", "2026-11-24T06:00"), 1);
        let groups = nudges(&c, &agenda, |_| false);
        let summary: Vec<(String, Vec<&str>, bool)> = groups
            .iter()
            .map(|g| {
                (
                    g.fire_at.to_zoned(c.me.timezone.clone()).strftime("%H:%M").to_string(),
                    g.items.iter().map(|i| i.prospect.as_str()).collect(),
                    g.critical,
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![("07:25".into(), vec!["a", "b"], false), ("16:55".into(), vec!["d", "c"], true)]
        );
        // Once a's and b's keys are in the ledger, the morning group is gone.
        let delivered = [nudge_key(&groups[0].items[0]), nudge_key(&groups[0].items[1])];
        assert_eq!(nudges(&c, &agenda, |k| delivered.contains(&k.to_owned())).len(), 1);
    }

    #[test]
    fn a_nudge_whose_window_closed_moves_to_the_next_window_or_is_dropped() {
        let c = config("America/Toronto", "nudge = \"5m\"", BOOK);
        let agenda = plan(&c, &History::default(), at("America/Toronto", "2026-11-24T09:00"), 1);
        let groups = nudges(&c, &agenda, |_| false);
        // a's only window has ended: no nudge; b now waits for its 17:00 window.
        let names: Vec<&str> =
            groups.iter().flat_map(|g| g.items.iter().map(|i| i.prospect.as_str())).collect();
        assert_eq!(names, vec!["d", "b", "c"]);
    }

    #[test]
    fn idle_wakes_are_at_most_a_minute_apart() {
        let c = config("America/Toronto", "digest = \"0 7 * * *\"", "");
        let now = at("America/Toronto", "2026-11-24T10:00");
        assert_eq!(next_wake(&c, now, next_digest(&c, now).as_ref(), &[], None), now + MAX_SLEEP);
        let soon = at("America/Toronto", "2026-11-25T06:59:30");
        let digest = next_digest(&c, soon);
        assert_eq!(
            next_wake(&c, soon, digest.as_ref(), &[], None),
            at("America/Toronto", "2026-11-25T07:00")
        );
    }
}
