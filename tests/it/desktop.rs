//! Desktop notifications on a real session bus: dbus-run-session, dunst under Xvfb, the Notify
//! call recorded by dbus-monitor and read back with `dunstctl history`.

use std::path::Path;
use std::process::Command;

use crate::helpers::{BASE, Book, require};

/// Runs inside `dbus-run-session`: an X server, a monitor, dunst, then the command given;
/// waits for a notification, moves it to dunst's history and saves what each part saw.
const SCENARIO: &str = r#"#!/bin/sh
set -u
out=$1; shift
n=$DISPLAY_NUM
Xvfb :$n -nolisten tcp -screen 0 1024x768x24 >"$out/xvfb.log" 2>&1 &
xvfb=$!
export DISPLAY=:$n
i=0; while [ ! -e /tmp/.X11-unix/X$n ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
dbus-monitor --session "type='method_call',interface='org.freedesktop.Notifications',member='Notify'" >"$out/monitor.log" 2>&1 &
monitor=$!
dunst -config "$DUNSTRC" >"$out/dunst.log" 2>&1 &
dunst=$!
# NameHasOwner, unlike a call to the service, never triggers D-Bus activation.
owned() {
    dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.Notifications 2>/dev/null | grep -q true
}
i=0; while ! owned && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
"$@" >"$out/ringback.log" 2>&1 &
ringback=$!
i=0; while [ "$(dunstctl count displayed 2>/dev/null || echo 0)" = 0 ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
# dunst is set to close normal notifications after 1 s: a nudge with buttons must outlast that.
sleep 2.5
dunstctl count displayed >"$out/displayed" 2>&1
if [ -n "${RESTART:-}" ]; then
    # Killed with its nudge on screen; the next run must not leave dead buttons behind.
    notifies=$(( $(grep -c 'member=Notify' "$out/monitor.log") + ${SHOWN_AGAIN:-1} ))
    kill -KILL $ringback; wait $ringback 2>/dev/null
    if [ -n "${RESTART_SERVER:-}" ]; then
        # The notification server restarts too (its ids count from 1 again), and another
        # program's notification takes the id the dead nudge had.
        kill $dunst; wait $dunst 2>/dev/null
        i=0; while owned && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
        dunst -config "$DUNSTRC" >>"$out/dunst.log" 2>&1 &
        dunst=$!
        i=0; while ! owned && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
        notify-send -t 0 "Someone else" "not ringback's"
        notifies=$((notifies + 1))
    fi
    "$@" >>"$out/ringback.log" 2>&1 &
    ringback=$!
    i=0; while [ "$(grep -c 'member=Notify' "$out/monitor.log")" -lt $notifies ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
    sleep 0.5
    dunstctl count displayed >"$out/displayed-after-restart" 2>&1
fi
pressed=0
if [ -n "${PRESS:-}" ]; then
    # Each press opens dunst's context menu; the dmenu stand-in picks the button named in
    # $out/press, and the daemon logs the call before the next press.
    echo "$PRESS" | tr '|' '\n' | while read -r label; do
        pressed=$((pressed+1))
        printf '%s' "$label" >"$out/press"
        dunstctl context
        i=0; while [ "$(grep -c "from the notification" "$out/ringback.log")" -lt $pressed ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
        sleep 0.3
    done
fi
dunstctl close-all
sleep 0.2
dunstctl history >"$out/history.json" 2>"$out/history.err"
kill -TERM $ringback; wait $ringback; echo $? >"$out/ringback.exit"
kill $dunst $monitor $xvfb 2>/dev/null
wait 2>/dev/null
exit 0
"#;

/// A config in a fixed-offset zone where it is about noon now, with two calls whose window
/// opens in two minutes (so the nudge, five minutes ahead, is due at once).
pub fn noon_book() -> (String, String) {
    let now = jiff::Timestamp::now();
    let zone = noon_zone();
    let local = now.to_zoned(jiff::tz::TimeZone::get(&zone).unwrap());
    let opens = &local + jiff::SignedDuration::from_mins(2);
    let window = format!(
        "{}-{}",
        opens.strftime("%H:%M"),
        (opens.clone() + jiff::SignedDuration::from_mins(30)).strftime("%H:%M")
    );
    let today = local.date();
    let config = BASE
        .replace("timezone = \"America/Toronto\"", &format!("timezone = \"{zone}\"\nworkdays = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\", \"Sun\"]"))
        // Every day a workday, mine and theirs: the test holds whichever day it runs.
        .replace("[cadences.standard]", "[defaults]\nworkdays = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\", \"Sun\"]\n\n[cadences.standard]")
        .replace("[notify.email]", "[schedule]\ndigest = \"0 3 1 1 *\"\nnudge = \"5m\"\n\n[notify.email]")
        .replace("timezone = \"America/Vancouver\"\n", "")
        .replace("since = 2026-11-20", &format!("since = {today}"))
        .replace("17:00-18:30", &window)
        + &format!(
            "\n[prospects.evil]\nname = \"Eve Vil\"\ncompany = \"<b>Evil</b> & Co\"\nphone = \"+1 416 555 0666\"\nsince = {today}\ncall_windows = [\"{window}\"]\n"
        );
    (config, opens.strftime("%H:%M").to_string())
}

/// A fixed-offset zone where it is about noon now (12:00 to 12:59), far from midnight and
/// from any quiet hours.
pub fn noon_zone() -> String {
    let hour = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).hour() as i32;
    // Etc/GMT zones are named with the sign inverted: Etc/GMT-3 is UTC+3.
    match 12 - hour {
        0 => "Etc/GMT".to_owned(),
        o if o > 0 => format!("Etc/GMT-{o}"),
        o => format!("Etc/GMT+{}", -o),
    }
}

/// The zone `noon_book` put me in.
fn config_zone(config: &str) -> String {
    let line = config.lines().find(|l| l.starts_with("timezone = \"Etc/")).expect("the zone line");
    line.trim_start_matches("timezone = \"").trim_end_matches('"').to_owned()
}

fn free_display() -> u32 {
    (90..200).find(|n| !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()).expect("a free X display")
}

/// One run of [`SCENARIO`] on [`noon_book`] with its Call button opening a stub: the buttons
/// named in `press` (`|` between them) are pressed, after a `kill -9` and restart if `restart`.
struct Scenario {
    out: tempfile::TempDir,
    book: Book,
    config: String,
    opens: String,
}

impl Scenario {
    fn run(press: &str, restart: bool) -> Scenario {
        Scenario::run_with(press, if restart { &[("RESTART", "1")] } else { &[] })
    }

    fn run_with(press: &str, env: &[(&str, &str)]) -> Scenario {
        Scenario::run_on(press, env, &|config| config)
    }

    /// [`Scenario::run_with`] on [`noon_book`] as `edit` changes it.
    fn run_on(press: &str, env: &[(&str, &str)], edit: &dyn Fn(String) -> String) -> Scenario {
        require(&["dbus-run-session", "dbus-monitor"], "dbus");
        require(&["Xvfb"], "xvfb");
        require(&["dunst", "dunstctl"], "dunst");
        let (config, opens) = noon_book();
        let config = edit(config);
        let out = tempfile::tempdir().unwrap();
        // The Call button opens the number with a stub the test installs in place of xdg-open.
        let stub = out.path().join("open-tel");
        // It exits with $OPENER_EXIT, as xdg-open exits 3 when nothing takes `tel:`.
        std::fs::write(
            &stub,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}/opened'\nexit ${{OPENER_EXIT:-0}}\n",
                out.path().display()
            ),
        )
        .unwrap();
        crate::helpers::set_mode(&stub, 0o755);
        // (Unless the test names an opener of its own.)
        let config = if config.contains("open_with") {
            config
        } else {
            config.replace(
                "[schedule]",
                &format!("[notify.desktop]\nopen_with = \"{}\"\n\n[schedule]", stub.display()),
            )
        };
        let book = Book::new(&config);
        let script = out.path().join("scenario.sh");
        std::fs::write(&script, SCENARIO).unwrap();
        crate::helpers::set_mode(&script, 0o755);
        let dunstrc = out.path().join("dunstrc");
        let pick = out.path().join("pick.sh");
        // dunst feeds its context menu to `dmenu` as lines like
        // `#Left voicemail: Bill Jones (Call at 12:02: ...) [7,voicemail:bill-jones]`.
        std::fs::write(&pick, format!("#!/bin/sh\ngrep -m1 \"^#$(cat {}/press)\"\n", out.path().display()))
            .unwrap();
        crate::helpers::set_mode(&pick, 0o755);
        std::fs::write(
            &dunstrc,
            format!(
                "[global]\n    dmenu = {}\n[urgency_low]\n    timeout = 1\n[urgency_normal]\n    timeout = 1\n[urgency_critical]\n    timeout = 1\n",
                pick.display()
            ),
        )
        .unwrap();
        let mut command = Command::new("dbus-run-session");
        command
            .arg("--")
            .arg(&script)
            .arg(out.path())
            .args([
                env!("CARGO_BIN_EXE_ringback"),
                "--config",
                book.config.to_str().unwrap(),
                "--state",
                book.state.to_str().unwrap(),
                "run",
            ])
            .env("DISPLAY_NUM", free_display().to_string())
            .env("DUNSTRC", &dunstrc)
            .env("PRESS", press.replace("{opens}", &opens))
            .env("RUST_LOG", "info");
        command.envs(env.iter().copied());
        assert!(command.status().unwrap().success());
        Scenario { out, book, config, opens }
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.out.path().join(name)).unwrap_or_default()
    }
}

#[test]
fn a_nudge_reaches_dunst_over_the_session_bus() {
    // Their time as the nudge shows it: the hour when it ran, on either side of the run.
    let hour =
        |config: &str| jiff::Zoned::now().in_tz(&config_zone(config)).unwrap().strftime("%H:").to_string();
    let (config, _) = noon_book();
    let hour_before = hour(&config);
    // dunst lists each button as `#LABEL (SUMMARY) [ID,ACTION]`: one notification each.
    let run = Scenario::run(
        // After Call, Bill's nudge says it is calling him, buttons kept.
        "Call (Call at {opens}: Bill Jones)|Left voicemail (Calling Bill Jones|No answer (Call at {opens}: Eve Vil)",
        false,
    );
    let (book, config, opens) = (&run.book, &run.config, &run.opens);
    let read = |name: &str| run.read(name);
    let log = read("ringback.log");
    let monitor = read("monitor.log");
    assert!(
        monitor.contains("member=Notify"),
        "no Notify call seen by dbus-monitor:\n{monitor}\nringback:\n{log}"
    );
    // One notification per prospect, each with its own buttons.
    for summary in [format!("Call at {opens}: Bill Jones"), format!("Call at {opens}: Eve Vil")] {
        assert!(monitor.contains(&summary), "{monitor}");
    }
    assert!(monitor.contains("+1 604-555-0100"), "{monitor}");
    let hour_after = hour(config);
    assert!(
        [hour_before, hour_after].iter().any(|h| monitor.contains(&format!("their time {h}"))),
        "{monitor}"
    );
    // Call opened the number and logged nothing; the nudge stayed up for what happened.
    assert_eq!(read("opened"), "tel:+16045550100\n", "{log}");
    assert!(monitor.contains("Calling Bill Jones on +1 604-555-0100"), "{monitor}");
    // Regression: with no expire timeout, dunst closed the nudge (and its buttons) after its
    // default timeout (1 s here).
    assert_eq!(read("displayed").trim(), "2", "the nudges did not stay up\ndunst:\n{}", read("dunst.log"));
    // The body is escaped for markup: dunst shows the company as typed.
    assert!(monitor.contains("&lt;b&gt;Evil&lt;/b&gt; &amp; Co"), "{monitor}");
    assert_eq!(read("ringback.exit").trim(), "0", "{log}");
    // The button logged the voicemail, with the promise its script named; the nudge became a
    // confirmation saying what comes next.
    assert!(
        log.contains("logged voicemail for Bill Jones from the notification"),
        "{log}\ndunst:\n{}",
        read("dunst.log")
    );
    assert!(monitor.contains("Left voicemail: Bill Jones — promised callback "), "{monitor}");
    // Eve's nudge is heard too (regression: once, only a grouped nudge's first button was).
    assert!(
        log.contains("logged no-answer for Eve Vil from the notification"),
        "{log}\ndunst:\n{}",
        read("dunst.log")
    );
    let history = read("history.json");
    assert!(history.contains("No answer: Eve Vil — next call "), "{history}");
    let history = book.run(&["history", "bill-jones", "--json"]).code(0).json();
    assert_eq!(history["events"][0]["outcome"], "voicemail");
    assert_eq!(history["events"][0]["no_promise"], false);
    let json = book.run(&["agenda", "--days", "10", "--json"]).code(0).json();
    let kinds: Vec<&str> = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["prospect"] == "bill-jones")
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"promise"), "{json}");
}

#[test]
fn a_killed_daemons_nudge_is_taken_down_and_shown_again_with_live_buttons() {
    let run =
        Scenario::run_with("No answer (Call at {opens}: Eve Vil)", &[("RESTART", "1"), ("SHOWN_AGAIN", "2")]);
    let (log, monitor) = (run.read("ringback.log"), run.read("monitor.log"));
    let dunst = run.read("dunst.log");
    assert_eq!(run.read("displayed").trim(), "2", "the first nudges were not shown\n{log}\n{dunst}");
    // Regression: after `kill -9` the nudges stayed with dead buttons and the next run, their
    // keys recorded as delivered, neither closed nor showed them again.
    assert_eq!(
        monitor.matches("member=Notify").count(),
        5,
        "shown (2), shown again (2), confirmed (1):\n{monitor}\n{log}"
    );
    assert!(log.contains("took down 2 nudges the last run left on screen; 2 items to show again"), "{log}");
    assert_eq!(
        run.read("displayed-after-restart").trim(),
        "2",
        "the dead nudges were not taken down (or the live ones not shown)\n{log}\n{dunst}"
    );
    // The press reached the new daemon through the nudge it showed.
    assert!(
        log.contains("logged no-answer for Eve Vil from the notification"),
        "{log}
{dunst}"
    );
    let history = run.book.run(&["history", "evil", "--json"]).code(0).json();
    assert_eq!(history["events"][0]["outcome"], "no-answer", "{history}");
}

/// A notification id means something only to the server that gave it: after the server
/// restarts, the dead nudge's id may be another program's notification, which stays.
#[test]
fn a_killed_daemons_nudge_ids_are_not_closed_on_a_restarted_server() {
    require(&["notify-send"], "libnotify-bin");
    let run = Scenario::run_with(
        "No answer (Call at {opens}: Eve Vil)",
        &[("RESTART", "1"), ("RESTART_SERVER", "1"), ("SHOWN_AGAIN", "2")],
    );
    let (log, monitor) = (run.read("ringback.log"), run.read("monitor.log"));
    assert!(monitor.contains("Someone else"), "{monitor}");
    assert!(log.contains("took down 0 nudges the last run left on screen; 2 items to show again"), "{log}");
    // The other program's notification and the two nudges shown again are all up.
    assert_eq!(run.read("displayed-after-restart").trim(), "3", "{log}\n{}", run.read("dunst.log"));
    assert!(log.contains("logged no-answer for Eve Vil from the notification"), "{log}");
}

/// A NUL cannot travel in a D-Bus string: a name holding one (and a terminal title escape)
/// still gets its nudge onto the bus, the control characters gone.
#[test]
fn a_name_with_control_characters_still_gets_its_nudge_onto_the_bus() {
    let bus = crate::helpers::SessionBus::start();
    let (config, opens) = noon_book();
    let config = config.replace("name = \"Eve Vil\"", "name = \"Eve\\u0000Vil\\u001B]0;pwned\\u0007\"");
    assert!(config.contains("\\u0000"), "the book names Eve with a NUL");
    let book = Book::new(&config);
    let daemon = crate::process::Daemon::start(&book, &[("DBUS_SESSION_BUS_ADDRESS", &bus.address)]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let summary = format!("Call at {opens}: Eve");
    while !bus.monitor().contains(&summary) {
        assert!(
            std::time::Instant::now() < deadline,
            "no nudge on the bus:\n{}\n{}",
            bus.monitor(),
            daemon.log()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let monitor = bus.monitor();
    let line = monitor.lines().find(|l| l.contains(&summary)).unwrap();
    assert!(line.contains("Vil") && !line.contains("pwned\u{7}") && !line.contains('\u{1b}'), "{line}");
    assert_eq!(daemon.terminate(), 0);
}

/// The Call button when nothing opens `tel:` (xdg-open exits 3): the nudge says so and gives
/// the number to dial by hand, rather than "Calling …".
#[test]
fn a_call_nothing_can_open_says_so_and_shows_the_number() {
    let run = Scenario::run_with("Call (Call at {opens}: Bill Jones)", &[("OPENER_EXIT", "3")]);
    let (log, monitor) = (run.read("ringback.log"), run.read("monitor.log"));
    assert_eq!(run.read("opened"), "tel:+16045550100\n", "{log}");
    assert!(
        monitor.contains("Nothing on this desktop opens tel: links (")
            && monitor.contains("exited 3): dial +1 604-555-0100 by hand"),
        "{monitor}\n{log}"
    );
    assert!(!monitor.contains("Calling Bill Jones"), "{monitor}");
}

#[test]
fn without_a_session_bus_desktop_is_one_warning_and_email_still_goes() {
    let (config, _) = noon_book();
    let book = Book::new(&config.replace("digest = \"0 3 1 1 *\"", "digest = \"* * * * *\""));
    let mut command = Command::new(env!("CARGO_BIN_EXE_ringback"));
    command
        .args(["--config", book.config.to_str().unwrap(), "--state", book.state.to_str().unwrap(), "run"])
        .env_clear()
        .env("RUST_LOG", "info")
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .stderr(std::process::Stdio::piped());
    crate::helpers::keep_faked_clock(&mut command);
    let child = command.spawn().unwrap();
    let outbox = book.config.parent().unwrap().join("outbox");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(70);
    while std::fs::read_dir(&outbox).map(|d| d.count()).unwrap_or(0) == 0 {
        assert!(std::time::Instant::now() < deadline, "no digest email within a minute");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let log = String::from_utf8_lossy(&output.stderr);
    assert_eq!(log.matches("desktop notifications are unavailable").count(), 1, "{log}");
}

/// The calls of a crowded window on a real dunst: one notification per prospect for the first
/// five, critical only for the promise already late, one for the rest; a press on one of the
/// five moves the next of the rest up to a nudge of its own, and the rest counts again.
#[test]
fn a_crowded_window_on_dunst_five_nudges_a_critical_late_promise_and_the_rest_moving_up() {
    let yesterday = jiff::Zoned::now().in_tz(&noon_zone()).unwrap().date().yesterday().unwrap();
    let run = Scenario::run_on("No answer (Call at {opens}: Eve Vil)", &[], &|config| {
        let window = config.lines().find(|l| l.starts_with("call_windows = [\"")).unwrap().to_owned();
        let since = config.lines().find(|l| l.starts_with("since = ")).unwrap().to_owned();
        let mut config = config.replace(
            "relationship = \"warm\"",
            &format!("relationship = \"warm\"\npromised_callback = {yesterday}"),
        );
        let today = since.trim_start_matches("since = ");
        for (i, name) in ["Aarav Shah", "Bina Rao", "Chetan Iyer", "Divya Nair", "Esha Menon", "Farhan Ali"]
            .iter()
            .enumerate()
        {
            // Bina agreed a next step for today; the others are called for a value.
            let why = if i == 1 {
                format!("next_step = {{ on = {today}, what = \"send the proposal\" }}")
            } else {
                "value = \"a shorter month-end close\"".to_owned()
            };
            config.push_str(&format!(
                "\n[prospects.p{i}]\nname = \"{name}\"\nphone = \"+1 416 555 01{i:02}\"\n{since}\n{window}\n{why}\n"
            ));
        }
        config
    });
    let (log, monitor, opens) = (run.read("ringback.log"), run.read("monitor.log"), &run.opens);
    // dbus-monitor prints each Notify call as one block: its summary, then its hints.
    let calls: Vec<&str> = monitor.split("method call").filter(|b| b.contains("member=Notify")).collect();
    let block = |summary: &str| calls.iter().find(|b| b.contains(summary)).copied();
    let first: Vec<String> = calls
        .iter()
        .take(6)
        .map(|b| {
            b.lines()
                .nth(4)
                .unwrap_or_default()
                .trim()
                .trim_start_matches("string ")
                .trim_matches('"')
                .to_owned()
        })
        .collect();
    assert_eq!(
        first,
        [
            format!("Call at {opens}: Bill Jones"),
            format!("Call at {opens}: Bina Rao"),
            format!("Call at {opens}: Eve Vil"),
            format!("Call at {opens}: Aarav Shah"),
            format!("Call at {opens}: Chetan Iyer"),
            format!("and 3 more at {opens} — `ringback dial`"),
        ],
        "{monitor}\n{log}"
    );
    // Critical (urgency 2) only on Bill's: his promise was for yesterday.
    let urgency = |summary: &str| block(summary).map(|b| b.contains("byte 2"));
    assert_eq!(urgency(&format!("Call at {opens}: Bill Jones")), Some(true), "{monitor}");
    assert_eq!(urgency(&format!("Call at {opens}: Eve Vil")), Some(false), "{monitor}");
    assert!(block(&format!("Call at {opens}: Bill Jones")).unwrap().contains("keep your word"), "{monitor}");
    // Eve was logged from her nudge: Divya moved up, and the rest names two.
    assert!(log.contains("logged no-answer for Eve Vil from the notification"), "{log}");
    assert!(block(&format!("Call at {opens}: Divya Nair")).is_some(), "{monitor}\n{log}");
    // The rest's notification is replaced, not shown anew: its id is three after Eve's (the
    // third shown, whose id her confirmation replaced; dunst counts ids up in this session).
    let id_of = |b: &str| -> u32 {
        b.lines().nth(2).and_then(|l| l.trim().strip_prefix("uint32 ")).and_then(|n| n.parse().ok()).unwrap()
    };
    let recount = block(&format!("and 2 more at {opens} — `ringback dial`")).expect("the rest counted again");
    let eve = id_of(block("No answer: Eve Vil").expect("Eve's confirmation"));
    assert!(eve > 0, "{monitor}");
    assert_eq!(id_of(recount), eve + 3, "{monitor}");
    // The sentence that matters: the agreed step, else the value.
    assert!(
        block(&format!("Call at {opens}: Bina Rao"))
            .unwrap()
            .contains("Agreed next step: send the proposal."),
        "{monitor}"
    );
    assert!(
        block(&format!("Call at {opens}: Aarav Shah")).unwrap().contains("Value: a shorter month-end close"),
        "{monitor}"
    );
    assert_eq!(
        run.read("displayed").trim(),
        "6",
        "five nudges and the rest stay up\n{}",
        run.read("dunst.log")
    );
}

/// The Call button when its opener cannot even start (not installed): the nudge says so and
/// gives the number to dial by hand.
#[test]
fn a_call_with_a_missing_opener_says_so_and_shows_the_number() {
    let run = Scenario::run_on("Call (Call at {opens}: Bill Jones)", &[], &|config| {
        config
            .replace("[schedule]", "[notify.desktop]\nopen_with = \"/nonexistent/tel-opener\"\n\n[schedule]")
    });
    let (log, monitor) = (run.read("ringback.log"), run.read("monitor.log"));
    assert!(
        monitor.contains("Cannot run /nonexistent/tel-opener (")
            && monitor.contains("dial +1 604-555-0100 by hand"),
        "{monitor}\n{log}"
    );
    assert!(!monitor.contains("Calling Bill Jones"), "{monitor}");
}
