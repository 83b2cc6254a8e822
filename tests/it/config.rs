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
    let error = Config::from_path(&book.config).expect_err("refused").to_string();
    assert!(!error.contains("hunter2"), "the password leaked: {error}");
    let error = error.replace(&book.config.display().to_string(), "ringback.toml");
    assert_snapshot!(error);
    // The same file, private, is accepted.
    set_mode(&book.config, 0o600);
    Config::from_path(&book.config).expect("a private file may hold the password");
}

#[test]
fn auth_only_over_tls() {
    let text = with(
        "transport = \"file\"\ndir = \"outbox\"",
        "transport = \"smtp\"\n[notify.email.smtp]\nhost = \"127.0.0.1\"\nsecurity = \"none\"\nusername = \"dana\"",
    );
    assert_snapshot!(error_of(&text));
}
