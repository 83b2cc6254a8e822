//! The real binary against a temp config and state.

use crate::helpers::{BASE, Book, event_count, in_toronto, ringback, set_mode};

#[test]
fn check_accepts_the_repository_example() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/config/ringback.toml");
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("s.db");
    let ran = ringback(&["--config", example, "--state", state.to_str().unwrap(), "check"], &[]).code(0);
    assert!(ran.stdout.contains(": ok"), "{}", ran.stdout);
    assert!(ran.stdout.contains("12 prospects: 10 active, 1 paused, 1 closed"), "{}", ran.stdout);
}

#[test]
fn init_writes_a_valid_starter_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("conf/ringback.toml");
    let state = dir.path().join("s.db");
    let args = |cmd: &'static str| {
        vec![
            "--config".to_owned(),
            config.display().to_string(),
            "--state".to_owned(),
            state.display().to_string(),
            cmd.to_owned(),
        ]
    };
    let run = |cmd| {
        let a = args(cmd);
        ringback(&a.iter().map(String::as_str).collect::<Vec<_>>(), &[])
    };
    run("init").code(0);
    let written = std::fs::read_to_string(&config).unwrap();
    run("check").code(0);
    std::fs::write(&config, "# mine\n").unwrap();
    let again = run("init").code(1);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    assert_eq!(std::fs::read_to_string(&config).unwrap(), "# mine\n", "init changed an existing file");
    assert!(written.contains("[prospects."));
}

#[test]
fn config_path_comes_from_the_environment_when_not_given() {
    let book = Book::standard();
    let ran = ringback(
        &["check"],
        &[
            ("RINGBACK_CONFIG", book.config.to_str().unwrap()),
            ("RINGBACK_STATE", book.state.to_str().unwrap()),
        ],
    )
    .code(0);
    assert!(ran.stdout.contains(&book.config.display().to_string()));
    // `check` only reads: it names the state it would use without creating it.
    assert!(
        ran.stdout.contains(&format!("state: {} (not created yet)", book.state.display())),
        "{}",
        ran.stdout
    );
    assert!(!book.state.exists());
}

#[test]
fn invalid_config_exits_78_from_every_command() {
    let book = Book::new(&BASE.replace("America/Vancouver", "America/Nowhere"));
    for args in [
        vec!["check"],
        vec!["agenda"],
        vec!["next"],
        vec!["digest"],
        vec!["history", "bill-jones"],
        vec!["log", "bill-jones", "voicemail"],
        vec!["run"],
    ] {
        let ran = book.run(&args).code(78);
        assert!(
            ran.stderr.contains("ringback.toml:31:12: prospects.bill-jones.timezone: unknown time zone"),
            "{args:?}: {}",
            ran.stderr
        );
    }
    assert_eq!(event_count(&book.state), 0);
}

#[test]
fn missing_config_says_how_to_make_one() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("none.toml");
    let ran = ringback(&["--config", config.to_str().unwrap(), "agenda"], &[]).code(78);
    assert!(ran.stderr.contains("ringback init"), "{}", ran.stderr);
}

#[test]
fn state_and_its_folder_are_created_private() {
    use std::os::unix::fs::PermissionsExt;
    let book = Book::standard();
    book.run(&["log", "bill-jones", "voicemail", "--at", "2026-11-24T07:00"]).code(0);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&book.state), 0o600);
    // Regression: the folder followed the umask (0755), showing who the prospects are.
    assert_eq!(mode(book.state.parent().unwrap()), 0o700);
    // A state an older ringback left readable by others, with a write-ahead log beside it, is
    // made private when next opened.
    let wal = book.state.with_extension("db-wal");
    std::fs::write(&wal, b"").unwrap();
    set_mode(&book.state, 0o644);
    set_mode(&wal, 0o644);
    book.run(&["log", "bill-jones", "no-answer", "--at", "2026-11-24T08:00"]).code(0);
    assert_eq!(mode(&book.state), 0o600);
    if wal.exists() {
        assert_eq!(mode(&wal), 0o600);
    }
}

#[test]
fn commands_that_only_show_things_never_write_the_state() {
    let book = Book::standard();
    // Regression: `agenda` created the state and wrote first-seen marks.
    book.run(&["agenda", "--at", "2026-11-24T07:00"]).code(0);
    assert!(!book.state.exists(), "agenda created the state");
    book.run(&["log", "bill-jones", "voicemail", "--at", "2026-11-24T07:00"]).code(0);
    // The database and its write-ahead log (a reader may leave an empty one, and the shared
    // memory index, behind: neither holds data).
    let snapshot = || -> (Vec<u8>, Vec<u8>) {
        let wal = book.state.with_extension("db-wal");
        (std::fs::read(&book.state).unwrap(), std::fs::read(wal).unwrap_or_default())
    };
    let before = snapshot();
    // A prospect the state has not seen yet, so a first-seen mark would be written.
    book.write_config(&format!(
        "{BASE}\n[prospects.new-one]\nname = \"New One\"\nphone = \"+1 416 555 0101\"\npromised_callback = 2026-11-30\n"
    ));
    for args in [
        vec!["agenda", "--json"],
        vec!["next"],
        vec!["digest"],
        vec!["check"],
        vec!["history", "bill-jones"],
        vec!["history", "new-one"],
    ] {
        book.run(&args).code(0);
    }
    assert!(before == snapshot(), "a read-only command changed the state files");
    // The next command that writes records the sighting, so nothing was lost by not writing.
    book.run(&["log", "new-one", "no-answer"]).code(0);
    assert!(before != snapshot());
}

#[test]
fn agenda_json_has_the_documented_shape() {
    let book = Book::standard();
    book.run(&["log", "bill-jones", "voicemail", "--at", "2026-11-20T17:10"]).code(0);
    let json = book.run(&["agenda", "--at", "2026-11-24T07:00", "--json"]).code(0).json();
    assert_eq!(json["at"], "2026-11-24T07:00:00-05:00");
    let items = json["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let item = &items[0];
    let keys: Vec<&str> = item.as_object().unwrap().keys().map(String::as_str).collect();
    let mut expected = vec![
        "prospect",
        "name",
        "company",
        "kind",
        "action",
        "due",
        "overdue",
        "days_late",
        "window",
        "attempt",
        "of",
        "phone",
        "tel",
        "email",
        "why",
        "script",
    ];
    expected.sort();
    let mut got = keys.clone();
    got.sort();
    assert_eq!(got, expected);
    assert_eq!(item["prospect"], "bill-jones");
    assert_eq!(item["phone"], "+1 604 555 0100", "as the book writes it");
    assert_eq!(item["tel"], "tel:+16045550100");
    assert_eq!(item["kind"], "promise");
    assert_eq!(item["action"], "call");
    assert_eq!(item["due"], "2026-11-24");
    assert_eq!(item["overdue"], false);
    assert_eq!(item["days_late"], 0);
    let (start, end) = (
        in_toronto("2026-11-24", "17:00", "America/Vancouver"),
        in_toronto("2026-11-24", "18:30", "America/Vancouver"),
    );
    assert_eq!(item["window"]["start"], start.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string());
    assert_eq!(item["window"]["end"], end.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string());
    assert_eq!(item["attempt"], 2);
    assert_eq!(item["of"], 4);
    assert_eq!(item["why"], "you promised on Fri 20 Nov to call back today");
    let script = item["script"].as_str().unwrap();
    assert!(script.starts_with("Hi Bill, it's Dana Reyes"), "{script}");
    assert!(script.contains("Canada Cup"), "the hook is in the script: {script}");
    // Done today (Tue 24), step 3 is an email 3 workdays later (Fri 27), and the next call a
    // week after that: Fri 4 Dec, "if I don't hear from you by Thursday the 3rd" (a bare
    // "Thursday" would be heard as this week's).
    assert!(
        script.contains("If I don't hear from you by Thursday the 3rd, I'll call you on Friday the 4th"),
        "{script}"
    );
}

#[test]
fn log_voicemail_records_the_promise_and_says_so() {
    let book = Book::standard();
    let ran = book
        .run(&[
            "log",
            "bill-jones",
            "voicemail",
            "--at",
            "2026-11-20T17:10",
            "--note",
            "left the AIDA script",
        ])
        .code(0);
    assert!(ran.stdout.contains("logged voicemail for Bill Jones at Fri 20 Nov 17:10"), "{}", ran.stdout);
    assert!(ran.stdout.contains("promised callback on Tue 24 Nov"), "{}", ran.stdout);
    let history = book.run(&["history", "bill-jones", "--json"]).code(0).json();
    assert_eq!(history["events"][0]["outcome"], "voicemail");
    assert_eq!(history["events"][0]["note"], "left the AIDA script");
    assert_eq!(history["events"][0]["at"], "2026-11-20T17:10:00-05:00");
    let text = book.run(&["history", "bill-jones"]).code(0).stdout;
    assert!(text.contains("Fri 20 Nov 2026 17:10  voicemail"), "{text}");
}

#[test]
fn rejected_log_commands_write_nothing() {
    let book = Book::standard();
    book.run(&["agenda", "--at", "2026-11-24T07:00"]).code(0);
    let cases: &[(&[&str], &str)] = &[
        (&["log", "bill-jnes", "voicemail"], "did you mean `bill-jones`"),
        (&["log", "bill-jones", "voicemale"], "unknown outcome `voicemale`"),
        (&["log", "bill-jones", "voicemail", "--at", "soon"], "invalid time `soon`"),
        (&["log", "bill-jones", "voicemail", "--at", "yesterday 25:00"], "invalid time `yesterday 25:00`"),
        (&["log", "bill-jones", "voicemail", "--promise", "2026-13-01"], "--promise"),
        (&["log", "bill-jones", "snooze"], "snooze needs --until"),
        (&["log", "bill-jones", "spoke", "--until", "2026-12-01"], "--until goes with snooze"),
        (&["log", "bill-jones", "won", "--promise", "2026-12-01"], "go with an attempt or a contact"),
        (&["log", "bill-jones", "drip-sent", "--item", "Nope"], "unknown drip item `Nope`"),
        (&["log", "bill-jones", "spoke", "--next-step", "2026-12-01"], "--what"),
        (
            &["log", "bill-jones", "voicemail", "--promise", "2026-12-01", "--no-promise"],
            "cannot be used with",
        ),
    ];
    for (args, message) in cases {
        let ran = book.run(args);
        assert_eq!(ran.code, 2, "{args:?} should be a usage error: {}", ran.stderr);
        assert!(ran.stderr.contains(message), "{args:?}: {}", ran.stderr);
        let first = ran.stderr.lines().next().unwrap_or_default();
        assert!(first.starts_with("ringback: ") || first.starts_with("error: "), "{}", ran.stderr);
    }
    assert_eq!(event_count(&book.state), 0);
}

#[test]
fn next_json_is_null_when_nothing_is_due() {
    let book = Book::new(&BASE.replace("since = 2026-11-20", "since = 2026-12-20"));
    let ran = book.run(&["next", "--at", "2026-11-24T07:00", "--json"]).code(0);
    assert_eq!(ran.stdout.trim(), "null");
    let ran = book.run(&["next", "--at", "2026-12-21T07:00", "--json"]).code(0);
    assert_eq!(ran.json()["prospect"], "bill-jones");
}

/// Bill's window on 24 November (17:00-18:30 in Vancouver) in Toronto: `20:00-21:30` with
/// tzdata before 2026e, `19:00-20:30` after.
fn bill_window() -> String {
    let at = |t| in_toronto("2026-11-24", t, "America/Vancouver").strftime("%H:%M").to_string();
    format!("{}-{}", at("17:00"), at("18:30"))
}

#[test]
fn next_text_names_the_call_and_the_script() {
    let book = Book::standard();
    let out = book.run(&["next", "--at", "2026-11-24T07:00"]).code(0).stdout;
    assert!(out.contains("Call Bill Jones (ABC Inc) [bill-jones]"), "{out}");
    assert!(out.contains("\n  +1 604-555-0100\n"), "the number grouped as libphonenumber writes it: {out}");
    assert!(out.contains(&format!("{} (Vancouver 17:00-18:30)", bill_window())), "{out}");
}

#[test]
fn digest_prints_sections_and_coming_up() {
    let book = Book::new(
        &BASE.replace("hook =", "next_step = { on = 2026-11-26, what = \"the ERP findings\" }\nhook ="),
    );
    book.run(&["log", "bill-jones", "voicemail", "--at", "2026-11-20T17:10"]).code(0);
    let out = book.run(&["digest", "--at", "2026-11-24T07:00"]).code(0).stdout;
    assert!(out.starts_with("ringback — Tue 24 Nov: 1 promised callback\n"), "{out}");
    assert!(out.contains("== Promised callbacks (1) =="), "{out}");
    assert!(out.contains(&format!("window: {} (Vancouver 17:00-18:30)", bill_window())), "{out}");
    assert!(out.contains("== Coming up =="), "{out}");
    assert!(
        out.contains("  Thu 26 Nov  Bill Jones (ABC Inc) [bill-jones]\n      next step: the ERP findings\n"),
        "{out}"
    );
}

#[test]
fn agenda_text_is_plain_without_a_tty_and_aligned() {
    let book = Book::new(&format!(
        "{BASE}\n[prospects.al]\nname = \"Al\"\nphone = \"+1 416 555 0000\"\nsince = 2026-11-20\n"
    ));
    let out = book.run(&["agenda", "--at", "2026-11-24T07:00"]).code(0).stdout;
    assert!(!out.contains('\x1b'), "colour without a TTY: {out:?}");
    assert!(out.contains("Calls (2)"), "{out}");
    let rows: Vec<&str> = out.lines().filter(|l| l.contains("+1 ")).collect();
    assert_eq!(rows.len(), 2, "{out}");
    assert_eq!(rows[0].find("+1"), rows[1].find("+1"), "phones line up:\n{out}");
}

#[test]
fn ids_dropped_from_the_config_are_kept_and_listed() {
    let book = Book::standard();
    book.run(&["log", "bill-jones", "spoke", "--at", "2026-11-20T17:10"]).code(0);
    book.write_config(&BASE.replace("[prospects.bill-jones]", "[prospects.bill-renamed]"));
    let out = book.run(&["check"]).code(0).stdout;
    assert!(
        out.contains("in the state but not in the config (kept, never deleted):\n    bill-jones (1 event)"),
        "{out}"
    );
    let history = book.run(&["history", "bill-jones", "--json"]).code(0).json();
    assert_eq!(history["in_config"], false);
    assert_eq!(history["events"].as_array().unwrap().len(), 1);
}

#[test]
fn agenda_days_lists_each_item_under_its_due_date() {
    let book = Book::standard();
    book.run(&["log", "bill-jones", "no-answer", "--at", "2026-11-20T17:10"]).code(0);
    let json = book.run(&["agenda", "--at", "2026-11-23T07:00", "--days", "3", "--json"]).code(0).json();
    assert_eq!(json["items"][0]["due"], "2026-11-24");
    let text = book.run(&["agenda", "--at", "2026-11-23T07:00", "--days", "3"]).code(0).stdout;
    assert!(text.contains("── Tue 24 Nov ──"), "{text}");
    book.run(&["agenda", "--days", "0"]).code(2);
}

#[test]
fn a_prospect_is_found_by_id_prefix_or_name_and_an_ambiguous_one_lists_candidates() {
    let book = Book::new(&format!(
        "{BASE}\n[prospects.bill-smith]\nname = \"Bill Smith\"\nphone = \"+1 416 555 0111\"\n\
         [prospects.carla-mendes]\nname = \"Carla Mendes\"\nphone = \"+1 514 555 0142\"\n"
    ));
    // A first name, any case.
    let out = book.run(&["log", "CARLA", "voicemail", "--at", "2026-11-24T07:00"]).code(0).stdout;
    assert!(out.contains("logged voicemail for Carla Mendes"), "{out}");
    // A unique id prefix, then a surname.
    let out = book.run(&["log", "bill-j", "no-answer", "--at", "2026-11-24T07:05"]).code(0).stdout;
    assert!(out.contains("for Bill Jones"), "{out}");
    let history = book.run(&["history", "smith", "--json"]).code(0).json();
    assert_eq!(history["prospect"], "bill-smith");
    // Two Bills: nothing is logged, and both are named with their ids.
    let ran = book.run(&["log", "bill", "spoke", "--at", "2026-11-24T07:10"]).code(2);
    assert!(ran.stderr.contains("`bill` could be any of these prospects"), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("bill-jones  (Bill Jones)") && ran.stderr.contains("bill-smith  (Bill Smith)")
    );
    let events =
        |id: &str| book.run(&["history", id, "--json"]).code(0).json()["events"].as_array().unwrap().len();
    assert_eq!((events("bill-jones"), events("bill-smith"), events("carla-mendes")), (1, 0, 1));
    // Nothing like it: the closest id is suggested, as before.
    let ran = book.run(&["log", "bill-jnes", "spoke"]).code(2);
    assert!(
        ran.stderr.contains("unknown prospect `bill-jnes`: did you mean `bill-jones`?"),
        "{}",
        ran.stderr
    );
}

#[test]
fn logging_far_ahead_is_accepted_with_a_warning_naming_how_far() {
    let book = Book::standard();
    let ahead = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(50)).to_string();
    let ran = book.run(&["log", "bill-jones", "voicemail", "--at", &ahead]).code(0);
    assert!(ran.stderr.contains("warning: --at is 2 days 1 hour ahead of now"), "{}", ran.stderr);
    assert!(ran.stdout.contains("logged voicemail for Bill Jones"), "{}", ran.stdout);
    // Past the hour: a word; within it (a clock a little fast): none.
    let later = (jiff::Timestamp::now() + jiff::SignedDuration::from_mins(95)).to_string();
    let ran = book.run(&["log", "bill-jones", "no-answer", "--at", &later]).code(0);
    assert!(ran.stderr.contains("warning: --at is 1 hour 34 minutes ahead"), "{}", ran.stderr);
    let soon = (jiff::Timestamp::now() + jiff::SignedDuration::from_mins(50)).to_string();
    let ran = book.run(&["log", "bill-jones", "no-answer", "--at", &soon]).code(0);
    assert!(!ran.stderr.contains("warning"), "{}", ran.stderr);
    // Nothing logged, nothing to warn about: only the error.
    let ran = book.run(&["log", "bill-jones", "snooze", "--at", &ahead]).code(2);
    assert!(!ran.stderr.contains("warning") && ran.stderr.contains("snooze needs --until"), "{}", ran.stderr);
}

#[test]
fn undo_takes_back_the_last_event_and_shows_what_is_due_again() {
    let book = Book::new(&format!(
        "{BASE}\n[prospects.carla-mendes]\nname = \"Carla Mendes\"\nphone = \"+1 514 555 0142\"\n"
    ));
    book.run(&["log", "bill-jones", "no-answer", "--at", "2026-11-23T17:10"]).code(0);
    book.run(&["log", "bill-jones", "voicemail", "--at", "2026-11-24T17:10"]).code(0);
    book.run(&["log", "carla", "spoke", "--at", "2026-11-24T09:00"]).code(0);
    // No id: the last event logged, whoever it was for.
    let out = book.run(&["undo"]).code(0).stdout;
    assert!(out.starts_with("took back spoke for Carla Mendes at Tue 24 Nov 09:00"), "{out}");
    assert!(out.contains("  next: call on"), "Carla is back in her cadence: {out}");
    // By name: Bill's voicemail goes, and he is back on his second attempt.
    let before = book.run(&["agenda", "--at", "2026-11-25T07:00", "--days", "7"]).code(0).stdout;
    assert!(before.contains("attempt 3 of 4"), "{before}");
    let out = book.run(&["undo", "bill"]).code(0).stdout;
    assert!(out.starts_with("took back voicemail for Bill Jones at Tue 24 Nov 17:10"), "{out}");
    assert!(out.contains("attempt 2 of 4"), "{out}");
    let after = book.run(&["agenda", "--at", "2026-11-25T07:00", "--days", "7"]).code(0).stdout;
    assert!(after.contains("attempt 2 of 4") && !after.contains("attempt 3 of 4"), "{after}");
    let history = book.run(&["history", "bill-jones", "--json"]).code(0).json();
    let outcomes: Vec<&str> =
        history["events"].as_array().unwrap().iter().map(|e| e["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["no-answer"]);
    // Both are kept for the record.
    let conn = rusqlite::Connection::open(&book.state).unwrap();
    let undone: Vec<String> = conn
        .prepare("SELECT outcome FROM undone ORDER BY outcome")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(undone, ["spoke", "voicemail"]);
    // Nothing left for Carla: said, and nothing else is touched.
    let ran = book.run(&["undo", "carla"]).code(1);
    assert!(
        ran.stderr.contains("nothing to take back: no event is logged for Carla Mendes"),
        "{}",
        ran.stderr
    );
    assert_eq!(event_count(&book.state), 1);
    // Log again and take back again: the new event may reuse the old one's id.
    book.run(&["log", "carla", "voicemail", "--at", "2026-11-24T09:30"]).code(0);
    let out = book.run(&["undo"]).code(0).stdout;
    assert!(out.starts_with("took back voicemail for Carla Mendes"), "{out}");
    let kept: i64 = conn.query_row("SELECT COUNT(*) FROM undone", [], |r| r.get(0)).unwrap();
    assert_eq!(kept, 3);
}

#[test]
fn under_a_cap_log_and_undo_show_what_is_due_from_the_history_as_it_now_stands() {
    // Under a daily cap the `next:` line plans the whole book, from everyone's history read
    // while the book is (before the command's own write): the event just logged is in it, the
    // one just taken back is not.
    let capped = BASE.replace(
        "timezone = \"America/Toronto\"\n",
        "timezone = \"America/Toronto\"\nmax_calls_per_day = 1\n",
    );
    assert!(capped.contains("max_calls_per_day = 1"), "{capped}");
    let book = Book::new(&format!(
        "{capped}\n[prospects.carla-mendes]\nname = \"Carla Mendes\"\nphone = \"+1 514 555 0142\"\n"
    ));
    let first = book.run(&["log", "bill-jones", "no-answer", "--at", "2026-11-23T17:10"]).code(0).stdout;
    assert!(first.contains("attempt 2 of 4"), "{first}");
    let second = book.run(&["log", "bill-jones", "no-answer", "--at", "2026-11-24T17:10"]).code(0).stdout;
    assert!(second.contains("attempt 3 of 4"), "{second}");
    book.run(&["log", "carla", "spoke", "--at", "2026-11-24T09:00"]).code(0);
    let out = book.run(&["undo", "bill"]).code(0).stdout;
    assert!(out.starts_with("took back no-answer for Bill Jones at Tue 24 Nov 17:10"), "{out}");
    assert!(out.contains("attempt 2 of 4") && !out.contains("attempt 3 of 4"), "{out}");
    // `why` reads the history the same way, after the undo.
    let why = book.run(&["why", "bill"]).code(0).stdout;
    assert!(why.contains("1 of 4 steps done"), "{why}");
}

#[test]
fn undo_finds_a_prospect_gone_from_the_config_by_its_exact_id() {
    let book = Book::new(&format!("{BASE}\n[prospects.bill]\nname = \"Bill Old\"\n"));
    book.run(&["log", "bill", "voicemail", "--at", "2026-11-24T09:00"]).code(0);
    book.run(&["log", "bill-jones", "no-answer", "--at", "2026-11-24T09:05"]).code(0);
    // `bill` leaves the book; its id still names its events, not a prefix of `bill-jones`.
    book.write_config(BASE);
    let out = book.run(&["undo", "bill"]).code(0).stdout;
    assert!(out.starts_with("took back voicemail for bill at Tue 24 Nov 09:00"), "{out}");
    let history = book.run(&["history", "bill-jones", "--json"]).code(0).json();
    assert_eq!(history["events"].as_array().unwrap().len(), 1);
}

/// Prospect text is untrusted (it comes from exports): no escape sequence, bell or line break
/// in a field reaches the terminal, and no length makes a command panic.
#[test]
fn control_characters_and_huge_fields_reach_no_terminal_and_panic_nothing() {
    let long = "L".repeat(65_536);
    let book = Book::new(&format!(
        "{BASE}\n[prospects.eve]\nname = \"Eve\\u001b]0;pwned\\u0007 \\u001b[31mRed\\u0000\"\ncompany = \"Multi\\nLine\\rCo\"\nphone = \"+1 416 555 0142\"\nsince = 2026-11-24\n\
         \n[prospects.long]\nname = \"{long}\"\nphone = \"+1 416 555 0143\"\nsince = 2026-11-24\n"
    ));
    for args in [
        &["agenda", "--at", "2026-11-24T07:00"][..],
        &["next", "--at", "2026-11-24T07:00"],
        &["digest", "--at", "2026-11-24T07:00"],
        &["why", "eve", "--at", "2026-11-24T07:00"],
        &["agenda", "--at", "2026-11-24T07:00", "--json"],
    ] {
        let out = book.run(args).code(0).stdout;
        let bad: Vec<char> = out.chars().filter(|c| c.is_control() && *c != '\n').collect();
        assert!(bad.is_empty(), "{args:?} printed control characters {bad:?}");
        if args.len() == 3 && args[0] != "next" {
            assert!(out.contains("Multi Line Co"), "{args:?}: the company on one line:\n{out}");
        }
    }
    // Text typed on the command line goes into the state, and comes back through `history`.
    book.run(&[
        "log",
        "eve",
        "spoke",
        "--at",
        "2026-11-24T09:00",
        "--note",
        "said \u{1b}[31mno\u{7}\nnot now",
        "--next-step",
        "2026-12-01",
        "--what",
        "call\r\nback",
    ])
    .code(0);
    let history = book.run(&["history", "eve"]).code(0).stdout;
    let bad: Vec<char> = history.chars().filter(|c| c.is_control() && *c != '\n').collect();
    assert!(bad.is_empty(), "history printed control characters {bad:?}");
    let row = history.lines().find(|l| l.contains("spoke")).unwrap_or_else(|| panic!("{history}"));
    assert!(row.contains("not now") && row.contains("call back"), "the note on its row:\n{history}");
}
