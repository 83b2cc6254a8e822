//! Two years of the daemon in fast-forward, on the test clock, in four zones: digests, nudges,
//! quiet hours, button presses, events from "another terminal", config edits, suspends and
//! restarts. Invariants are checked through what the person gets (the .eml files, the
//! notifications) and the digest log `check` prints.

use jiff::{SignedDuration, Timestamp, ToSpan};
use ringback::daemon::Clock;
use ringback::notify::{DesktopMessage, Invoked};
use ringback::plan::{Event, Outcome, PromiseChoice};
use ringback::state::State;

use crate::daemon::{pass, settle, start_at as start};
use crate::helpers::{Book, Rng, digest_log, eml_text};

fn book_text(zone: &str, digest: &str, prospects: &str, nudge: u32) -> String {
    format!(
        r#"[me]
name = "Dana Reyes"
phone = "+1 416 555 0199"
timezone = "{zone}"

[schedule]
digest = "{digest}"
catch_up = "2h"
nudge = "{nudge}m"
quiet_hours = "21:00-07:00"

[notify.email]
to = "dana@example.com"
from = "ringback <dana@example.com>"
transport = "file"
dir = "outbox"

[cadences.standard]
steps = [
  {{ wait = "0 days",     action = "call" }},
  {{ wait = "2 workdays", action = "call" }},
  {{ wait = "3 workdays", action = "email" }},
  {{ wait = "1 week",     action = "call" }},
]
{prospects}"#
    )
}

fn prospect(n: usize, since: jiff::civil::Date) -> String {
    // Windows chosen so some nudges fall in quiet hours (held to 07:00) and some do not.
    let window = ["06:30-08:00", "07:45-09:00", "17:00-18:00"][n % 3];
    format!(
        "\n[prospects.p{n}]\nname = \"Prospect {n}\"\nphone = \"+1 416 555 {:04}\"\nsince = {since}\ncall_windows = [\"{window}\"]\n",
        1000 + n
    )
}

/// `digest` is a daily cron at `asked` local time: chosen per zone to fall in its DST gap (and
/// fold) where it has them.
async fn two_years(zone_name: &str, digest: &str, asked: &str, seed: u64) {
    let asked: jiff::civil::Time = asked.parse().unwrap();
    let zone = jiff::tz::TimeZone::get(zone_name).unwrap();
    let mut rng = Rng(seed | 1);
    let first_day: jiff::civil::Date = "2026-01-05".parse().unwrap();
    let mut prospects = String::new();
    let mut count = 0;
    for _ in 0..4 {
        prospects.push_str(&prospect(count, first_day));
        count += 1;
    }
    let mut nudge = 10;
    let book = Book::new(&book_text(zone_name, digest, &prospects, nudge));
    let outbox = book.config.parent().unwrap().join("outbox");
    let at = |day: jiff::civil::Date, time: &str| -> Timestamp {
        day.to_datetime(time.parse().unwrap()).to_zoned(zone.clone()).unwrap().timestamp()
    };
    let mut daemon = start(&book, at(first_day, "01:00:30"));
    let mut day = first_day;
    let mut nudges_checked = 0usize;
    let mut presses: Vec<(String, Timestamp)> = Vec::new();
    let mut rows_at_six_months = None;
    let mut rss_at_six_months = 0;
    let mut log: Vec<(i64, i64, i64, String)> = Vec::new();
    let last_day = first_day + 730.days();
    while day < last_day {
        let full_day = rng.below(7) == 0;
        let minutes = if full_day { 24 * 60 } else { 8 * 60 };
        let mut seen = daemon.shown.lock().unwrap().len();
        for _ in 0..minutes {
            pass(60).await;
            let now = daemon.clock.now().to_zoned(zone.clone());
            let fresh: Vec<DesktopMessage> = daemon.shown.lock().unwrap()[seen..].to_vec();
            seen += fresh.len();
            for message in &fresh {
                if !message.summary.starts_with("Call at") {
                    continue;
                }
                nudges_checked += 1;
                // Shown in the minute before `now`: never in quiet hours (21:00-07:00).
                let t = now.time();
                assert!(
                    t >= "07:00:00".parse().unwrap() && t <= "21:00:30".parse().unwrap(),
                    "{zone_name} seed {seed}: nudge `{}` shown at {now} in quiet hours",
                    message.summary
                );
                assert!(
                    !matches!(now.weekday(), jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday),
                    "{zone_name} seed {seed}: nudge `{}` on a {:?} ({now})",
                    message.summary,
                    now.weekday()
                );
                // Press "Left voicemail" for the first prospect now and then.
                // Press a button now and then: a voicemail (checked in the next digest), a
                // "Spoke", or a snooze.
                let pick = rng.below(6);
                let key = match pick {
                    0 | 1 => message.actions.iter().find(|(k, _)| k.starts_with("voicemail:")),
                    2 => message.actions.iter().find(|(k, _)| k.starts_with("spoke:")),
                    3 => message.actions.iter().find(|(k, _)| k == "snooze"),
                    _ => None,
                };
                if let Some((key, _)) = key {
                    daemon.press.send(Invoked::new(key.clone(), message.nudge_keys.clone())).await.unwrap();
                    if let Some(id) = key.strip_prefix("voicemail:") {
                        presses.push((id.to_owned(), now.timestamp()));
                    }
                }
            }
        }
        // Another terminal logs a call now and then.
        if rng.below(4) == 0 {
            let mut other = State::open(&book.state).unwrap();
            let now = daemon.clock.now();
            let event = Event {
                seq: 0,
                prospect: format!("p{}", rng.below(count as u64)).into(),
                at: now,
                outcome: [Outcome::NoAnswer, Outcome::Spoke, Outcome::Voicemail][rng.below(3) as usize],
                note: None,
                promise: PromiseChoice::Auto,
                next_step: None,
                until: None,
                item: None,
            };
            other.append(&event, now).unwrap();
        }
        let next_day = day.tomorrow().unwrap();
        // Now and then: an edit (a new prospect, another nudge lead), or a restart.
        if day.day() == 1 || rng.below(60) == 0 {
            prospects.push_str(&prospect(count, next_day));
            count += 1;
            nudge = [5, 10, 15][rng.below(3) as usize];
            book.write_config(&book_text(zone_name, digest, &prospects, nudge));
            settle().await;
        }
        if rng.below(30) == 0 {
            let now = daemon.clock.now();
            daemon.stop().await;
            daemon = start(&book, now.max(at(next_day, "01:00:30")));
        } else {
            // A suspend overnight (or none, after a full day): the wall clock leaps.
            let target =
                at(next_day, "06:00:30") + SignedDuration::from_secs(rng.below(600) as i64 * 60 - 5 * 3600);
            let target = target.max(daemon.clock.now());
            daemon.clock.jump(target.duration_since(daemon.clock.now()));
        }
        if daemon.clock.now() < at(next_day, "00:00:00") {
            day = daemon.clock.now().to_zoned(zone.clone()).date();
        } else {
            day = next_day;
        }
        // The state prunes its digest log after 90 days: keep what it said as it goes.
        let since = log.last().map_or(i64::MIN, |r: &(i64, i64, i64, String)| r.0);
        log.extend(digest_log(&book, since));
        if rows_at_six_months.is_none() && day >= first_day + 182.days() {
            rows_at_six_months = Some(bookkeeping_rows(&book));
            rss_at_six_months = resident_kib();
        }
    }
    let end = daemon.clock.now();
    daemon.stop().await;

    // Every occurrence from the first to the last is sent or skipped exactly once, at 07:00
    // local time, and each sent one is an .eml.
    let since = log.last().map_or(i64::MIN, |r| r.0);
    log.extend(digest_log(&book, since));
    let config = ringback::files::read_config(&book.config).unwrap();
    let mut occurrences = 0i64;
    let (mut gaps, mut folds) = (0, 0);
    let mut days = std::collections::HashSet::new();
    let mut expected_first = None;
    for (first, through, n, outcome) in &log {
        let first_ts = Timestamp::from_second(*first).unwrap();
        if let Some(expected) = expected_first {
            assert_eq!(first_ts, expected, "{zone_name} seed {seed}: a gap or overlap before {first_ts}");
        }
        let local = first_ts.to_zoned(zone.clone());
        // At the local time asked; where that time does not exist (spring forward), at the
        // first instant after the gap; where it happens twice (fall back), the first time.
        use jiff::tz::AmbiguousOffset;
        match zone.to_ambiguous_zoned(local.date().to_datetime(asked)).offset() {
            AmbiguousOffset::Unambiguous { .. } => {
                assert_eq!(local.time(), asked, "{zone_name} seed {seed}: {local}");
            }
            AmbiguousOffset::Gap { .. } => {
                let before = (first_ts - SignedDuration::from_secs(1)).to_zoned(zone.clone());
                assert!(
                    local.time() > asked && before.offset() != local.offset(),
                    "{zone_name} seed {seed}: {local} is not the end of the gap"
                );
                gaps += 1;
            }
            AmbiguousOffset::Fold { before, .. } => {
                assert_eq!(
                    (local.time(), local.offset()),
                    (asked, before),
                    "{zone_name} seed {seed}: {local}"
                );
                folds += 1;
            }
        }
        if *n == 1 {
            assert!(days.insert(local.date()), "{zone_name} seed {seed}: two digests on {}", local.date());
        }
        if outcome == "sent" {
            assert_eq!(*n, 1);
            let name = format!("email_digest_{}.eml", local.strftime("%Y-%m-%dT%H_%M_%S"));
            assert!(outbox.join(&name).exists(), "{zone_name} seed {seed}: sent but no {name}");
        }
        occurrences += n;
        expected_first = ringback::schedule::next_digest(&config, Timestamp::from_second(*through).unwrap())
            .map(|z| z.timestamp());
    }
    let emls = std::fs::read_dir(&outbox).unwrap().count() as i64;
    let sent = log.iter().filter(|r| r.3 == "sent").count() as i64;
    assert_eq!(emls, sent, "{zone_name} seed {seed}: .eml files that no sent record accounts for");
    assert!(occurrences >= 700, "{zone_name}: only {occurrences} occurrences");

    // A pressed button is in the next digest: the prospect is not a call that morning.
    let mut checked_presses = 0;
    for (id, at) in &presses {
        let n: usize = id.trim_start_matches('p').parse().unwrap();
        let next = log.iter().find(|r| r.3 == "sent" && r.0 > at.as_second());
        let Some(next) = next else { continue };
        let local = Timestamp::from_second(next.0).unwrap().to_zoned(zone.clone());
        // Only the morning after: later digests may rightly list them again.
        if local.date() != at.to_zoned(zone.clone()).date().tomorrow().unwrap() {
            continue;
        }
        let text =
            eml_text(&outbox.join(format!("email_digest_{}.eml", local.strftime("%Y-%m-%dT%H_%M_%S"))));
        let calls = text.split("== Coming up ==").next().unwrap();
        assert!(
            !calls.contains(&format!("* Prospect {n} (")) && !calls.contains(&format!("* Prospect {n}\n")),
            "{zone_name} seed {seed}: {id}'s voicemail pressed at {at} but the next digest lists them as a call:\n{text}"
        );
        checked_presses += 1;
    }

    // Bookkeeping stays flat: nothing older than the retention (90 days, pruned daily) is
    // kept, so it follows the recent rate of deliveries, not the age of the install.
    let rows = bookkeeping_rows(&book);
    let early = rows_at_six_months.unwrap();
    let conn = rusqlite::Connection::open(&book.state).unwrap();
    let oldest: i64 = conn
        .query_row(
            "SELECT MIN(t) FROM (SELECT MIN(at) AS t FROM ledger UNION ALL SELECT MIN(created) FROM outbox
             UNION ALL SELECT MIN(recorded) FROM digests WHERE at < (SELECT MAX(at) FROM digests))",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let age = end.duration_since(Timestamp::from_second(oldest).unwrap());
    assert!(
        age <= ringback::state::RETENTION + SignedDuration::from_hours(48),
        "{zone_name}: bookkeeping {}h old kept after two years",
        age.as_hours()
    );
    // Memory stays flat: this process (other tests run beside it, so the bound is loose)
    // grows by far less than a leak of a plan, a history or a notification per tick would.
    let rss = resident_kib();
    assert!(
        rss.saturating_sub(rss_at_six_months) < 256 * 1024,
        "{zone_name}: resident memory {rss_at_six_months} KiB at six months, {rss} KiB at two years"
    );
    eprintln!(
        "two years in {zone_name} (resident {rss_at_six_months} -> {rss} KiB) (seed {seed}): {occurrences} digest occurrences checked ({sent} sent, \
         {gaps} in a DST gap, {folds} in a fold), {nudges_checked} nudges, {checked_presses} presses checked; \
         bookkeeping rows {early} -> {rows}"
    );
}

/// This process's resident memory, from /proc.
fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// Outbox, ledger and digest-log rows: what pruning must keep bounded.
fn bookkeeping_rows(book: &Book) -> i64 {
    let conn = rusqlite::Connection::open(&book.state).unwrap();
    conn.query_row(
        "SELECT (SELECT COUNT(*) FROM outbox) + (SELECT COUNT(*) FROM ledger) + (SELECT COUNT(*) FROM digests)",
        [],
        |r| r.get(0),
    )
    .unwrap()
}

fn seed() -> u64 {
    std::env::var("RINGBACK_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
    })
}

#[tokio::test(start_paused = true)]
async fn two_years_in_berlin() {
    two_years("Europe/Berlin", "30 2 * * *", "02:30", seed()).await;
}

#[tokio::test(start_paused = true)]
async fn two_years_in_new_york() {
    two_years("America/New_York", "30 1 * * *", "01:30", seed()).await;
}

#[tokio::test(start_paused = true)]
async fn two_years_on_lord_howe_with_its_30_minute_dst() {
    two_years("Australia/Lord_Howe", "15 2 * * *", "02:15", seed()).await;
}

#[tokio::test(start_paused = true)]
async fn two_years_in_kolkata() {
    two_years("Asia/Kolkata", "0 7 * * *", "07:00", seed()).await;
}
