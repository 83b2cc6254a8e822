//! Each config diagnostic's text, pinned with a snapshot so it never silently degrades.

use insta::assert_snapshot;
use ringback::config::Config;

use crate::helpers::{BASE, Book, set_mode};

fn error_of(text: &str) -> String {
    match Config::from_toml(text) {
        Ok(_) => panic!("config was accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

/// BASE with one line replaced.
fn with(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "BASE lacks `{from}`");
    BASE.replacen(from, to, 1)
}

#[test]
fn base_config_is_valid() {
    let config = Config::from_toml(BASE).expect("valid");
    assert_eq!(config.prospects.len(), 1);
    assert_eq!(config.me.timezone_name, "America/Toronto");
}

#[test]
fn syntax_error() {
    assert_snapshot!(error_of(&with("name = \"Bill Jones\"", "name = \"Bill Jones")));
}

#[test]
fn unknown_section() {
    assert_snapshot!(error_of(&format!("{BASE}\n[prospect.typo]\nname = \"x\"\n")));
}

#[test]
fn unknown_key_is_a_typo_not_silence() {
    assert_snapshot!(error_of(&with("relationship = \"warm\"", "relationshp = \"warm\"")));
}

#[test]
fn bad_time_zone() {
    assert_snapshot!(error_of(&with("America/Vancouver", "America/Vancover")));
}

#[test]
fn bad_cron() {
    assert_snapshot!(error_of(&format!("{BASE}\n[schedule]\ndigest = \"0 7 * Mon-Fri\"\n")));
}

#[test]
fn cron_with_a_bad_field() {
    assert_snapshot!(error_of(&format!("{BASE}\n[schedule]\ndigest = \"0 25 * * *\"\n")));
}

#[test]
fn bad_window() {
    assert_snapshot!(error_of(&with("\"17:00-18:30\"", "\"18:30-17:00\"")));
}

#[test]
fn bad_window_syntax() {
    assert_snapshot!(error_of(&with("\"17:00-18:30\"", "\"5pm-6pm\"")));
}

#[test]
fn bad_duration() {
    assert_snapshot!(error_of(&with("\"2 workdays\"", "\"2 fortnights\"")));
}

#[test]
fn bad_clock_duration() {
    assert_snapshot!(error_of(&format!("{BASE}\n[schedule]\nnudge = \"five minutes\"\n")));
}

#[test]
fn dangling_cadence() {
    assert_snapshot!(error_of(&with("since = 2026-11-20", "since = 2026-11-20\ncadence = \"aggressive\"")));
}

#[test]
fn dangling_drip() {
    assert_snapshot!(error_of(&with("then = \"quarterly\"", "then = \"monthly\"")));
}

#[test]
fn unknown_template() {
    assert_snapshot!(error_of(&with("note = \"switch medium\"", "template = \"pushy\"")));
}

#[test]
fn template_syntax_error() {
    assert_snapshot!(error_of(&format!("{BASE}\n[templates]\ncall = \"Hi {{{{ prospect.name \"\n")));
}

#[test]
fn wrong_type() {
    assert_snapshot!(error_of(&with(
        "phone = \"+1 416 555 0199\"",
        "phone = \"+1 416 555 0199\"\nmax_calls_per_day = \"twenty\""
    )));
}

#[test]
fn date_with_a_time() {
    assert_snapshot!(error_of(&with("since = 2026-11-20", "since = 2026-11-20T09:00:00")));
}

#[test]
fn bad_relationship() {
    assert_snapshot!(error_of(&with("relationship = \"warm\"", "relationship = \"hot\"")));
}

#[test]
fn bad_email_transport() {
    assert_snapshot!(error_of(&with("transport = \"file\"", "transport = \"carrier-pigeon\"")));
}

#[test]
fn smtp_none_only_on_loopback() {
    let text = with(
        "transport = \"file\"\ndir = \"outbox\"",
        "transport = \"smtp\"\n[notify.email.smtp]\nhost = \"smtp.example.com\"\nsecurity = \"none\"",
    );
    assert_snapshot!(error_of(&text));
}

#[test]
fn every_error_in_the_file_is_reported() {
    let text = with("America/Vancouver", "Mars/Olympus")
        .replacen("\"2 workdays\"", "\"2 moons\"", 1)
        .replacen("relationship = \"warm\"", "relationship = \"hot\"", 1);
    let error = error_of(&text);
    assert_eq!(error.lines().count(), 3, "{error}");
    assert_snapshot!(error);
}

#[test]
fn literal_password_in_a_shared_file_is_refused_without_echoing_it() {
    let text = with(
        "transport = \"file\"\ndir = \"outbox\"",
        "transport = \"smtp\"\n[notify.email.smtp]\nhost = \"smtp.example.com\"\nusername = \"dana\"\npassword = \"hunter2-secret\"",
    );
    let book = Book::new(&text);
    set_mode(&book.config, 0o644);
    let error = ringback::files::read_config(&book.config).expect_err("refused").to_string();
    assert!(!error.contains("hunter2"), "the password leaked: {error}");
    let error = error.replace(&book.config.display().to_string(), "ringback.toml");
    assert_snapshot!(error);
    // The same file, private, is accepted.
    set_mode(&book.config, 0o600);
    ringback::files::read_config(&book.config).expect("a private file may hold the password");
}

#[test]
fn a_command_in_a_file_others_can_write_is_refused() {
    let text = with(
        "transport = \"file\"\ndir = \"outbox\"",
        "transport = \"smtp\"\n[notify.email.smtp]\nhost = \"smtp.example.com\"\nusername = \"dana\"\npassword_command = \"pass show smtp\"",
    );
    let book = Book::new(&text);
    // Readable by others is fine for a command (it is not the secret) ...
    set_mode(&book.config, 0o644);
    ringback::files::read_config(&book.config).expect("a readable file may name a command");
    // ... but a file others can write could make ringback run anything.
    set_mode(&book.config, 0o664);
    let error = ringback::files::read_config(&book.config).expect_err("refused").to_string();
    let error = error.replace(&book.config.display().to_string(), "ringback.toml");
    assert!(
        error.contains("notify.email.smtp.password_command: refused because ringback.toml is writable by group or others (mode 0664)"),
        "{error}"
    );
    // The same for the sendmail transport's command.
    let book = Book::new(&with(
        "transport = \"file\"\ndir = \"outbox\"",
        "transport = \"sendmail\"\ncommand = \"/usr/bin/msmtp\"",
    ));
    set_mode(&book.config, 0o644);
    ringback::files::read_config(&book.config).expect("a readable file may name a command");
    set_mode(&book.config, 0o646);
    let error = ringback::files::read_config(&book.config).expect_err("refused").to_string();
    assert!(error.contains("notify.email.command: refused because"), "{error}");
}

#[test]
fn auth_only_over_tls() {
    let text = with(
        "transport = \"file\"\ndir = \"outbox\"",
        "transport = \"smtp\"\n[notify.email.smtp]\nhost = \"127.0.0.1\"\nsecurity = \"none\"\nusername = \"dana\"",
    );
    assert_snapshot!(error_of(&text));
}

// Durations and dates are bounded: a config that passes `check` never crashes the planner.

#[test]
fn a_huge_nudge_is_refused_not_a_crash() {
    assert_snapshot!(error_of(&format!("{BASE}\n[schedule]\nnudge = \"1000000000h\"\n")));
}

#[test]
fn every_duration_is_bounded_naming_its_key_and_maximum() {
    let text = with("\"2 workdays\"", "\"3000 workdays\"")
        .replacen("\"3 months\"", "\"121 months\"", 1)
        .replacen("[notify.email]", "[defaults]\nkeep_in_touch = \"600 weeks\"\n\n[notify.email]", 1);
    let text = format!("{text}\n[schedule]\nnudge = \"25h\"\ncatch_up = \"200h\"\n");
    let error = error_of(&text);
    assert_eq!(error.lines().count(), 5, "{error}");
    assert_snapshot!(error);
}

#[test]
fn dates_outside_1900_to_2200_are_refused() {
    let text = with("since = 2026-11-20", "since = 9999-12-31\npromised_callback = 0001-01-01")
        .replacen("timezone = \"America/Toronto\"", "timezone = \"America/Toronto\"\nholidays = [2026-12-25, 2201-01-01]\naway = [{ from = 9999-12-01, to = 9999-12-31 }]", 1);
    assert_snapshot!(error_of(&text));
}

/// The planner at the edges of what validates: the last supported day, the longest waits.
#[test]
fn agenda_on_extreme_but_valid_dates_does_not_panic() {
    let text = with("since = 2026-11-20", "since = 2200-12-31\npromised_callback = 2200-12-31\nnext_step = { on = 2200-12-31, what = \"the end\" }")
        .replacen("\"2 workdays\"", "\"2610 workdays\"", 1)
        .replacen("\"1 week\"", "\"522 weeks\"", 1)
        .replacen("\"3 months\"", "\"120 months\"", 1)
        .replacen(
            "timezone = \"America/Toronto\"",
            "timezone = \"America/Toronto\"\nholidays = [1900-01-01, 2200-12-31]\naway = [{ from = 2200-01-01, to = 2200-12-30 }]",
            1,
        );
    let text = format!("{text}\n[schedule]\nnudge = \"24h\"\ncatch_up = \"168h\"\n");
    let book = Book::new(&text);
    book.run(&["check"]).code(0);
    for at in ["1900-01-01", "2026-11-24", "2200-12-31", "2200-12-31T23:59"] {
        book.run(&["agenda", "--at", at, "--days", "7"]).code(0);
        book.run(&["agenda", "--json", "--at", at]).code(0);
        book.run(&["next", "--at", at]).code(0);
        book.run(&["digest", "--at", at]).code(0);
    }
    // Logging at the edge and planning on from there.
    book.run(&["log", "bill-jones", "voicemail", "--at", "2200-12-31T12:00"]).code(0);
    book.run(&["agenda", "--at", "2200-12-31T13:00", "--days", "3"]).code(0);
}

#[test]
fn agenda_on_dates_beyond_the_range_is_a_config_error_not_a_crash() {
    for edit in ["since = 9999-12-31", "promised_callback = 9999-12-31\nsince = 2026-11-20"] {
        let book = Book::new(&with("since = 2026-11-20", edit));
        let ran = book.run(&["agenda", "--at", "2026-11-24"]);
        assert_eq!(ran.code, 78, "{ran:?}");
        assert!(ran.stderr.contains("out of range"), "{}", ran.stderr);
    }
}

#[test]
fn at_outside_the_supported_range_says_so() {
    let book = Book::standard();
    for at in ["9999-12-31", "0001-01-01", "9999-12-30T00:00:00Z", "1899-12-31T23:00"] {
        let ran = book.run(&["agenda", "--at", at]).code(2);
        assert!(
            ran.stderr.contains("is out of range: ringback plans dates from 1900-01-01 to 2200-12-31"),
            "{at}: {}",
            ran.stderr
        );
    }
    let ran = book.run(&["agenda", "--at", "24/11/2026"]).code(2);
    assert!(
        ran.stderr.contains("invalid time `24/11/2026`: --at takes a time in")
            && ran.stderr.contains("RFC 3339"),
        "{}",
        ran.stderr
    );
}

// Syntax errors: once, at their place, in about the time of a clean parse.

/// A book of `n` prospects in the shape of bench/gen.py's.
fn big_book(n: usize) -> String {
    let mut text = String::from(
        "[me]\nname = \"Bench\"\ntimezone = \"America/Toronto\"\n\n[cadences.standard]\nsteps = [{ wait = \"0 days\", action = \"call\" }]\nthen = \"quarterly\"\n\n[drips.quarterly]\nevery = \"3 months\"\nitems = [{ title = \"Report\" }, { title = \"Case study\" }]\n",
    );
    for i in 0..n {
        text.push_str(&format!(
            "\n[prospects.p{i}]\nname = \"Prospect {i}\"\ncompany = \"Company {i}\"\ncall_windows = [\"07:30-08:30\", \"17:00-18:00\"]\nsince = 2026-11-01\n"
        ));
    }
    text
}

#[test]
fn a_missing_bracket_is_reported_once_at_the_array_it_leaves_open() {
    let text = big_book(2000).replacen(
        "items = [{ title = \"Report\" }, { title = \"Case study\" }]",
        "items = [{ title = \"Report\" }, { title = \"Case study\" }",
        1,
    );
    let started = std::time::Instant::now();
    let error = error_of(&text);
    let elapsed = started.elapsed();
    assert!(
        error.lines().count() <= 5,
        "{} lines:\n{}",
        error.lines().count(),
        &error[..error.len().min(2000)]
    );
    assert!(elapsed < std::time::Duration::from_secs(5), "took {elapsed:?}");
    assert_snapshot!(error);
}

#[test]
fn a_missing_bracket_in_a_table_header_is_reported_once() {
    let text = big_book(2000).replacen("[prospects.p700]", "[prospects.p700", 1);
    let error = error_of(&text);
    assert_eq!(error.lines().count(), 1, "{error}");
    let line = text.lines().position(|l| l == "[prospects.p700").unwrap() + 1;
    assert!(error.starts_with(&format!("<config>:{line}:16: ")), "{error}");
    assert!(error.contains("expected `]`"), "{error}");
}

#[test]
fn independent_syntax_errors_are_each_reported() {
    let text =
        with("name = \"Bill Jones\"", "name = \"Bill Jones").replacen("hook = \"sails", "hook = sails", 1);
    let error = error_of(&text);
    assert_eq!(error.lines().count(), 2, "{error}");
    assert_snapshot!(error);
}

#[test]
fn a_typo_does_not_hide_the_other_real_errors_of_the_file() {
    // A missing quote in Bill's name, and an unknown zone in [me]: both reported, nothing
    // made up about Bill's table (whose name the typo swallowed).
    let text = with("name = \"Bill Jones\"", "name = \"Bill Jones")
        .replace("timezone = \"America/Toronto\"", "timezone = \"America/Torronto\"");
    let error = error_of(&text);
    assert_eq!(error.lines().count(), 2, "{error}");
    assert!(error.contains("invalid basic string"), "{error}");
    assert!(error.contains("me.timezone: unknown time zone `America/Torronto`"), "{error}");
    // After an unclosed bracket nothing later is trusted: only the bracket is reported.
    let text = with("call_windows = [\"17:00-18:30\"]", "call_windows = [\"17:00-18:30\"")
        .replace("timezone = \"America/Toronto\"", "timezone = \"America/Torronto\"");
    let error = error_of(&text);
    assert_eq!(error.lines().count(), 1, "{error}");
    assert!(error.contains("never closed"), "{error}");
}

#[test]
fn deep_nesting_names_the_key_and_the_cause() {
    let deep = format!("{}{}", "[".repeat(1000), "]".repeat(1000));
    let error = error_of(&with(
        "phone = \"+1 416 555 0199\"",
        &format!("phone = \"+1 416 555 0199\"\nextra = {deep}"),
    ));
    assert_eq!(error.lines().count(), 1, "{error}");
    assert!(error.contains(": me.extra: arrays and inline tables are nested more than"), "{error}");
    let deep = format!("{}1{}", "{ a = ".repeat(1000), " }".repeat(1000));
    let error = error_of(&format!("{BASE}\n[templates]\nx = {deep}\n"));
    assert!(error.contains(": templates.x: arrays and inline tables are nested more than"), "{error}");
    let deep = vec!["a"; 1000].join(".");
    let error = error_of(&format!(
        "{BASE}
[templates]
{deep} = 1
"
    ));
    assert_eq!(error, "<config>:39:1: templates.a.a.a...: this key has more than 80 dotted parts: use fewer");
}

#[test]
fn an_oversized_config_is_refused_before_it_is_read() {
    let book = Book::standard();
    let file = std::fs::OpenOptions::new().write(true).open(&book.config).unwrap();
    file.set_len(65 * 1024 * 1024).unwrap(); // sparse: costs no disk
    let started = std::time::Instant::now();
    let error = ringback::files::read_config(&book.config).expect_err("refused").to_string();
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
    let error = error.replace(&book.config.display().to_string(), "ringback.toml");
    assert_snapshot!(error);
}

#[test]
fn a_one_megabyte_field_is_accepted_and_never_echoed_whole() {
    let long = "x".repeat(1024 * 1024);
    let config =
        Config::from_toml(&with("hook = \"sails", &format!("hook = \"{long}"))).expect("a long hook is fine");
    assert!(config.prospects["bill-jones"].hook.as_ref().is_some_and(|h| h.starts_with(&long)));
    let error = error_of(&with("America/Vancouver", &long));
    assert!(error.len() < 300, "{} bytes", error.len());
    assert_snapshot!(error);
}

// Templates render strictly at load.

#[test]
fn a_misspelt_template_variable_is_a_config_error() {
    assert_snapshot!(error_of(&format!(
        "{BASE}\n[templates]\ncall = \"Hi {{{{ prospect.frist_name }}}}\"\n"
    )));
}

#[test]
fn an_unknown_template_filter_is_a_config_error() {
    assert_snapshot!(error_of(&format!(
        "{BASE}\n[templates]\nemail = \"\"\"\nHi {{{{ prospect.first_name }}}},\n{{{{ prospect.name | shout }}}}\n\"\"\"\n"
    )));
}

#[test]
fn a_template_that_passes_check_renders_without_failing() {
    let text = format!(
        "{BASE}\n[templates]\ncall = \"Hi {{{{ prospect.first_name }}}}{{% if callback %}}, until {{{{ callback.on }}}}{{% endif %}}\"\n"
    );
    let book = Book::new(&text);
    book.run(&["check"]).code(0);
    let ran = book.run(&["agenda", "--json", "--at", "2026-11-20T07:00"]).code(0);
    let json = ran.json();
    let script = json["items"][0]["script"].as_str().unwrap();
    assert!(script.starts_with("Hi Bill, until "), "{script}");
    assert!(!ran.stdout.contains("failed"), "{}", ran.stdout);
    let bad = Book::new(&text.replace("prospect.first_name", "prospect.frist_name"));
    let ran = bad.run(&["check"]).code(78);
    assert!(ran.stderr.contains("templates.call"), "{}", ran.stderr);
}

// Every error names its full key and place; none hides another; secrets never show.

#[test]
fn errors_inside_smtp_name_the_full_key() {
    let text = with(
        "transport = \"file\"\ndir = \"outbox\"",
        "transport = \"smtp\"\n[notify.email.smtp]\nhost = \"smtp.example.com\"\nport = \"submission\"\nsecruity = \"tls\"",
    );
    assert_snapshot!(error_of(&text));
}

#[test]
fn an_unknown_key_does_not_hide_the_other_errors_of_its_table() {
    let text = with("relationship = \"warm\"", "relationshp = \"warm\"")
        .replacen("America/Vancouver", "America/Vancover", 1)
        .replacen("\"17:00-18:30\"", "\"18:30-17:00\"", 1);
    let error = error_of(&text);
    assert_eq!(error.lines().count(), 3, "{error}");
    assert_snapshot!(error);
}

#[test]
fn a_config_that_is_not_utf8_names_the_place() {
    let book = Book::standard();
    let mut bytes = BASE.as_bytes().to_vec();
    let at = BASE.find("Bill Jones").unwrap() + 5;
    bytes[at] = 0xff;
    std::fs::write(&book.config, bytes).unwrap();
    let error = ringback::files::read_config(&book.config).expect_err("refused").to_string();
    let error = error.replace(&book.config.display().to_string(), "ringback.toml");
    assert_snapshot!(error);
}

#[test]
fn a_bad_cron_field_is_named_in_words() {
    assert_snapshot!(error_of(&format!("{BASE}\n[schedule]\ndigest = \"0 7 * * 1-FRY\"\n")));
}

#[test]
fn a_numeric_password_is_never_echoed() {
    let text = with(
        "transport = \"file\"\ndir = \"outbox\"",
        "transport = \"smtp\"\n[notify.email.smtp]\nhost = \"smtp.example.com\"\nusername = \"dana\"\npassword = 12345",
    );
    let book = Book::new(&text);
    for mode in [0o600, 0o644] {
        set_mode(&book.config, mode);
        let error = ringback::files::read_config(&book.config).expect_err("refused").to_string();
        assert!(!error.contains("12345"), "the password leaked: {error}");
        assert!(error.contains("notify.email.smtp.password: expected a string, found integer"), "{error}");
    }
}

#[test]
fn a_cron_that_never_fires_is_a_config_error_not_a_hang() {
    // Found by fuzzing (prospect_fields): `, 7 * * *` parsed as a minute list matching nothing;
    // `check` said ok and the daemon searched years for an occurrence on every tick.
    for (cron, expected) in [
        (", 7 * * *", "schedule.digest: minute `,`: an empty item in a list"),
        ("0 1,,2 * * *", "schedule.digest: hour `1,,2`: an empty item in a list"),
        ("0 0 31 2 *", "schedule.digest: `0 0 31 2 *` never matches a time"),
    ] {
        let book = Book::new(
            &BASE.replace("[notify.email]", &format!("[schedule]\ndigest = \"{cron}\"\n\n[notify.email]")),
        );
        let ran = book.run(&["check"]).code(78);
        assert!(ran.stderr.contains(expected), "{cron}: {}", ran.stderr);
    }
}
