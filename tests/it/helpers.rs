//! A temp book (config + state) and a fluent runner for the real binary.

use std::path::PathBuf;
use std::process::{Command, Output};

/// A config file and state database in their own temp folder.
pub struct Book {
    /// Held so the folder lives as long as the book.
    _dir: tempfile::TempDir,
    pub config: PathBuf,
    pub state: PathBuf,
}

/// What a finished command printed and returned.
#[derive(Debug)]
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    fn from(output: Output) -> Ran {
        Ran {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Asserts the exit code, showing both streams when it differs.
    #[track_caller]
    pub fn code(self, expected: i32) -> Ran {
        assert_eq!(self.code, expected, "exit code\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.stdout))
    }
}

pub const BASE: &str = r#"
[me]
name = "Dana Reyes"
phone = "+1 416 555 0199"
timezone = "America/Toronto"

[notify.email]
to = "dana@example.com"
from = "ringback <dana@example.com>"
transport = "file"
dir = "outbox"

[cadences.standard]
steps = [
  { wait = "0 days",     action = "call" },
  { wait = "2 workdays", action = "call" },
  { wait = "3 workdays", action = "email", note = "switch medium" },
  { wait = "1 week",     action = "call" },
]
then = "quarterly"

[drips.quarterly]
every = "3 months"
items = [{ title = "Q4 ERP benchmark report", url = "https://example.com/erp" }]

[prospects.bill-jones]
name = "Bill Jones"
company = "ABC Inc"
phone = "+1 604 555 0100"
email = "bill@abc.example"
timezone = "America/Vancouver"
relationship = "warm"
since = 2026-11-20
call_windows = ["17:00-18:30"]
hook = "sails; ask about the Canada Cup trials"
value = "a 23% productivity gain from the ERP review"
"#;

impl Book {
    pub fn new(config: &str) -> Book {
        let dir = tempfile::tempdir().expect("temp dir");
        let config_path = dir.path().join("ringback.toml");
        std::fs::write(&config_path, config).expect("write config");
        set_mode(&config_path, 0o600);
        let state = dir.path().join("state/ringback.db");
        Book { _dir: dir, config: config_path, state }
    }

    pub fn standard() -> Book {
        Book::new(BASE)
    }

    /// Runs `ringback --config C --state S ARGS...` with a clean environment.
    pub fn run(&self, args: &[&str]) -> Ran {
        let mut all =
            vec!["--config", self.config.to_str().unwrap(), "--state", self.state.to_str().unwrap()];
        all.extend_from_slice(args);
        ringback(&all, &[])
    }

    /// `ringback --config C --state S ARGS...` to spawn and watch (see [`command`]).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd =
            command(&["--config", self.config.to_str().unwrap(), "--state", self.state.to_str().unwrap()]);
        cmd.args(args);
        cmd
    }

    pub fn write_config(&self, text: &str) {
        std::fs::write(&self.config, text).expect("write config");
    }
}

pub fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Runs the real binary with only the given environment (plus HOME and PATH).
pub fn ringback(args: &[&str], env: &[(&str, &str)]) -> Ran {
    let mut cmd = command(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    Ran::from(cmd.output().expect("run ringback"))
}

/// The binary with `args` in a clean environment, to spawn and watch.
pub fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ringback"));
    cmd.args(args).env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    if let Ok(home) = std::env::var("HOME") {
        cmd.env("HOME", home);
    }
    keep_faked_clock(&mut cmd);
    cmd
}

/// libfaketime's variables, which `scripts/faketime-sweep.sh` sets.
fn faked_clock_variable(name: &str) -> bool {
    name == "LD_PRELOAD" || name.starts_with("FAKETIME") || name == "DONT_FAKE_MONOTONIC"
}

/// Passes libfaketime's variables on to a child whose environment was cleared, so that
/// `scripts/faketime-sweep.sh` moves the binary's clock along with the test's own (outside
/// that run none is set and this does nothing).
pub fn keep_faked_clock(cmd: &mut Command) {
    for (key, value) in std::env::vars_os() {
        if faked_clock_variable(&key.to_string_lossy()) {
            cmd.env(&key, value);
        }
    }
}

/// Keeps a server a test starts (the SMTP server, a stand-in bus, the browser) or a build
/// (cargo for the .deb) on the real clock in `scripts/faketime-sweep.sh`: under libfaketime
/// Python's `time.sleep` fails with EINVAL and Chromium, cargo and rustc hang, and what they
/// serve or build does not depend on the date.
pub fn real_clock(cmd: &mut Command) -> &mut Command {
    for (key, _) in std::env::vars_os() {
        if faked_clock_variable(&key.to_string_lossy()) {
            cmd.env_remove(&key);
        }
    }
    cmd
}

/// The number of events in a state file, read with SQLite directly.
pub fn event_count(state: &std::path::Path) -> i64 {
    if !state.exists() {
        return 0;
    }
    let conn = rusqlite::Connection::open(state).expect("open state");
    conn.query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0)).expect("count")
}

/// Fails (never skips) when a program a test needs is missing, naming the Debian package.
#[track_caller]
pub fn require(programs: &[&str], package: &str) {
    for program in programs {
        let found = std::env::var_os("PATH")
            .map(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
            .unwrap_or(false);
        assert!(
            found,
            "`{program}` is missing: install the Debian package `{package}` (scripts/test.sh does, as root)"
        );
    }
}

/// A small deterministic generator, so a failing run can be replayed from its seed.
pub struct Rng(pub u64);

impl Rng {
    /// Seeded from the clock; the seed is `.0`, for failure messages.
    pub fn from_time() -> Rng {
        Rng(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// What the state's digest log says became of each occurrence after `since` (a second):
/// (first, through, count, outcome).
pub fn digest_log(book: &Book, since: i64) -> Vec<(i64, i64, i64, String)> {
    let conn = rusqlite::Connection::open(&book.state).unwrap();
    conn.prepare("SELECT at, through, count, outcome FROM digests WHERE at > ?1 ORDER BY at")
        .unwrap()
        .query_map([since], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// An .eml as the person reads it: quoted-printable soft line breaks (which would split names)
/// and the few escapes a digest uses undone.
pub fn eml_text(path: &std::path::Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {} ({e})", path.display()))
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=E2=80=94", "—")
        .replace("=3D", "=")
}

/// A wall-clock time in `zone` as it reads in `America/Toronto` (BASE's `me.timezone`), by the
/// machine's own zone data. British Columbia stopped changing its clocks in tzdata 2026e
/// (Vancouver stays at -07:00 from November 2026), so a test must not pin an offset that
/// depends on which tzdata the machine has.
pub fn in_toronto(date: &str, time: &str, zone: &str) -> jiff::Zoned {
    let civil: jiff::civil::DateTime = format!("{date}T{time}").parse().expect("a date and time");
    civil.in_tz(zone).expect("a zone").in_tz("America/Toronto").expect("Toronto")
}

/// A private session bus (dbus-daemon on a socket in a temporary folder) with dbus-monitor
/// recording every `Notify` call sent on it; both stop when dropped. No notification server
/// owns the name, so a call is seen and then refused: enough to see that it went, and when.
pub struct SessionBus {
    pub address: String,
    monitor_log: PathBuf,
    children: Vec<std::process::Child>,
    _dir: tempfile::TempDir,
}

impl SessionBus {
    pub fn start() -> SessionBus {
        use std::io::BufRead as _;
        require(&["dbus-daemon", "dbus-monitor"], "dbus");
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("bus.conf");
        std::fs::write(
            &conf,
            format!(
                "<busconfig><type>session</type><listen>unix:dir={}</listen><auth>EXTERNAL</auth>\
                 <policy context=\"default\"><allow send_destination=\"*\" eavesdrop=\"true\"/>\
                 <allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>",
                dir.path().display()
            ),
        )
        .unwrap();
        let mut bus = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", conf.display()))
            .args(["--nofork", "--print-address=1"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start dbus-daemon");
        let mut address = String::new();
        std::io::BufReader::new(bus.stdout.take().unwrap()).read_line(&mut address).unwrap();
        let address = address.trim().to_owned();
        assert!(address.starts_with("unix:"), "dbus-daemon gave no address: {address:?}");
        let monitor_log = dir.path().join("monitor.log");
        let monitor = Command::new("dbus-monitor")
            .args([
                "--address",
                &address,
                "type='method_call',interface='org.freedesktop.Notifications',member='Notify'",
            ])
            .stdout(std::fs::File::create(&monitor_log).unwrap())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start dbus-monitor");
        // dbus-monitor says it is listening (its own NameAcquired/NameLost) once it is.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::fs::metadata(&monitor_log).map(|m| m.len()).unwrap_or(0) == 0 {
            assert!(std::time::Instant::now() < deadline, "dbus-monitor did not start");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        SessionBus { address, monitor_log, children: vec![monitor, bus], _dir: dir }
    }

    /// What dbus-monitor has recorded so far.
    pub fn monitor(&self) -> String {
        std::fs::read_to_string(&self.monitor_log).unwrap_or_default()
    }
}

impl Drop for SessionBus {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
