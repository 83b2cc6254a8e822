//! The words ringback puts in a person's mouth: every script and draft for the example book,
//! pinned, and the rules that keep them readable.

use std::process::Command;

use crate::helpers::{BASE, Book};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/config/ringback.toml");

/// Every script and draft the example book (with config/example-log.sh's history) produces over
/// two weeks, one per prospect and kind, as they would be read.
#[test]
fn every_example_script_reads_naturally() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("example.db");
    let logged = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config/example-log.sh"))
        .arg(&state)
        .env("RINGBACK", env!("CARGO_BIN_EXE_ringback"))
        .output()
        .unwrap();
    assert!(logged.status.success(), "{}", String::from_utf8_lossy(&logged.stderr));
    let mut scripts = String::new();
    for at in ["2026-11-24T07:00", "2026-11-25T07:00", "2026-11-30T07:00", "2026-12-07T07:00"] {
        let out = Command::new(env!("CARGO_BIN_EXE_ringback"))
            .args(["--config", EXAMPLE, "--state", state.to_str().unwrap(), "agenda", "--json", "--at", at])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let agenda: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let items = agenda["items"].as_array().unwrap();
        // A promised call (or next step) and a "tried to reach you by phone" email never
        // land on the same day.
        for email in items.iter().filter(|i| i["kind"] == "email") {
            let call = items.iter().find(|i| {
                i["prospect"] == email["prospect"]
                    && matches!(i["kind"].as_str(), Some("promise" | "next_step"))
            });
            assert!(call.is_none(), "{at}: an email and a promised call for {}", email["prospect"]);
        }
        for item in items {
            let script = item["script"]["text"].as_str().or(item["script"].as_str()).unwrap_or_default();
            scripts.push_str(&format!(
                "── {at} {} {} ──\n{script}\n\n",
                item["prospect"].as_str().unwrap(),
                item["kind"].as_str().unwrap()
            ));
            let lower = script.to_lowercase();
            for wrong in ["how to get", "talk today about", "  ", " ."] {
                assert!(!lower.contains(wrong), "`{wrong}` in {}'s script:\n{script}", item["prospect"]);
            }
            if item["action"] != "call" {
                assert!(!script.contains("[hook"), "a note to self in a draft the prospect reads:\n{script}");
            }
        }
    }
    insta::assert_snapshot!(scripts);
}

#[test]
fn a_script_read_the_day_before_its_callback_says_today_not_the_weekday() {
    // Monday 23 November: a voicemail today promises Tuesday; "by Monday" would be now.
    let book = Book::new(&BASE.replace("since = 2026-11-20", "since = 2026-11-23").replace(
        "{ wait = \"2 workdays\", action = \"call\" }",
        "{ wait = \"1 workday\", action = \"call\" }",
    ));
    let next = book.run(&["next", "--at", "2026-11-23T07:00"]).code(0).stdout;
    assert!(
        next.contains("If I don't hear from you by the end of today, I'll call you on Tuesday the 24th."),
        "{next}"
    );
    assert!(!next.contains("by Monday"), "{next}");
}

#[test]
fn an_email_step_waits_for_a_promised_call_on_the_same_day() {
    // Bill's voicemail on Friday promised Tuesday; his next step is the email, due the same
    // Tuesday by the cadence: it moves to Wednesday, after the call he was promised.
    let book = Book::new(&BASE.replace(
        "{ wait = \"3 workdays\", action = \"email\", note = \"switch medium\" }",
        "{ wait = \"2 workdays\", action = \"email\", note = \"switch medium\" }",
    ));
    book.run(&["log", "bill-jones", "no-answer", "--at", "2026-11-20T17:00"]).code(0);
    book.run(&["log", "bill-jones", "voicemail", "--at", "2026-11-20T17:10", "--promise", "2026-11-24"])
        .code(0);
    let tuesday = book.run(&["agenda", "--at", "2026-11-24T07:00", "--json"]).code(0).json();
    let kinds: Vec<&str> =
        tuesday["items"].as_array().unwrap().iter().map(|i| i["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["promise"], "an email the day of a promised call: {tuesday}");
    let week = book.run(&["agenda", "--at", "2026-11-24T07:00", "--days", "5", "--json"]).code(0).json();
    let email = week["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "email")
        .expect("the email is still planned");
    assert_eq!(email["due"], "2026-11-25");
}

#[test]
fn counts_agree_with_their_nouns() {
    let book = Book::standard();
    let check = book.run(&["check"]).code(0).stdout;
    assert!(check.contains("  1 prospect: 1 active, 0 paused, 0 closed; 1 cadence; 1 drip\n"), "{check}");
}

#[test]
fn text_fits_the_terminal_and_the_digest_fits_an_email() {
    let book = Book::new(&BASE.replace(
        "hook = \"sails",
        "gatekeeper = \"Mary at reception, who screens every call before noon and likes to chat about the weather\"\nhook = \"sails",
    ));
    book.run(&["log", "bill-jones", "voicemail", "--at", "2026-11-20T17:10"]).code(0);
    let mut all = vec![];
    for args in [["agenda", "--at", "2026-11-24T07:00"], ["next", "--at", "2026-11-24T07:00"]] {
        let narrow = crate::helpers::ringback(
            &[
                &["--config", book.config.to_str().unwrap(), "--state", book.state.to_str().unwrap()][..],
                &args[..],
            ]
            .concat(),
            &[("COLUMNS", "50")],
        )
        .code(0)
        .stdout;
        let too_long: Vec<&str> = narrow.lines().filter(|l| l.chars().count() > 50).collect();
        // The agenda's heading names the zone; everything else wraps.
        assert!(too_long.iter().all(|l| l.starts_with("ringback agenda")), "wider than 50:\n{narrow}");
        all.push(narrow);
    }
    assert!(
        all[1].contains("  Hi Bill, it's Dana Reyes on +1 416-555-0199. On\n  Fri 20 Nov I said"),
        "{}",
        all[1]
    );
    let digest = book.run(&["digest", "--at", "2026-11-24T07:00"]).code(0).stdout;
    let too_long: Vec<&str> = digest.lines().filter(|l| l.chars().count() > 76).collect();
    assert!(too_long.is_empty(), "digest lines wider than 76: {too_long:?}");
    // "Coming up" keeps the day and who on a line, whatever the width: no id split.
    let coming = &digest[digest.find("== Coming up ==").expect("Coming up")..];
    for line in coming.lines().filter(|l| l.contains('[')) {
        assert!(line.trim_end().ends_with(']'), "an item split mid-way: {line}\n{coming}");
    }
    // At any width the script's numbers stay whole on a line: a wrap never splits one.
    for width in 30..=72 {
        let text = crate::helpers::ringback(
            &[
                "--config",
                book.config.to_str().unwrap(),
                "--state",
                book.state.to_str().unwrap(),
                "next",
                "--at",
                "2026-11-24T07:00",
            ],
            &[("COLUMNS", &width.to_string())],
        )
        .code(0)
        .stdout;
        assert_eq!(text.matches("+1 416-555-0199").count(), 2, "at {width} columns:\n{text}");
    }
    // Without a terminal or COLUMNS, a script is one line, for scripts that read it.
    let piped = book.run(&["next", "--at", "2026-11-24T07:00"]).code(0).stdout;
    assert!(piped.lines().any(|l| l.starts_with("  Hi Bill") && l.ends_with("+1 416-555-0199.")), "{piped}");
}

#[test]
fn an_email_step_after_a_promised_call_stays_where_the_cadence_puts_it() {
    // Voicemail on Tue 24 promising Wed 25; the email step is due 3 workdays after Tue 24, on
    // Fri 27: the call comes first on its own day, and the email keeps its day.
    let book = Book::standard();
    book.run(&["log", "bill-jones", "no-answer", "--at", "2026-11-20T17:00"]).code(0);
    book.run(&["log", "bill-jones", "voicemail", "--at", "2026-11-24T17:10", "--promise", "2026-11-25"])
        .code(0);
    let week = book.run(&["agenda", "--at", "2026-11-25T07:00", "--days", "5", "--json"]).code(0).json();
    let due: Vec<(&str, &str)> = week["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["kind"].as_str().unwrap(), i["due"].as_str().unwrap()))
        .collect();
    assert_eq!(due, [("promise", "2026-11-25"), ("email", "2026-11-27")]);
}

#[test]
fn an_email_draft_keeps_the_words_as_written_and_no_note_to_self() {
    let book = Book::standard();
    book.run(&["log", "bill-jones", "no-answer", "--at", "2026-11-20T17:00"]).code(0);
    book.run(&["log", "bill-jones", "no-answer", "--at", "2026-11-24T17:00"]).code(0);
    let next = book.run(&["next", "--at", "2026-11-27T09:00"]).code(0).stdout;
    assert!(next.starts_with("Email Bill Jones (ABC Inc) [bill-jones]"), "{next}");
    assert!(next.contains("Subject: A 23% productivity gain from the ERP review for ABC Inc\n"), "{next}");
    assert!(
        next.contains("I'm writing about a 23% productivity gain from the ERP review for ABC Inc."),
        "{next}"
    );
    assert!(!next.contains("[hook") && !next.contains("Canada Cup"), "a note to self in a draft: {next}");
}

/// The agenda's columns line up within each section: on one line a row when the section's
/// rows fit the terminal, else the number, window and lateness on a second line under the
/// name, still aligned. Checked on the example book at 80 and 160 columns.
#[test]
fn the_agendas_columns_align_within_each_section_at_any_width() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/config/ringback.toml");
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    for width in [80, 160] {
        let out = crate::helpers::ringback(
            &["--config", example, "--state", state.to_str().unwrap(), "agenda", "--at", "2026-11-24T07:00"],
            &[("COLUMNS", &width.to_string())],
        )
        .code(0)
        .stdout;
        assert!(out.lines().skip(1).all(|l| l.chars().count() <= width), "wider than {width}:\n{out}");
        let mut sections = 0;
        for section in out.split("\n\n").skip(1) {
            // The column each row's number and window start at (a row is a line holding a
            // phone number or an address).
            let rows: Vec<&str> = section.lines().filter(|l| l.contains(" +") || l.contains('@')).collect();
            if rows.len() < 2 {
                continue;
            }
            sections += 1;
            let contact: Vec<Option<usize>> = rows
                .iter()
                .map(|l| l.find(" +").or_else(|| l.rfind(' ').filter(|_| l.contains('@'))))
                .collect();
            assert!(contact.windows(2).all(|w| w[0] == w[1]), "numbers not aligned at {width}:\n{section}");
            let windows: Vec<Option<usize>> = rows
                .iter()
                .filter(|l| l.contains(':'))
                .map(|l| {
                    let digits = l.match_indices(char::is_numeric).map(|(i, _)| i);
                    digits.into_iter().find(|&i| {
                        l[i..].len() > 5 && l.as_bytes()[i + 2] == b':' && l.as_bytes()[i + 5] == b'-'
                    })
                })
                .collect();
            assert!(windows.iter().any(Option::is_some), "no window found at {width}:\n{section}");
            assert!(windows.windows(2).all(|w| w[0] == w[1]), "windows not aligned at {width}:\n{section}");
        }
        assert!(sections >= 1, "no section with two rows:\n{out}");
        if width == 80 {
            assert!(
                out.contains("\n  Erin O'Connor (Harbour Marine) [erin-oconnor]\n      +1 902-555-0177"),
                "{out}"
            );
        } else {
            assert!(
                out.contains("\n  Erin O'Connor (Harbour Marine) [erin-oconnor]   +1 902-555-0177"),
                "{out}"
            );
        }
    }
}
