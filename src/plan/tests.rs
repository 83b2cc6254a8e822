//! Planner rules at fixed instants. Each test names the rule it pins.

use jiff::Timestamp;
use jiff::civil::{Date, date};

use super::*;
use crate::config::{Config, NextStep, Wait};

const BASE: &str = r#"
[me]
name = "Dana Reyes"
phone = "+1 416 555 0199"
timezone = "America/Toronto"
holidays = [2026-12-25]
away = [{ from = 2026-12-28, to = 2026-12-31 }]

[defaults]
call_windows = ["07:30-08:30", "17:00-18:00"]
keep_in_touch = "30 days"

[cadences.standard]
steps = [
  { wait = "0 days",     action = "call" },
  { wait = "2 workdays", action = "call" },
  { wait = "3 workdays", action = "email", note = "switch medium" },
  { wait = "1 week",     action = "call" },
]
then = "quarterly"

[cadences.nodrip]
steps = [{ wait = "0 days", action = "call" }, { wait = "1 week", action = "call" }]

[drips.quarterly]
every = "3 months"
items = [{ title = "Report" }, { title = "Case study" }, { title = "Checklist" }]
"#;

fn config(prospects: &str) -> Config {
    config_with("", prospects)
}

fn config_with(me_extra: &str, prospects: &str) -> Config {
    let text = BASE.replace("[defaults]", &format!("{me_extra}\n[defaults]"));
    match Config::from_toml(&format!("{text}\n{prospects}")) {
        Ok(c) => c,
        Err(e) => panic!("test config invalid:\n{e}"),
    }
}

/// A civil time in Toronto.
fn at(text: &str) -> Timestamp {
    let dt: jiff::civil::DateTime = text.parse().expect("datetime");
    dt.to_zoned(jiff::tz::TimeZone::get("America/Toronto").unwrap()).unwrap().timestamp()
}

fn ev(id: &str, outcome: Outcome, when: &str) -> Event {
    Event {
        seq: 0,
        prospect: id.into(),
        at: at(when),
        outcome,
        note: None,
        promise: PromiseChoice::Auto,
        next_step: None,
        until: None,
        item: None,
    }
}

fn history(events: Vec<Event>) -> History {
    let mut h = History::default();
    for (i, mut e) in events.into_iter().enumerate() {
        e.seq = i as i64;
        h.push(&e);
    }
    h
}

fn kinds(agenda: &Agenda) -> Vec<(String, Kind, Date)> {
    agenda.items.iter().map(|i| (i.prospect.clone(), i.kind, i.due)).collect()
}

const BILL: &str = r#"
[prospects.bill]
name = "Bill Jones"
since = 2026-11-20
"#;

#[test]
fn first_step_is_due_on_since_and_overdue_after() {
    let c = config(BILL);
    let a = plan(&c, &History::default(), at("2026-11-24T07:00"), 1);
    assert_eq!(a.items.len(), 1);
    let item = &a.items[0];
    assert_eq!(
        (item.kind, item.due, item.overdue, item.days_late),
        (Kind::Call, date(2026, 11, 20), true, 4)
    );
    assert_eq!((item.attempt, item.of), (Some(1), Some(4)));
}

#[test]
fn workday_wait_skips_the_weekend() {
    let c = config(BILL);
    // Attempt on Fri 20 Nov; 2 workdays later is Tue 24 Nov.
    let h = history(vec![ev("bill", Outcome::NoAnswer, "2026-11-20T17:10")]);
    let a = plan(&c, &h, at("2026-11-23T07:00"), 3);
    assert_eq!(kinds(&a), vec![("bill".into(), Kind::Call, date(2026, 11, 24))]);
}

#[test]
fn being_late_shifts_the_rest_instead_of_piling_up() {
    let c = config(BILL);
    // Step 2 was due Tue 24 Nov but done Thu 26 Nov: the email is 3 workdays after the 26th.
    let h = history(vec![
        ev("bill", Outcome::NoAnswer, "2026-11-20T17:10"),
        ev("bill", Outcome::NoAnswer, "2026-11-26T17:10"),
    ]);
    let a = plan(&c, &h, at("2026-11-27T07:00"), 10);
    assert_eq!(kinds(&a), vec![("bill".into(), Kind::Email, date(2026, 12, 1))]);
}

#[test]
fn calendar_skips_weekends_holidays_and_away_ranges() {
    let c = config("");
    let cal = &c.me.calendar;
    // Thu 24 Dec + 1 workday: Fri 25 is a holiday, then the weekend, then away 28-31: Fri 1 Jan.
    assert_eq!(cal.add(Wait::Workdays(1), date(2026, 12, 24)), date(2027, 1, 1));
    // Calendar days landing in the away range move to the first workday after it.
    assert_eq!(cal.add(Wait::Days(4), date(2026, 12, 24)), date(2027, 1, 1));
    assert_eq!(cal.add(Wait::Workdays(0), date(2026, 11, 21)), date(2026, 11, 23));
    assert_eq!(cal.add(Wait::Weeks(1), date(2026, 11, 20)), date(2026, 11, 27));
    assert!(!cal.is_workday(date(2026, 12, 29)));
    assert!(cal.is_workday(date(2026, 12, 24)));
}

#[test]
fn month_end_arithmetic_clamps_then_moves_to_a_workday() {
    let c = config("");
    let cal = &c.me.calendar;
    // 31 Jan 2028 + 1 month = 29 Feb 2028 (leap year, a Tuesday).
    assert_eq!(cal.add(Wait::Months(1), date(2028, 1, 31)), date(2028, 2, 29));
    // 31 Jan 2027 + 1 month = 28 Feb 2027, a Sunday: Monday 1 March.
    assert_eq!(cal.add(Wait::Months(1), date(2027, 1, 31)), date(2027, 3, 1));
    // 31 Aug + 3 months = 30 Nov (a Monday).
    assert_eq!(cal.add(Wait::Months(3), date(2026, 8, 31)), date(2026, 11, 30));
}

#[test]
fn voicemail_promises_the_next_call_steps_date() {
    let c = config(BILL);
    // Step 1 voicemail on Fri 20 Nov: next call step (2) is due Tue 24 Nov.
    let h = history(vec![ev("bill", Outcome::Voicemail, "2026-11-20T17:10")]);
    let a = plan(&c, &h, at("2026-11-24T07:00"), 1);
    assert_eq!(kinds(&a), vec![("bill".into(), Kind::Promise, date(2026, 11, 24))]);
    assert_eq!(a.items[0].why, "you promised on Fri 20 Nov to call back today");
    assert_eq!(a.items[0].promise_made, Some(date(2026, 11, 20)));
}

#[test]
fn voicemail_before_an_email_step_promises_the_call_after_it() {
    let c = config(BILL);
    // After step 2 (Tue 24), the email is due 3 workdays later (Fri 27), and the next call a week
    // after that (Fri 4 Dec): the promise is reckoned as if the email went out on time.
    let h = history(vec![
        ev("bill", Outcome::NoAnswer, "2026-11-20T17:10"),
        ev("bill", Outcome::Voicemail, "2026-11-24T17:10"),
    ]);
    let a = plan(&c, &h, at("2026-11-25T07:00"), 20);
    assert_eq!(
        kinds(&a),
        vec![
            ("bill".into(), Kind::Email, date(2026, 11, 27)),
            ("bill".into(), Kind::Promise, date(2026, 12, 4)),
        ]
    );
}

#[test]
fn explicit_and_skipped_promises() {
    let c = config(BILL);
    let mut vm = ev("bill", Outcome::Voicemail, "2026-11-20T17:10");
    vm.promise = PromiseChoice::On(date(2026, 11, 26));
    let a = plan(&c, &history(vec![vm.clone()]), at("2026-11-24T07:00"), 5);
    assert_eq!(kinds(&a), vec![("bill".into(), Kind::Promise, date(2026, 11, 26))]);

    vm.promise = PromiseChoice::Skip;
    let a = plan(&c, &history(vec![vm]), at("2026-11-24T07:00"), 1);
    assert_eq!(kinds(&a), vec![("bill".into(), Kind::Call, date(2026, 11, 24))]);
}

#[test]
fn unkept_promise_stays_on_top_with_days_late() {
    let c = config(&format!(
        "{BILL}\n[prospects.amy]\nname = \"Amy\"\nrelationship = \"client\"\nsince = 2026-01-01\n"
    ));
    let h = history(vec![ev("bill", Outcome::Voicemail, "2026-11-20T17:10")]);
    let a = plan(&c, &h, at("2026-11-27T07:00"), 1);
    assert_eq!(a.items[0].kind, Kind::Promise);
    assert_eq!((a.items[0].overdue, a.items[0].days_late), (true, 3));
    assert_eq!(a.items[0].why, "you promised on Fri 20 Nov to call back on Tue 24 Nov");
    assert_eq!(a.items[1].kind, Kind::Call, "the client's keep-in-touch call comes after");
}

#[test]
fn promise_is_kept_by_an_attempt_on_or_after_its_date() {
    let c = config(BILL);
    let h = history(vec![
        ev("bill", Outcome::Voicemail, "2026-11-20T17:10"),
        ev("bill", Outcome::NoAnswer, "2026-11-24T17:10"),
    ]);
    let a = plan(&c, &h, at("2026-11-25T07:00"), 5);
    assert_eq!(kinds(&a), vec![("bill".into(), Kind::Email, date(2026, 11, 27))]);
}

#[test]
fn promise_survives_an_attempt_before_its_date() {
    let c = config(BILL);
    let mut vm = ev("bill", Outcome::Voicemail, "2026-11-20T17:10");
    vm.promise = PromiseChoice::On(date(2026, 11, 30));
    let h = history(vec![vm, ev("bill", Outcome::NoAnswer, "2026-11-24T17:10")]);
    let a = plan(&c, &h, at("2026-11-25T07:00"), 10);
    assert!(kinds(&a).contains(&("bill".into(), Kind::Promise, date(2026, 11, 30))));
}

#[test]
fn contact_before_the_date_clears_the_promise_and_ends_the_cadence() {
    let c = config(BILL);
    let h = history(vec![
        ev("bill", Outcome::Voicemail, "2026-11-20T17:10"),
        ev("bill", Outcome::Replied, "2026-11-23T09:00"),
    ]);
    let a = plan(&c, &h, at("2026-11-24T07:00"), 60);
    // Engaged: only a keep-in-touch call, 30 days after the reply.
    assert_eq!(kinds(&a), vec![("bill".into(), Kind::Call, date(2026, 12, 23))]);
    assert!(a.items[0].attempt.is_none());
}

#[test]
fn pending_promise_replaces_the_call_but_not_the_email() {
    let c = config(BILL);
    let mut vm = ev("bill", Outcome::NoAnswer, "2026-11-20T17:10");
    vm.promise = PromiseChoice::On(date(2026, 11, 23));
    let h = history(vec![vm, ev("bill", Outcome::NoAnswer, "2026-11-24T17:10")]);
    // Promise (23rd) kept by the attempt on the 24th; the email step then shows.
    let a = plan(&c, &h, at("2026-11-30T07:00"), 1);
    assert_eq!(kinds(&a), vec![("bill".into(), Kind::Email, date(2026, 11, 27))]);
}

#[test]
fn newer_promise_replaces_older() {
    let c = config(BILL);
    let mut first = ev("bill", Outcome::Voicemail, "2026-11-20T17:10");
    first.promise = PromiseChoice::On(date(2026, 11, 30));
    let mut second = ev("bill", Outcome::Gatekeeper, "2026-11-24T17:10");
    second.promise = PromiseChoice::On(date(2026, 11, 26));
    let a = plan(&c, &history(vec![first, second]), at("2026-11-25T07:00"), 10);
    let promises: Vec<Date> = a.items.iter().filter(|i| i.kind == Kind::Promise).map(|i| i.due).collect();
    assert_eq!(promises, vec![date(2026, 11, 26)]);
}

#[test]
fn hand_entered_promise_is_not_cleared_by_an_older_contact() {
    let c = config("[prospects.bill]\nname = \"Bill\"\nsince = 2026-11-02\npromised_callback = 2026-11-26\n");
    let mut h = history(vec![ev("bill", Outcome::Spoke, "2026-11-20T10:00")]);
    h.mark_seen("bill", "promise:2026-11-26", at("2026-11-20T11:00"));
    let a = plan(&c, &h, at("2026-11-26T07:00"), 1);
    assert_eq!(kinds(&a), vec![("bill".into(), Kind::Promise, date(2026, 11, 26))]);
    assert_eq!(a.items[0].why, "you promised to call back today");
    // A contact after it was entered (and before its date) clears it.
    let mut h2 = h.clone();
    h2.push(&Event { seq: 9, ..ev("bill", Outcome::Replied, "2026-11-24T10:00") });
    let a = plan(&c, &h2, at("2026-11-26T07:00"), 1);
    assert!(a.items.iter().all(|i| i.kind != Kind::Promise));
}

#[test]
fn next_step_is_due_on_its_date_and_kept_by_contact_on_or_after() {
    let c = config(BILL);
    let mut spoke = ev("bill", Outcome::Spoke, "2026-11-20T17:10");
    spoke.next_step = Some(NextStep { on: date(2026, 11, 25), what: "the ERP findings".into() });
    let h = history(vec![spoke.clone()]);
    let a = plan(&c, &h, at("2026-11-25T07:00"), 1);
    assert_eq!(kinds(&a), vec![("bill".into(), Kind::NextStep, date(2026, 11, 25))]);
    assert_eq!(a.items[0].why, "agreed next step, due today: the ERP findings");
    // A reply before the date does not clear it; a meeting on the date keeps it.
    let h = history(vec![spoke.clone(), ev("bill", Outcome::Replied, "2026-11-23T09:00")]);
    assert!(plan(&c, &h, at("2026-11-25T07:00"), 1).items.iter().any(|i| i.kind == Kind::NextStep));
    let h = history(vec![spoke, ev("bill", Outcome::Meeting, "2026-11-25T10:00")]);
    assert!(plan(&c, &h, at("2026-11-25T12:00"), 1).items.iter().all(|i| i.kind != Kind::NextStep));
}

#[test]
fn client_keeps_in_touch_from_since_until_first_contact() {
    let c = config("[prospects.ivan]\nname = \"Ivan\"\nrelationship = \"client\"\nsince = 2026-10-01\n");
    let a = plan(&c, &History::default(), at("2026-11-02T07:00"), 1);
    // 1 Oct + 30 days = 31 Oct, a Saturday: due Mon 2 Nov.
    assert_eq!(kinds(&a), vec![("ivan".into(), Kind::Call, date(2026, 11, 2))]);
    let h = history(vec![ev("ivan", Outcome::Meeting, "2026-10-20T10:00")]);
    let a = plan(&c, &h, at("2026-11-19T07:00"), 1);
    assert_eq!(kinds(&a), vec![("ivan".into(), Kind::Call, date(2026, 11, 19))]);
}

#[test]
fn keep_in_touch_waits_while_a_promise_is_pending() {
    let c = config("[prospects.ivan]\nname = \"Ivan\"\nrelationship = \"client\"\nsince = 2026-10-01\n");
    let mut vm = ev("ivan", Outcome::Voicemail, "2026-10-30T10:00");
    vm.promise = PromiseChoice::On(date(2026, 12, 15));
    let a = plan(&c, &history(vec![vm]), at("2026-12-01T07:00"), 1);
    assert!(a.items.is_empty(), "{:?}", kinds(&a));
}

#[test]
fn drip_follows_the_last_step_and_rotates() {
    let c = config(BILL);
    let steps = ["2026-11-02T09:00", "2026-11-04T09:00", "2026-11-09T09:00", "2026-11-16T09:00"];
    let mut events: Vec<Event> = steps.iter().map(|t| ev("bill", Outcome::NoAnswer, t)).collect();
    let a = plan(&c, &history(events.clone()), at("2027-02-16T07:00"), 1);
    assert_eq!(kinds(&a), vec![("bill".into(), Kind::Drip, date(2027, 2, 16))]);
    assert_eq!(a.items[0].drip_item.as_ref().unwrap().title, "Report");
    events.push(ev("bill", Outcome::DripSent, "2027-02-16T09:00"));
    let a = plan(&c, &history(events.clone()), at("2027-05-17T07:00"), 1);
    assert_eq!(kinds(&a), vec![("bill".into(), Kind::Drip, date(2027, 5, 17))]);
    assert_eq!(a.items[0].drip_item.as_ref().unwrap().title, "Case study");
    // Naming the item sent continues the rotation after it, wrapping round.
    let mut named = ev("bill", Outcome::DripSent, "2027-05-17T09:00");
    named.item = Some("Checklist".into());
    events.push(named);
    let a = plan(&c, &history(events), at("2027-08-17T07:00"), 1);
    assert_eq!(a.items[0].drip_item.as_ref().unwrap().title, "Report");
}

#[test]
fn not_interested_starts_the_drip_or_ends_everything() {
    let c = config(&format!(
        "{BILL}\n[prospects.nod]\nname = \"No Drip\"\ncadence = \"nodrip\"\nsince = 2026-11-02\n"
    ));
    let h = history(vec![
        ev("bill", Outcome::NotInterested, "2026-11-03T09:00"),
        ev("nod", Outcome::NotInterested, "2026-11-03T09:00"),
    ]);
    let a = plan(&c, &h, at("2027-02-03T07:00"), 1);
    assert_eq!(kinds(&a), vec![("bill".into(), Kind::Drip, date(2027, 2, 3))]);
}

#[test]
fn cadence_without_drip_stops_after_the_last_step() {
    let c = config("[prospects.nod]\nname = \"No Drip\"\ncadence = \"nodrip\"\nsince = 2026-11-02\n");
    let h = history(vec![
        ev("nod", Outcome::NoAnswer, "2026-11-02T09:00"),
        ev("nod", Outcome::NoAnswer, "2026-11-09T09:00"),
    ]);
    assert!(plan(&c, &h, at("2027-06-01T07:00"), 30).items.is_empty());
}

#[test]
fn closed_paused_and_snoozed_prospects_have_nothing_due() {
    let c = config(
        r#"
[prospects.won]
name = "Won"
since = 2026-11-02
status = "won"
[prospects.paused]
name = "Paused"
since = 2026-11-02
status = "paused"
[prospects.lost]
name = "Lost by event"
since = 2026-11-02
[prospects.snoozed]
name = "Snoozed"
since = 2026-11-02
"#,
    );
    let mut snooze = ev("snoozed", Outcome::Snooze, "2026-11-03T09:00");
    snooze.until = Some(date(2026, 11, 30));
    let h = history(vec![ev("lost", Outcome::Lost, "2026-11-03T09:00"), snooze]);
    let a = plan(&c, &h, at("2026-11-24T07:00"), 6);
    assert!(a.items.is_empty(), "{:?}", kinds(&a));
    let a = plan(&c, &h, at("2026-11-30T07:00"), 1);
    assert_eq!(kinds(&a), vec![("snoozed".into(), Kind::Call, date(2026, 11, 30))]);
}

#[test]
fn daily_call_cap_rolls_the_rest_to_the_next_workday() {
    let mut book = String::new();
    for i in 0..5 {
        book.push_str(&format!("[prospects.p{i}]\nname = \"P{i}\"\nsince = 2026-11-20\n"));
    }
    let c = config_with("max_calls_per_day = 2", &book);
    let a = plan(&c, &History::default(), at("2026-11-20T07:00"), 4);
    let days: Vec<(String, Date)> = a.items.iter().map(|i| (i.prospect.clone(), i.day)).collect();
    assert_eq!(
        days,
        vec![
            ("p0".into(), date(2026, 11, 20)),
            ("p1".into(), date(2026, 11, 20)),
            ("p2".into(), date(2026, 11, 23)),
            ("p3".into(), date(2026, 11, 23)),
        ],
        "p4 rolls again, to Tue 24 Nov, beyond the four days shown (Fri-Mon)"
    );
    assert!(a.items[2].why.contains("rolled over from Fri 20 Nov"));
}

#[test]
fn agenda_orders_the_five_kinds_and_calls_by_window_then_warmth() {
    let c = config(
        r#"
[prospects.a-cold-early]
name = "A"
since = 2026-11-24
[prospects.b-warm-early]
name = "B"
relationship = "warm"
since = 2026-11-24
[prospects.c-client-late]
name = "C"
relationship = "client"
since = 2026-10-01
call_windows = ["17:00-18:00"]
[prospects.d-promise]
name = "D"
since = 2026-11-02
promised_callback = 2026-11-24
[prospects.e-step]
name = "E"
since = 2026-11-02
next_step = { on = 2026-11-24, what = "pricing" }
"#,
    );
    let a = plan(&c, &History::default(), at("2026-11-24T06:00"), 1);
    let order: Vec<(&str, Kind)> = a.items.iter().map(|i| (i.prospect.as_str(), i.kind)).collect();
    assert_eq!(
        order,
        vec![
            ("d-promise", Kind::Promise),
            ("e-step", Kind::NextStep),
            // Window first, then warmth, then the most overdue: e-step's call is late since 2 Nov.
            ("b-warm-early", Kind::Call),
            ("e-step", Kind::Call),
            ("a-cold-early", Kind::Call),
            ("c-client-late", Kind::Call),
        ]
    );
}

#[test]
fn next_picks_the_open_window_else_the_soonest() {
    let c = config(
        r#"
[prospects.late]
name = "Late"
since = 2026-11-24
call_windows = ["17:00-18:00"]
[prospects.early]
name = "Early"
since = 2026-11-24
call_windows = ["07:30-08:30"]
"#,
    );
    let a = plan(&c, &History::default(), at("2026-11-24T07:45"), 1);
    assert_eq!(next(&a).map(|i| i.prospect.as_str()), Some("early"));
    let a = plan(&c, &History::default(), at("2026-11-24T09:00"), 1);
    assert_eq!(next(&a).map(|i| i.prospect.as_str()), Some("late"));
    let a = plan(&c, &History::default(), at("2026-11-24T19:00"), 1);
    assert!(a.items.iter().all(|i| i.window.is_none()), "all windows have ended");
    assert!(next(&a).is_some(), "a due call is still offered after its windows");
    assert!(next(&plan(&config(""), &History::default(), at("2026-11-24T09:00"), 1)).is_none());
}

/// The window (start, end) in my zone, as `HH:MM` strings on the item's day.
fn window_of(c: &Config, id: &str, when: Timestamp) -> Option<(String, String)> {
    let a = plan(c, &History::default(), when, 1);
    let item = a.items.iter().find(|i| i.prospect == id)?;
    let w = item.window.as_ref()?;
    Some((w.start.strftime("%Y-%m-%d %H:%M").to_string(), w.end.strftime("%H:%M").to_string()))
}

fn zoned_book(my_zone: &str, their_zone: &str, since: &str, windows: &str) -> Config {
    let text = BASE.replace("America/Toronto", my_zone);
    Config::from_toml(&format!(
        "{text}\n[prospects.p]\nname = \"P\"\ntimezone = \"{their_zone}\"\nsince = {since}\ncall_windows = [{windows}]\n"
    ))
    .unwrap()
}

fn at_in(zone: &str, text: &str) -> Timestamp {
    let dt: jiff::civil::DateTime = text.parse().unwrap();
    dt.to_zoned(jiff::tz::TimeZone::get(zone).unwrap()).unwrap().timestamp()
}

#[test]
fn dst_new_york_both_transitions_keep_local_windows() {
    for (day, offset) in
        [("2026-03-09", "-04"), ("2026-03-06", "-05"), ("2026-11-02", "-05"), ("2026-10-30", "-04")]
    {
        let c = zoned_book("America/New_York", "America/New_York", day, "\"07:30-08:30\"");
        let a = plan(&c, &History::default(), at_in("America/New_York", &format!("{day}T06:00")), 1);
        let w = a.items[0].window.as_ref().unwrap();
        assert_eq!(w.start.strftime("%H:%M %:::z").to_string(), format!("07:30 {offset}"), "{day}");
    }
}

#[test]
fn dst_day_itself_shifts_nothing_and_a_missing_time_opens_at_the_first_valid_instant() {
    // Sunday 8 March 2026: New York springs forward at 02:00. With Sunday a workday, a window
    // at 02:30 (which does not exist that day) opens at 03:30 EDT; one at 07:30 stays 07:30.
    let text = BASE.replace("America/Toronto", "America/New_York");
    let c = Config::from_toml(&format!(
        "{}\n[prospects.p]\nname = \"P\"\nsince = 2026-03-08\nworkdays = [\"Sun\", \"Mon\"]\ncall_windows = [\"02:30-03:45\", \"07:30-08:30\"]\n",
        text.replace("holidays", "workdays = [\"Sun\", \"Mon\"]\nholidays")
    ))
    .unwrap();
    let a = plan(&c, &History::default(), at_in("America/New_York", "2026-03-08T00:30"), 1);
    let w = a.items[0].window.as_ref().unwrap();
    assert_eq!(w.start.strftime("%H:%M %:z").to_string(), "03:30 -04:00");
    let a = plan(&c, &History::default(), at_in("America/New_York", "2026-03-08T05:00"), 1);
    assert_eq!(a.items[0].window.as_ref().unwrap().start.strftime("%H:%M").to_string(), "07:30");
    // Fall back, Sunday 1 November: 01:30 happens twice; the window opens at the first.
    let c = Config::from_toml(&format!(
        "{}\n[prospects.p]\nname = \"P\"\nsince = 2026-11-01\nworkdays = [\"Sun\", \"Mon\"]\ncall_windows = [\"01:30-02:30\"]\n",
        text.replace("holidays", "workdays = [\"Sun\", \"Mon\"]\nholidays")
    ))
    .unwrap();
    let a = plan(&c, &History::default(), at_in("America/New_York", "2026-11-01T00:10"), 1);
    let w = a.items[0].window.as_ref().unwrap();
    assert_eq!(w.start.strftime("%H:%M %:z").to_string(), "01:30 -04:00");
    assert_eq!(w.end.strftime("%H:%M %:z").to_string(), "02:30 -05:00");
}

#[test]
fn dst_berlin_both_transitions() {
    // Berlin: spring forward 29 March 2026, fall back 25 October 2026.
    for (day, offset) in
        [("2026-03-30", "+02"), ("2026-03-27", "+01"), ("2026-10-26", "+01"), ("2026-10-23", "+02")]
    {
        let c = zoned_book("Europe/Berlin", "Europe/Berlin", day, "\"17:00-18:00\"");
        let a = plan(&c, &History::default(), at_in("Europe/Berlin", &format!("{day}T06:00")), 1);
        let w = a.items[0].window.as_ref().unwrap();
        assert_eq!(w.start.strftime("%H:%M %:::z").to_string(), format!("17:00 {offset}"), "{day}");
    }
}

#[test]
fn dst_sydney_both_transitions() {
    // Sydney: fall back 5 April 2026, spring forward 4 October 2026.
    for (day, offset) in
        [("2026-04-06", "+10"), ("2026-04-03", "+11"), ("2026-10-05", "+11"), ("2026-10-02", "+10")]
    {
        let c = zoned_book("Australia/Sydney", "Australia/Sydney", day, "\"07:30-08:30\"");
        let a = plan(&c, &History::default(), at_in("Australia/Sydney", &format!("{day}T06:00")), 1);
        let w = a.items[0].window.as_ref().unwrap();
        assert_eq!(w.start.strftime("%H:%M %:::z").to_string(), format!("07:30 {offset}"), "{day}");
    }
}

#[test]
fn weeks_when_the_us_has_changed_and_europe_has_not() {
    // Me in Berlin, prospect in New York. Normally 6 hours apart; for the weeks between the US
    // and EU changes it is 5, so a 07:30 New York window opens at 12:30 Berlin, not 13:30.
    let cases = [
        ("2026-03-04", "13:30"), // both on standard time
        ("2026-03-16", "12:30"), // US on daylight time, Europe not yet (until 29 March)
        ("2026-04-01", "13:30"), // both on daylight time
        ("2026-10-28", "12:30"), // Europe back on standard time (25 Oct), US not yet (1 Nov)
        ("2026-11-04", "13:30"),
    ];
    for (day, berlin) in cases {
        let c = zoned_book("Europe/Berlin", "America/New_York", day, "\"07:30-08:30\"");
        let got = window_of(&c, "p", at_in("Europe/Berlin", &format!("{day}T06:00")));
        assert_eq!(got.map(|(s, _)| s), Some(format!("{day} {berlin}")), "{day}");
    }
}

#[test]
fn prospect_whose_morning_falls_on_my_previous_day() {
    // Tokyo 07:30 Wednesday is Toronto 17:30 Tuesday: it belongs to my Tuesday.
    let c = zoned_book("America/Toronto", "Asia/Tokyo", "2026-11-24", "\"07:30-08:30\"");
    let got = window_of(&c, "p", at("2026-11-24T06:00"));
    assert_eq!(got, Some(("2026-11-24 17:30".into(), "18:30".into())));
    // After it ends, Tuesday has no more Tokyo windows.
    assert_eq!(window_of(&c, "p", at("2026-11-24T19:00")), None);
}

#[test]
fn planning_is_a_pure_function() {
    let c = config(BILL);
    let h = history(vec![ev("bill", Outcome::Voicemail, "2026-11-20T17:10")]);
    let when = at("2026-11-24T07:00");
    assert_eq!(plan(&c, &h, when, 3), plan(&c, &h, when, 3));
}

#[test]
fn first_seen_date_stands_in_for_a_missing_since() {
    let c = config("[prospects.new]\nname = \"New\"\n");
    let mut h = History::default();
    h.mark_seen("new", "prospect", at("2026-11-18T12:00"));
    let a = plan(&c, &h, at("2026-11-24T07:00"), 1);
    assert_eq!(kinds(&a), vec![("new".into(), Kind::Call, date(2026, 11, 18))]);
    // Never seen: it starts today.
    let a = plan(&c, &History::default(), at("2026-11-24T07:00"), 1);
    assert_eq!(kinds(&a), vec![("new".into(), Kind::Call, date(2026, 11, 24))]);
}

#[test]
fn promise_record_counts_kept_on_time_late_missed_and_open_this_month() {
    let c = config(&format!(
        "{BILL}\n[prospects.amy]\nname = \"Amy\"\nsince = 2026-11-02\n[prospects.cy]\nname = \"Cy\"\nsince = 2026-11-02\n"
    ));
    let h = history(vec![
        // Bill: voicemail promised Tue 24 Nov; called on the day: on time.
        ev("bill", Outcome::Voicemail, "2026-11-20T17:10"),
        ev("bill", Outcome::NoAnswer, "2026-11-24T17:10"),
        // Amy: promised Wed 4 Nov, called Fri 6 Nov: late; then a voicemail promising later.
        ev("amy", Outcome::Voicemail, "2026-11-02T09:00"),
        ev("amy", Outcome::Voicemail, "2026-11-06T09:00"),
        // Cy: promised Wed 4 Nov, but Cy called back first: counts as kept.
        ev("cy", Outcome::Voicemail, "2026-11-02T09:00"),
        ev("cy", Outcome::Replied, "2026-11-03T09:00"),
    ]);
    let record = promise_record(&c, &h, at("2026-11-25T07:00"));
    // Amy's second voicemail promised the call after the email step, Wed 18 Nov: its day has
    // passed without a call, so it is missed (as stats and the review count it), not open.
    assert_eq!(record, Promises { made: 4, kept_on_time: 2, kept_late: 1, missed: 1, open: 0 });
    let earlier = promise_record(&c, &h, at("2026-11-18T07:00"));
    assert_eq!((earlier.missed, earlier.open), (0, 1), "on its day it is open: {earlier:?}");
}

#[test]
fn dates_are_named_as_strftime_names_them() {
    let mut day = date(2026, 1, 1);
    for _ in 0..800 {
        assert_eq!(short_date(day), day.strftime("%a %-d %b").to_string());
        assert_eq!(weekday_name(day), day.strftime("%A").to_string());
        day = day.tomorrow().unwrap();
    }
}

#[test]
fn a_window_quiet_hours_close_but_for_the_week_the_clocks_differ_is_found_that_week() {
    // Berlin's 17:00 is my 11:00, inside my 11:00-12:00 quiet hours, except from 26 to 31 Oct
    // 2026: Europe has left summer time and Toronto not yet, and it is my 12:00.
    let text = BASE.replace("[defaults]", "[schedule]\nquiet_hours = \"11:00-12:00\"\n\n[defaults]");
    let c = Config::from_toml(&format!(
        "{text}\n[prospects.p]\nname = \"P\"\ntimezone = \"Europe/Berlin\"\nsince = 2026-10-12\ncall_windows = [\"17:00-18:00\"]\n"
    ))
    .unwrap();
    let agenda = plan(&c, &History::default(), at("2026-10-12T06:00"), 30);
    let call = agenda.items.iter().find(|i| i.kind == Kind::Call).expect("the first call");
    assert_eq!(call.day, date(2026, 10, 26), "{call:?}");
    let window = call.window.as_ref().expect("a window that week");
    assert_eq!(window.start.time(), jiff::civil::time(12, 0, 0, 0));
    assert!(!never_offered(&c, &c.prospects["p"], date(2026, 10, 12)));
}

#[test]
fn a_large_book_replayed_on_two_threads_is_planned_as_on_one() {
    // Past ON_TWO_THREADS_FROM prospects and events: the book's second half is gathered on a
    // thread of its own.
    let zones = ["America/Toronto", "Europe/London", "Australia/Sydney", "Asia/Kolkata"];
    let count = 4103;
    let id = |i: usize| format!("p{i:05}");
    let mut book = String::new();
    for i in 0..count {
        let (zone, month, day) = (zones[i % 4], 1 + i % 11, 1 + i % 28);
        book.push_str(&format!(
            "[prospects.{}]\nname = \"P{i}\"\ntimezone = \"{zone}\"\nsince = 2026-{month:02}-{day:02}\n",
            id(i)
        ));
    }
    let outcomes = [Outcome::Voicemail, Outcome::Spoke, Outcome::NoAnswer, Outcome::DripSent];
    // Ten events for most, every other day this month, none for every thirteenth.
    let events = (0..count)
        .filter(|i| i % 13 != 0)
        .flat_map(|i| (0..10).map(move |k| (i, k)))
        .map(|(i, k)| {
            ev(&id(i), outcomes[(i + k) % 4], &format!("2026-11-{:02}T09:{:02}", 1 + 2 * k, i % 60))
        })
        .collect();
    let h = history(events);
    assert!(on_two_threads(count, count + h.len()), "{} events", h.len());
    let now = at("2026-11-24T07:00");
    for cap in ["", "max_calls_per_day = 40"] {
        let c = config_with(cap, &book);
        let on_two = plan(&c, &h, now, 5);
        let on_one = plan_tracked(
            &c,
            &mut WindowCache::new(&c),
            c.prospect_list(),
            &|windows: &mut WindowCache<'_>, _: usize, prospect, now: &Zoned| {
                replay(windows, &h, prospect, now)
            },
            now,
            5,
            How::ALL,
        );
        assert!(on_two.items.len() > 200, "{cap}: {} items", on_two.items.len());
        assert!(on_two.items.iter().any(|i| i.index >= count / 2), "{cap}: the second half has items");
        assert_eq!(on_two.items, on_one.items, "{cap}");
        assert_eq!(on_two.rolled, on_one.rolled, "{cap}");
    }
    // The capped projection gathers each day on two threads too, from replays kept by place
    // and a second window cache kept across the days.
    // A cap above the day's promises (every voicemail left a callback), so calls have places.
    let c = config_with("max_calls_per_day = 1000", &book);
    let key = |_: &Config, item: &Item| format!("{}/{:?}/{}", item.prospect, item.kind, item.due);
    let daily = project_daily(&c, &h, now, 4, key);
    let days = |second_half: bool| {
        let mut days: Vec<Date> =
            daily.iter().filter(|i| (i.index >= count / 2) == second_half).map(|i| i.day).collect();
        days.sort();
        days.dedup();
        days.len()
    };
    assert!(days(true) > 1 && days(false) > 1, "{} items over fewer days", daily.len());
    assert_eq!(project(&c, &h, now, 4, key), daily);
}
