//! `ringback why`: every reason a prospect is or is not on the day's list, on scripted logs.

use crate::helpers::{BASE, Book};

fn why(book: &Book, id: &str, at: &str) -> String {
    book.run(&["why", id, "--at", at]).code(0).stdout
}

#[test]
fn listed_waiting_and_snoozed() {
    let book = Book::standard();
    let listed = why(&book, "bill", "2026-11-20T07:00");
    assert!(listed.starts_with("Bill Jones (ABC Inc) [bill-jones]\n"), "{listed}");
    assert!(listed.contains("  status:     active, warm, in cadence\n"), "{listed}");
    assert!(
        listed.contains("  cadence:    standard (then the quarterly drip): 0 of 4 steps done\n"),
        "{listed}"
    );
    assert!(
        listed.contains("  Fri 20 Nov: on today's list: attempt 1 of 4 (standard cadence)\n"),
        "{listed}"
    );

    book.run(&["log", "bill-jones", "no-answer", "--at", "2026-11-20T17:30"]).code(0);
    let waiting = why(&book, "bill", "2026-11-23T07:00");
    assert!(waiting.contains("  last:       no-answer on Fri 20 Nov 17:30\n"), "{waiting}");
    assert!(waiting.contains("1 of 4 steps done"), "{waiting}");
    assert!(
        waiting.contains(
            "  Mon 23 Nov: not listed: waiting for the cadence until Tue 24 Nov, when call 2 of 4 falls due\n"
        ),
        "{waiting}"
    );

    book.run(&["log", "bill-jones", "snooze", "--until", "2026-11-30", "--at", "2026-11-23T08:00"]).code(0);
    let snoozed = why(&book, "bill", "2026-11-24T07:00");
    assert!(snoozed.contains("  snoozed:    until Mon 30 Nov\n"), "{snoozed}");
    assert!(snoozed.contains("  Tue 24 Nov: not listed: snoozed until Mon 30 Nov\n"), "{snoozed}");
}

#[test]
fn over_the_cap_windows_ended_and_no_phone() {
    let amy = "\n[prospects.amy]\nname = \"Amy Ames\"\ntimezone = \"America/Toronto\"\nsince = 2026-11-20\ncall_windows = [\"07:30-08:30\"]\n";
    let capped_text = format!(
        "{}{amy}phone = \"+1 416 555 0101\"\n",
        BASE.replace(
            "timezone = \"America/Toronto\"\n",
            "timezone = \"America/Toronto\"\nmax_calls_per_day = 1\n"
        )
    );
    let capped = Book::new(&capped_text);
    // One call a day: Amy's morning call takes the slot, Bill's evening one rolls to Monday.
    let first = why(&capped, "amy", "2026-11-20T07:00");
    assert!(first.contains("  Fri 20 Nov: on today's list: attempt 1 of 4"), "{first}");
    // The agenda says so too, under the day's calls.
    let agenda = capped.run(&["agenda", "--at", "2026-11-20T07:00"]).code(0).stdout;
    assert!(agenda.contains("\n  1 more call rolled to Mon 23 Nov: max_calls_per_day = 1\n"), "{agenda}");
    // Bill's script on Monday counts his callback from Monday, the day he is called.
    let monday = capped.run(&["agenda", "--at", "2026-11-20T07:00", "--days", "4", "--json"]).code(0).json();
    let bill = monday["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["prospect"] == "bill-jones")
        .expect("Bill on Monday");
    assert_eq!(bill["due"], "2026-11-23", "{monday}");
    assert_eq!(
        monday["rolled"],
        serde_json::json!([{ "from": "2026-11-20", "to": "2026-11-23", "calls": 1 }])
    );
    assert!(bill["script"].as_str().unwrap().contains("I'll call you on Wednesday the 25th."), "{bill}");
    let rolled = why(&capped, "bill", "2026-11-20T07:00");
    assert!(
        rolled.contains(
            "  Fri 20 Nov: not listed: over the daily call cap (max_calls_per_day), rolled to Mon 23 Nov\n"
        ),
        "{rolled}"
    );
    assert!(rolled.contains("(rolled over from Fri 20 Nov: more than 1 call that day)"), "{rolled}");
    // Cy's morning call takes Monday's place too: Bill's rolls twice, said in one clause.
    let cy = amy.replace("amy", "cy").replace("Amy Ames", "Cy Cole");
    let crowded = Book::new(&format!("{capped_text}{cy}phone = \"+1 416 555 0102\"\n"));
    let twice = why(&crowded, "bill", "2026-11-20T07:00");
    assert!(
        twice.contains(
            "  Fri 20 Nov: not listed: over the daily call cap (max_calls_per_day), rolled to Tue 24 Nov\n"
        ),
        "{twice}"
    );
    assert!(
        twice.contains(
            "(rolled over on 2 days, Fri 20 Nov to Mon 23 Nov: more than 1 call each of those days)"
        ),
        "{twice}"
    );

    let book = Book::new(&format!("{BASE}{amy}"));
    let listed = why(&book, "amy", "2026-11-20T07:00");
    assert!(
        listed.contains(
            "on today's list (attempt 1 of 4 (standard cadence)), but there is no phone for this call step: add one with `ringback set amy phone=...`"
        ),
        "{listed}"
    );
    book.run(&["set", "amy", "phone=+1 416 555 0101"]).code(0);
    let late = why(&book, "amy", "2026-11-20T23:00");
    assert!(late.contains("but today's call windows have ended: it stays listed until it is done"), "{late}");
}

#[test]
fn closed_paused_and_finished_without_a_drip() {
    let book = Book::new(&BASE.replace("then = \"quarterly\"\n", ""));
    for (at, outcome) in [
        ("2026-11-20T17:30", "no-answer"),
        ("2026-11-24T17:30", "no-answer"),
        ("2026-11-27T09:00", "emailed"),
        ("2026-12-04T17:30", "voicemail"),
    ] {
        book.run(&["log", "bill-jones", outcome, "--at", at, "--no-promise"]).code(0);
    }
    let done = why(&book, "bill", "2026-12-07T07:00");
    assert!(done.contains("  status:     active, warm, finished\n"), "{done}");
    assert!(done.contains("  cadence:    standard (no drip after it)\n"), "{done}");
    assert!(
        done.contains("  Mon 7 Dec:  not listed: the cadence finished without a drip (no `then`): nothing will be due again\n"),
        "{done}"
    );

    // Not interested, with no drip after the cadence: closed by what was said, not forgotten.
    let book = Book::new(&BASE.replace("then = \"quarterly\"\n", ""));
    book.run(&["log", "bill-jones", "not-interested", "--at", "2026-11-20T17:30"]).code(0);
    let out = why(&book, "bill", "2026-11-24T07:00");
    assert!(out.contains("  Tue 24 Nov: not listed: not-interested was logged on Fri 20 Nov\n"), "{out}");
    let stats =
        book.run(&["stats", "--since", "2026-11-01", "--until", "2026-11-30", "--json"]).code(0).json();
    assert_eq!(stats["prospects"], serde_json::json!({"not interested": 1}), "{stats}");

    let book = Book::standard();
    book.run(&["log", "bill-jones", "opted-out", "--at", "2026-11-20T17:30"]).code(0);
    let out = why(&book, "bill", "2026-11-24T07:00");
    assert!(out.contains("  Tue 24 Nov: not listed: opted-out was logged on Fri 20 Nov\n"), "{out}");

    let book =
        Book::new(&BASE.replace("relationship = \"warm\"", "relationship = \"warm\"\nstatus = \"paused\""));
    let out = why(&book, "bill", "2026-11-24T07:00");
    assert!(out.contains("  status:     paused, warm, paused\n"), "{out}");
    assert!(out.contains("not listed: paused"), "{out}");
    let book =
        Book::new(&BASE.replace("relationship = \"warm\"", "relationship = \"warm\"\nstatus = \"won\""));
    assert!(why(&book, "bill", "2026-11-24T07:00").contains("not listed: won (status in the config)"));
}

#[test]
fn an_unknown_prospect_is_a_usage_error() {
    let book = Book::standard();
    let ran = book.run(&["why", "nobody"]).code(2);
    assert!(ran.stderr.contains("unknown prospect `nobody`"), "{}", ran.stderr);
}
