//! The real binary as systemd runs it: readiness, signals, reloads, crashes.

use std::io::{BufRead, BufReader};
use std::os::unix::net::UnixDatagram;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::helpers::{BASE, Book};

/// A running `ringback run` whose stderr is collected as it arrives.
pub struct Daemon {
    pub child: Child,
    log: Arc<Mutex<String>>,
}

impl Daemon {
    pub fn start(book: &Book, env: &[(&str, &str)]) -> Daemon {
        Daemon::spawn(Command::new(env!("CARGO_BIN_EXE_ringback")), book, env)
    }

    /// [`Daemon::start`] with the config at `config` (a symlink to the book's, say).
    pub fn start_config(book: &Book, config: &std::path::Path) -> Daemon {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ringback"));
        cmd.args(["--config", config.to_str().unwrap()]);
        Daemon::spawn_with(cmd, &book.state, &[])
    }

    /// [`Daemon::start`] with at most `limit` open files, soft and hard (so it cannot raise it).
    pub fn start_with_file_limit(book: &Book, limit: u32, env: &[(&str, &str)]) -> Daemon {
        let mut cmd = Command::new("/bin/sh");
        cmd.args(["-c", &format!("ulimit -n {limit} && exec \"$0\" \"$@\""), env!("CARGO_BIN_EXE_ringback")]);
        Daemon::spawn(cmd, book, env)
    }

    fn spawn(mut cmd: Command, book: &Book, env: &[(&str, &str)]) -> Daemon {
        cmd.args(["--config", book.config.to_str().unwrap()]);
        Daemon::spawn_with(cmd, &book.state, env)
    }

    fn spawn_with(mut cmd: Command, state: &std::path::Path, env: &[(&str, &str)]) -> Daemon {
        cmd.args(["--state", state.to_str().unwrap(), "run"])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        crate::helpers::keep_faked_clock(&mut cmd);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start ringback run");
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        Daemon { child, log }
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits until the log has `needle` at least `times` times.
    #[track_caller]
    pub fn wait_for(&self, needle: &str, times: usize) {
        self.wait_for_within(needle, times, Duration::from_secs(10));
    }

    /// [`Daemon::wait_for`], for as long as `limit`.
    #[track_caller]
    pub fn wait_for_within(&self, needle: &str, times: usize, limit: Duration) {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if self.log().matches(needle).count() >= times {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("`{needle}` did not appear {times}x in the log:\n{}", self.log());
    }

    pub fn signal(&self, signal: &str) {
        let ok = Command::new("kill")
            .args(["-s", signal, &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -s {signal}");
    }

    /// Like [`Daemon::terminate`], with everything the daemon logged up to its exit.
    pub fn terminate_logged(self) -> (i32, String) {
        let log = self.log.clone();
        let code = self.terminate();
        // The reader thread drains the pipe until the process's end of it closes.
        std::thread::sleep(Duration::from_millis(100));
        let text = log.lock().unwrap().clone();
        (code, text)
    }

    /// Sends SIGTERM and returns the exit code, failing if it takes more than 5 seconds.
    pub fn terminate(mut self) -> i32 {
        self.signal("TERM");
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "still running 5s after SIGTERM:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A config whose once-a-day digest fell due a minute ago (in UTC), so a start sends it.
pub fn digest_due_now() -> String {
    digest_at(
        &(jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC) - jiff::SignedDuration::from_mins(1)),
    )
}

/// A config in UTC whose once-a-day digest is due at `due`'s hour and minute.
pub fn digest_at(due: &jiff::Zoned) -> String {
    BASE.replace("timezone = \"America/Toronto\"", "timezone = \"UTC\"").replace(
        "[notify.email]",
        &format!(
            "[schedule]\ndigest = \"{} {} * * *\"\ncatch_up = \"4h\"\n\n[notify.desktop]\nenabled = false\n\n[notify.email]",
            due.minute(),
            due.hour()
        ),
    )
}

pub fn emls(book: &Book) -> usize {
    std::fs::read_dir(book.config.parent().unwrap().join("outbox"))
        .map(|d| {
            d.filter_map(Result::ok).filter(|e| e.file_name().to_string_lossy().ends_with(".eml")).count()
        })
        .unwrap_or(0)
}

#[test]
fn ready_on_the_notify_socket_and_sigterm_exits_zero() {
    let book = Book::standard();
    let socket_path = book.config.parent().unwrap().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let daemon = Daemon::start(&book, &[("NOTIFY_SOCKET", socket_path.to_str().unwrap())]);
    let mut messages = String::new();
    let mut buf = [0u8; 4096];
    while !messages.contains("READY=1") {
        let n = socket
            .recv(&mut buf)
            .unwrap_or_else(|e| panic!("no READY=1 ({e}); got {messages:?}\n{}", daemon.log()));
        messages.push_str(&String::from_utf8_lossy(&buf[..n]));
        messages.push('\n');
    }
    let n = socket.recv(&mut buf).expect("a STATUS= after READY=1");
    let status = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert!(status.starts_with("STATUS=next: "), "{status}");
    assert_eq!(daemon.terminate(), 0);
}

#[test]
fn invalid_config_at_start_exits_78() {
    let book = Book::new(&BASE.replace("17:00-18:30", "17:00-"));
    let status = Command::new(env!("CARGO_BIN_EXE_ringback"))
        .args(["--config", book.config.to_str().unwrap(), "--state", book.state.to_str().unwrap(), "run"])
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(78));
    assert!(String::from_utf8_lossy(&status.stderr).contains("call_windows: expected a time range"));
}

#[test]
fn sighup_and_saves_reload_and_a_bad_edit_keeps_the_last_good_config() {
    let book = Book::standard();
    let daemon = Daemon::start(&book, &[]);
    daemon.wait_for("ringback running", 1);
    daemon.signal("HUP");
    daemon.wait_for("config reloaded (SIGHUP)", 1);

    book.write_config(&BASE.replace("America/Vancouver", "Mars/Olympus"));
    daemon.wait_for("config not reloaded", 1);
    daemon.wait_for("prospects.bill-jones.timezone: unknown time zone `Mars/Olympus`", 1);
    daemon.signal("HUP");
    daemon.wait_for("config not reloaded (SIGHUP)", 1);

    // An editor's save: write a new file beside it and rename it over the old one.
    let temp = book.config.with_extension("toml.swp");
    std::fs::write(&temp, BASE.replace("Bill Jones", "William Jones")).unwrap();
    std::fs::rename(&temp, &book.config).unwrap();
    daemon.wait_for("config reloaded (file changed)", 1);
    assert_eq!(daemon.terminate(), 0);
}

#[test]
fn kill_9_then_restart_sends_no_duplicate_digest() {
    let book = Book::new(&digest_due_now());
    let mut daemon = Daemon::start(&book, &[]);
    daemon.wait_for("email sent", 1);
    daemon.child.kill().unwrap();
    daemon.child.wait().unwrap();
    assert_eq!(emls(&book), 1);
    let again = Daemon::start(&book, &[]);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(emls(&book), 1, "{}", again.log());
    assert!(!again.log().contains("email sent"), "{}", again.log());
    assert_eq!(again.terminate(), 0);
    let check = book.run(&["check"]).code(0).stdout;
    assert!(check.contains(": sent\n"), "{check}");
}

/// A log nobody reads any more never stops the daemon from stopping: with stderr a pipe whose
/// reader has gone, a reload and SIGTERM still end it at once, exit 0 (it hung, or died of a
/// panic writing the error about the failed write, before).
#[test]
fn sigterm_is_heard_when_the_logs_reader_is_gone() {
    let book = Book::standard();
    let mut child = book
        .command(&["run"])
        .env("RUST_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read until it runs, then hang up: the next line it logs meets a closed pipe.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("ringback running") {
        line.clear();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "the daemon ended before it ran");
    }
    drop(stderr);
    signal(&child, "HUP");
    std::thread::sleep(Duration::from_millis(300));
    signal(&child, "TERM");
    let status = exited_within(&mut child, Duration::from_secs(5));
    assert_eq!(status.code(), Some(0), "{status}");
}

/// A config behind a symlink (a dotfiles repository): `set` writes the file the link points to,
/// and the daemon, watching that folder too, reloads; re-pointed, the link is followed.
#[test]
fn edits_through_a_symlinked_config_reach_the_daemon() {
    let book = Book::standard();
    let links = tempfile::tempdir().unwrap();
    let link = links.path().join("ringback.toml");
    std::os::unix::fs::symlink(&book.config, &link).unwrap();
    let run = |args: &[&str]| {
        crate::helpers::ringback(
            &[&["--config", link.to_str().unwrap(), "--state", book.state.to_str().unwrap()][..], args]
                .concat(),
            &[],
        )
    };
    let daemon = Daemon::start_config(&book, &link);
    daemon.wait_for("ringback running", 1);
    run(&["set", "bill", "status=paused"]).code(0);
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    daemon.wait_for("config reloaded", 1);
    // Re-pointed to another file elsewhere, then edited through the link.
    let elsewhere = tempfile::tempdir().unwrap();
    let other = elsewhere.path().join("book.toml");
    std::fs::copy(&book.config, &other).unwrap();
    let repoint = links.path().join(".new-link");
    std::os::unix::fs::symlink(&other, &repoint).unwrap();
    std::fs::rename(&repoint, &link).unwrap();
    daemon.wait_for("config reloaded", 2);
    run(&["set", "bill", "status=active"]).code(0);
    assert!(std::fs::read_to_string(&other).unwrap().contains("status = \"active\""));
    daemon.wait_for("config reloaded", 3);
    assert_eq!(daemon.terminate(), 0);
}

/// A log reader that is there but does not read (a stalled pipe) never holds up the daemon: a
/// full pipe drops lines instead of blocking, and SIGTERM ends it at once.
#[test]
fn sigterm_is_heard_when_the_log_pipe_is_full() {
    let book = Book::standard();
    let (reader, writer) = std::io::pipe().unwrap();
    // A small pipe fills after a few dozen lines.
    rustix::pipe::fcntl_setpipe_size(&writer, 4096).unwrap();
    let mut child =
        book.command(&["run"]).env("RUST_LOG", "debug").stdout(Stdio::null()).stderr(writer).spawn().unwrap();
    // Reloads until well past what the pipe holds (each logs at least a line of ~100 bytes).
    std::thread::sleep(Duration::from_millis(500));
    for _ in 0..80 {
        signal(&child, "HUP");
        std::thread::sleep(Duration::from_millis(70));
    }
    signal(&child, "TERM");
    let status = exited_within(&mut child, Duration::from_secs(5));
    assert_eq!(status.code(), Some(0), "{status}");
    // The reader was there all along, and the pipe did fill (so every write after blocked, or
    // would have).
    let mut held = Vec::new();
    std::io::Read::read_to_end(&mut { reader }, &mut held).unwrap();
    assert!(held.len() >= 3800, "the pipe never filled ({} bytes): the test proves nothing", held.len());
}

/// Sends `name` (HUP, TERM) to the child.
fn signal(child: &Child, name: &str) {
    let ok = Command::new("kill").args([&format!("-{name}"), &child.id().to_string()]).status().unwrap();
    assert!(ok.success(), "kill -{name}");
}

/// The child's exit status, failing when it has not exited within `limit`.
#[track_caller]
fn exited_within(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "not stopped {} s after SIGTERM", limit.as_secs());
        std::thread::sleep(Duration::from_millis(20));
    }
}
