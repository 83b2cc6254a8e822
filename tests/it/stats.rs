//! `ringback stats` on a scripted log whose numbers are worked out by hand below.

use crate::helpers::Book;

const BOOK: &str = r#"
[me]
name = "Dana Reyes"
timezone = "America/Toronto"

[cadences.standard]
steps = [
  { wait = "0 days", action = "call" },
  { wait = "2 workdays", action = "call" },
  { wait = "2 workdays", action = "email" },
  { wait = "1 week", action = "call" },
]
then = "news"

[cadences.short]
steps = [{ wait = "0 days", action = "call" }]

[drips.news]
every = "3 months"
items = [{ title = "Letter" }]

[prospects.amy]
name = "Amy Ames"
phone = "+1 416 555 0001"
timezone = "America/Toronto"
since = 2026-11-02

[prospects.ben]
name = "Ben Bell"
phone = "+44 20 7946 0002"
timezone = "Europe/London"
since = 2026-11-02

[prospects.cid]
name = "Cid Cole"
phone = "+1 416 555 0003"
timezone = "America/Toronto"
relationship = "client"
since = 2026-10-01

[prospects.dan]
name = "Dan Dee"
phone = "+1 416 555 0004"
timezone = "America/Toronto"
since = 2026-11-02
cadence = "short"
"#;

/// The log, with the local time (theirs) and what each call counts as:
/// - amy (Toronto): Mon 2 08:30 no-answer (attempt 1, early); Wed 4 10:00 voicemail (attempt
///   2, other); Fri 6 emailed (step 3); Thu 12 17:30 spoke with a next step on the 19th
///   (attempt 4, late, a connect); Thu 19 10:00 meeting (outside the cadence, other, a connect;
///   keeps the next step).
/// - ben (London, GMT in November): Mon 2 17:00 no-answer (attempt 1, late); Tue 3 16:00
///   voicemail promising Mon 9 (attempt 2, other); Tue 10 17:30 no-answer (attempt 3, late:
///   the promise kept a day late); Thu 12 replied.
/// - cid (a client, no cadence): Mon 16 10:00 spoke (other, a connect).
/// - dan (Toronto, a one-call cadence with no drip): Mon 2 12:00 voicemail promising Thu 5
///   (attempt 1, other); nothing after: the promise is missed and he finished without a drip.
fn logged() -> Book {
    let book = Book::new(BOOK);
    for (id, outcome, at, extra) in [
        ("amy", "no-answer", "2026-11-02T08:30", vec![]),
        ("amy", "voicemail", "2026-11-04T10:00", vec!["--no-promise"]),
        ("amy", "emailed", "2026-11-06T09:00", vec![]),
        ("amy", "spoke", "2026-11-12T17:30", vec!["--next-step", "2026-11-19", "--what", "demo"]),
        ("amy", "meeting", "2026-11-19T10:00", vec![]),
        ("ben", "no-answer", "2026-11-02T17:00:00Z", vec![]),
        ("ben", "voicemail", "2026-11-03T16:00:00Z", vec!["--promise", "2026-11-09"]),
        ("ben", "no-answer", "2026-11-10T17:30:00Z", vec![]),
        ("ben", "replied", "2026-11-12T12:00:00Z", vec![]),
        ("cid", "spoke", "2026-11-16T10:00", vec![]),
        ("dan", "voicemail", "2026-11-02T12:00", vec!["--promise", "2026-11-05"]),
    ] {
        let mut args = vec!["log", id, outcome, "--at", at];
        args.extend(extra);
        book.run(&args).code(0);
    }
    book
}

#[test]
fn the_numbers_are_the_ones_worked_out_by_hand() {
    let book = logged();
    let json =
        book.run(&["stats", "--since", "2026-11-02", "--until", "2026-11-29", "--json"]).code(0).json();
    let rate = |v: &serde_json::Value| (v["hits"].as_u64().unwrap(), v["of"].as_u64().unwrap());
    // Calls: amy 4 (no-answer, voicemail, spoke, meeting), ben 3, cid 1, dan 1; connects:
    // amy's spoke and meeting, cid's spoke.
    assert_eq!(rate(&json["calls"]), (3, 9));
    let attempts: Vec<(String, (u64, u64))> =
        json["by_attempt"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), rate(v))).collect();
    assert_eq!(
        attempts,
        [("1".into(), (0, 3)), ("2".into(), (0, 2)), ("3".into(), (0, 1)), ("4".into(), (1, 1))]
    );
    assert_eq!(rate(&json["by_window"]["early"]), (0, 1));
    assert_eq!(rate(&json["by_window"]["other"]), (2, 5));
    assert_eq!(rate(&json["by_window"]["late"]), (1, 3));
    let weekdays: Vec<(String, (u64, u64))> = json["by_weekday"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d[0].as_str().unwrap().to_owned(), rate(&d[1])))
        .collect();
    assert_eq!(
        weekdays,
        [
            ("Mon".into(), (1, 4)),
            ("Tue".into(), (0, 2)),
            ("Wed".into(), (0, 1)),
            ("Thu".into(), (2, 2)),
            ("Fri".into(), (0, 0)),
            ("Sat".into(), (0, 0)),
            ("Sun".into(), (0, 0)),
        ]
    );
    // One email (amy's), no reply from her; ben's reply answered no email of ours.
    assert_eq!(rate(&json["emails"]), (0, 1));
    let p = &json["promises"];
    assert_eq!(
        (
            p["made"].as_u64(),
            p["kept_on_time"].as_u64(),
            p["kept_late"].as_u64(),
            p["missed"].as_u64(),
            p["open"].as_u64()
        ),
        (Some(2), Some(0), Some(1), Some(1), Some(0))
    );
    assert_eq!(rate(&json["next_steps"]), (1, 1));
    // amy: first attempt 2 Nov, first contact 12 Nov; ben: 2 Nov, his reply on 12 Nov; cid:
    // both on 16 Nov.
    assert_eq!(json["days_to_first_contact"], serde_json::json!([0, 10, 10]));
    assert_eq!(json["prospects"], serde_json::json!({"engaged": 3, "finished without a drip": 1}));
    assert_eq!(json["finished_without_drip"], serde_json::json!(["dan"]));
}

#[test]
fn the_terminal_tables_show_counts_with_every_rate() {
    let book = logged();
    let text = book.run(&["stats", "--since", "2026-11-02", "--until", "2026-11-29"]).code(0).stdout;
    assert!(text.starts_with("ringback stats · Mon 2 Nov – Sun 29 Nov (America/Toronto)\n"), "{text}");
    assert!(text.contains("Calls: 9 made, connect rate 3/9\n"), "{text}");
    assert!(text.contains("  attempt 4  █  1/1\n"), "{text}");
    assert!(text.contains("  early (before 09:00)   ▁  0/1\n"), "{text}");
    assert!(text.contains("  Thu  █  2/2\n"), "{text}");
    assert!(
        text.contains("Promises: 2 due, 0 kept on time, 1 kept late, 1 missed, 0 still open\n"),
        "{text}"
    );
    assert!(
        text.contains("First contact: a median 10 days after the first attempt (3 prospects)\n"),
        "{text}"
    );
    assert!(text.contains("  finished without a drip  1  ★ in no list\n"), "{text}");
    assert!(text.contains("nothing will be due again: dan\n"), "{text}");
    assert!(!text.contains('%'), "a percentage from a handful: {text}");
    // The default span is the 28 days to today, in my zone.
    let span = book.run(&["stats", "--json"]).code(0).json();
    let today = jiff::Zoned::now().in_tz("America/Toronto").unwrap().date();
    assert_eq!(span["until"], today.to_string());
    assert_eq!(span["since"], today.saturating_sub(jiff::Span::new().days(27)).to_string());
    let bad = book.run(&["stats", "--since", "2026-11-29", "--until", "2026-11-02"]).code(2);
    assert!(bad.stderr.contains("is after --until"), "{}", bad.stderr);
}

/// Bill picks up late: of 12 calls, 4 of the 5 from 17:30 connected, 0 of the 7 before 9:00.
fn late_picker(calls: &[(&str, &str)]) -> Book {
    let book = Book::new(&format!(
        "{BOOK}\n[prospects.bill]\nname = \"Bill Jones\"\nphone = \"+1 416 555 0009\"\ntimezone = \"America/Toronto\"\nrelationship = \"client\"\nsince = 2026-09-01\ncall_windows = [\"08:00-09:00\", \"17:00-18:30\"]\n"
    ));
    for (at, outcome) in calls {
        book.run(&["log", "bill", outcome, "--at", at]).code(0);
    }
    book
}

#[test]
fn a_better_window_is_suggested_only_with_enough_evidence() {
    let mut calls = vec![];
    let early = [
        "2026-09-01T08:10",
        "2026-09-02T08:10",
        "2026-09-03T08:10",
        "2026-09-04T08:10",
        "2026-09-07T08:10",
        "2026-09-08T08:10",
        "2026-09-09T08:10",
    ];
    for at in early {
        calls.push((at, "no-answer"));
    }
    let late = [
        ("2026-09-10T17:40", "spoke"),
        ("2026-09-11T17:40", "spoke"),
        ("2026-09-14T17:45", "spoke"),
        ("2026-09-15T17:50", "spoke"),
        ("2026-09-16T17:40", "no-answer"),
    ];
    calls.extend(late);
    let book = late_picker(&calls);
    let check = book.run(&["check"]).code(0).stdout;
    assert!(
        check.contains(
            "Bill Jones [bill] connected on 4 of 5 calls 17:30-18:30 (their time) and 0 of 7 outside it: try `ringback set bill call_windows=17:30-18:30`"
        ),
        "{check}"
    );
    let stats = book.run(&["stats", "--since", "2026-09-01", "--until", "2026-09-30"]).code(0).stdout;
    assert!(
        stats.contains("Better call windows (from the whole log)\n  Bill Jones [bill] connected on 4 of 5"),
        "{stats}"
    );
    // Applying it is one command; the book is never changed by the suggestion itself.
    assert!(
        std::fs::read_to_string(&book.config)
            .unwrap()
            .contains("call_windows = [\"08:00-09:00\", \"17:00-18:30\"]")
    );
    book.run(&["set", "bill", "call_windows=17:30-18:30"]).code(0);
    assert!(
        !book.run(&["check"]).code(0).stdout.contains("better call windows"),
        "suggested what is already set"
    );

    // Nine calls: fewer than ten to one prospect is not enough evidence.
    let thin = late_picker(&calls[3..]);
    assert!(!thin.run(&["check"]).code(0).stdout.contains("better call windows"));
    // Enough calls, but only 2 connects in the window.
    let mut weak = calls.clone();
    weak[7].1 = "no-answer";
    weak[8].1 = "no-answer";
    let weak = late_picker(&weak);
    assert!(!weak.run(&["check"]).code(0).stdout.contains("better call windows"));
}

#[test]
fn the_weekly_review_of_a_week_with_its_trend() {
    let book = logged();
    let text = book.run(&["stats", "--review", "--week", "2026-11-11"]).code(0).stdout;
    // Mon 9 - Sun 15 Nov: amy's spoke (late, a connect) and ben's no-answer (late); ben's
    // promise of Mon 9 was kept on Tue 10.
    assert!(text.starts_with("== Last week: Mon 9 Nov – Sun 15 Nov ==\n"), "{text}");
    assert!(text.contains("  calls: 2, contacts: 1 (1/2)\n"), "{text}");
    assert!(
        text.contains("  promises: 1 due, 0 kept on time, 1 kept late, 0 missed, 0 still open\n"),
        "{text}"
    );
    assert!(
        text.contains("  best and worst window: too few calls, or no difference, to compare\n"),
        "{text}"
    );
    // The week of 2 Nov had 5 calls and no connect; the two October weeks none.
    assert!(text.contains("  four weeks: calls ▁▁█▄  connect rate   ▁▅\n"), "{text}");
    assert!(text.contains("    week of Mon 2 Nov     5 calls  0/5\n"), "{text}");
    assert!(text.contains("    week of Mon 9 Nov     2 calls  1/2\n"), "{text}");
    let json = book.run(&["stats", "--review", "--week", "2026-11-11", "--json"]).code(0).json();
    assert_eq!(json["week"]["calls"], serde_json::json!({"hits": 1, "of": 2}));
    assert_eq!(json["trend"].as_array().unwrap().len(), 4);
}

#[test]
fn a_promise_replaced_before_its_day_is_not_counted_twice() {
    let book = Book::new(BOOK);
    // Amy: a voicemail on the 10th promises the 20th; another on the 12th promises the 25th
    // instead. One promise fell due (the 25th), and nothing was done that day.
    book.run(&["log", "amy", "voicemail", "--at", "2026-11-10T10:00", "--promise", "2026-11-20"]).code(0);
    book.run(&["log", "amy", "voicemail", "--at", "2026-11-12T10:00", "--promise", "2026-11-25"]).code(0);
    let json =
        book.run(&["stats", "--since", "2026-11-02", "--until", "2026-11-29", "--json"]).code(0).json();
    let p = &json["promises"];
    assert_eq!(
        (p["made"].as_u64(), p["missed"].as_u64(), p["open"].as_u64()),
        (Some(1), Some(1), Some(0)),
        "{p}"
    );
}

#[test]
fn a_reply_counts_for_the_latest_email_before_it_and_only_when_that_email_is_in_the_span() {
    let book = Book::standard();
    // A reply in November to October's email, then a November email nobody answered.
    for (outcome, at) in
        [("emailed", "2026-10-20T10:00"), ("replied", "2026-11-05T10:00"), ("emailed", "2026-11-10T10:00")]
    {
        book.run(&["log", "bill-jones", outcome, "--at", at, "--no-promise"]).code(0);
    }
    let november =
        book.run(&["stats", "--since", "2026-11-01", "--until", "2026-11-28", "--json"]).code(0).json();
    assert_eq!(november["emails"]["of"], 1, "{november}");
    assert_eq!(november["emails"]["hits"], 0, "October's reply counted for November's email: {november}");
    let october =
        book.run(&["stats", "--since", "2026-10-01", "--until", "2026-10-31", "--json"]).code(0).json();
    assert_eq!(
        (october["emails"]["hits"].as_u64(), october["emails"]["of"].as_u64()),
        (Some(1), Some(1)),
        "{october}"
    );
}

/// One set of definitions: the week's review and the month's promise record in the same
/// digest count the same promises alike (a promise is missed once its day has passed in my
/// zone without a call).
#[test]
fn the_review_and_the_promise_record_in_one_digest_agree() {
    let book = Book::new(&format!(
        "{}\n[prospects.bill]\nname = \"Bill Jones\"\nphone = \"+1 604 555 0100\"\nsince = 2026-11-02\n\
         \n[prospects.ann]\nname = \"Ann Lee\"\nphone = \"+1 604 555 0111\"\nsince = 2026-11-02\n",
        crate::helpers::BASE.split("[prospects.").next().unwrap()
    ));
    // Bill's promise (Wed) is missed; Ann's (Thu) is kept with a call that day.
    book.run(&["log", "bill", "voicemail", "--at", "2026-11-02T08:00", "--promise", "2026-11-04"]).code(0);
    book.run(&["log", "ann", "voicemail", "--at", "2026-11-02T08:10", "--promise", "2026-11-05"]).code(0);
    book.run(&["log", "ann", "no-answer", "--at", "2026-11-05T08:10"]).code(0);
    // Monday's digest, the week's first: it carries the review of the week before.
    let digest = book.run(&["digest", "--at", "2026-11-09T07:00"]).code(0).stdout;
    let counts = "2 due, 1 kept on time, 0 kept late, 1 missed, 0 still open";
    assert!(digest.contains(&format!("promises: {counts}")), "the review:\n{digest}");
    let record = &digest[digest.find("Your promises in November").expect("the promise record")..];
    assert!(record.contains(counts), "the record:\n{digest}");
}

/// The review's best and worst window, each on a line of its own: every line of the review
/// (and so of the digest that carries it) fits 76 columns.
#[test]
fn the_reviews_best_and_worst_window_fit_an_email_line() {
    let book = late_picker(&[
        ("2026-09-07T08:10", "no-answer"),
        ("2026-09-08T08:10", "no-answer"),
        ("2026-09-09T08:10", "no-answer"),
        ("2026-09-10T17:40", "spoke"),
        ("2026-09-11T17:40", "spoke"),
    ]);
    let text = book.run(&["stats", "--review", "--week", "2026-09-07"]).code(0).stdout;
    assert!(text.contains("\n  best window:  late (17:00 or later), "), "{text}");
    assert!(text.contains("\n  worst window: early (before 09:00), "), "{text}");
    let wide: Vec<&str> = text.lines().filter(|l| l.chars().count() > 76).collect();
    assert!(wide.is_empty(), "wider than 76: {wide:?}\n{text}");
}
