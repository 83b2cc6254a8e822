//! Their day: a call happens at the prospect's local time on the prospect's calendar date, so a
//! window is offered only on a workday of mine, outside my quiet hours, whose date for them is a
//! workday of theirs; and every day named to them is their date of the window that is used.

use crate::helpers::Book;

pub const ME_TORONTO: &str = r#"
[me]
name = "Dana Reyes"
phone = "+1 416 555 0199"
timezone = "America/Toronto"

[cadences.standard]
steps = [
  { wait = "0 days", action = "call" },
  { wait = "2 workdays", action = "call" },
  { wait = "1 week", action = "call" },
]
"#;

fn hana(since: &str) -> String {
    format!(
        "{ME_TORONTO}\n[prospects.hana]\nname = \"Hana Mori\"\nphone = \"+81 3 5555 0100\"\ntimezone = \"Asia/Tokyo\"\nholidays = \"JP\"\nsince = {since}\ncall_windows = [\"07:30-08:30\"]\n"
    )
}

/// The agenda's text lines that name a prospect.
fn listed(book: &Book, at: &str, days: &str, name: &str) -> Vec<String> {
    let text = book.run(&["agenda", "--at", at, "--days", days]).code(0).stdout;
    text.lines().filter(|l| l.contains(name)).map(str::to_owned).collect()
}

#[test]
fn a_window_on_their_national_holiday_or_weekend_is_not_offered() {
    // My Monday 2 November at 17:30 is Tuesday 3 November 07:30 in Tokyo: Culture Day.
    let book = Book::new(&hana("2026-11-02"));
    let agenda = book.run(&["agenda", "--at", "2026-11-02T08:00", "--json"]).code(0).json();
    assert_eq!(agenda["items"].as_array().unwrap().len(), 0, "offered on Culture Day: {agenda}");
    let lines = listed(&book, "2026-11-03T08:00", "1", "Hana");
    assert!(lines.iter().any(|l| l.contains("17:30-18:30 (Tokyo Wed 07:30-08:30)")), "{lines:?}");
    // From Friday 6 November: her Saturday, then my weekend; my Monday is her Tuesday.
    let book = Book::new(&hana("2026-11-06"));
    let json = book.run(&["agenda", "--at", "2026-11-06T08:00", "--days", "4", "--json"]).code(0).json();
    let items = json["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{json}");
    assert_eq!(items[0]["due"], "2026-11-09", "{json}");
    assert!(items[0]["window"]["start"].as_str().unwrap().starts_with("2026-11-09T17:30"), "{json}");
}

#[test]
fn a_window_the_day_before_their_holiday_is_theirs_to_take() {
    // Me in Berlin, Lena in Los Angeles (US holidays): Friday 3 July 2026 is the observed
    // Independence Day, but my Friday 02:00 is her Thursday 17:00, a workday for both of us.
    let book = Book::new(
        r#"
[me]
name = "Dana Reyes"
timezone = "Europe/Berlin"

[cadences.standard]
steps = [{ wait = "0 days", action = "call" }, { wait = "1 day", action = "call" }]

[prospects.lena]
name = "Lena Ortiz"
phone = "+1 213 555 0100"
timezone = "America/Los_Angeles"
holidays = "US"
since = 2026-07-03
call_windows = ["17:00-18:00"]
"#,
    );
    let lines = listed(&book, "2026-07-03T01:00", "1", "Lena");
    assert!(lines.iter().any(|l| l.contains("02:00-03:00 (Los Angeles Thu 17:00-18:00)")), "{lines:?}");
    // Her second call, a day after a try on my Friday: my Saturday and Sunday are off, and my
    // Monday 02:00 is her Sunday; my Tuesday is her Monday.
    book.run(&["log", "lena", "no-answer", "--at", "2026-07-03T02:10"]).code(0);
    let json = book.run(&["agenda", "--at", "2026-07-04T01:00", "--days", "5", "--json"]).code(0).json();
    let items = json["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{json}");
    assert_eq!(items[0]["due"], "2026-07-07", "never her Sunday: {json}");
}

#[test]
fn the_callback_a_voicemail_names_is_their_day_and_the_agenda_keeps_it() {
    // Me in Toronto, Olivia in Sydney: her 07:30 is my previous afternoon, 15:30.
    let book = Book::new(&format!(
        "{ME_TORONTO}\n[prospects.olivia]\nname = \"Olivia Hart\"\nphone = \"+61 2 5550 0100\"\ntimezone = \"Australia/Sydney\"\nholidays = \"AU-NSW\"\nsince = 2026-11-09\ncall_windows = [\"07:30-08:30\"]\n"
    ));
    let next = book.run(&["next", "--at", "2026-11-09T15:00"]).code(0).stdout;
    assert!(next.contains("15:30-16:30 (Sydney Tue 07:30-08:30)"), "{next}");
    // The next call is two of my workdays on, my Wednesday 11th at 15:30: her Thursday 12th.
    assert!(
        next.contains("If I don't hear from you by Wednesday, I'll call you on Thursday the 12th."),
        "{next}"
    );
    book.run(&["log", "olivia", "voicemail", "--at", "2026-11-09T15:35"]).code(0);
    let json = book.run(&["agenda", "--at", "2026-11-10T08:00", "--days", "3", "--json"]).code(0).json();
    let items = json["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{json}");
    assert_eq!(items[0]["kind"], "promise", "{json}");
    let start = items[0]["window"]["start"].as_str().unwrap();
    assert!(
        start.starts_with("2026-11-11T15:30:00-05:00"),
        "her Thursday 07:30 is my Wednesday 15:30: {json}"
    );
    // Overdue the next day, the script names the day she was promised: her Thursday.
    let late = book.run(&["next", "--at", "2026-11-12T15:00"]).code(0).stdout;
    assert!(late.contains("I said I'd call you back on Thursday 12 November"), "{late}");
}

#[test]
fn a_window_inside_my_quiet_hours_is_never_offered() {
    // Kolkata's 07:30 is my 21:00, inside quiet hours 21:00-07:00; her 17:30 is my 07:00.
    // (Thursday 26 November: the Tuesday before is Guru Nanak's birthday in India.)
    let book = Book::new(&format!(
        "{}\n[prospects.aarav]\nname = \"Aarav Shah\"\nphone = \"+91 22 5555 0100\"\ntimezone = \"Asia/Kolkata\"\nholidays = \"IN\"\nsince = 2026-11-26\ncall_windows = [\"07:30-08:30\", \"17:30-18:30\"]\n",
        ME_TORONTO.replace(
            "[cadences.standard]",
            "[schedule]\nquiet_hours = \"21:00-07:00\"\n\n[cadences.standard]"
        )
    ));
    let lines = listed(&book, "2026-11-26T06:00", "1", "Aarav");
    assert!(lines.iter().any(|l| l.contains("07:00-08:00 (Kolkata 17:30-18:30)")), "{lines:?}");
    // Once the morning window has passed, the evening one is not offered instead: the call
    // waits for the next window outside quiet hours.
    let json = book.run(&["agenda", "--at", "2026-11-26T19:00", "--json"]).code(0).json();
    let item = &json["items"].as_array().unwrap()[0];
    assert!(item["window"].is_null(), "offered a window in quiet hours: {json}");
    // With only her morning window, no call can ever be offered: `check` says so.
    book.write_config(&std::fs::read_to_string(&book.config).unwrap().replace(", \"17:30-18:30\"", ""));
    let check = book.run(&["check"]).code(0).stdout;
    assert!(
        check.contains(
            "warning: every call window of Aarav Shah [aarav] falls in your quiet hours (21:00-07:00)"
        ),
        "{check}"
    );
}

#[test]
fn their_weekend_is_their_countrys_or_their_own() {
    // Omar in Riyadh works Sunday to Thursday: my Friday is his Friday, not offered; my Sunday
    // is not mine. With `workdays` set on him, his own week wins.
    let saudi = |extra: &str| {
        Book::new(&format!(
            "{}\n[prospects.omar]\nname = \"Omar Haddad\"\nphone = \"+966 11 555 0100\"\ntimezone = \"Asia/Riyadh\"\nholidays = \"SA\"\nsince = 2026-11-27\ncall_windows = [\"16:00-17:00\"]\n{extra}",
            ME_TORONTO.replace("timezone = \"America/Toronto\"", "timezone = \"Europe/London\"")
        ))
    };
    let day = |book: &Book| {
        let json = book.run(&["agenda", "--at", "2026-11-27T06:00", "--days", "7", "--json"]).code(0).json();
        json["items"][0]["due"].as_str().unwrap_or_default().to_owned()
    };
    assert_eq!(day(&saudi("")), "2026-11-30", "not his Friday 27th: Monday 30th");
    assert_eq!(day(&saudi("workdays = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\"]\n")), "2026-11-27");
}

#[test]
fn every_voicemail_names_a_callback_and_keeps_it_outside_a_cadence_too() {
    // Bill (Vancouver, 17:00-18:30 his time) agreed a next step for Wednesday 25 November.
    let book = Book::standard();
    book.run(&[
        "log",
        "bill",
        "spoke",
        "--at",
        "2026-11-20T20:10",
        "--next-step",
        "2026-11-25",
        "--what",
        "the ERP demo",
    ])
    .code(0);
    let next = book.run(&["next", "--at", "2026-11-25T19:00"]).code(0).stdout;
    assert!(next.contains("agreed next step"), "{next}");
    // Two of my workdays on: Friday the 27th, his Friday too.
    assert!(
        next.contains("If I don't hear from you by Thursday, I'll call you on Friday the 27th."),
        "the next step's script names no callback:\n{next}"
    );
    // His phone rings out: the voicemail keeps that day, he does not drop to keep-in-touch.
    book.run(&["log", "bill", "voicemail", "--at", "2026-11-25T20:15"]).code(0);
    let json = book.run(&["agenda", "--at", "2026-11-26T07:00", "--days", "2", "--json"]).code(0).json();
    let items = json["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{json}");
    assert_eq!(items[0]["kind"], "promise", "{json}");
    assert_eq!(items[0]["due"], "2026-11-27", "{json}");
    // A keep-in-touch call's script names its callback too.
    let book = Book::standard();
    book.run(&["log", "bill", "spoke", "--at", "2026-11-20T20:10"]).code(0);
    let later = book.run(&["next", "--at", "2026-12-21T19:00"]).code(0).stdout;
    assert!(later.contains("keep in touch"), "{later}");
    assert!(later.contains("I'll call you on Wednesday the 23rd."), "{later}");
}

#[test]
fn the_number_dialled_leaves_out_the_trunk_zero_and_keeps_the_extension_apart() {
    let book = Book::new(&format!(
        "{ME_TORONTO}\n[prospects.olive]\nname = \"Olive Green\"\nphone = \"+44 (0)20 7946 0011\"\ntimezone = \"Europe/London\"\nsince = 2026-11-24\ncall_windows = [\"14:00-15:00\"]\n\
         \n[prospects.raj]\nname = \"Raj Patel\"\nphone = \"+1 416 555 0101 x 204\"\nsince = 2026-11-24\ncall_windows = [\"10:00-11:00\"]\n"
    ));
    let feed = book.run(&["ics", "--at", "2026-11-24T07:00", "--days", "1"]).code(0).stdout;
    let unfolded = feed.replace("\r\n ", "");
    assert!(unfolded.contains("tel:+442079460011"), "{unfolded}");
    assert!(!unfolded.contains("tel:+4402079460011"), "the trunk 0 was dialled: {unfolded}");
    assert!(unfolded.contains("tel:+14165550101\\;ext=204"), "{unfolded}");
}

/// "On Tuesday I said I'd call you back": the day the voicemail was left is named as it was for
/// them (my Monday evening is a Sydney Tuesday morning), while what I read keeps my date.
#[test]
fn the_day_a_promise_was_made_is_named_as_their_day() {
    let book = Book::new(&format!(
        "{ME_TORONTO}\n[prospects.sam]\nname = \"Sam Lee\"\nphone = \"+61 2 9374 4000\"\ntimezone = \"Australia/Sydney\"\nsince = 2026-11-23\ncall_windows = [\"10:00-11:00\"]\n"
    ));
    book.run(&["log", "sam", "voicemail", "--at", "2026-11-23T18:10"]).code(0);
    let next = book.run(&["next", "--at", "2026-11-25T17:00"]).code(0).stdout;
    assert!(next.contains("why:  you promised on Mon 23 Nov to call back today"), "{next}");
    assert!(next.contains("On Tue 24 Nov I said I'd call you back today"), "{next}");
}

/// The callback a voicemail named is written down when it is logged: a later change to the
/// cadence (or windows, or holidays) does not move a day already said on the phone.
#[test]
fn a_voicemail_keeps_the_day_it_named_when_the_book_changes() {
    let text = format!(
        "{ME_TORONTO}\n[prospects.bill]\nname = \"Bill Jones\"\nphone = \"+1 604 555 0100\"\ntimezone = \"America/Vancouver\"\nsince = 2026-11-23\n\
         \n[prospects.ann]\nname = \"Ann Lee\"\nphone = \"+1 604 555 0111\"\ntimezone = \"America/Vancouver\"\nsince = 2026-11-23\n"
    );
    let book = Book::new(&text);
    // Ann's first call rang out with no message left: her next call follows the cadence.
    book.run(&["log", "ann", "no-answer", "--at", "2026-11-23T20:00"]).code(0);
    let script = book.run(&["next", "--at", "2026-11-23T12:00"]).code(0).stdout;
    assert!(script.contains("I'll call you on Wednesday the 25th."), "{script}");
    let logged = book.run(&["log", "bill", "voicemail", "--at", "2026-11-23T20:10"]).code(0).stdout;
    assert!(logged.contains("promised callback on Wed 25 Nov"), "{logged}");
    let history = book.run(&["history", "bill"]).code(0).stdout;
    assert!(history.contains("voicemail") && history.contains("promise Wed 25 Nov"), "{history}");
    // The second step now waits five workdays: the next cadence call moves, the promise does not.
    let slower = text.replace(
        "{ wait = \"2 workdays\", action = \"call\" }",
        "{ wait = \"5 workdays\", action = \"call\" }",
    );
    assert_ne!(slower, text);
    book.write_config(&slower);
    let agenda = book.run(&["agenda", "--at", "2026-11-25T07:00", "--days", "7", "--json"]).code(0).json();
    let items = agenda["items"].as_array().unwrap();
    assert!(
        items.iter().any(|i| i["prospect"] == "ann" && i["kind"] == "call" && i["due"] == "2026-11-30"),
        "the cadence's next call moved: {agenda}"
    );
    let item = &items[0];
    assert_eq!(item["prospect"], "bill", "{agenda}");
    assert_eq!(
        (item["kind"].as_str(), item["due"].as_str()),
        (Some("promise"), Some("2026-11-25")),
        "{agenda}"
    );
}

/// Quiet hours in the middle of a window leave both its ends: the part after them is offered
/// once they are over.
#[test]
fn quiet_hours_inside_a_window_leave_both_ends() {
    let book = Book::new(&format!(
        "{ME_TORONTO}\n[schedule]\nquiet_hours = \"12:00-13:00\"\n\n[prospects.bill]\nname = \"Bill Jones\"\nphone = \"+1 416 555 0100\"\nsince = 2026-11-23\ncall_windows = [\"11:00-14:00\"]\n"
    ));
    let morning = book.run(&["agenda", "--at", "2026-11-23T08:00"]).code(0).stdout;
    assert!(morning.contains("11:00-12:00"), "{morning}");
    let lunch = book.run(&["agenda", "--at", "2026-11-23T12:30", "--json"]).code(0).json();
    let window = &lunch["items"][0]["window"];
    assert_eq!(lunch["items"][0]["prospect"], "bill", "{lunch}");
    assert_eq!(window["start"], "2026-11-23T13:00:00-05:00", "{lunch}");
    assert_eq!(window["end"], "2026-11-23T14:00:00-05:00", "{lunch}");
}

/// An overdue call waits for a day that is a workday for both of us: opened on my Sunday (a
/// workday of theirs), the agenda lists it on Monday, not today.
#[test]
fn an_overdue_call_waits_for_my_workday() {
    let book = Book::new(&format!(
        "{ME_TORONTO}\n[prospects.bill]\nname = \"Bill Jones\"\nphone = \"+1 416 555 0100\"\nsince = 2026-11-02\nworkdays = [\"Sun\", \"Mon\", \"Tue\", \"Wed\", \"Thu\"]\n"
    ));
    let json = book.run(&["agenda", "--at", "2026-11-08T08:00", "--days", "2", "--json"]).code(0).json();
    let items = json["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{json}");
    assert_eq!(items[0]["prospect"], "bill", "{json}");
    assert_eq!(items[0]["overdue"], true, "{json}");
    let window = items[0]["window"]["start"].as_str().unwrap_or_default();
    assert!(window.starts_with("2026-11-09T07:30"), "listed on my Sunday: {json}");
}
