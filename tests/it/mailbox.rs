//! The mailbox against a real IMAP server: a private Dovecot on loopback (tests/it/dovecot.rs)
//! holds real messages; the daemon runs in-process on a test clock that starts at a fixed
//! instant (so the lookback and every date hold on any day CI runs), and each test checks
//! what the user gets next: the digest, the agenda, `history`, the drafts folder.

use std::time::{Duration, Instant};

use jiff::Timestamp;

use crate::dovecot::{DRAFTS, Dovecot, PASSWORD, SENT, USER};
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

/// Bill's reply again, as message `n` with another subject.
fn reply(n: u32, subject: &str) -> String {
    REPLY.replace("reply-1@", &format!("reply-{n}@")).replace("month-end close", subject)
}

const OLD: &str = "
From: Bill Jones <bill@abc.example>
To: dana@example.com
Subject: old news
Date: Fri, 13 Nov 2026 10:14:00 -0500
Message-ID: <old-1@abc.example>

An old reply.
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
    // Older than the lookback (14 days before the clock): never acted on.
    server.save("INBOX", OLD);
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
    assert_eq!(server.count("INBOX"), 3);
    let input = server.client_input();
    assert!(input.contains("BODY.PEEK[HEADER.FIELDS"), "ringback fetched headers first:\n{input}");
    assert!(input.contains("UID FETCH 2 (UID BODY.PEEK[]"), "the reply's body was read:\n{input}");
    assert!(!input.contains("UID FETCH 1 (UID BODY.PEEK[]"), "the stranger's body was read:\n{input}");
    assert!(!input.contains("SELECT") && !input.contains("STORE") && !input.contains("APPEND"), "{input}");
    assert!(!book.run(&["history", "bill-jones"]).stdout.contains("old news"));
    daemon.stop();
    let mut stored = std::fs::read(&book.state).unwrap();
    stored.extend(std::fs::read(book.state.with_extension("db-wal")).unwrap_or_default());
    assert!(!String::from_utf8_lossy(&stored).contains("Secret stranger"), "a stranger's subject was stored");

    // A restart reads on from where it was: the reply is not logged again, a new one is.
    server.save("INBOX", &reply(2, "Thursday works"));
    let daemon = start_at(&book, toronto("2026-12-01T11:30:00"));
    let history = history_showing(&book, "bill-jones", "Thursday works");
    assert_eq!(history.matches("replied").count(), 2, "{history}");
    daemon.stop();
    // The second connection read on from the stored UID, without searching the lookback again.
    let second = server.sessions().pop().unwrap();
    assert!(second.contains("UID SEARCH UID 4:*") && !second.contains("SINCE"), "{second}");

    // Answered: a later outcome takes the reply off the digest.
    book.run(&["log", "bill-jones", "spoke", "--at", "2026-12-01T12:00"]).code(0);
    let digest = book.run(&["digest", "--at", "2026-12-02T07:00"]).code(0).stdout;
    assert!(!digest.contains("Replies to answer"), "{digest}");
}

const AWAY_BOOK: &str = r#"
[prospects.ann-weber]
name = "Ann Weber"
company = "Nord GmbH"
email = "ann@nord.example"
timezone = "Europe/Berlin"
relationship = "warm"
since = 2026-11-20

[prospects.carl-roux]
name = "Carl Roux"
email = "carl@paris.example"
emails = ["c.roux@paris-group.example"]
timezone = "Europe/Paris"
relationship = "warm"
since = 2026-11-20

[prospects.diego-diaz]
name = "Diego Díaz"
email = "diego@madrid.example"
timezone = "Europe/Madrid"
relationship = "warm"
since = 2026-11-20
"#;

#[test]
fn an_auto_reply_is_not_a_reply_and_snoozes_to_their_first_workday_back() {
    let server = Dovecot::start();
    // German: away through Mon 14 Dec, so back Tue 15 Dec.
    server.save(
        "INBOX",
        "From: Ann Weber <ann@nord.example>\nTo: dana@example.com\nSubject: Abwesenheitsnotiz: Ihr Anruf\n\
         Date: Tue, 01 Dec 2026 16:20:00 +0100\nMessage-ID: <oof-ann@nord.example>\nAuto-Submitted: auto-replied\n\
         Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n\
         Vielen Dank für Ihre Nachricht. Ich bin bis zum 14.12. nicht im Büro.\n\
         Ab dem 15.12. bin ich wieder erreichbar.\n\nMit freundlichen Grüßen\nAnn Weber\n",
    );
    // French, from their other address, by subject alone: through Fri 11 Dec, so Mon 14 Dec.
    server.save(
        "INBOX",
        "From: Carl Roux <c.roux@paris-group.example>\nTo: dana@example.com\n\
         Subject: =?utf-8?q?R=C3=A9ponse_automatique_=3A_Votre_appel?=\nDate: Tue, 01 Dec 2026 17:00:00 +0100\n\
         Message-ID: <oof-carl@paris.example>\nContent-Type: text/plain; charset=utf-8\n\n\
         Je suis absent jusqu'au 11 décembre inclus.\n\n> Le 1 déc. Dana a écrit : rappel le 20 décembre\n",
    );
    // Spanish, marked by X-Autoreply: through Wed 9 Dec, so Thu 10 Dec.
    server.save(
        "INBOX",
        "From: diego@madrid.example\nTo: dana@example.com\nSubject: Fuera de la oficina\n\
         Date: Tue, 01 Dec 2026 17:30:00 +0100\nMessage-ID: <oof-diego@madrid.example>\nX-Autoreply: yes\n\
         Content-Type: text/plain; charset=utf-8\n\nEstaré fuera de la oficina hasta el 9 de diciembre.\n",
    );
    // English, Outlook's prefix, with no return day: nothing changes but the note.
    server.save(
        "INBOX",
        "From: Bill Jones <bill@abc.example>\nTo: dana@example.com\nSubject: Automatic reply: month-end close\n\
         Date: Tue, 01 Dec 2026 10:20:00 -0500\nMessage-ID: <oof-bill@abc.example>\n\
         Content-Type: text/plain\n\nI am travelling with limited access to email.\n",
    );
    let book = book_for(&server, AWAY_BOOK, "");
    let daemon = start_at(&book, toronto("2026-12-01T12:00:00"));
    for id in ["ann-weber", "carl-roux", "diego-diaz", "bill-jones"] {
        history_showing(&book, id, "auto-reply");
    }
    daemon.stop();
    let digest = book.run(&["digest", "--at", "2026-12-02T07:00"]).code(0).stdout;
    assert!(!digest.contains("Replies to answer"), "an auto-reply is not a reply:\n{digest}");
    for line in [
        "Ann Weber (Nord GmbH) is away (auto-reply Tue 1 Dec): nothing for them is due before Tue 15 Dec",
        "Carl Roux is away (auto-reply Tue 1 Dec): nothing for them is due before Mon 14 Dec",
        "Diego Díaz is away (auto-reply Tue 1 Dec): nothing for them is due before Thu 10 Dec",
        "Bill Jones (ABC Inc) sent an auto-reply Tue 1 Dec that names no return day: nothing changed",
    ] {
        assert!(digest.replace("\n  ", " ").contains(line), "missing `{line}`:\n{digest}");
    }
    // Bill's call is still due; the others wait for their return.
    let calls = |at: &str| -> Vec<String> {
        let agenda = book.run(&["agenda", "--at", at, "--json"]).code(0).json();
        agenda["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["prospect"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(calls("2026-12-02T07:00"), ["bill-jones"]);
    assert!(!calls("2026-12-14T07:00").contains(&"ann-weber".to_owned()));
    assert!(calls("2026-12-14T07:00").contains(&"carl-roux".to_owned()));
    assert!(calls("2026-12-15T07:00").contains(&"ann-weber".to_owned()));
    assert!(calls("2026-12-10T07:00").contains(&"diego-diaz".to_owned()));
}

const BOUNCE: &str = "
From: Mail Delivery System <MAILER-DAEMON@mx.abc.example>
To: dana@example.com
Subject: Undelivered Mail Returned to Sender
Date: Tue, 01 Dec 2026 10:30:00 -0500
Message-ID: <dsn-1@mx.abc.example>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"

--B
Content-Type: text/plain

Your message could not be delivered to one or more recipients.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.abc.example

Final-Recipient: rfc822; bill@abc.example
Original-Recipient: rfc822;bill@abc.example
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <bill@abc.example>: Recipient address
 rejected: User unknown

--B
Content-Type: text/rfc822-headers

From: Dana Reyes <dana@example.com>
To: bill@abc.example
Subject: A quick idea

--B--
";

/// Bill two calls in: his email step (3 workdays after the second) is due.
fn at_the_email_step(book: &Book) {
    book.run(&["log", "bill-jones", "no-answer", "--at", "2026-11-20T20:30"]).code(0);
    book.run(&["log", "bill-jones", "no-answer", "--at", "2026-11-24T20:30"]).code(0);
}

fn actions(book: &Book, at: &str) -> Vec<(String, String, String)> {
    let agenda = book.run(&["agenda", "--at", at, "--json"]).code(0).json();
    agenda["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let text = |k: &str| i[k].as_str().unwrap_or_default().to_owned();
            (text("prospect"), text("kind"), text("why"))
        })
        .collect()
}

#[test]
fn a_bounce_flags_the_address_and_its_email_steps_become_calls_until_it_changes() {
    let server = Dovecot::start();
    server.save("INBOX", BOUNCE);
    let book = book_for(&server, "", "");
    at_the_email_step(&book);
    let before = actions(&book, "2026-12-02T07:00");
    assert_eq!(before.iter().map(|a| a.1.as_str()).collect::<Vec<_>>(), ["email"], "{before:?}");

    let daemon = start_at(&book, toronto("2026-12-01T11:00:00"));
    history_showing(&book, "bill-jones", "bounced");
    daemon.stop();
    let after = actions(&book, "2026-12-02T07:00");
    assert_eq!(after.iter().map(|a| a.1.as_str()).collect::<Vec<_>>(), ["call"], "{after:?}");
    let digest = book.run(&["digest", "--at", "2026-12-02T07:00"]).code(0).stdout.replace("\n  ", " ");
    assert!(
        digest.contains("bill@abc.example bounces (5.1.1: smtp; 550 5.1.1 <bill@abc.example>: Recipient address rejected: User unknown): Bill Jones's email steps are calls until the address changes"),
        "{digest}"
    );
    assert!(digest.contains("email to bill@abc.example bounces: call instead"), "{digest}");
    assert!(
        digest.contains("\n== From your mailbox ==\n") && digest.contains("\n== Calls (1) ==\n"),
        "{digest}"
    );
    let check = book.run(&["check"]).code(0).stdout;
    assert!(check.contains("warning: bill@abc.example bounces"), "{check}");

    // A new address: the email step is back, and neither check nor the digest warns.
    let config =
        std::fs::read_to_string(&book.config).unwrap().replace("bill@abc.example", "bill.jones@abc.example");
    book.write_config(&config);
    let changed = actions(&book, "2026-12-02T07:00");
    assert_eq!(changed.iter().map(|a| a.1.as_str()).collect::<Vec<_>>(), ["email"], "{changed:?}");
    assert!(!book.run(&["check"]).code(0).stdout.contains("bounces"));
    assert!(!book.run(&["digest", "--at", "2026-12-02T07:00"]).stdout.contains("bounces"));
}

const DRIP_BOOK: &str = r#"
[prospects.cleo-park]
name = "Cleo Park"
email = "cleo@park.example"
timezone = "America/New_York"
relationship = "cold"
since = 2026-05-01
"#;

fn sent(to: &str, subject: &str, id: &str) -> String {
    format!(
        "From: Dana Reyes <dana@example.com>\nTo: {to}\nSubject: {subject}\nDate: Tue, 01 Dec 2026 09:30:00 -0500\n\
         Message-ID: <{id}@example.com>\nContent-Type: text/plain\n\nHello.\n"
    )
}

#[test]
fn mail_i_send_logs_itself_completing_the_email_or_drip_step() {
    let server = Dovecot::start();
    server.save(SENT, &sent("Bill Jones <bill@abc.example>", "Following up on the ERP review", "sent-1"));
    server.save(SENT, &sent("cleo@park.example", "The Q4 benchmark", "sent-2"));
    server.save(SENT, &sent("Someone <someone@else.example>", "Lunch?", "sent-3"));
    let book = book_for(&server, DRIP_BOOK, "");
    at_the_email_step(&book);
    // Cleo declined in August: her quarterly drip item fell due in November.
    book.run(&["log", "cleo-park", "not-interested", "--at", "2026-08-20T10:00"]).code(0);
    let before: Vec<String> = actions(&book, "2026-12-01T07:00").into_iter().map(|a| a.1).collect();
    assert_eq!(before, ["email", "drip"]);

    let daemon = start_at(&book, toronto("2026-12-01T11:00:00"));
    let bill = history_showing(&book, "bill-jones", "emailed");
    assert!(
        bill.contains("Following up on the ERP review")
            && bill.contains("from mailbox sent <sent-1@example.com>"),
        "{bill}"
    );
    let cleo = history_showing(&book, "cleo-park", "drip-sent");
    assert!(cleo.contains("item “Q4 ERP benchmark report”"), "{cleo}");
    daemon.stop();
    // Both steps are done: nothing is due on the day.
    assert!(actions(&book, "2026-12-01T12:00").is_empty(), "{:?}", actions(&book, "2026-12-01T12:00"));
    assert_eq!(crate::helpers::event_count(&book.state), 5);
}

#[test]
fn an_accepted_invitation_logs_a_meeting_on_its_day() {
    let server = Dovecot::start();
    let ics = "BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\nVERSION:2.0\r\nMETHOD:REPLY\r\n\
        BEGIN:VEVENT\r\nDTSTART;TZID=America/Toronto:20261210T150000\r\nDTEND;TZID=America/Toronto:20261210T153000\r\n\
        DTSTAMP:20261201T154000Z\r\nORGANIZER;CN=Dana Reyes:mailto:dana@example.com\r\nUID:erp-review-1@example.com\r\n\
        ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN=\"Jones, Bill\";X-NUM-GUESTS=0:mailto:bill\r\n\
         \x20@abc.example\r\nSUMMARY:ERP review\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let message = format!(
        "From: Bill Jones <bill@abc.example>\nTo: dana@example.com\n\
         Subject: Accepted: ERP review @ Thu 10 Dec 2026 3pm - 3:30pm (EST) (dana@example.com)\n\
         Date: Tue, 01 Dec 2026 10:40:00 -0500\nMessage-ID: <accept-1@abc.example>\nMIME-Version: 1.0\n\
         Content-Type: multipart/alternative; boundary=\"A\"\n\n--A\nContent-Type: text/plain; charset=UTF-8\n\n\
         Bill Jones has accepted this invitation.\n--A\nContent-Type: text/calendar; charset=UTF-8; method=REPLY\n\
         Content-Transfer-Encoding: base64\n\n{}\n--A--\n",
        base64(ics.as_bytes())
    );
    server.save("INBOX", &message);
    let book = book_for(&server, "", "");
    let daemon = start_at(&book, toronto("2026-12-01T11:00:00"));
    let history = history_showing(&book, "bill-jones", "meeting");
    daemon.stop();
    assert!(history.contains("Thu 10 Dec 2026 15:00  meeting"), "{history}");
    assert!(history.contains("“accepted: ERP review”"), "{history}");
    assert!(!history.contains("replied"), "an acceptance is a meeting, not a reply:\n{history}");
    // Engaged: no cadence call is due any more.
    assert!(actions(&book, "2026-12-02T07:00").is_empty());
}

/// Base64 in lines of 76, as mail clients write it.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out.as_bytes().chunks(76).map(|l| String::from_utf8_lossy(l).into_owned()).collect::<Vec<_>>().join("\n")
}

#[test]
fn a_due_email_waits_once_in_the_drafts_folder_and_sending_it_logs_it() {
    let server = Dovecot::start();
    // The password from a command this time.
    let config = config_for(&server, "", "drafts = true")
        .replace(&format!("password = \"{PASSWORD}\""), &format!("password_command = \"echo {PASSWORD}\""));
    let book = Book::new(&config);
    at_the_email_step(&book);
    let daemon = start_at(&book, toronto("2026-12-01T11:00:00"));
    wait_for("a draft", || server.count(DRAFTS) == 1);
    let body = server.doveadm(&["-f", "flow", "fetch", "-u", USER, "body", "mailbox", DRAFTS, "all"], false);
    assert!(body.contains("Hi Bill,") && body.contains("I've tried to reach you by phone"), "{body}");
    daemon.stop();
    let drafted = server.headers(DRAFTS);
    assert!(
        drafted.contains("bill@abc.example") && drafted.contains("Subject: A 23% productivity gain"),
        "{drafted}"
    );
    assert!(server.flags(DRAFTS).contains("Draft"), "{}", server.flags(DRAFTS));
    assert!(!drafted.contains("Auto-Submitted"), "a draft is personal mail:\n{drafted}");

    // A restart, even one that lost the ledger's record (a crash between the append and the
    // write), leaves one draft: it is looked up by its Message-ID first.
    let conn = rusqlite::Connection::open(&book.state).unwrap();
    assert_eq!(conn.execute("DELETE FROM ledger WHERE key LIKE 'mailbox:draft:%'", []).unwrap(), 1);
    drop(conn);
    let daemon = start_at(&book, toronto("2026-12-01T11:05:00"));
    wait_for("the draft's key again", || {
        let conn = rusqlite::Connection::open(&book.state).unwrap();
        conn.query_row("SELECT COUNT(*) FROM ledger WHERE key LIKE 'mailbox:draft:%'", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap()
            == 1
    });
    assert_eq!(server.count(DRAFTS), 1);
    // Sent from the mail client: its copy in Sent logs the email.
    let subject = drafted.lines().find_map(|l| l.trim().strip_prefix("Subject: ")).unwrap().to_owned();
    server.save(SENT, &sent("Bill Jones <bill@abc.example>", &subject, "sent-draft"));
    history_showing(&book, "bill-jones", "emailed");
    daemon.stop();
    assert!(actions(&book, "2026-12-01T12:00").is_empty());
}

#[test]
fn exactly_once_across_a_dropped_connection_an_undo_and_a_new_uidvalidity() {
    let server = Dovecot::start();
    server.save("INBOX", REPLY);
    // The default `check_every` (5 min): new mail is seen through IDLE alone.
    let book = Book::new(&config_for(&server, "", "").replace("check_every = \"1s\"\n", ""));
    let daemon = start_at(&book, toronto("2026-12-01T11:00:00"));
    history_showing(&book, "bill-jones", "month-end close");
    wait_for("IDLE", || server.client_input().contains("IDLE"));
    // The server drops the connection: ringback reconnects and reads on.
    server.kick();
    server.save("INBOX", &reply(2, "after the drop"));
    history_showing(&book, "bill-jones", "after the drop");
    wait_for("IDLE on a second connection", || {
        let sessions = server.sessions();
        sessions.len() >= 2 && sessions.last().is_some_and(|s| s.contains("IDLE"))
    });
    // Mail arriving while it waits in IDLE is logged at once, not at the next check.
    server.save("INBOX", &reply(4, "while idle"));
    history_showing(&book, "bill-jones", "while idle");
    daemon.stop();
    assert_eq!(book.run(&["history", "bill-jones"]).stdout.matches("replied").count(), 3);

    // An undone mailbox event stays undone.
    book.run(&["undo", "bill-jones"]).code(0);
    // The inbox is rebuilt with a new UIDVALIDITY: the same messages come back with new UIDs,
    // and one new one.
    let validity = server.uidvalidity("INBOX");
    server.new_uidvalidity();
    server.save("INBOX", REPLY);
    server.save("INBOX", &reply(2, "after the drop"));
    server.save("INBOX", &reply(4, "while idle"));
    server.save("INBOX", &reply(3, "after the rebuild"));
    assert_ne!(server.uidvalidity("INBOX"), validity, "the test must change UIDVALIDITY");
    let daemon = start_at(&book, toronto("2026-12-01T11:30:00"));
    let history = history_showing(&book, "bill-jones", "after the rebuild");
    daemon.stop();
    assert_eq!(history.matches("month-end close").count(), 1, "{history}");
    assert_eq!(history.matches("after the drop").count(), 1, "{history}");
    assert!(!history.contains("while idle"), "the undone event came back:\n{history}");
}

#[test]
fn mailbox_check_lists_the_folders_and_what_it_would_log_writing_nothing() {
    let server = Dovecot::start();
    server.save("INBOX", REPLY);
    server.save("INBOX", STRANGER);
    server.save("INBOX", BOUNCE);
    // Older than the lookback: not listed.
    server.save("INBOX", OLD);
    let book = book_for(&server, "", "drafts = true");
    let ran = book.run(&["mailbox", "--check", "--at", "2026-12-01T11:00"]).code(0).stdout;
    for line in [
        &format!("Connected to 127.0.0.1:{} as dana@example.com.", server.port),
        "Replies, auto-replies, bounces and accepted meetings are read from INBOX.",
        "Mail you send to prospects is read from Sent Copies.",
        "Drafts of due emails and drips go to My Drafts.",
        "Tue 1 Dec 10:14  Bill Jones: replied Re: month-end close",
        "Tue 1 Dec 10:30  Bill Jones: bounced 5.1.1",
        "Nothing was written",
    ] {
        assert!(ran.contains(line), "missing `{line}`:\n{ran}");
    }
    assert!(!ran.contains("old news") && !ran.contains("Secret stranger"), "{ran}");
    assert!(!book.state.exists(), "mailbox --check wrote the state");

    // A wrong password is named, and nothing is written.
    let config = std::fs::read_to_string(&book.config).unwrap().replace(PASSWORD, "wrong");
    book.write_config(&config);
    let refused = book.run(&["mailbox", "--check"]).code(1).stderr;
    assert!(refused.contains("refused the login for `dana@example.com`"), "{refused}");
    assert!(!refused.contains("wrong"), "the password was echoed:\n{refused}");
}

#[test]
fn the_mailbox_section_is_validated_with_places_and_secrets_kept() {
    let server = Dovecot::start();
    let book = book_for(&server, "", "");
    let text = std::fs::read_to_string(&book.config).unwrap();
    book.write_config(
        &text.replace("host = \"127.0.0.1\"", "host = \"imap.example.com\"\nsecurity = \"none\""),
    );
    let err = book.run(&["check"]).code(78).stderr;
    assert!(err.contains("mailbox.security") && err.contains("loopback"), "{err}");
    book.write_config(&text.replace("check_every = \"1s\"", "lookback = \"400d\""));
    let err = book.run(&["check"]).code(78).stderr;
    assert!(err.contains("mailbox.lookback") && err.contains("`1d` to `90d`"), "{err}");
    // A literal password in a file others can read is refused, and never echoed.
    book.write_config(&text);
    crate::helpers::set_mode(&book.config, 0o644);
    let err = book.run(&["check"]).code(78).stderr;
    assert!(
        err.contains("mailbox.password") && err.contains("imap-password") && !err.contains(PASSWORD),
        "{err}"
    );
}

#[test]
fn starttls_the_systemd_credential_and_named_folders() {
    let server = Dovecot::start();
    server.save("INBOX", REPLY);
    let creds = tempfile::tempdir().unwrap();
    std::fs::write(creds.path().join("imap-password"), format!("{PASSWORD}\n")).unwrap();
    let config =
        config_for(&server, "", "security = \"starttls\"\n[mailbox.folders]\nsent = \"Sent Copies\"")
            .replace(&format!("port = {}", server.port), &format!("port = {}", server.starttls_port))
            .replace(&format!("password = \"{PASSWORD}\"\n"), "");
    let book = Book::new(&config);
    let args = ["--config", book.config.to_str().unwrap(), "--state", book.state.to_str().unwrap()];
    let check = |extra: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(extra);
        crate::helpers::ringback(&all, &[("CREDENTIALS_DIRECTORY", creds.path().to_str().unwrap())])
    };
    let ran = check(&["mailbox", "--check", "--at", "2026-12-01T11:00"]).code(0).stdout;
    assert!(ran.contains("Bill Jones: replied Re: month-end close"), "{ran}");
    assert!(ran.contains("read from Sent Copies"), "{ran}");
    // That port refuses a login before STARTTLS (`disable_plaintext_auth`): this one was over TLS.
    assert!(
        server.log().contains("Login: user=<dana@example.com>, method=PLAIN") && server.log().contains("TLS"),
        "{}",
        server.log()
    );
    // A folder named that the server does not have is an error naming those it has.
    book.write_config(&config.replace("sent = \"Sent Copies\"", "sent = \"Sent Items\""));
    let err = check(&["mailbox", "--check"]).code(1).stderr;
    assert!(err.contains("no folder `Sent Items`") && err.contains("My Drafts"), "{err}");
    // Without the credential there is no password, and the error says where to put one.
    let err = book.run(&["mailbox", "--check"]).code(1).stderr;
    assert!(err.contains("LoadCredential=imap-password"), "{err}");
}
