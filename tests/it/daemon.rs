//! The daemon in-process, on tokio's paused clock: tests move time, they do not sleep.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use ringback::daemon::Error as Failure;
use ringback::daemon::{self, Options, TestClock};
use ringback::files::Paths;
use ringback::notify::{Desktop, DesktopMessage};
use ringback::plan::{Event, Outcome, PromiseChoice};
use ringback::state::State;
use tokio_util::sync::CancellationToken;

use crate::helpers::{BASE, Book};

fn toronto(text: &str) -> Timestamp {
    let dt: jiff::civil::DateTime = text.parse().unwrap();
    dt.to_zoned(jiff::tz::TimeZone::get("America/Toronto").unwrap()).unwrap().timestamp()
}

pub(crate) struct Running {
    pub(crate) clock: Arc<TestClock>,
    pub(crate) shown: Arc<Mutex<Vec<DesktopMessage>>>,
    token: CancellationToken,
    task: tokio::task::JoinHandle<Result<(), Failure>>,
    /// Presses a button on a notification.
    pub(crate) press: tokio::sync::mpsc::Sender<ringback::notify::Invoked>,
}

fn start(book: &Book, at: &str) -> Running {
    start_at(book, toronto(at))
}

/// The daemon in-process on the test clock from `at`, its desktop recorded.
pub(crate) fn start_at(book: &Book, at: Timestamp) -> Running {
    let clock = Arc::new(TestClock::new(at));
    let shown = Arc::new(Mutex::new(Vec::new()));
    let token = CancellationToken::new();
    let paths = Paths { config: book.config.clone(), state: book.state.clone() };
    let (press, actions) = tokio::sync::mpsc::channel(4);
    let options = Options {
        clock: clock.clone(),
        desktop: Some({
            let shown = shown.clone();
            Box::new(move |_| Desktop::Record(shown.clone()))
        }),
        systemd: false,
        actions: Some(actions),
    };
    let task = tokio::spawn({
        let token = token.clone();
        async move { daemon::run(&paths, token, options).await }
    });
    Running { clock, shown, token, task, press }
}

impl Running {
    pub(crate) async fn stop(self) -> Vec<DesktopMessage> {
        self.token.cancel();
        self.task.await.expect("daemon task").expect("daemon result");
        self.shown.lock().unwrap().clone()
    }

    fn shown(&self) -> Vec<String> {
        self.shown.lock().unwrap().iter().map(|m| m.summary.clone()).collect()
    }
}

/// Lets virtual time pass (tokio auto-advances while the daemon sleeps).
pub(crate) async fn pass(seconds: u64) {
    tokio::time::sleep(Duration::from_secs(seconds)).await;
}

/// Waits (in real time, for the file watcher's thread) until `done`, for at most five seconds.
async fn eventually(done: impl Fn() -> bool) {
    for _ in 0..250 {
        if done() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
        pass(1).await;
    }
    panic!("timed out waiting for the daemon");
}

/// Gives the watcher's thread a real half second, then lets the daemon act on it.
pub(crate) async fn settle() {
    for _ in 0..25 {
        std::thread::sleep(Duration::from_millis(20));
        pass(1).await;
    }
}

fn outbox(book: &Book) -> PathBuf {
    book.config.parent().unwrap().join("outbox")
}

fn emls(book: &Book) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(outbox(book))
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.retain(|n| n.ends_with(".eml"));
    names.sort();
    names
}

fn with_schedule(extra: &str) -> String {
    BASE.replace("[notify.email]", &format!("[schedule]\n{extra}\n\n[notify.email]"))
}

#[tokio::test(start_paused = true)]
async fn digest_is_sent_at_its_time_once_across_restarts() {
    let book = Book::new(&with_schedule("digest = \"0 7 * * Mon-Fri\""));
    let daemon = start(&book, "2026-11-24T06:59:00");
    pass(30).await;
    assert!(emls(&book).is_empty(), "sent early");
    pass(60).await;
    assert_eq!(emls(&book), vec!["email_digest_2026-11-24T07_00_00.eml"]);
    let text = std::fs::read_to_string(outbox(&book).join(&emls(&book)[0])).unwrap();
    assert!(text.contains("Subject: =?utf-8?") || text.contains("Subject: ringback"), "{text}");
    assert!(text.contains("Bill Jones (ABC Inc)"), "{text}");
    let shown = daemon.stop().await;
    assert!(shown.iter().any(|m| m.summary.starts_with("ringback — Tue 24 Nov")), "{shown:?}");

    // A restart inside the catch-up period sends nothing again.
    let again = start(&book, "2026-11-24T07:03:00");
    pass(120).await;
    assert_eq!(emls(&book).len(), 1);
    let shown = again.stop().await;
    assert!(shown.iter().all(|m| !m.summary.starts_with("ringback — ")), "summary shown twice: {shown:?}");
}

#[tokio::test(start_paused = true)]
async fn a_missed_digest_is_caught_up_within_catch_up_only() {
    let late = Book::new(&with_schedule("digest = \"0 7 * * *\"\ncatch_up = \"4h\""));
    let daemon = start(&late, "2026-11-24T10:30:00");
    pass(5).await;
    assert_eq!(emls(&late).len(), 1, "3h30 late is within 4h");
    daemon.stop().await;

    let too_late = Book::new(&with_schedule("digest = \"0 7 * * *\"\ncatch_up = \"4h\""));
    let daemon = start(&too_late, "2026-11-24T11:30:00");
    pass(180).await;
    assert!(emls(&too_late).is_empty(), "4h30 late is skipped");
    daemon.stop().await;
    let check = too_late.run(&["check"]).code(0).stdout;
    assert!(check.contains("2026-11-24T07:00:00: skipped"), "{check}");
}

#[tokio::test(start_paused = true)]
async fn clock_jumps_forward_and_back_are_noticed_without_duplicates() {
    let book = Book::new(&with_schedule("digest = \"0 7 * * *\"\ncatch_up = \"1h\""));
    let daemon = start(&book, "2026-11-24T06:00:00");
    pass(30).await;
    // A suspend: the wall clock leaps past 07:00 while tokio's timers saw 30 seconds.
    daemon.clock.jump(SignedDuration::from_mins(62));
    pass(61).await;
    assert_eq!(emls(&book).len(), 1, "the jump was not noticed within a minute");
    // Back to before 07:00 (an NTP correction), then forward past it again: still one.
    daemon.clock.jump(SignedDuration::from_mins(-30));
    pass(40 * 60).await;
    assert_eq!(emls(&book).len(), 1);
    daemon.stop().await;
}

const CALLERS: &str = r#"
[prospects.amy]
name = "Amy Ames"
company = "Ames & Co"
phone = "+1 416 555 0001"
since = 2026-11-24
call_windows = ["07:30-08:30"]

[prospects.ben]
name = "Ben Bell"
phone = "+1 416 555 0002"
since = 2026-11-24
call_windows = ["07:30-09:00"]
"#;

#[tokio::test(start_paused = true)]
async fn nudges_come_one_per_prospect_once_before_the_window() {
    let book = Book::new(&format!("{}{CALLERS}", with_schedule("digest = \"0 6 * * *\"\nnudge = \"10m\"")));
    let daemon = start(&book, "2026-11-24T07:15:00");
    pass(4 * 60).await;
    assert!(daemon.shown().iter().all(|s| !s.starts_with("Call at")), "nudged early: {:?}", daemon.shown());
    pass(2 * 60).await;
    let nudges: Vec<String> = daemon.shown().into_iter().filter(|s| s.starts_with("Call at")).collect();
    // One notification each, with its own buttons, in call order.
    assert_eq!(nudges, vec!["Call at 07:30: Amy Ames", "Call at 07:30: Ben Bell"]);
    pass(30 * 60).await;
    let shown = daemon.stop().await;
    let nudge = shown.iter().find(|m| m.summary.starts_with("Call at")).unwrap();
    assert!(
        nudge.body.contains("Amy Ames (Ames & Co) [amy] +1 416-555-0001 · 07:30-08:30 · attempt 1 of 4"),
        "{}",
        nudge.body
    );
    assert_eq!(shown.iter().filter(|m| m.summary.starts_with("Call at")).count(), 2);
}

#[tokio::test(start_paused = true)]
async fn quiet_hours_hold_nudges_until_they_end_while_the_window_is_open() {
    let book = Book::new(&format!(
        "{}{CALLERS}",
        with_schedule("digest = \"0 6 * * *\"\nnudge = \"10m\"\nquiet_hours = \"21:00-07:40\"")
    ));
    let daemon = start(&book, "2026-11-24T07:15:00");
    pass(20 * 60).await;
    assert!(daemon.shown().is_empty(), "shown in quiet hours: {:?}", daemon.shown());
    pass(6 * 60).await;
    // The window is cut to the part outside quiet hours: the call is at 07:40.
    assert_eq!(daemon.shown(), vec!["Call at 07:40: Amy Ames", "Call at 07:40: Ben Bell"]);
    daemon.stop().await;
}

#[tokio::test(start_paused = true)]
async fn events_logged_by_another_process_are_seen_before_the_next_delivery() {
    let book = Book::new(&format!("{}{CALLERS}", with_schedule("digest = \"0 6 * * *\"\nnudge = \"10m\"")));
    let daemon = start(&book, "2026-11-24T07:00:00");
    pass(60).await;
    // `ringback log amy won` from a terminal, through its own connection.
    let mut other = State::open(&book.state).unwrap();
    let event = Event {
        seq: 0,
        prospect: "amy".into(),
        at: toronto("2026-11-24T07:01:00"),
        outcome: Outcome::Won,
        note: None,
        promise: PromiseChoice::Auto,
        next_step: None,
        until: None,
        item: None,
    };
    other.append(&event, toronto("2026-11-24T07:01:00")).unwrap();
    pass(30 * 60).await;
    assert_eq!(
        daemon
            .stop()
            .await
            .iter()
            .filter(|m| m.summary.starts_with("Call at"))
            .map(|m| m.summary.clone())
            .collect::<Vec<_>>(),
        vec!["Call at 07:30: Ben Bell"]
    );
}

#[tokio::test(start_paused = true)]
async fn an_invalid_edit_keeps_the_last_good_config_and_shows_each_error_once() {
    let book = Book::new(&with_schedule("digest = \"0 6 * * *\""));
    let daemon = start(&book, "2026-11-24T09:00:00");
    pass(5).await;
    let errors = || -> Vec<DesktopMessage> {
        daemon.shown.lock().unwrap().iter().filter(|m| m.summary.contains("config error")).cloned().collect()
    };
    book.write_config(&BASE.replace("America/Vancouver", "America/Atlantis"));
    eventually(|| !errors().is_empty()).await;
    // A second save with the same error: no second notification.
    book.write_config(
        &BASE.replace("America/Vancouver", "America/Atlantis").replace("Bill Jones", "Bill  Jones"),
    );
    settle().await;
    let errors = errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].body.contains(
            "ringback.toml:31:12: prospects.bill-jones.timezone: unknown time zone `America/Atlantis`"
        ),
        "{}",
        errors[0].body
    );
    daemon.stop().await;
}

#[tokio::test(start_paused = true)]
async fn notification_buttons_log_the_call_or_snooze_the_nudge() {
    let book = Book::new(&format!("{}{CALLERS}", with_schedule("digest = \"0 6 * * *\"\nnudge = \"10m\"")));
    let daemon = start(&book, "2026-11-24T07:20:00");
    pass(5).await;
    let shown = daemon.shown.lock().unwrap().clone();
    let nudge = shown.iter().find(|m| m.summary.starts_with("Call at")).expect("a nudge");
    let labels: Vec<&str> = nudge.actions.iter().map(|(_, l)| l.as_str()).collect();
    assert_eq!(
        labels,
        [
            "Call",
            "Left voicemail",
            "No answer",
            "Spoke",
            "Snooze 1 hour",
            "Snooze until tomorrow",
            "Snooze a week",
        ]
    );
    // The prospect, their number and window, their own time now, and the sentence that
    // matters on this call (here the value: Amy has no promise or agreed step).
    assert!(
        nudge.body.contains(
            "Amy Ames (Ames & Co) [amy] +1 416-555-0001 · 07:30-08:30 · attempt 1 of 4\ntheir time 07:20"
        ),
        "{}",
        nudge.body
    );
    assert!(!nudge.body.contains("Hi Amy"), "not the greeting: {}", nudge.body);
    assert!(!nudge.critical, "critical is for an overdue promise");

    // "Snooze 1h": the same nudge again an hour later (Ben's window is still open then).
    let keys = nudge.nudge_keys.clone();
    daemon.press.send(ringback::notify::Invoked::new("snooze", keys)).await.unwrap();
    pass(59 * 60).await;
    assert_eq!(daemon.shown().iter().filter(|s| s.starts_with("Call at")).count(), 2);
    pass(2 * 60).await;
    let nudges: Vec<String> = daemon.shown().into_iter().filter(|s| s.starts_with("Call at")).collect();
    assert_eq!(nudges, ["Call at 07:30: Amy Ames", "Call at 07:30: Ben Bell", "Call at 07:30: Amy Ames"]);

    // "Left voicemail: Ben Bell" logs the voicemail with the promise its script named.
    daemon.press.send(ringback::notify::Invoked::new("voicemail:ben", vec![])).await.unwrap();
    pass(5).await;
    daemon.stop().await;
    let state = State::open(&book.state).unwrap();
    let events = state.events_of("ben").unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].outcome, Outcome::Voicemail);
    assert_eq!(
        events[0].promise,
        PromiseChoice::On(jiff::civil::date(2026, 11, 26)),
        "the day the script named, written down"
    );
    let config = ringback::files::read_config(&book.config).unwrap();
    let history = state.history().unwrap();
    let agenda = ringback::plan::plan(&config, &history, toronto("2026-11-25T07:00"), 10);
    let promise = agenda.items.iter().find(|i| i.prospect == "ben").unwrap();
    assert_eq!(promise.kind, ringback::plan::Kind::Promise);
    assert_eq!(promise.due.to_string(), "2026-11-26", "step 2 is 2 workdays after Tue 24 Nov");
}

#[tokio::test]
async fn the_wall_clock_timer_fires_at_its_instant_not_before() {
    use ringback::daemon::{Clock, SystemClock};
    let clock = SystemClock::new();
    let target = Timestamp::now() + SignedDuration::from_millis(300);
    clock.sleep_until(target).await;
    assert!(Timestamp::now() >= target, "woke before the wall-clock instant");
    // A target in the past returns at once rather than hanging.
    tokio::time::timeout(
        Duration::from_secs(5),
        clock.sleep_until(Timestamp::now() - SignedDuration::from_secs(5)),
    )
    .await
    .expect("a past instant is not waited for");
}

/// The text part of the digest email for one occurrence, as the person reads it.
fn digest_text(book: &Book, occurrence: &str) -> String {
    let name = format!("email_digest_{}.eml", occurrence.replace(':', "_"));
    assert!(outbox(book).join(&name).exists(), "no digest {name}; outbox has {:?}", emls(book));
    crate::helpers::eml_text(&outbox(book).join(&name))
}

#[tokio::test(start_paused = true)]
async fn a_button_pressed_on_a_nudge_is_in_the_next_mornings_digest() {
    // Regression: the press was written on the daemon's own connection, which SQLite's
    // data_version does not count, so the next digest still listed Ben as a late call.
    let book = Book::new(&format!("{}{CALLERS}", with_schedule("digest = \"0 6 * * *\"\nnudge = \"10m\"")));
    let daemon = start(&book, "2026-11-24T07:20:00");
    pass(5).await;
    assert!(daemon.shown().iter().any(|s| s.starts_with("Call at 07:30")), "{:?}", daemon.shown());
    daemon.press.send(ringback::notify::Invoked::new("voicemail:ben", vec![])).await.unwrap();
    // Until Wednesday's digest, with nothing else to make the daemon reload its history.
    pass(22 * 3600 + 45 * 60).await;
    daemon.stop().await;
    let text = digest_text(&book, "2026-11-25T06:00:00");
    let calls = text.split("== Coming up ==").next().unwrap();
    assert!(
        !calls.contains("Ben Bell"),
        "Ben is listed as a call although his voicemail was logged:\n{text}"
    );
    assert!(
        text.replace("\r\n", "\n").contains("  Thu 26 Nov  Ben Bell [ben]\n      promised callback\n"),
        "{text}"
    );
}

#[tokio::test(start_paused = true)]
async fn an_overdue_promise_is_nudged_again_every_day_it_stays_listed() {
    // Regression: the nudge was keyed by the promise's due date, so it fired once, ever.
    let book = Book::new(&format!(
        "{}\n[prospects.dora]\nname = \"Dora Diaz\"\nphone = \"+1 416 555 0003\"\nsince = 2026-11-02\npromised_callback = 2026-11-20\ncall_windows = [\"17:00-18:00\"]\n",
        with_schedule("digest = \"0 6 * * *\"\nnudge = \"5m\"")
    ));
    let daemon = start(&book, "2026-11-24T16:00:00");
    // Tuesday 16:55, Wednesday 16:55, Thursday 16:55.
    pass(2 * 86400 + 3600).await;
    let shown = daemon.stop().await;
    let dora: Vec<&DesktopMessage> = shown.iter().filter(|m| m.summary.contains("Dora Diaz")).collect();
    assert_eq!(dora.len(), 3, "{:?}", shown.iter().map(|m| &m.summary).collect::<Vec<_>>());
    assert!(
        dora.iter().all(|m| m.critical && m.body.contains("You promised to call on Fri 20 Nov, ")),
        "{dora:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn turning_desktop_notifications_on_by_an_edit_shows_the_next_nudge() {
    // Regression: the channel was chosen once at start; after the reload nudges were
    // recorded as delivered to "off" and never shown.
    let off = format!(
        "{}{CALLERS}",
        with_schedule("digest = \"0 6 * * *\"\nnudge = \"10m\"")
            .replace("[notify.email]", "[notify.desktop]\nenabled = false\n\n[notify.email]")
    );
    let book = Book::new(&off);
    let daemon = start(&book, "2026-11-24T07:00:00");
    pass(60).await;
    book.write_config(&off.replace("enabled = false", "enabled = true"));
    settle().await;
    pass(30 * 60).await;
    let shown = daemon.stop().await;
    let nudges: Vec<&str> =
        shown.iter().map(|m| m.summary.as_str()).filter(|s| s.starts_with("Call at")).collect();
    assert_eq!(nudges, ["Call at 07:30: Amy Ames", "Call at 07:30: Ben Bell"]);
}

#[tokio::test(start_paused = true)]
async fn every_digest_missed_while_down_is_sent_or_logged_skipped_once() {
    // Regression: only the latest occurrence was looked at; the days between went unrecorded.
    let book = Book::new(&with_schedule("digest = \"0 7 * * *\"\ncatch_up = \"2h\""));
    let daemon = start(&book, "2026-11-24T06:59:00");
    pass(120).await;
    daemon.stop().await;
    // Down from Tuesday to Friday 08:00: Wed and Thu skipped, Friday's sent late.
    let daemon = start(&book, "2026-11-27T08:00:00");
    pass(30).await;
    daemon.stop().await;
    // Down again, past Saturday's catch-up: Saturday skipped on its own.
    let daemon = start(&book, "2026-11-28T09:30:00");
    pass(30).await;
    daemon.stop().await;
    assert_eq!(emls(&book), ["email_digest_2026-11-24T07_00_00.eml", "email_digest_2026-11-27T07_00_00.eml"]);
    let check = book.run(&["check"]).code(0).stdout;
    let log: Vec<&str> =
        check.lines().skip_while(|l| !l.contains("last digests")).skip(1).take(4).map(str::trim).collect();
    assert_eq!(
        log,
        [
            "2026-11-28T07:00:00: skipped",
            "2026-11-27T07:00:00: sent",
            "2026-11-25T07:00:00 … 2026-11-26T07:00:00 (2 occurrences): skipped",
            "2026-11-24T07:00:00: sent",
        ],
        "{check}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_second_daemon_on_the_same_state_refuses_to_start() {
    let book = Book::new(&with_schedule("digest = \"0 7 * * *\""));
    let first = start(&book, "2026-11-24T06:00:00");
    pass(5).await;
    let second = start(&book, "2026-11-24T06:00:00");
    let error = second.task.await.unwrap().expect_err("a second daemon started");
    assert!(error.to_string().contains("another `ringback run`"), "{error}");
    assert!(error.to_string().contains(&format!("(pid {})", std::process::id())), "{error}");
    // Nor through a symlink to the same state, nor a hard link, which no path names alike.
    let link = book.config.parent().unwrap().join("elsewhere.db");
    std::os::unix::fs::symlink(&book.state, &link).unwrap();
    let hard = book.config.parent().unwrap().join("hard.db");
    std::fs::hard_link(&book.state, &hard).unwrap();
    for (way, state) in [("a symlink", link), ("a hard link", hard)] {
        let paths = Paths { config: book.config.clone(), state };
        let options = Options {
            clock: Arc::new(TestClock::new(toronto("2026-11-24T06:00:00"))),
            desktop: None,
            systemd: false,
            actions: None,
        };
        let error = daemon::run(&paths, CancellationToken::new(), options)
            .await
            .expect_err(&format!("a daemon via {way} started"));
        assert!(error.to_string().contains("another `ringback run`"), "{way}: {error}");
    }
    first.stop().await;
    // Once the first has stopped, the lock is free again.
    start(&book, "2026-11-24T06:00:00").stop().await;
}

#[tokio::test(start_paused = true)]
async fn the_nudge_calls_logs_no_answer_and_snoozes_to_tomorrow_or_a_week() {
    // The Call button opens the number with `open_with`: here a stub that writes it down.
    let dir = tempfile::tempdir().unwrap();
    let opened = dir.path().join("opened");
    let stub = dir.path().join("open-tel");
    std::fs::write(&stub, format!("#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n", opened.display())).unwrap();
    crate::helpers::set_mode(&stub, 0o755);
    let config = with_schedule("digest = \"0 6 * * *\"\nnudge = \"10m\"").replace(
        "[notify.email]",
        &format!("[notify.desktop]\nopen_with = \"{}\"\n\n[notify.email]", stub.display()),
    );
    // Amy's number has an extension: the dialler gets it as RFC 3966's `;ext=`, not as digits.
    let callers = CALLERS.replace("+1 416 555 0001", "+1 416 555 0001 x12");
    assert_ne!(callers, CALLERS);
    let book = Book::new(&format!("{config}{callers}"));
    let daemon = start(&book, "2026-11-24T07:20:00");
    pass(5).await;
    assert_eq!(daemon.shown().iter().filter(|s| s.starts_with("Call at")).count(), 2);

    daemon.press.send(ringback::notify::Invoked::new("call:amy", vec![])).await.unwrap();
    eventually(|| std::fs::read_to_string(&opened).is_ok_and(|t| t == "tel:+14165550001;ext=12\n")).await;
    // "No answer: Ben Bell" logs it; "Snooze until tomorrow" snoozes Amy to Wednesday.
    daemon.press.send(ringback::notify::Invoked::new("no-answer:ben", vec![])).await.unwrap();
    daemon.press.send(ringback::notify::Invoked::new("snooze-tomorrow:amy", vec![])).await.unwrap();
    pass(5).await;
    {
        let state = State::open(&book.state).unwrap();
        let ben = state.events_of("ben").unwrap();
        assert_eq!(ben.iter().map(|e| e.outcome).collect::<Vec<_>>(), [Outcome::NoAnswer]);
        let amy = state.events_of("amy").unwrap();
        assert_eq!(
            amy.iter().map(|e| (e.outcome, e.until.map(|d| d.to_string()))).collect::<Vec<_>>(),
            [(Outcome::Snooze, Some("2026-11-25".to_owned()))]
        );
    }
    // The call logged nothing of its own, and Amy is nudged again tomorrow before her window
    // (Ben's next call is two workdays on).
    pass(24 * 3600 + 60).await;
    let mornings: Vec<String> =
        daemon.shown().into_iter().filter(|s| s.starts_with("Call at") && s.contains("Amy")).collect();
    assert_eq!(mornings, ["Call at 07:30: Amy Ames", "Call at 07:30: Amy Ames"]);

    // "Snooze a week": nothing for Amy until Wednesday 2 December.
    daemon.press.send(ringback::notify::Invoked::new("snooze-week:amy", vec![])).await.unwrap();
    pass(5).await;
    daemon.stop().await;
    let listed = |at: &str| -> bool {
        let json = book.run(&["agenda", "--at", at, "--json"]).code(0).json();
        json["items"].as_array().unwrap().iter().any(|i| i["prospect"] == "amy")
    };
    assert!(!listed("2026-11-30T07:00"), "Amy is listed during her week's snooze");
    assert!(listed("2026-12-02T07:00"), "Amy is not back after her week");
}

#[tokio::test(start_paused = true)]
async fn the_morning_summary_is_critical_when_a_promise_is_overdue() {
    for (promised, critical) in [("2026-11-20", true), ("2026-11-24", false)] {
        let book = Book::new(&with_schedule("digest = \"0 7 * * *\"").replace(
            "relationship = \"warm\"",
            &format!("relationship = \"warm\"\npromised_callback = {promised}"),
        ));
        let daemon = start(&book, "2026-11-24T06:59:00");
        pass(2 * 60).await;
        let shown = daemon.stop().await;
        let summary = shown
            .iter()
            .find(|m| m.summary.starts_with("ringback — Tue 24 Nov"))
            .expect("the digest's summary");
        assert_eq!(summary.critical, critical, "promised {promised}: {summary:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn when_the_weeks_first_digest_is_missed_the_next_one_sent_carries_the_review() {
    let book = Book::new(&with_schedule("digest = \"0 7 * * Mon-Fri\"\ncatch_up = \"1h\""));
    for (at, outcome) in [("2026-11-16T17:10", "no-answer"), ("2026-11-18T17:10", "spoke")] {
        book.run(&["log", "bill-jones", outcome, "--at", at, "--no-promise"]).code(0);
    }
    // Monday's 07:00 digest is five hours gone when the daemon starts: skipped.
    let daemon = start(&book, "2026-11-23T12:00:00");
    pass(19 * 3600 + 90).await;
    let tuesday = digest_text(&book, "2026-11-24T07:00:00");
    assert!(tuesday.contains("== Last week: Mon 16 Nov "), "no review on Tuesday:\n{tuesday}");
    // Once it went out, the rest of the week has none.
    pass(24 * 3600).await;
    daemon.stop().await;
    let wednesday = digest_text(&book, "2026-11-25T07:00:00");
    assert!(!wednesday.contains("== Last week"), "{wednesday}");
}

/// One press, one undo: a press that snoozes Amy and Ben together snoozes both, and
/// `ringback undo amy` takes both back; the call is due again while the window is open, so the
/// nudge is shown again.
#[tokio::test(start_paused = true)]
async fn undo_takes_back_a_whole_press_and_the_nudge_comes_back() {
    let book = Book::new(&format!("{}{CALLERS}", with_schedule("digest = \"0 6 * * *\"\nnudge = \"10m\"")));
    let daemon = start(&book, "2026-11-24T07:20:00");
    pass(5).await;
    let nudges = |daemon: &Running| daemon.shown().into_iter().filter(|s| s.starts_with("Call at")).count();
    assert_eq!(nudges(&daemon), 2, "{:?}", daemon.shown());
    // One press for both (as `ringback dial` or a script may snooze several at once).
    daemon.press.send(ringback::notify::Invoked::new("snooze-tomorrow:amy,ben", vec![])).await.unwrap();
    pass(5).await;
    {
        let state = State::open(&book.state).unwrap();
        assert_eq!(state.events_of("amy").unwrap().len(), 1);
        assert_eq!(state.events_of("ben").unwrap().len(), 1);
    }
    let undone = book.run(&["undo", "amy"]).code(0).stdout;
    assert!(undone.contains("took back snooze for Amy Ames"), "{undone}");
    assert!(undone.contains("took back snooze for Ben Bell"), "{undone}");
    assert!(undone.contains("one button press: its 2 events went back together"), "{undone}");
    {
        let state = State::open(&book.state).unwrap();
        assert!(state.events_of("amy").unwrap().is_empty() && state.events_of("ben").unwrap().is_empty());
    }
    // The daemon sees the change within its minute, and the calls are due again at 07:30.
    pass(90).await;
    assert_eq!(nudges(&daemon), 4, "{:?}", daemon.shown());
    daemon.stop().await;
}

/// "Snooze 1 hour" outlives a restart: the daemon started again ten minutes later shows the
/// nudge at the hour, not at once.
#[tokio::test(start_paused = true)]
async fn an_hours_snooze_outlives_a_restart() {
    let book = Book::new(&format!("{}{CALLERS}", with_schedule("digest = \"0 6 * * *\"\nnudge = \"10m\"")));
    let daemon = start(&book, "2026-11-24T07:20:00");
    pass(5).await;
    let keys = {
        let shown = daemon.shown.lock().unwrap().clone();
        shown.iter().find(|m| m.summary.starts_with("Call at")).expect("a nudge").nudge_keys.clone()
    };
    daemon.press.send(ringback::notify::Invoked::new("snooze", keys)).await.unwrap();
    pass(5).await;
    daemon.stop().await;
    // Started again at 07:30: nothing for Amy until 08:20 (Ben's nudge, still up when the
    // daemon stopped, is shown again at once).
    let daemon = start(&book, "2026-11-24T07:30:00");
    let nudges =
        |daemon: &Running| daemon.shown().into_iter().filter(|s| s.starts_with("Call at 07:30: Amy")).count();
    pass(5).await;
    assert_eq!(nudges(&daemon), 0, "the snoozed nudge came back at the restart: {:?}", daemon.shown());
    pass(49 * 60).await;
    assert_eq!(nudges(&daemon), 0, "{:?}", daemon.shown());
    pass(2 * 60).await;
    assert_eq!(nudges(&daemon), 1, "{:?}", daemon.shown());
    daemon.stop().await;
}

/// Seven calls whose windows open together: five nudges on screen, in call order, each with
/// its own buttons, and one more naming the other two (no buttons, not critical). A prospect
/// logged elsewhere meanwhile has their nudge taken down, or the rest's counted again.
#[tokio::test(start_paused = true)]
async fn a_crowded_window_shows_five_nudges_and_one_for_the_rest() {
    let mut book = with_schedule("digest = \"0 6 * * *\"\nnudge = \"10m\"");
    for (i, name) in
        ["Aarav Shah", "Bina Rao", "Chetan Iyer", "Divya Nair", "Esha Menon", "Farhan Ali", "Gita Bose"]
            .iter()
            .enumerate()
    {
        book.push_str(&format!(
            "\n[prospects.p{i}]\nname = \"{name}\"\nphone = \"+1 416 555 01{i:02}\"\nsince = 2026-11-24\ncall_windows = [\"07:30-08:30\"]\n"
        ));
    }
    let book = Book::new(&book);
    let daemon = start(&book, "2026-11-24T07:15:00");
    pass(6 * 60).await;
    // Aarav (who has a nudge of his own) and Farhan (named on the rest's) are logged in
    // `ringback dial`, through its own connection to the state; Aarav's for a call made before
    // his nudge came up (`log --at 07:10`): logged after it, it takes the nudge down all the same.
    let mut other = State::open(&book.state).unwrap();
    for (id, at) in [("p0", "2026-11-24T07:10:00"), ("p5", "2026-11-24T07:22:00")] {
        let at = toronto(at);
        let event = Event {
            seq: 0,
            prospect: id.into(),
            at,
            outcome: Outcome::NoAnswer,
            note: None,
            promise: PromiseChoice::Auto,
            next_step: None,
            until: None,
            item: None,
        };
        other.append(&event, at).unwrap();
    }
    pass(2 * 60).await;
    let shown = daemon.stop().await;
    // Aarav's nudge is taken down (the recorder's ids count from 1); Farhan leaves the rest,
    // and Gita, the last of it, moves up to a nudge of her own: the rest is closed.
    let summaries: Vec<&str> = shown.iter().map(|m| m.summary.as_str()).collect();
    let id_of = |summary: &str| summaries.iter().position(|s| *s == summary).unwrap() + 1;
    let aarav = id_of("Call at 07:30: Aarav Shah");
    let rest = id_of("and 2 more at 07:30 — `ringback dial`");
    assert!(summaries.contains(&format!("[closed {aarav}]").as_str()), "{summaries:?}");
    let gita = shown.iter().find(|m| m.summary == "Call at 07:30: Gita Bose").expect("Gita moved up");
    assert!(gita.actions.len() == 7 && gita.nudge_keys.len() == 1, "{gita:?}");
    let closed_rest =
        summaries.iter().position(|s| *s == format!("[closed {rest}]")).expect("the rest closed");
    assert!(id_of("Call at 07:30: Gita Bose") - 1 < closed_rest, "{summaries:?}");
    assert!(!summaries.iter().any(|s| s.contains("Farhan")), "{summaries:?}");
    let shown: Vec<DesktopMessage> = shown
        .into_iter()
        .filter(|m| {
            !m.summary.starts_with("[closed")
                && !m.summary.starts_with("and 1 more")
                && !m.summary.contains("Gita")
        })
        .collect();
    let nudges: Vec<&DesktopMessage> = shown.iter().filter(|m| m.summary.contains("07:30")).collect();
    let summaries: Vec<&str> = nudges.iter().map(|m| m.summary.as_str()).collect();
    assert_eq!(
        summaries,
        [
            "Call at 07:30: Aarav Shah",
            "Call at 07:30: Bina Rao",
            "Call at 07:30: Chetan Iyer",
            "Call at 07:30: Divya Nair",
            "Call at 07:30: Esha Menon",
            "and 2 more at 07:30 — `ringback dial`",
        ]
    );
    assert!(nudges[..5].iter().all(|m| m.actions.len() == 7 && m.nudge_keys.len() == 1), "{nudges:?}");
    let rest = nudges[5];
    assert!(rest.actions.is_empty() && !rest.critical, "{rest:?}");
    assert!(
        rest.body.contains("Farhan Ali · +1 416-555-0105") && rest.body.contains("Gita Bose"),
        "{}",
        rest.body
    );
    assert_eq!(rest.nudge_keys.len(), 2);
}

/// The morning's desktop summary lists the day's first calls by the time their window opens,
/// each saying what it is, and how many more there are.
#[tokio::test(start_paused = true)]
async fn the_morning_summary_says_what_each_call_is_in_time_order_and_how_many_more() {
    let mut book = with_schedule("digest = \"0 6 * * *\"");
    for (i, name) in
        ["Aarav Shah", "Bina Rao", "Chetan Iyer", "Divya Nair", "Esha Menon", "Farhan Ali"].iter().enumerate()
    {
        book.push_str(&format!(
            "\n[prospects.p{i}]\nname = \"{name}\"\nphone = \"+1 416 555 01{i:02}\"\nsince = 2026-11-24\ncall_windows = [\"07:30-08:30\"]\n"
        ));
    }
    // Dora's promise is late, and her window opens first.
    book.push_str("\n[prospects.dora]\nname = \"Dora Diaz\"\nphone = \"+1 416 555 0003\"\nsince = 2026-11-02\npromised_callback = 2026-11-20\ncall_windows = [\"06:45-07:15\"]\n");
    let book = Book::new(&book);
    let daemon = start(&book, "2026-11-24T05:59:00");
    pass(2 * 60).await;
    let shown = daemon.stop().await;
    let summary = shown.iter().find(|m| m.summary.starts_with("ringback — Tue 24 Nov")).expect("the summary");
    let lines: Vec<&str> = summary.body.lines().collect();
    assert_eq!(
        lines,
        [
            "06:45 promised, late: Dora Diaz +1 416-555-0003",
            "07:30 call: Aarav Shah +1 416-555-0100",
            "07:30 call: Bina Rao +1 416-555-0101",
            "07:30 call: Chetan Iyer +1 416-555-0102",
            "07:30 call: Divya Nair +1 416-555-0103",
            "+3 more",
        ],
        "{}",
        summary.body
    );
    assert!(summary.critical);
}

/// A save with three mistakes is one notification naming all three (an unknown zone with the
/// one probably meant), not three.
#[tokio::test(start_paused = true)]
async fn one_bad_save_is_one_notification_for_all_its_errors() {
    let book = Book::new(&with_schedule("digest = \"0 6 * * *\""));
    let daemon = start(&book, "2026-11-24T09:00:00");
    pass(5).await;
    let errors = || -> Vec<DesktopMessage> {
        daemon.shown.lock().unwrap().iter().filter(|m| m.summary.contains("config error")).cloned().collect()
    };
    book.write_config(
        &with_schedule("digest = \"0 6 * * *\"")
            .replace("America/Vancouver", "America/Vancover")
            .replace("relationship = \"warm\"", "relationship = \"lukewarm\"")
            .replace("since = 2026-11-20", "since = \"last week\""),
    );
    eventually(|| !errors().is_empty()).await;
    settle().await;
    let errors = errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].summary, "ringback: 3 config errors (last good config kept)");
    assert_eq!(errors[0].body.lines().count(), 3, "{}", errors[0].body);
    assert!(errors[0].body.contains("did you mean `America/Vancouver`?"), "{}", errors[0].body);
    daemon.stop().await;
}

/// "An hour" from `ringback dial` (kept in the state) holds the running daemon's nudge too.
#[tokio::test(start_paused = true)]
async fn an_hours_snooze_from_another_process_holds_the_nudge() {
    let book = Book::new(&format!("{}{CALLERS}", with_schedule("digest = \"0 6 * * *\"\nnudge = \"10m\"")));
    let daemon = start(&book, "2026-11-24T07:00:00");
    pass(60).await;
    let mut other = State::open(&book.state).unwrap();
    let opens = toronto("2026-11-24T07:30:00").as_second();
    other
        .snooze_nudge(&format!("desktop:nudge:call:amy:2026-11-24:{opens}"), toronto("2026-11-24T08:20:00"))
        .unwrap();
    pass(25 * 60).await;
    let nudges: Vec<String> = daemon.shown().into_iter().filter(|s| s.starts_with("Call at")).collect();
    assert_eq!(nudges, ["Call at 07:30: Ben Bell"], "Amy's nudge was not held");
    pass(60 * 60).await;
    let nudges: Vec<String> = daemon.shown().into_iter().filter(|s| s.starts_with("Call at")).collect();
    assert_eq!(
        nudges,
        ["Call at 07:30: Ben Bell", "Call at 07:30: Amy Ames"],
        "Amy's nudge did not come back"
    );
    daemon.stop().await;
}
