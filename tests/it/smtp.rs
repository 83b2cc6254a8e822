//! Email against real servers the tests start on 127.0.0.1: aiosmtpd with STARTTLS and AUTH,
//! implicit TLS, a server that never greets, and a stand-in for sendmail.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{BASE, Book, require, set_mode};

const PASSWORD: &str = "s3cret-Pa55word";

/// A test CA and a server certificate it signs for 127.0.0.1 (rustls refuses a self-signed
/// CA certificate presented as the server's own).
pub struct Pki {
    _dir: tempfile::TempDir,
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

pub fn pki() -> Pki {
    require(&["openssl"], "openssl");
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name);
    let run = |args: &[&str]| {
        let out = Command::new("openssl").args(args).current_dir(dir.path()).output().unwrap();
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    std::fs::write(p("ca.ext"), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n")
        .unwrap();
    std::fs::write(
        p("server.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .unwrap();
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=ringback test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ]);
    Pki { ca: p("ca.pem"), cert: p("server.pem"), key: p("server.key"), _dir: dir }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// An aiosmtpd server (or a silent listener) on 127.0.0.1, stopped when dropped.
pub struct Server {
    child: Child,
    inbox: tempfile::TempDir,
}

impl Server {
    pub fn start(mode: &str, port: u16, pki: &Pki) -> Server {
        require(&["python3"], "python3");
        let check = Command::new("/usr/bin/python3").args(["-c", "import aiosmtpd"]).output();
        assert!(
            check.map(|o| o.status.success()).unwrap_or(false),
            "Debian's python3-aiosmtpd is missing: install the package `python3-aiosmtpd` (scripts/test.sh does, as root)"
        );
        let inbox = tempfile::tempdir().unwrap();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/smtp_server.py");
        let mut child = crate::helpers::real_clock(&mut Command::new("/usr/bin/python3"))
            .args(["-W", "ignore", script, mode, &port.to_string(), inbox.path().to_str().unwrap()])
            .args([pki.cert.to_str().unwrap(), pki.key.to_str().unwrap(), "dana", PASSWORD])
            .stdout(Stdio::piped())
            // aiosmtpd logs every refused handshake the tests provoke; keep the output readable.
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line)
            .unwrap();
        assert_eq!(line.trim(), "READY", "the SMTP server did not start");
        Server { child, inbox }
    }

    pub fn received(&self) -> Vec<String> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.inbox.path())
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        names.sort();
        names.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A book that mails its digest over SMTP to 127.0.0.1:port.
pub fn smtp_book(port: u16, security: &str, pki: &Pki, password: &str) -> Book {
    let text = BASE.replace(
        "transport = \"file\"\ndir = \"outbox\"",
        &format!(
            "transport = \"smtp\"\n[notify.email.smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"{security}\"\nusername = \"dana\"\npassword_file = \"smtp-password\"\nca_file = \"{}\"",
            pki.ca.display()
        ),
    )
    .replace("[cadences.standard]", "[schedule]\ndigest = \"0 3 1 1 *\"\n\n[notify.desktop]\nenabled = false\n\n[cadences.standard]");
    let book = Book::new(&text);
    let secret = book.config.parent().unwrap().join("smtp-password");
    std::fs::write(&secret, format!("{password}\n")).unwrap();
    set_mode(&secret, 0o600);
    book
}

pub fn header<'a>(message: &'a str, name: &str) -> Option<&'a str> {
    message.lines().find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(": ")))
}

#[test]
fn starttls_with_auth_delivers_a_multipart_digest() {
    let pki = pki();
    let port = free_port();
    let server = Server::start("starttls", port, &pki);
    let book = smtp_book(port, "starttls", &pki, PASSWORD);
    let ran = book.run(&["digest", "--send"]).code(0);
    assert!(ran.stdout.starts_with("sent: ringback — "), "{}", ran.stdout);
    let received = server.received();
    assert_eq!(received.len(), 1);
    let message = &received[0];
    assert!(message.contains("multipart/alternative"), "{message}");
    assert!(message.contains("Content-Type: text/plain"), "{message}");
    assert!(message.contains("Content-Type: text/html"), "{message}");
    assert!(header(message, "From").is_some_and(|f| f.contains("dana@example.com")), "{message}");
    assert!(header(message, "To").is_some(), "{message}");
    assert!(header(message, "Date").is_some(), "{message}");
    assert!(
        header(message, "Message-ID").is_some_and(|m| m.starts_with('<') && m.ends_with("@example.com>")),
        "{message}"
    );
    assert!(header(message, "Subject").is_some(), "{message}");
}

#[test]
fn implicit_tls_delivers() {
    let pki = pki();
    let port = free_port();
    let server = Server::start("tls", port, &pki);
    let book = smtp_book(port, "tls", &pki, PASSWORD);
    book.run(&["digest", "--send"]).code(0);
    assert_eq!(server.received().len(), 1);
}

#[test]
fn a_rejected_password_is_an_error_that_never_prints_it() {
    let pki = pki();
    let port = free_port();
    let server = Server::start("starttls", port, &pki);
    let book = smtp_book(port, "starttls", &pki, "wrong-Pa55word-xyzzy");
    let ran = book.run(&["digest", "--send"]).code(1);
    assert!(ran.stderr.contains("535") || ran.stderr.to_lowercase().contains("auth"), "{}", ran.stderr);
    assert!(
        !ran.stderr.contains("xyzzy") && !ran.stdout.contains("xyzzy"),
        "the password leaked: {}",
        ran.stderr
    );
    assert!(server.received().is_empty());
    // Permanent: not left for blind retries.
    let counts = ringback::state::State::open(&book.state).unwrap().outbox_counts().unwrap();
    assert_eq!(counts.get("failed"), Some(&1), "{counts:?}");
    let check = book.run(&["check"]).code(0);
    assert!(!check.stdout.contains("xyzzy"));
}

#[test]
fn untrusted_certificate_is_refused() {
    let pki = pki();
    let other = self::pki();
    let port = free_port();
    let _server = Server::start("starttls", port, &pki);
    let book = smtp_book(port, "starttls", &other, PASSWORD);
    let ran = book.run(&["digest", "--send"]).code(1);
    assert!(
        ran.stderr.to_lowercase().contains("certificate") || ran.stderr.contains("tls"),
        "{}",
        ran.stderr
    );
}

#[test]
fn server_down_then_up_delivers_the_queued_digest_exactly_once() {
    let pki = pki();
    let port = free_port();
    let book = smtp_book(port, "starttls", &pki, PASSWORD);
    let ran = book.run(&["digest", "--send"]).code(1);
    assert!(ran.stderr.contains("stays in the outbox"), "{}", ran.stderr);
    let server = Server::start("starttls", port, &pki);
    let mut daemon = Command::new(env!("CARGO_BIN_EXE_ringback"))
        .args(["--config", book.config.to_str().unwrap(), "--state", book.state.to_str().unwrap(), "run"])
        .env("RUST_LOG", "info")
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while server.received().is_empty() {
        assert!(Instant::now() < deadline, "the queued digest never arrived");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(2));
    Command::new("kill").args(["-TERM", &daemon.id().to_string()]).status().unwrap();
    assert!(daemon.wait().unwrap().success());
    assert_eq!(server.received().len(), 1);
    let counts = ringback::state::State::open(&book.state).unwrap().outbox_counts().unwrap();
    assert_eq!(counts.get("sent"), Some(&1), "{counts:?}");
}

#[test]
fn a_server_that_never_greets_is_bounded_and_retried_later() {
    let pki = pki();
    let port = free_port();
    let _silent = Server::start("silent", port, &pki);
    let book = smtp_book(port, "starttls", &pki, PASSWORD);
    let config = ringback::files::read_config(&book.config).unwrap();
    let email = config.notify.email.unwrap();
    let letter = ringback::notify::email::Envelope {
        key: "email:test",
        sender: "dana@example.com",
        recipient: "dana@example.com",
        message: b"Subject: hi\r\n\r\nhello\r\n",
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let started = Instant::now();
    let result = runtime.block_on(ringback::notify::email::deliver_within(
        &email.transport,
        &letter,
        Duration::from_secs(2),
    ));
    let error = result.expect_err("a silent server cannot take mail");
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    assert!(error.transient, "a timeout is worth retrying: {error}");
    assert!(error.message.contains("no answer within"), "{error}");
    assert_eq!(ringback::daemon::backoff(1), jiff::SignedDuration::from_secs(30));
    assert_eq!(ringback::daemon::backoff(2), jiff::SignedDuration::from_secs(60));
    assert_eq!(ringback::daemon::backoff(20), jiff::SignedDuration::from_mins(30));
}

/// A stand-in for sendmail that records its arguments and message.
fn fake_sendmail(dir: &Path, exit: i32) -> PathBuf {
    let script = dir.join("sendmail");
    std::fs::write(
        &script,
        format!("#!/bin/sh\necho \"$@\" > \"{0}/args\"\ncat > \"{0}/message\"\nexit {exit}\n", dir.display()),
    )
    .unwrap();
    set_mode(&script, 0o755);
    script
}

#[test]
fn sendmail_transport_pipes_the_message_to_the_command() {
    let tools = tempfile::tempdir().unwrap();
    let script = fake_sendmail(tools.path(), 0);
    let book = Book::new(&BASE.replace(
        "transport = \"file\"\ndir = \"outbox\"",
        &format!("transport = \"sendmail\"\ncommand = \"{}\"", script.display()),
    ));
    book.run(&["digest", "--send"]).code(0);
    let args = std::fs::read_to_string(tools.path().join("args")).unwrap();
    assert_eq!(args.trim(), "-i -f dana@example.com -- dana@example.com");
    let message = std::fs::read_to_string(tools.path().join("message")).unwrap();
    assert!(message.contains("Subject: "), "{message}");

    let failing = fake_sendmail(tools.path(), 75);
    let book = Book::new(&BASE.replace(
        "transport = \"file\"\ndir = \"outbox\"",
        &format!("transport = \"sendmail\"\ncommand = \"{}\"", failing.display()),
    ));
    let ran = book.run(&["digest", "--send"]).code(1);
    assert!(ran.stderr.contains("stays in the outbox"), "{}", ran.stderr);
}

#[test]
fn file_transport_writes_one_eml() {
    let book = Book::standard();
    book.run(&["digest", "--send"]).code(0);
    let outbox = book.config.parent().unwrap().join("outbox");
    let files: Vec<_> = std::fs::read_dir(outbox).unwrap().filter_map(Result::ok).collect();
    assert_eq!(files.len(), 1);
}

#[test]
fn the_html_part_escapes_every_prospect_field() {
    let text = format!(
        "{BASE}\n[prospects.evil]\nname = \"Eve <script>alert(1)</script>\"\ncompany = \"<b>Evil</b> & Co\"\nphone = \"+1 (416) 555-0666 x7\"\nhook = \"<i>hook</i>\"\nsince = 2026-11-20\n"
    );
    // A phone cannot carry markup at all: only a number libphonenumber reads is accepted.
    let markup = text.replace("+1 (416) 555-0666 x7", "+1 416 555 0666\\\" onclick=\\\"x");
    let refused = ringback::config::Config::from_toml(&markup).expect_err("markup in a phone is refused");
    assert!(format!("{refused:?}").contains("prospects.evil.phone"), "{refused:?}");
    let config = ringback::config::Config::from_toml(&text).unwrap();
    let at = "2026-11-24T12:00:00Z".parse().unwrap();
    let digest = ringback::render::digest::build(
        &config,
        &ringback::plan::History::default(),
        at,
        Default::default(),
        &Default::default(),
    );
    let html = &digest.html;
    assert!(
        html.contains("&lt;b&gt;Evil&lt;&#x2f;b&gt; &amp; Co")
            || html.contains("&lt;b&gt;Evil&lt;/b&gt; &amp; Co"),
        "{html}"
    );
    assert!(!html.contains("<b>Evil</b>"), "{html}");
    assert!(!html.contains("<script>"), "{html}");
    assert!(!html.contains("<i>hook</i>"), "{html}");
    assert!(html.contains("href=\"tel:+14165550666;ext=7\">+1 416-555-0666 ext. 7</a>"), "{html}");
    assert!(html.contains("Your promises in November"), "{html}");
    // The text part carries the same sections.
    assert!(digest.text.contains("<b>Evil</b> & Co"), "the text part is plain text");
}
