//! `ringback dial` in a real terminal: tmux runs it in an 80x24 pane, keys go in with
//! send-keys, the screen comes back with capture-pane, and what each key wrote is read back
//! through `ringback history`.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::helpers::{BASE, Book, require};

/// A tmux server of its own (its own socket), killed when dropped.
struct Tmux {
    socket: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Tmux {
    /// Starts `command` (a shell line) in an 80x24 session `dial`; after it ends, the shell
    /// line's last part (`; stty -a > FILE`) still runs in the same terminal.
    fn start(command: &str, env: &[(&str, &str)]) -> Tmux {
        require(&["tmux"], "tmux");
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("tmux.sock");
        let tmux = Tmux { socket, _dir: dir };
        let mut args: Vec<String> = vec![
            "new-session".into(),
            "-d".into(),
            "-s".into(),
            "dial".into(),
            "-x".into(),
            "80".into(),
            "-y".into(),
            "24".into(),
        ];
        for (k, v) in env {
            args.push("-e".into());
            args.push(format!("{k}={v}"));
        }
        args.push(command.to_owned());
        tmux.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        tmux.run(&["set-option", "-t", "dial", "remain-on-exit", "on"]);
        tmux
    }

    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(["-f", "/dev/null"])
            .args(args)
            .env_remove("TMUX")
            .output()
            .expect("tmux runs");
        assert!(out.status.success(), "tmux {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The pid of the `ringback dial` under the pane's shell.
    fn dial_pid(&self) -> String {
        let pane = self.run(&["list-panes", "-t", "dial", "-F", "#{pane_pid}"]);
        let children = Command::new("pgrep").args(["-P", pane.trim(), "ringback"]).output().unwrap();
        let dial = String::from_utf8_lossy(&children.stdout).trim().to_owned();
        assert!(!dial.is_empty(), "no ringback under the pane's shell {pane}");
        dial
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "dial"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "dial"])
    }

    /// Waits until the screen shows `text`.
    fn wait_for(&self, text: &str) -> String {
        self.wait_for_in(text, &|| self.screen())
    }

    /// Waits until the pane, its scrollback included, shows `text`: what is printed after the
    /// full-screen UI is given back may scroll past the top.
    fn wait_for_printed(&self, text: &str) -> String {
        self.wait_for_in(text, &|| self.run(&["capture-pane", "-p", "-J", "-S", "-500", "-t", "dial"]))
    }

    fn wait_for_in(&self, text: &str, capture: &dyn Fn() -> String) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = capture();
            if screen.contains(text) {
                return screen;
            }
            assert!(Instant::now() < deadline, "`{text}` never showed:\n{screen}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").arg("-S").arg(&self.socket).arg("kill-server").output();
    }
}

/// Amy, Ben and Cleo, all due on Tuesday 24 November with windows open at 07:30 Toronto time,
/// beside the base book's Bill Jones (his window opens in the evening).
fn block() -> Book {
    let mut config = BASE.to_owned();
    for (id, name, phone) in [
        ("amy", "Amy Ames", "+1 416 555 0001"),
        ("ben", "Ben Bell", "+44 20 7946 0123"),
        ("cleo", "Cleo Cruz", "+1 416 555 0003"),
    ] {
        config.push_str(&format!(
            "\n[prospects.{id}]\nname = \"{name}\"\nphone = \"{phone}\"\ntimezone = \"America/Toronto\"\nsince = 2026-11-24\ncall_windows = [\"07:30-09:00\"]\nhook = \"hook for {name}\"\n"
        ));
    }
    Book::new(&config)
}

fn command(book: &Book, stty: &Path) -> String {
    format!(
        "{} --config {} --state {} dial --at 2026-11-24T07:35; stty -a > {}",
        env!("CARGO_BIN_EXE_ringback"),
        book.config.display(),
        book.state.display(),
        stty.display()
    )
}

fn outcomes(book: &Book, id: &str) -> Vec<String> {
    let history = book.run(&["history", id, "--json"]).code(0).json();
    history["events"].as_array().unwrap().iter().map(|e| e["outcome"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn a_block_of_calls_logs_one_key_per_outcome_and_gives_the_terminal_back() {
    let book = block();
    let out = tempfile::tempdir().unwrap();
    let stty = out.path().join("stty");
    let tmux = Tmux::start(&command(&book, &stty), &[]);
    // The queue and the first card: name, the number as people read it, their time, the hook.
    let screen = tmux.wait_for("Amy Ames");
    assert!(screen.contains("today: 4"), "{screen}");
    assert!(screen.contains("+1 416-555-0001"), "{screen}");
    assert!(screen.contains("their time 07:35"), "{screen}");
    assert!(screen.contains("hook: hook for Amy Ames"), "{screen}");
    assert!(screen.contains("0 calls · 0 connects · 0 promises · 4 left"), "{screen}");
    // Whose window is open now comes first; Bill's opens this evening (19:00 here).
    assert!(screen.contains(">*07:30 Amy Ames") && screen.contains("  19:00 Bill Jones"), "{screen}");

    // n: no answer for Amy, written as `ringback log` writes it; Ben's card comes up.
    tmux.keys(&["n"]);
    let screen = tmux.wait_for("+44 20 7946 0123");
    assert!(screen.contains("No answer: Amy Ames"), "{screen}");
    assert!(screen.contains("1 calls · 0 connects · 0 promises · 3 left"), "{screen}");
    assert_eq!(outcomes(&book, "amy"), ["no-answer"]);
    let history = book.run(&["history", "amy", "--json"]).code(0).json();
    assert_eq!(history["events"][0]["at"], "2026-11-24T07:35:00-05:00");

    // v: Ben's voicemail records the promise his script named.
    tmux.keys(&["v"]);
    tmux.wait_for("1 promises");
    assert_eq!(outcomes(&book, "ben"), ["voicemail"]);
    let history = book.run(&["history", "ben", "--json"]).code(0).json();
    assert_eq!(history["events"][0]["no_promise"], false, "{history}");

    // u: takes Ben's voicemail back, and he is in the queue again; a note logged for him
    // elsewhere meanwhile stays (u takes back what the block logged, not the latest).
    book.run(&["log", "ben", "auto-reply", "--at", "2026-11-24T07:36"]).code(0);
    tmux.keys(&["u"]);
    let screen = tmux.wait_for("took back voicemail for Ben Bell");
    assert!(screen.contains("3 left"), "{screen}");
    assert_eq!(outcomes(&book, "ben"), ["auto-reply"]);

    // s: spoke, with an agreed next step.
    tmux.keys(&["/"]);
    tmux.keys(&["cleo", "Enter"]);
    tmux.wait_for("found Cleo Cruz");
    tmux.keys(&["s"]);
    tmux.wait_for("next step date");
    tmux.keys(&["2026-12-01", "Enter"]);
    tmux.wait_for("agreed for 2026-12-01");
    tmux.keys(&["send the proposal", "Enter"]);
    tmux.wait_for("Spoke: Cleo Cruz");
    assert_eq!(outcomes(&book, "cleo"), ["spoke"]);
    let history = book.run(&["history", "cleo", "--json"]).code(0).json();
    assert!(history.to_string().contains("send the proposal"), "{history}");

    // Bill is logged from another terminal meanwhile: the queue follows, without a key.
    book.run(&["log", "bill-jones", "no-answer", "--at", "2026-11-24T07:36"]).code(0);
    let deadline = Instant::now() + Duration::from_secs(20);
    while tmux.screen().contains("Bill Jones") {
        assert!(Instant::now() < deadline, "Bill, logged elsewhere, stays in the queue:\n{}", tmux.screen());
        std::thread::sleep(Duration::from_millis(50));
    }

    // ?: every key; any key closes it.
    tmux.keys(&["?"]);
    tmux.wait_for("undo the last event of this block");
    tmux.keys(&["x"]);

    // q: the block's summary, and a terminal back in its normal mode.
    tmux.keys(&["q"]);
    let screen = tmux.wait_for_printed("left in the queue");
    assert!(
        screen.contains("no-answer      Amy Ames") && screen.contains("spoke          Cleo Cruz"),
        "{screen}"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while !stty.exists() {
        assert!(Instant::now() < deadline, "stty never ran after dial");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
    let modes = std::fs::read_to_string(&stty).unwrap();
    assert!(modes.contains(" icanon") && modes.contains(" echo ") && !modes.contains("-icanon"), "{modes}");
}

#[test]
fn sigterm_and_a_resize_leave_the_terminal_usable() {
    let book = block();
    let out = tempfile::tempdir().unwrap();
    let stty = out.path().join("stty");
    let tmux = Tmux::start(&command(&book, &stty), &[("NO_COLOR", "1")]);
    tmux.wait_for("Amy Ames");
    // Larger, then back to 80x24: the layout follows.
    tmux.run(&["resize-window", "-t", "dial", "-x", "120", "-y", "30"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let screen = tmux.screen();
        // Redrawn at the new size: the card's border runs to the 120th column, and the footer
        // is drawn (a capture can catch the redraw halfway down the pane).
        if screen.lines().count() >= 29
            && screen.lines().any(|l| l.chars().count() >= 118 && l.ends_with('┐'))
            && screen.contains("4 left")
        {
            break;
        }
        assert!(Instant::now() < deadline, "the layout did not follow the resize:\n{screen}");
        std::thread::sleep(Duration::from_millis(50));
    }
    tmux.run(&["resize-window", "-t", "dial", "-x", "80", "-y", "24"]);
    tmux.wait_for("4 left");
    // NO_COLOR: no reverse video or bold in what the pane holds (capture-pane -e keeps them).
    let styled = tmux.run(&["capture-pane", "-e", "-p", "-t", "dial"]);
    assert!(
        !styled.contains("\u{1b}[7m") && !styled.contains("\u{1b}[1m"),
        "styled under NO_COLOR:\n{styled:?}"
    );
    ends_on_a_signal_with_the_terminal_given_back(&tmux, "TERM", &stty);
}

/// Sends `signal` to the dial the pane's shell runs, waits for the shell's `stty -a` after it,
/// and checks the terminal is back in its normal (canonical, echoing) mode.
fn ends_on_a_signal_with_the_terminal_given_back(tmux: &Tmux, signal: &str, stty: &Path) {
    let dial = tmux.dial_pid();
    Command::new("kill").args([&format!("-{signal}"), &dial]).status().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !stty.exists() {
        assert!(Instant::now() < deadline, "dial did not end on SIG{signal}:\n{}", tmux.screen());
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
    let modes = std::fs::read_to_string(stty).unwrap();
    assert!(modes.contains(" icanon") && !modes.contains("-icanon") && !modes.contains("-echo "), "{modes}");
}

#[test]
fn without_a_terminal_dial_says_what_it_needs() {
    let book = block();
    let ran = book.run(&["dial", "--at", "2026-11-24T07:35"]).code(2);
    assert!(ran.stderr.contains("ringback dial needs a terminal"), "{}", ran.stderr);
}

#[test]
fn every_outcome_key_writes_its_event_and_call_says_when_nothing_dials() {
    let mut config =
        BASE.replace("[notify.email]", "[notify.desktop]\nopen_with = \"/bin/false\"\n\n[notify.email]");
    for (id, name) in [
        ("gia", "Gia Gray"),
        ("max", "Max Moss"),
        ("eve", "Eve Ennis"),
        ("hal", "Hal Hart"),
        ("tom", "Tom Toll"),
    ] {
        config.push_str(&format!(
            "\n[prospects.{id}]\nname = \"{name}\"\nphone = \"+1 416 555 0100\"\ntimezone = \"America/Toronto\"\nsince = 2026-11-24\ncall_windows = [\"07:30-09:00\"]\n"
        ));
    }
    let book = Book::new(&config);
    let out = tempfile::tempdir().unwrap();
    let stty = out.path().join("stty");
    let tmux = Tmux::start(&command(&book, &stty), &[]);
    // Eve, Gia, Hal, Max, Tom (call order among equals: by id), then Bill in the evening.
    tmux.wait_for("Eve Ennis");
    // c: /bin/false takes nothing: the screen says so and gives the number.
    tmux.keys(&["c"]);
    tmux.wait_for("dial +1 416-555-0100 by hand");
    tmux.keys(&["e"]);
    tmux.wait_for("Emailed: Eve Ennis");
    tmux.keys(&["g"]);
    tmux.wait_for("Gatekeeper: Gia Gray");
    tmux.keys(&["m"]);
    tmux.wait_for("Meeting: Hal Hart");
    // z 1: Max is out of the queue for an hour (no event); z t: Tom snoozed to tomorrow.
    tmux.keys(&["z"]);
    tmux.wait_for("snooze: 1 an hour");
    tmux.keys(&["1"]);
    tmux.wait_for("Max Moss back at 08:35");
    tmux.keys(&["z"]);
    tmux.wait_for("snooze: 1 an hour");
    tmux.keys(&["t"]);
    let screen = tmux.wait_for("Snoozed: Tom Toll");
    // The queue was planned again after Tom's snooze: Max stays out for his hour.
    assert!(!screen.contains("Max Moss"), "{screen}");
    tmux.keys(&["q"]);
    tmux.wait_for_printed("left in the queue");
    assert_eq!(outcomes(&book, "eve"), ["emailed"]);
    assert_eq!(outcomes(&book, "gia"), ["gatekeeper"]);
    assert_eq!(outcomes(&book, "hal"), ["meeting"]);
    assert!(outcomes(&book, "max").is_empty());
    assert_eq!(outcomes(&book, "tom"), ["snooze"]);
    let tom = book.run(&["history", "tom", "--json"]).code(0).json();
    assert_eq!(tom["events"][0]["until"], "2026-11-25", "{tom}");
}

/// A dropped ssh session sends SIGHUP: the terminal is given back as for SIGTERM.
#[test]
fn sighup_gives_the_terminal_back() {
    let book = block();
    let out = tempfile::tempdir().unwrap();
    let stty = out.path().join("stty");
    let tmux = Tmux::start(&command(&book, &stty), &[]);
    let styled = {
        tmux.wait_for("Amy Ames");
        tmux.run(&["capture-pane", "-e", "-p", "-t", "dial"])
    };
    // With colour allowed, the selected line is in reverse video.
    assert!(styled.contains("\u{1b}[7m"), "{styled:?}");
    ends_on_a_signal_with_the_terminal_given_back(&tmux, "HUP", &stty);
}

/// A bug that panics inside the block gives the terminal back too (ratatui's panic hook): the
/// shell after it is in cooked mode with echo. (F12 panics only in the tests' build.)
#[test]
fn a_panic_gives_the_terminal_back() {
    let book = block();
    let out = tempfile::tempdir().unwrap();
    let stty = out.path().join("stty");
    let tmux = Tmux::start(&command(&book, &stty), &[]);
    tmux.wait_for("Amy Ames");
    tmux.run(&["send-keys", "-t", "dial", "F12"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !stty.exists() {
        assert!(Instant::now() < deadline, "dial did not end on its panic:\n{}", tmux.screen());
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
    let modes = std::fs::read_to_string(&stty).unwrap();
    assert!(modes.contains(" icanon") && !modes.contains("-icanon") && !modes.contains("-echo "), "{modes}");
    // Out of the alternate screen: the panic's message is on the shell's own screen.
    let scrollback = tmux.run(&["capture-pane", "-p", "-J", "-S", "-500", "-t", "dial"]);
    assert!(scrollback.contains("dial panicked because a test pressed F12"), "{scrollback}");
}

/// A card longer than 80×24 leaves room for (long notes, a long script): PgDn brings the end
/// of the script into view, the title says there is more, and the next prospect starts at the
/// top. The card shows who, the number, their time and window, why, the hook and the notes.
#[test]
fn a_long_card_scrolls_to_the_end_of_its_script() {
    let notes = "Runs the plant's maintenance budget; prefers calls before the shift change; ".repeat(4);
    let config = BASE.to_owned()
        + &format!(
            "\n[prospects.amy]\nname = \"Amy Ames\"\ncompany = \"Acme Co\"\nphone = \"+1 416 555 0001\"\ntimezone = \"America/Toronto\"\nsince = 2026-11-24\ncall_windows = [\"07:30-09:00\"]\nhook = \"the new line in Hamilton\"\nvalue = \"a maintenance plan that cuts unplanned downtime by a third across both plants\"\nnotes = \"{notes}\"\n"
        );
    let book = Book::new(&config);
    let out = tempfile::tempdir().unwrap();
    let tmux = Tmux::start(&command(&book, &out.path().join("stty")), &[("NO_COLOR", "1")]);
    let top = tmux.wait_for("Amy Ames (Acme Co) [amy]");
    for shown in [
        "+1 416-555-0001",
        "their time 07:35 · 07:30-09:00",
        "why: attempt 1 of 4",
        "hook: the new line",
        "notes: Runs the plant",
    ] {
        assert!(top.contains(shown), "missing `{shown}`:\n{top}");
    }
    assert!(top.contains("PgDn: more") && !top.contains("Again, it's Dana Reyes"), "{top}");
    tmux.run(&["send-keys", "-t", "dial", "NPage"]);
    tmux.run(&["send-keys", "-t", "dial", "NPage"]);
    let end = tmux.wait_for("PgUp: top");
    assert!(end.contains("Again, it's Dana Reyes"), "{end}");
    assert!(end.lines().all(|l| l.chars().count() <= 80) && end.lines().count() <= 24, "{end}");
}

/// Moving through the queue (j, k, the arrows) changes the card; `c` with an opener that
/// is not installed says so and gives the number to dial by hand.
#[test]
fn moving_through_the_queue_and_a_missing_opener() {
    let config = std::fs::read_to_string(block().config).unwrap();
    let book = Book::new(&config.replace(
        "[notify.email]",
        "[notify.desktop]\nopen_with = \"/nonexistent/tel-opener\"\n\n[notify.email]",
    ));
    let out = tempfile::tempdir().unwrap();
    let tmux = Tmux::start(&command(&book, &out.path().join("stty")), &[("NO_COLOR", "1")]);
    tmux.wait_for("┌ Amy Ames");
    tmux.keys(&["j"]);
    tmux.wait_for("┌ Ben Bell");
    tmux.keys(&["Down"]);
    tmux.wait_for("┌ Cleo Cruz");
    tmux.keys(&["k"]);
    tmux.wait_for("┌ Ben Bell");
    tmux.keys(&["Up"]);
    tmux.wait_for("┌ Amy Ames");
    tmux.keys(&["c"]);
    let screen = tmux.wait_for("dial +1 416-555-0001 by hand");
    assert!(screen.contains("cannot run /nonexistent/tel-opener ("), "{screen}");
    // Nothing was logged: a call that did not start is not an attempt.
    assert!(outcomes(&book, "amy").is_empty());
}

/// A terminal that goes away (its window closed; here the whole tmux server) takes the block
/// with it: no `ringback dial` is left behind spinning on a terminal nobody has.
#[test]
fn dial_ends_when_its_terminal_goes_away() {
    let book = block();
    let out = tempfile::tempdir().unwrap();
    let tmux = Tmux::start(&command(&book, &out.path().join("stty")), &[]);
    tmux.wait_for("Amy Ames");
    let dial = tmux.dial_pid();
    drop(tmux);
    let alive = || {
        Path::new(&format!("/proc/{dial}")).exists()
            && !std::fs::read_to_string(format!("/proc/{dial}/stat")).unwrap_or_default().contains(") Z ")
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while alive() {
        assert!(Instant::now() < deadline, "ringback dial (pid {dial}) outlived its terminal");
        std::thread::sleep(Duration::from_millis(50));
    }
}
