//! The mailbox against a real IMAP server: a private Dovecot on loopback (tests/it/dovecot.rs)
//! holds real messages; the daemon runs in-process on a test clock that starts at a fixed
//! instant (so the lookback and every date hold on any day CI runs), and each test checks
//! what the user gets next: the digest, the agenda, `history`, the drafts folder.

use std::time::{Duration, Instant};

use jiff::Timestamp;

use crate::dovecot::{Dovecot, PASSWORD, USER};
use crate::helpers::{BASE, Book};

/// The daemon on its own thread and runtime, on a test clock from `at` that then follows
/// real time (the IMAP connection runs on real time too).
struct Live {
    token: tokio_util::sync::CancellationToken,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn start_at(book: &Book, at: Timestamp) -> Live {
    let token = tokio_util::sync::CancellationToken::new();
    let paths = ringback::files::Paths { config: book.config.clone(), state: book.state.clone() };
    let _ = tracing_subscriber::fmt().with_test_writer().with_env_filter("ringback=debug").try_init();
    let thread = std::thread::spawn({
        let token = token.clone();
        move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let shown = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
            let options = ringback::daemon::Options {
                clock: std::sync::Arc::new(ringback::daemon::TestClock::new(at)),
                desktop: Some(Box::new(move |_| ringback::notify::Desktop::Record(shown.clone()))),
                systemd: false,
                actions: None,
            };
            runtime.block_on(ringback::daemon::run(&paths, token, options)).expect("the daemon ran");
        }
    });
    Live { token, thread: Some(thread) }
}

impl Live {
    fn stop(mut self) {
        self.token.cancel();
        if let Some(thread) = self.thread.take() {
            thread.join().expect("the daemon's thread");
        }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.token.cancel();
    }
}

fn toronto(text: &str) -> Timestamp {
    let dt: jiff::civil::DateTime = text.parse().unwrap();
    dt.to_zoned(jiff::tz::TimeZone::get("America/Toronto").unwrap()).unwrap().timestamp()
}

/// The standard book reading this server's mailbox; `extra` goes inside `[mailbox]`.
fn book_for(server: &Dovecot, prospects: &str, extra: &str) -> Book {
    Book::new(&config_for(server, prospects, extra))
}

fn config_for(server: &Dovecot, prospects: &str, extra: &str) -> String {
    format!(
        "{BASE}{prospects}\n[mailbox]\nhost = \"127.0.0.1\"\nport = {}\nusername = \"{USER}\"\npassword = \"{PASSWORD}\"\nca_file = \"{}\"\ncheck_every = \"1s\"\n{extra}\n",
        server.port,
        server.ca_file().display()
    )
}

/// Waits (on the real clock) until `done` holds, up to 30 s.
#[track_caller]
fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `history ID` once it shows `needle`.
#[track_caller]
fn history_showing(book: &Book, id: &str, needle: &str) -> String {
    let mut last = String::new();
    wait_for(&format!("`{needle}` in the history of {id}"), || {
        last = book.run(&["history", id]).stdout;
        last.contains(needle)
    });
    last
}

const REPLY: &str = "
From: Bill Jones <Bill@ABC.example>
To: Dana Reyes <dana@example.com>
Subject: Re: month-end close
Date: Tue, 01 Dec 2026 10:14:00 -0500
Message-ID: <reply-1@abc.example>
Content-Type: text/plain; charset=utf-8

Dana, let's talk Thursday. Bill
";

const STRANGER: &str = "
From: Eve <eve@else.example>
To: Dana Reyes <dana@example.com>
Cc: bill@abc.example
Subject: Secret stranger subject
Date: Tue, 01 Dec 2026 09:00:00 -0500
Message-ID: <eve-1@else.example>

Not for the book.
";

#[test]
fn a_reply_stops_the_cadence_heads_the_digest_and_is_logged_once() {
    let server = Dovecot::start();
    server.save("INBOX", STRANGER);
    server.save("INBOX", REPLY);
    let book = book_for(&server, "", "");
    // Before: Bill's call is due (the cadence's first step, overdue since 20 Nov).
    let before = book.run(&["digest", "--at", "2026-12-02T07:00"]).code(0).stdout;
    assert!(before.contains("Bill Jones") && !before.contains("Replies to answer"), "{before}");

    let daemon = start_at(&book, toronto("2026-12-01T11:00:00"));
    let history = history_showing(&book, "bill-jones", "replied");
    assert!(history.contains("Re: month-end close"), "{history}");
    assert!(history.contains("from mailbox inbox <reply-1@abc.example>"), "{history}");
    let digest = book.run(&["digest", "--at", "2026-12-02T07:00"]).code(0).stdout;
    assert!(digest.contains("== Replies to answer (1) =="), "{digest}");
    assert!(digest.contains("* Bill Jones (ABC Inc) replied Tue 10:14: Re: month-end close"), "{digest}");
    assert!(digest.starts_with("ringback — Wed 2 Dec: 1 reply to answer"), "{digest}");
    // The cadence stopped: no call today.
    assert!(digest.contains("Nothing is due today."), "{digest}");

    // Read-only: no flag changed, nothing moved; a stranger's mail was never read past its
    // headers, and nothing of it was stored.
    assert!(!server.flags("INBOX").contains("Seen"), "{}", server.flags("INBOX"));
    assert_eq!(server.count("INBOX"), 2);
    let input = server.client_input();
    assert!(input.contains("BODY.PEEK[HEADER.FIELDS"), "ringback fetched headers first:\n{input}");
    assert!(input.contains("UID FETCH 2 (UID BODY.PEEK[]"), "the reply's body was read:\n{input}");
    assert!(!input.contains("UID FETCH 1 (UID BODY.PEEK[]"), "the stranger's body was read:\n{input}");
    assert!(!input.contains("SELECT") && !input.contains("STORE"), "{input}");
    daemon.stop();
    let mut stored = std::fs::read(&book.state).unwrap();
    stored.extend(std::fs::read(book.state.with_extension("db-wal")).unwrap_or_default());
    assert!(!String::from_utf8_lossy(&stored).contains("Secret stranger"), "a stranger's subject was stored");

    // A restart reads on from where it was: the reply is not logged again, a new one is.
    server.save("INBOX", &REPLY.replace("reply-1@", "reply-2@").replace("month-end close", "Thursday works"));
    let daemon = start_at(&book, toronto("2026-12-01T11:30:00"));
    let history = history_showing(&book, "bill-jones", "Thursday works");
    assert_eq!(history.matches("replied").count(), 2, "{history}");
    daemon.stop();

    // Answered: a later outcome takes the reply off the digest.
    book.run(&["log", "bill-jones", "spoke", "--at", "2026-12-01T12:00"]).code(0);
    let digest = book.run(&["digest", "--at", "2026-12-02T07:00"]).code(0).stdout;
    assert!(!digest.contains("Replies to answer"), "{digest}");
}
