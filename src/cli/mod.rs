//! The command line: clap definitions, one function per command, and the exit codes
//! (0 ok, 1 runtime error, 2 usage, 78 invalid config).
//!
//! Edge, the outermost: it may use every other module and nothing uses it.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use jiff::civil::{Date, DateTime};
use jiff::{Timestamp, Zoned};

use crate::config::{Config, ConfigError, Lookup, NextStep, Prospect};
use crate::files::Paths;
use crate::phone::Readings;
use crate::plan::{self, Class, Event, History, Outcome, PromiseChoice};
use crate::render::Scripts;
use crate::render::{self, Style};
use crate::state::State;

mod dial;
mod edit;
mod install;

/// Exit code for an invalid config (EX_CONFIG), so systemd does not restart-loop on it.
pub const EXIT_CONFIG: u8 = 78;

#[derive(Debug, Parser)]
#[command(
    name = "ringback",
    version,
    about = "Get your calls returned: who to call next, when, and what to say."
)]
pub struct Cli {
    /// Config file [default: $XDG_CONFIG_HOME/ringback/ringback.toml]
    #[arg(long, global = true, env = "RINGBACK_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// State database [default: $XDG_STATE_HOME/ringback/ringback.db]
    #[arg(long, global = true, env = "RINGBACK_STATE", value_name = "PATH")]
    pub state: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the daemon in the foreground (digest, nudges, reload).
    Run,
    /// Validate the config and list ids kept in the state but gone from the config.
    Check,
    /// What is due by the end of the day, in agenda order.
    Agenda {
        /// As of TIME in me.timezone: 07:40, yesterday 16:00, 2026-11-24, 2026-11-24T07:40, or RFC 3339 [default: now]
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// Cover this many days from that day.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=366))]
        days: u32,
        /// As JSON, in the shape the README documents
        #[arg(long)]
        json: bool,
    },
    /// The one thing to do now.
    Next {
        /// As of TIME in me.timezone: 07:40, yesterday 16:00, 2026-11-24, 2026-11-24T07:40, or RFC 3339 [default: now]
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// As JSON, in the shape the README documents
        #[arg(long)]
        json: bool,
    },
    /// Record what happened with a prospect.
    Log(LogArgs),
    /// Take back the last logged event (of one prospect), and show what is due for them now.
    Undo {
        /// A prospect (id, id prefix or name) [default: the last event logged for anyone]
        #[arg(add = clap_complete::ArgValueCandidates::new(install::prospect_ids))]
        id: Option<String>,
    },
    /// A prospect's logged events.
    History {
        /// The prospect: its id, the start of it, its name, or the id of one gone from the config
        #[arg(add = clap_complete::ArgValueCandidates::new(install::prospect_ids))]
        id: String,
        /// As JSON, in the shape the README documents
        #[arg(long)]
        json: bool,
    },
    /// Print the morning digest (or send it now with --send).
    Digest {
        /// The digest as it would be at TIME in me.timezone: 07:00, tomorrow 07:00, 2026-11-24T07:00, or RFC 3339 [default: now]
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// Send it now through notify.email instead of printing it (the file transport
        /// prints the path of the .eml it wrote).
        #[arg(long)]
        send: bool,
    },
    /// Write a commented starter config (never overwrites).
    Init,
    /// Add a prospect to the config (comments and layout kept).
    Add(Box<edit::AddArgs>),
    /// Change a prospect's fields in the config: `set carla status=paused`.
    Set(edit::SetArgs),
    /// Add prospects from a CSV export of contacts or a CRM, guessing each one's zone.
    Import(edit::ImportArgs),
    /// The plan as an iCalendar file (to stdout), or with --url where the daemon serves it.
    Ics {
        /// Cover this many days from today
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=366))]
        days: u32,
        /// As of TIME in me.timezone: 07:40, yesterday 16:00, 2026-11-24, 2026-11-24T07:40, or RFC 3339 [default: now]
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// Print the feed's URL for a calendar to subscribe to (needs `calendar.listen`)
        #[arg(long, conflicts_with_all = ["days", "at"])]
        url: bool,
        /// Replace the URL's secret token and print the new URL: the old one answers 404 at once
        #[arg(long, conflicts_with_all = ["days", "at", "url"])]
        new_token: bool,
    },
    /// Shell completions, to stdout: `ringback completions bash > ~/.local/share/bash-completion/completions/ringback`.
    Completions {
        /// bash, zsh or fish (also elvish, powershell)
        shell: clap_complete::Shell,
    },
    /// The ringback(1) manual page (roff), to stdout: `ringback man | man -l -`.
    Man,
    /// What works: calls, connect rates by attempt, their local time and weekday, emails,
    /// promises kept, and where every prospect stands.
    Stats {
        /// First day, YYYY-MM-DD in me.timezone [default: four weeks ago]
        #[arg(long, value_name = "DATE")]
        since: Option<Date>,
        /// Last day, YYYY-MM-DD in me.timezone [default: today]
        #[arg(long, value_name = "DATE")]
        until: Option<Date>,
        /// As JSON, in the shape the README documents
        #[arg(long)]
        json: bool,
        /// The weekly review instead: a week's calls, contacts, promises, best and worst
        /// window, and the four weeks to it
        #[arg(long, conflicts_with_all = ["since", "until"])]
        review: bool,
        /// With --review: the week (Monday to Sunday) holding DATE [default: last week]
        #[arg(long, value_name = "DATE", requires = "review")]
        week: Option<Date>,
    },
    /// Today's calls one after another, full-screen: a card per prospect and one key per
    /// outcome (c call, v voicemail, n no answer, s spoke, ? every key, q quit).
    Dial {
        /// As of TIME in me.timezone: 07:40, yesterday 16:00, 2026-11-24T07:40, or RFC 3339 [default: now]; events are logged at that instant
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
    },
    /// Explain one prospect: where they stand, what is pending, and why they are or are not
    /// on the day's list.
    Why {
        /// The prospect: its id, the start of it, or its name
        #[arg(add = clap_complete::ArgValueCandidates::new(install::prospect_ids))]
        id: String,
        /// As of TIME in me.timezone: 07:40, yesterday 16:00, 2026-11-24, 2026-11-24T07:40, or RFC 3339 [default: now]
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
    },
    /// The mailbox (`[mailbox]`): connect, list the folders ringback reads and writes, and say
    /// what it would log from the lookback, writing nothing.
    Mailbox {
        /// Connect and report (the only thing this command does; `ringback run` reads the mail)
        #[arg(long, required = true)]
        check: bool,
        /// As of TIME in me.timezone: 07:40, yesterday 16:00, 2026-11-24, 2026-11-24T07:40, or RFC 3339 [default: now]
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
    },
}

#[derive(Debug, clap::Args)]
pub struct LogArgs {
    /// The prospect: its id (its key in the prospects table), the start of it, or its name
    #[arg(add = clap_complete::ArgValueCandidates::new(install::prospect_ids))]
    pub id: String,
    /// voicemail, no-answer, gatekeeper, emailed, spoke, replied, meeting, drip-sent,
    /// not-interested, won, lost, opted-out or snooze; any case, `no answer` for `no-answer`,
    /// and the short forms vm, na, gk and ni
    #[arg(
        value_name = "OUTCOME",
        num_args = 1..=2,
        required = true,
        add = clap_complete::ArgValueCandidates::new(install::outcomes)
    )]
    pub outcome: Vec<String>,
    /// When it happened, in me.timezone: 07:40, yesterday 16:00, 2026-11-24T07:40, or RFC 3339 [default: now]
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// What happened, in your words (kept in the history)
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    /// You told them you will call on DATE unless you hear back first.
    #[arg(long, value_name = "DATE", conflicts_with = "no_promise")]
    pub promise: Option<Date>,
    /// A voicemail that promised nothing.
    #[arg(long)]
    pub no_promise: bool,
    /// An agreed next step on DATE (with --what).
    #[arg(long, value_name = "DATE", requires = "what")]
    pub next_step: Option<Date>,
    /// What was agreed for the next step
    #[arg(long, value_name = "TEXT", requires = "next_step")]
    pub what: Option<String>,
    /// For snooze: nothing is due before DATE.
    #[arg(long, value_name = "DATE")]
    pub until: Option<Date>,
    /// For drip-sent: which drip item went out [default: the next in rotation].
    #[arg(long, value_name = "TITLE")]
    pub item: Option<String>,
}

/// Why a command failed, which decides the exit code.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Usage(String),
    /// Anything else, as one line (the errors behind it quote their causes in their messages).
    #[error("{0}")]
    Runtime(String),
}

impl From<crate::state::StateError> for Failure {
    fn from(e: crate::state::StateError) -> Self {
        Failure::Runtime(e.to_string())
    }
}

impl From<crate::daemon::Error> for Failure {
    fn from(e: crate::daemon::Error) -> Self {
        match e {
            crate::daemon::Error::Config(e) => Failure::Config(e),
            other => Failure::Runtime(other.to_string()),
        }
    }
}

impl Failure {
    fn runtime(message: impl Into<String>) -> Failure {
        Failure::Runtime(message.into())
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Config(_) => EXIT_CONFIG,
            Failure::Usage(_) => 2,
            Failure::Runtime(_) => 1,
        }
    }
}

/// Colour for terminal output: only on a TTY, never with `NO_COLOR`.
fn style() -> Style {
    use std::io::IsTerminal;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let tty = std::io::stdout().is_terminal();
    // `COLUMNS` first (a user's choice, or a pager's), then the terminal's own width.
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .or_else(|| {
            tty.then(|| rustix::termios::tcgetwinsize(std::io::stdout()).ok())
                .flatten()
                .map(|size| usize::from(size.ws_col))
        })
        .filter(|w| *w >= 20);
    Style { colour: !no_color && tty, width }
}

/// Colour for diagnostics on stderr, by the same rules.
fn colour_on_stderr() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

/// Parses the process's arguments and runs; the binary's whole `main`.
pub fn main() -> ExitCode {
    // Everything ringback writes names prospects: the state, its folder, .eml files, the
    // lock. Private by default, whatever the login's umask.
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    install::complete_if_asked();
    let cli = Cli::parse();
    // The daemon says what it does; one-shot commands only warn.
    init_logging(if matches!(cli.command, Command::Run) { "info" } else { "warn" });
    let result = run(cli);
    flush_log();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            let _ = std::io::stdout().flush();
            let _ = writeln!(std::io::stderr(), "ringback: {failure}");
            ExitCode::from(failure.exit_code())
        }
    }
}

/// Runs one command.
///
/// # Errors
/// A [`Failure`] whose [`Failure::exit_code`] the binary exits with.
pub fn run(cli: Cli) -> Result<(), Failure> {
    let config_path = cli.config.clone().unwrap_or_else(crate::files::default_config_path);
    let state_path = cli.state.clone().unwrap_or_else(crate::files::default_state_path);
    let paths = Paths { config: config_path, state: state_path };
    match cli.command {
        Command::Init => init(&paths.config),
        Command::Check => check(&paths),
        Command::Agenda { at, days, json } => agenda(&paths, at.as_deref(), days, json),
        Command::Next { at, json } => next(&paths, at.as_deref(), json),
        Command::Log(args) => log(&paths, args),
        Command::History { id, json } => history(&paths, &id, json),
        Command::Undo { id } => undo(&paths, id.as_deref()),
        Command::Digest { at, send } => digest(&paths, at.as_deref(), send),
        Command::Run => daemon(&paths),
        Command::Add(args) => edit::add(&paths, *args),
        Command::Set(args) => edit::set(&paths, args),
        Command::Import(args) => edit::import(&paths, args),
        Command::Ics { days, at, url, new_token } => ics(&paths, days, at.as_deref(), url, new_token),
        Command::Completions { shell } => install::completions(shell),
        Command::Man => install::man(),
        Command::Why { id, at } => why(&paths, &id, at.as_deref()),
        Command::Mailbox { at, .. } => mailbox_check(&paths, at.as_deref()),
        Command::Dial { at } => dial::dial(&paths, at.as_deref()),
        Command::Stats { since, until, json, review: false, .. } => stats(&paths, since, until, json),
        Command::Stats { json, review: true, week, .. } => weekly_review(&paths, week, json),
    }
}

fn daemon(paths: &Paths) -> Result<(), Failure> {
    // Signals first: a SIGTERM while a large book is parsed still ends in an orderly exit.
    let shutdown = tokio_util::sync::CancellationToken::new();
    crate::daemon::watch_signals(shutdown.clone())
        .map_err(|e| Failure::runtime(format!("cannot listen for SIGTERM/SIGINT: {e}")))?;
    // Validate before starting the runtime, so an invalid config exits 78 at once (without
    // the kept readings, which the daemon would otherwise hold for its whole life).
    crate::files::read_config(&paths.config)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::runtime(format!("cannot start the runtime: {e}")))?;
    let result = runtime.block_on(crate::daemon::run(paths, shutdown, crate::daemon::Options::default()));
    let result = result.map_err(Failure::from);
    // Dropping a runtime waits for background work (a large digest half built); on SIGTERM
    // nothing of it is needed, and systemd expects an exit within seconds.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    result
}

/// Parses `--at` by the real clock; see [`parse_at_from`].
///
/// # Errors
/// A usage failure naming the accepted forms.
pub fn parse_at(text: &str, config: &Config) -> Result<Timestamp, Failure> {
    parse_at_from(text, config, Timestamp::now())
}

/// Parses `--at` as of `now`: RFC 3339; `YYYY-MM-DD[THH:MM[:SS]]` (or with a space for the `T`)
/// in my zone; or a time of day in my zone, `07:40`, today unless preceded by `yesterday` or
/// `tomorrow` (`today`, `yesterday` and `tomorrow` alone mean the start of that day).
///
/// # Errors
/// A usage failure naming the accepted forms.
pub fn parse_at_from(text: &str, config: &Config, now: Timestamp) -> Result<Timestamp, Failure> {
    parse_at_in(text, &config.me.timezone, &config.me.timezone_name, now)
}

/// [`parse_at_from`] in the zone `tz`, named `zone` in errors.
fn parse_at_in(
    text: &str,
    tz: &jiff::tz::TimeZone,
    zone: &str,
    now: Timestamp,
) -> Result<Timestamp, Failure> {
    let tz = tz.clone();
    // Plans are made for dates in the supported range only (see config::in_range).
    let in_range =
        |date: Date| crate::config::in_range(date).map_err(|m| Failure::Usage(format!("--at: {m}")));
    if let Ok(ts) = text.parse::<Timestamp>() {
        in_range(ts.to_zoned(tz).date())?;
        return Ok(ts);
    }
    let civil = text
        .parse::<DateTime>()
        .ok()
        .filter(|_| text.contains('T') || text.contains(' '))
        .or_else(|| text.parse::<Date>().ok().map(|d| d.to_datetime(jiff::civil::Time::midnight())))
        .or_else(|| relative_at(text, now.to_zoned(tz.clone()).date()));
    let Some(civil) = civil else {
        return Err(Failure::Usage(format!(
            "invalid time `{text}`: --at takes a time in {zone}, as 07:40, yesterday 16:00, today, \
             2026-11-24, 2026-11-24T07:40 (or 2026-11-24 07:40), or an RFC 3339 instant \
             (2026-11-24T07:40:00-05:00)"
        )));
    };
    in_range(civil.date())?;
    civil
        .to_zoned(tz)
        .map(|z| z.timestamp())
        .map_err(|e| Failure::Usage(format!("--at: `{text}` has no time in {zone}: {e}")))
}

/// `07:40`, `yesterday 16:00`, `tomorrow`: a day named relative to `today`, and a time of day.
fn relative_at(text: &str, today: Date) -> Option<DateTime> {
    let words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
    let (day, time) = match words.as_slice() {
        [one] if one.contains(':') => (None, Some(one.as_str())),
        [day] => (Some(day.as_str()), None),
        [day, time] => (Some(day.as_str()), Some(time.as_str())),
        _ => return None,
    };
    let date = match day {
        None | Some("today") => today,
        Some("yesterday") => today.yesterday().ok()?,
        Some("tomorrow") => today.tomorrow().ok()?,
        Some(_) => return None,
    };
    let time = match time {
        None => jiff::civil::Time::midnight(),
        Some(time) => time.parse::<jiff::civil::Time>().ok()?,
    };
    Some(date.to_datetime(time))
}

fn load(paths: &Paths) -> Result<Config, Failure> {
    let phones = known_phones(paths, false);
    let config = load_with(paths, &phones)?;
    keep_until_exit(phones);
    Ok(config)
}

/// [`load`], with what the book's phone numbers read as (for the state to keep).
fn load_keeping(paths: &Paths) -> Result<(Config, Readings), Failure> {
    let phones = known_phones(paths, true);
    let config = load_with(paths, &phones)?;
    Ok((config, phones))
}

/// The config, its phone numbers read with `phones` (see [`Readings`]).
fn load_with(paths: &Paths, phones: &Readings) -> Result<Config, Failure> {
    let t = std::time::Instant::now();
    let c = crate::files::read_config_with(&paths.config, phones)?;
    tracing::debug!(elapsed = ?t.elapsed(), "config loaded");
    Ok(c)
}

/// What the book's numbers read as in earlier runs (see [`State::known_phones`]).
pub(crate) fn known_phones(paths: &Paths, keeping: bool) -> Readings {
    State::known_phones(&paths.state, keeping)
}

/// The config, and the state opened (created or migrated if need be) with its history, read
/// at once on two threads (see [`load_and_read`]); first sightings of config entries and what
/// the book's numbers read as are then recorded, unless `at` is not a time `--at` accepts. A
/// config error is the one reported when both fail.
pub(super) fn load_all(paths: &Paths, at: Option<&str>) -> Result<(Config, State, History), Failure> {
    // A `--at` that is no time in any zone is found before the state is opened, let alone made
    // (its error names my zone once the book is read): then the two are read one after the
    // other.
    let plausible =
        at.is_none_or(|text| parse_at_in(text, &jiff::tz::TimeZone::UTC, "UTC", Timestamp::now()).is_ok());
    let config = || -> Result<(Config, Readings), Failure> {
        let (config, phones) = load_keeping(paths)?;
        at.map(|text| parse_at(text, &config)).transpose()?;
        Ok((config, phones))
    };
    let open = || -> Result<(State, History), Failure> {
        let state = State::open(&paths.state)?;
        let history = state.history()?;
        Ok((state, history))
    };
    let ((config, phones), opened) = at_once(plausible && !large_book(paths), config, open)?;
    let (mut state, mut history) = opened?;
    state.mark_seen(&config, &mut history, Timestamp::now())?;
    state.keep_phone_readings(&phones);
    Ok((config, state, history))
}

/// The config read by `config` and the state by `state`: at once, the state on a second thread
/// (on a large book the two cost about the same and neither needs the other), or one after the
/// other, the state only once the config is read. A config error is the one reported when both
/// fail.
fn at_once<C, S: Send>(
    together: bool,
    config: impl FnOnce() -> Result<C, Failure>,
    state: impl FnOnce() -> S + Send,
) -> Result<(C, S), Failure> {
    if !together {
        let config = config()?;
        return Ok((config, state()));
    }
    let (config, state) = std::thread::scope(|scope| {
        let reading = scope.spawn(state);
        let config = config();
        (config, reading.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    });
    Ok((config?, state))
}

/// Whether the book is over [`LARGE_BOOK`].
fn large_book(paths: &Paths) -> bool {
    std::fs::metadata(&paths.config).is_ok_and(|m| m.len() > LARGE_BOOK)
}

/// The history a command about one prospect needs: its own events when nothing else can move
/// its items (see [`plan::plan_for`]), everyone's under a daily call cap (read `meanwhile` if
/// it was).
fn history_for(state: &State, config: &Config, id: &str, meanwhile: Meanwhile) -> Result<History, Failure> {
    if config.me.max_calls_per_day.is_none() {
        return Ok(state.history_of(id)?);
    }
    Ok(match meanwhile.join() {
        Some(history) => history,
        None => state.history()?,
    })
}

/// Everyone's events, read on a second thread while the book is read, for a command about one
/// prospect under a daily call cap: there its plan is the book's, and the book and the history
/// cost about the same to read. Started only when the lines before the first prospect table
/// set a cap (a hint, read without reading the whole book twice: the parsed book decides
/// whether the history is used, and reads it then if it was not read here; a read the book
/// turns out not to need is left to run out, unjoined, at the cost of a core for a moment).
///
/// What is read is the history as it stood before the command's own write, which the command
/// then applies to it (`log` adds its event, `undo` reads its prospects' events again): a
/// write by another process in those milliseconds can be missing from the `next:` line it
/// prints, as one just after a read after the write could be.
struct Meanwhile(Option<std::thread::JoinHandle<Option<History>>>);

impl Meanwhile {
    fn start(paths: &Paths) -> Meanwhile {
        let capped = std::fs::File::open(&paths.config).is_ok_and(|file| {
            std::io::BufRead::lines(std::io::BufReader::new(file))
                .map_while(Result::ok)
                .map(|line| line.trim_start().to_owned())
                .take_while(|line| !line.starts_with("[prospects"))
                .any(|line| line.starts_with("max_calls_per_day"))
        });
        if !capped {
            return Meanwhile(None);
        }
        let path = paths.state.clone();
        // No thread (the system refused one) reads the history when it is needed, as without a
        // cap; so does a failed read, whose error is then the one reported.
        let reading =
            move || State::open_read_only(&path).ok().flatten().and_then(|state| state.history().ok());
        Meanwhile(std::thread::Builder::new().spawn(reading).ok())
    }

    fn none() -> Meanwhile {
        Meanwhile(None)
    }

    /// The history read, if it was.
    fn join(self) -> Option<History> {
        self.0.and_then(|reading| reading.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    }
}

/// The state and one prospect's history for a command about it (see [`history_for`]), first
/// sightings and the numbers' readings recorded.
fn load_history_for(
    paths: &Paths,
    config: &Config,
    phones: &Readings,
    id: &str,
    meanwhile: Meanwhile,
) -> Result<(State, History), Failure> {
    let mut state = State::open(&paths.state)?;
    let mut history = history_for(&state, config, id, meanwhile)?;
    state.mark_seen(config, &mut history, Timestamp::now())?;
    state.keep_phone_readings(phones);
    Ok((state, history))
}

/// [`read_history`] for a command about one prospect (see [`history_for`]).
fn read_history_for(
    paths: &Paths,
    config: &Config,
    id: &str,
    at: Timestamp,
    meanwhile: Meanwhile,
) -> Result<History, Failure> {
    let mut history = match State::open_read_only(&paths.state)? {
        Some(state) if config.me.max_calls_per_day.is_none() => state.history_of_alone(id)?,
        Some(state) => history_for(&state, config, id, meanwhile)?,
        None => History::default(),
    };
    history.assume_seen(at);
    Ok(history)
}

/// Loads the history for a command that only shows things: it never creates, migrates or
/// writes the state. What was never seen counts as first seen at `at`, the instant the command
/// shows (in memory only): `agenda --at DATE` answers as if it were then, so nothing it prints
/// depends on the real clock.
fn read_history(paths: &Paths, at: Timestamp) -> Result<(Option<State>, History), Failure> {
    let (state, mut history) = read_state(paths)?;
    history.assume_seen(at);
    Ok((state, history))
}

/// The state opened read-only, and its history as stored.
fn read_state(paths: &Paths) -> Result<(Option<State>, History), Failure> {
    let t = std::time::Instant::now();
    let state = State::open_read_only(&paths.state)?;
    let history = match &state {
        Some(state) => state.history()?,
        None => History::default(),
    };
    tracing::debug!(elapsed = ?t.elapsed(), "history loaded");
    Ok((state, history))
}

/// A book larger than this (about 40 000 prospects) reads its numbers afresh for a command
/// that only shows things (see [`load_and_read`]), and its history is read after it by one
/// that writes (see [`load_all`]): the readings such a command keeps would add to the peak.
const LARGE_BOOK: u64 = 8 * 1024 * 1024;

/// The config, and [`read_history`]'s state and history read at the same time (see
/// [`at_once`]).
fn load_and_read(
    paths: &Paths,
    at: Option<&str>,
) -> Result<(Config, Timestamp, Option<State>, History), Failure> {
    // Both at once hold both readers' working memory at once: 100 000 prospects and a million
    // events peak at 170-185 MB so (about what one after the other peaked at, 0.3 s later). A large
    // book's numbers are read afresh: on the second thread that reads them, they take less
    // time than the rest of the book, and the kept readings would add to the peak.
    let large = large_book(paths);
    // The readings are dropped here, not kept to the exit: the history and the plan are yet
    // to come.
    let config_only = || {
        let phones = if large { Readings::default() } else { known_phones(paths, false) };
        load_with(paths, &phones)
    };
    let (config, read) = at_once(true, config_only, || read_state(paths))?;
    let at = at_or_now(at, &config)?;
    let (state, mut history) = read?;
    history.assume_seen(at);
    Ok((config, at, state, history))
}

/// Writes to stdout through a buffer, flushed at the end.
fn write_out(write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>) -> Result<(), Failure> {
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    match write(&mut out).and_then(|()| out.flush()) {
        // A closed pipe (`ringback agenda | head`) is not an error worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(|e| Failure::runtime(format!("cannot write output: {e}"))),
    }
}

fn print(text: &str) -> Result<(), Failure> {
    write_out(|out| out.write_all(text.as_bytes()))
}

/// Writes a value as pretty JSON and a newline, serialized straight into the buffer.
fn json_line(value: &impl serde::Serialize) -> Result<(), Failure> {
    write_out(|out| {
        serde_json::to_writer_pretty(&mut *out, value).map_err(std::io::Error::from)?;
        out.write_all(b"\n")
    })
}

fn at_or_now(at: Option<&str>, config: &Config) -> Result<Timestamp, Failure> {
    at.map_or_else(|| Ok(Timestamp::now()), |t| parse_at(t, config))
}

fn agenda(paths: &Paths, at: Option<&str>, days: u32, json: bool) -> Result<(), Failure> {
    let (config, at, _state, history) = load_and_read(paths, at)?;
    let t = std::time::Instant::now();
    let agenda = plan::plan(&config, &history, at, days);
    tracing::debug!(elapsed = ?t.elapsed(), "planned");
    let printed = if json {
        json_line(&render::agenda_json(&config, &agenda, &Scripts::new(&config)))
    } else {
        print(&render::agenda_text(&config, &agenda, style()))
    };
    tracing::debug!(elapsed = ?t.elapsed(), "printed");
    keep_until_exit((config, history, agenda));
    printed
}

/// A one-shot command ends right after its output: the system takes a large book's memory
/// back at once, where freeing it piece by piece costs a tenth of the run.
pub(crate) fn keep_until_exit<T>(value: T) {
    std::mem::forget(value);
}

fn next(paths: &Paths, at: Option<&str>, json: bool) -> Result<(), Failure> {
    let (config, at, _state, history) = load_and_read(paths, at)?;
    let agenda = plan::plan(&config, &history, at, 1);
    let item = plan::next(&agenda);
    let scripts = Scripts::new(&config);
    let printed = if json {
        json_line(&item.map(|i| render::item_json(&config, i, &scripts)))
    } else {
        print(&render::next_text(&config, item, &scripts, style()))
    };
    keep_until_exit(scripts);
    keep_until_exit((config, history, agenda));
    printed
}

fn digest(paths: &Paths, at: Option<&str>, send: bool) -> Result<(), Failure> {
    if !send {
        let (config, at, state, history) = load_and_read(paths, at)?;
        let week = state
            .as_ref()
            .map(|s| crate::daemon::digest_week(s, &config, at))
            .transpose()?
            .unwrap_or_default();
        let news = state.as_ref().map(|s| s.mail_news()).transpose()?.unwrap_or_default();
        let news = render::mail::mail_news(&config, &news, at);
        let digest = render::digest::build(&config, &history, at, week, &news);
        let printed = print(&digest.text);
        keep_until_exit((config, history, digest));
        return printed;
    }
    let (config, mut state, history) = load_all(paths, at)?;
    let at = at_or_now(at, &config)?;
    let week = crate::daemon::digest_week(&state, &config, at)?;
    let news = render::mail::mail_news(&config, &state.mail_news()?, at);
    let digest = render::digest::build(&config, &history, at, week, &news);
    let Some(email) = &config.notify.email else {
        return Err(Failure::Usage(format!(
            "nothing to send with: add [notify.email] to {}",
            config.display_path()
        )));
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::runtime(format!("cannot start the runtime: {e}")))?;
    let sent =
        runtime.block_on(crate::daemon::send_digest_now(&mut state, email, &digest, Timestamp::now()))?;
    use crate::daemon::SentNow;
    match sent {
        SentNow::Sent(None) => print(&format!("sent: {}\n", digest.subject)),
        SentNow::Sent(Some(file)) => {
            print(&format!("sent: {}\nwritten to {}\n", digest.subject, file.display()))
        }
        SentNow::Retrying(e) => Err(Failure::runtime(format!(
            "the digest was not sent: {e}; it stays in the outbox and `ringback run` will retry it"
        ))),
        SentNow::Refused(e) => Err(Failure::runtime(format!("the digest was refused: {e}"))),
    }
}

fn stats(paths: &Paths, since: Option<Date>, until: Option<Date>, json: bool) -> Result<(), Failure> {
    let config = load(paths)?;
    let now = Timestamp::now();
    let today = now.to_zoned(config.me.timezone.clone()).date();
    let until = until.unwrap_or(today);
    let since = since.unwrap_or_else(|| until.saturating_sub(jiff::Span::new().days(27)));
    if since > until {
        return Err(Failure::Usage(format!("--since {since} is after --until {until}")));
    }
    let (_state, history) = read_history(paths, now)?;
    let mut stats = plan::stats(&config, &history, since, until, now);
    stats.window_suggestions = plan::suggest_windows(&config, &history);
    if json { json_line(&stats) } else { print(&render::stats_text(&config, &stats)) }
}

fn weekly_review(paths: &Paths, week: Option<Date>, json: bool) -> Result<(), Failure> {
    let config = load(paths)?;
    let now = Timestamp::now();
    let today = now.to_zoned(config.me.timezone.clone()).date();
    let day = week.unwrap_or_else(|| today.saturating_sub(jiff::Span::new().days(7)));
    let (_state, history) = read_history(paths, now)?;
    let review = plan::review(&config, &history, plan::monday_of(day), now);
    if json { json_line(&review) } else { print(render::review_text(&review).trim_start()) }
}

fn why(paths: &Paths, query: &str, at: Option<&str>) -> Result<(), Failure> {
    let meanwhile = Meanwhile::start(paths);
    let config = load(paths)?;
    let id = find_prospect(&config, query)?.id.clone();
    let at = at_or_now(at, &config)?;
    let history = read_history_for(paths, &config, &id, at, meanwhile)?;
    let explained = plan::why(&config, &history, &id, at).expect("the id was found in the config");
    let printed = print(&render::why_text(&config, &explained, style()));
    keep_until_exit(config);
    printed
}

fn ics(paths: &Paths, days: u32, at: Option<&str>, url: bool, new_token: bool) -> Result<(), Failure> {
    if url || new_token {
        let config = load(paths)?;
        let Some(address) = config.feed.listen else {
            return Err(Failure::Usage(format!(
                "the daemon serves no feed: add [calendar] listen = \"127.0.0.1:PORT\" to {}",
                config.display_path()
            )));
        };
        let mut state = State::open(&paths.state)?;
        let token = if new_token { state.new_feed_token()? } else { state.feed_token()? };
        let mut out = format!("{}\n", crate::daemon::feed::url(address, &token));
        if new_token {
            out.push_str("the old URL no longer answers: subscribe your calendar to this one\n");
        }
        return print(&out);
    }
    let (config, mut state, history) = load_all(paths, at)?;
    let record = at.is_none();
    let at = at_or_now(at, &config)?;
    let feed = crate::daemon::feed::build(&config, &history, &mut state, at, days, record)?;
    let printed = print(&feed);
    keep_until_exit((config, history, feed));
    printed
}

fn history(paths: &Paths, query: &str, json: bool) -> Result<(), Failure> {
    let config = load(paths)?;
    let state = State::open_read_only(&paths.state)?;
    let logged = |id: &str| -> Result<Vec<Event>, Failure> {
        Ok(match &state {
            Some(state) => state.events_of(id)?,
            None => Vec::new(),
        })
    };
    // An id no longer in the config still has its history; anything else is looked up.
    let mut events = logged(query)?;
    let id = if !events.is_empty() || config.prospects.contains_key(query) {
        query.to_owned()
    } else {
        let id = find_prospect(&config, query)?.id.clone();
        events = logged(&id)?;
        id
    };
    let sources = match &state {
        Some(state) => state.sources_of(&id)?,
        None => Default::default(),
    };
    if json {
        json_line(&render::history_json(&config, &id, &events, &sources))
    } else {
        print(&render::history_text(&config, &id, &events, &sources, style()))
    }
}

/// The prospect `query` names (an id, a unique id prefix or a name), or a usage failure that
/// lists the candidates or suggests the closest id.
fn find_prospect<'c>(config: &'c Config, query: &str) -> Result<&'c Prospect, Failure> {
    match config.find_prospect(query) {
        Ok(prospect) => Ok(prospect),
        Err(Lookup::Unknown) => Err(unknown_prospect(config, query)),
        Err(Lookup::Ambiguous(candidates)) => {
            let listed: Vec<String> =
                candidates.iter().map(|(id, name)| format!("  {id}  ({name})")).collect();
            Err(Failure::Usage(format!(
                "`{query}` could be any of these prospects; type more of the id:\n{}",
                listed.join("\n")
            )))
        }
    }
}

fn unknown_prospect(config: &Config, id: &str) -> Failure {
    let hint = match config.nearest_prospect(id) {
        Some(p) => format!(": did you mean `{}`?", p.id),
        None => format!(": ids are the keys under [prospects] in {}", config.display_path()),
    };
    Failure::Usage(format!("unknown prospect `{id}`{hint}"))
}

fn log(paths: &Paths, mut args: LogArgs) -> Result<(), Failure> {
    let meanwhile = Meanwhile::start(paths);
    let (config, phones) = load_keeping(paths)?;
    let prospect = find_prospect(&config, &args.id)?;
    args.id = prospect.id.clone();
    let now = Timestamp::now();
    let at = at_or_now(args.at.as_deref(), &config)?;
    // `no answer` may come as two words.
    let outcome: Outcome = args.outcome.join(" ").parse().map_err(Failure::Usage)?;
    let class = outcome.class();
    if (args.promise.is_some() || args.no_promise) && !matches!(class, Class::Attempt | Class::Contact) {
        return Err(Failure::Usage(format!(
            "--promise and --no-promise go with an attempt or a contact, not `{outcome}`"
        )));
    }
    match (outcome, args.until) {
        (Outcome::Snooze, None) => return Err(Failure::Usage("snooze needs --until DATE".into())),
        (Outcome::Snooze, Some(until)) if until <= at.to_zoned(config.me.timezone.clone()).date() => {
            return Err(Failure::Usage(format!("--until {until} is not after the snooze itself")));
        }
        (o, Some(_)) if o != Outcome::Snooze => {
            return Err(Failure::Usage(format!("--until goes with snooze, not `{o}`")));
        }
        _ => {}
    }
    if let Some(title) = &args.item {
        if outcome != Outcome::DripSent {
            return Err(Failure::Usage(format!("--item goes with drip-sent, not `{outcome}`")));
        }
        let drip = config.cadence_of(prospect).then.as_ref().and_then(|d| config.drips.get(d));
        match drip {
            Some(d) if d.items.iter().any(|i| &i.title == title) => {}
            Some(d) => {
                let titles: Vec<String> = d.items.iter().map(|i| format!("`{}`", i.title)).collect();
                return Err(Failure::Usage(format!(
                    "unknown drip item `{title}`: expected one of {}",
                    titles.join(", ")
                )));
            }
            None => {
                return Err(Failure::Usage(format!(
                    "`{}` follows the `{}` cadence, which has no drip (`then`)",
                    args.id, prospect.cadence
                )));
            }
        }
    }
    if let Some(what) = &args.what
        && what.trim().is_empty()
    {
        return Err(Failure::Usage("--what needs the topic you agreed on".into()));
    }
    let event = Event {
        seq: 0,
        prospect: args.id.as_str().into(),
        at,
        outcome,
        note: args.note,
        promise: match (args.promise, args.no_promise) {
            (Some(d), _) => PromiseChoice::On(d),
            (None, true) => PromiseChoice::Skip,
            (None, false) => PromiseChoice::Auto,
        },
        next_step: args.next_step.zip(args.what).map(|(on, what)| NextStep { on, what }),
        until: args.until,
        item: args.item,
    };
    let (mut state, mut history) = load_history_for(paths, &config, &phones, &args.id, meanwhile)?;
    let mut event = event;
    plan::pin_callback(&config, &history, &mut event);
    let seq = state.append(&event, now)?;
    history.push(&Event { seq, ..event });
    // Scripts and back-filling log ahead on purpose; a slip of the date is worth a word.
    let ahead = at.duration_since(now);
    if ahead > AHEAD_WARNING {
        let _ = writeln!(
            std::io::stderr(),
            "ringback: warning: --at is {} ahead of now; logged as given",
            ahead_text(ahead)
        );
    }

    let when = at.to_zoned(config.me.timezone.clone());
    let mut message =
        format!("logged {outcome} for {} at {}\n", prospect.name, when.strftime("%a %-d %b %H:%M"));
    message.push_str(&after_log(&config, &history, &args.id, now.max(at)));
    print(&message)
}

fn undo(paths: &Paths, query: Option<&str>) -> Result<(), Failure> {
    let meanwhile = Meanwhile::start(paths);
    let (config, phones) = load_keeping(paths)?;
    // The exact id first, in the state too: a prospect gone from the config keeps its events.
    let logged_for = |id: &str| -> Result<bool, Failure> {
        Ok(match State::open_read_only(&paths.state)? {
            Some(state) => !state.events_of(id)?.is_empty(),
            None => false,
        })
    };
    let id = match query {
        Some(q) if config.prospects.contains_key(q) || logged_for(q)? => Some(q.to_owned()),
        Some(q) => Some(find_prospect(&config, q)?.id.clone()),
        None => None,
    };
    let mut state = State::open(&paths.state)?;
    let now = Timestamp::now();
    let events = state.undo_last(id.as_deref(), now)?;
    state.keep_phone_readings(&phones);
    if events.is_empty() {
        return Err(match &id {
            Some(id) if !config.prospects.contains_key(id) => {
                find_prospect(&config, id).err().unwrap_or_else(|| {
                    Failure::runtime(format!("nothing to take back: no event is logged for `{id}`"))
                })
            }
            Some(id) => Failure::runtime(format!(
                "nothing to take back: no event is logged for {}",
                config.prospects[id].name
            )),
            None => Failure::runtime("nothing to take back: no event is logged"),
        });
    }
    let mut message = String::new();
    for event in &events {
        let name = config.prospects.get(&*event.prospect).map_or(&*event.prospect, |p| p.name.as_str());
        let when = event.at.to_zoned(config.me.timezone.clone());
        message.push_str(&format!(
            "took back {} for {name} at {} (kept in the state's undone table)\n",
            event.outcome,
            when.strftime("%a %-d %b %H:%M")
        ));
    }
    if events.len() > 1 {
        message.push_str(&format!("  one button press: its {} events went back together\n", events.len()));
    }
    let undone: std::collections::BTreeSet<&str> = events.iter().map(|e| &*e.prospect).collect();
    // Under a cap, everyone's history, read before the events went back: theirs are read again,
    // and one history serves every prospect of the press.
    let mut everyone = if config.me.max_calls_per_day.is_some() { meanwhile.join() } else { None };
    if let Some(history) = &mut everyone {
        for id in &undone {
            history.replace_events_of(id, state.history_of_alone(id)?.events_of(id));
        }
        state.mark_seen(&config, history, now)?;
    }
    for prospect in undone {
        let own;
        let history = match &everyone {
            Some(history) => history,
            None => {
                let mut history = history_for(&state, &config, prospect, Meanwhile::none())?;
                state.mark_seen(&config, &mut history, now)?;
                own = history;
                &own
            }
        };
        message.push_str(&after_log(&config, history, prospect, now));
    }
    print(&message)
}

/// `log --at` further ahead than this gets a warning.
const AHEAD_WARNING: jiff::SignedDuration = jiff::SignedDuration::from_hours(1);

/// `3 days 4 hours`, `2 hours 5 minutes`: how far ahead, to the minute.
fn ahead_text(ahead: jiff::SignedDuration) -> String {
    let minutes = ahead.as_secs() / 60;
    let (days, hours, minutes) = (minutes / (24 * 60), minutes / 60 % 24, minutes % 60);
    let unit = |n: i64, one: &str| if n == 1 { format!("1 {one}") } else { format!("{n} {one}s") };
    let parts: Vec<String> = [(days, "day"), (hours, "hour"), (minutes, "minute")]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, one)| unit(n, one))
        .collect();
    parts.iter().take(2).cloned().collect::<Vec<_>>().join(" ")
}

/// What is next for a prospect after logging, so the person sees the promise they made.
pub(crate) fn after_log(config: &Config, history: &History, id: &str, at: Timestamp) -> String {
    let mut lines = String::new();
    for item in &plan::plan_for(config, history, at, 400, id) {
        let what = match item.kind {
            plan::Kind::Promise => "promised callback",
            plan::Kind::NextStep => "next step",
            plan::Kind::Call => "call",
            plan::Kind::Email => "email",
            plan::Kind::Drip => "drip",
        };
        lines.push_str(&format!("  next: {what} on {} — {}\n", plan::short_date(item.due), item.why));
    }
    if lines.is_empty() {
        lines.push_str("  nothing more is due for them\n");
    }
    lines
}

fn mailbox_check(paths: &Paths, at: Option<&str>) -> Result<(), Failure> {
    let config = load(paths)?;
    let at = at_or_now(at, &config)?;
    if config.mailbox.is_none() {
        return Err(Failure::Usage(format!(
            "no [mailbox] in {}: add one (the README's \"Your mailbox\" says how)",
            config.display_path()
        )));
    }
    // Read, never written: which messages were acted on, and the history.
    let mut state = State::open_read_only(&paths.state)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::runtime(format!("cannot start the runtime: {e}")))?;
    let checked = runtime
        .block_on(crate::mailbox::check(&config, state.as_mut(), at))
        .map_err(|e| Failure::runtime(format!("mailbox: {e}")))?;
    print(&crate::mailbox::check_text(&config, &checked))
}

fn check(paths: &Paths) -> Result<(), Failure> {
    let config = load(paths)?;
    let (state, history) = read_history(paths, Timestamp::now())?;
    let now = Zoned::now().with_time_zone(config.me.timezone.clone());
    let mut out = format!("{}: ok\n", config.display_path());
    let count = |s: Status| config.prospects.values().filter(|p| p.status == s).count();
    use crate::config::Status;
    let closed = count(Status::Won) + count(Status::Lost) + count(Status::OptedOut);
    out.push_str(&format!(
        "  {}: {} active, {} paused, {closed} closed; {}; {}\n",
        render::count(config.prospects.len(), "prospect", "prospects"),
        count(Status::Active),
        count(Status::Paused),
        render::count(config.cadences.len(), "cadence", "cadences"),
        render::count(config.drips.len(), "drip", "drips")
    ));
    out.push_str(&format!("  time zone: {}\n", config.me.timezone_name));
    match config.schedule.digest.find_next_occurrence(&now, false) {
        Ok(next) => out.push_str(&format!(
            "  next digest: {} ({})\n",
            next.strftime("%a %-d %b %H:%M"),
            config.schedule.digest_pattern
        )),
        Err(e) => out.push_str(&format!("  next digest: none ({e})\n")),
    }
    let email = match config.notify.email.as_ref().map(|e| &e.transport) {
        None => "off (no [notify.email])".to_owned(),
        Some(crate::config::Transport::File { dir }) => {
            format!("file transport, .eml files in {}", dir.display())
        }
        Some(crate::config::Transport::Sendmail { command }) => format!("sendmail ({})", command.display()),
        Some(crate::config::Transport::Smtp(s)) => format!("smtp {}:{} ({:?})", s.host, s.port, s.security),
    };
    out.push_str(&format!(
        "  email: {email}\n  desktop: {}\n",
        if config.notify.desktop { "on" } else { "off" }
    ));
    let mailbox = match &config.mailbox {
        None => "off (no [mailbox])".to_owned(),
        Some(m) => format!(
            "imap {}:{} as {} ({:?}){}; `ringback mailbox --check` connects",
            m.host,
            m.port,
            m.username,
            m.security,
            if m.drafts { ", drafts on" } else { "" }
        ),
    };
    out.push_str(&format!("  mailbox: {mailbox}\n"));
    if let Some(quiet) = config.schedule.quiet_hours {
        let unreachable: Vec<&Prospect> = config
            .prospects
            .values()
            .map(|p| &**p)
            .filter(|p| p.status == Status::Active && plan::never_offered(&config, p, now.date()))
            .collect();
        for p in unreachable {
            out.push_str(&format!(
                "  warning: every call window of {} [{}] falls in your quiet hours ({quiet}): no call to them is offered; change their call_windows or schedule.quiet_hours\n",
                p.name, p.id
            ));
        }
    }
    // Possible but not in its country's plan: dialled as written, but likely a typo.
    for p in config.prospects.values().filter(|p| p.number.as_ref().is_some_and(|n| !n.valid())) {
        out.push_str(&format!(
            "  warning: the phone of {} [{}], {}, is not a number its country has (libphonenumber): check its digits\n",
            p.name,
            p.id,
            p.shown_phone().unwrap_or_default()
        ));
    }
    let Some(state) = state else {
        out.push_str(&format!("  state: {} (not created yet)\n", paths.state.display()));
        return print(&out);
    };
    out.push_str(&format!(
        "  state: {} ({})\n",
        state.path().display(),
        render::count(history.len(), "event", "events")
    ));
    let news = render::mail::mail_news(&config, &state.mail_news()?, Timestamp::now());
    for note in news.notes.iter().filter(|n| n.bounce) {
        out.push_str(&format!("  warning: {}\n", note.text));
    }
    let recent = state.recent_digests(5)?;
    if !recent.is_empty() {
        out.push_str("  last digests (newest first):\n");
        for (occurrence, _count, outcome) in recent {
            out.push_str(&format!("    {occurrence}: {outcome}\n"));
        }
    }
    let mut orphans: Vec<(String, i64)> =
        state.known_ids()?.into_iter().filter(|(id, _)| !config.prospects.contains_key(id)).collect();
    orphans.sort();
    if !orphans.is_empty() {
        out.push_str("  in the state but not in the config (kept, never deleted):\n");
        for (id, n) in orphans {
            out.push_str(&format!(
                "    {id} ({})\n",
                if n == 1 { "1 event".to_owned() } else { format!("{n} events") }
            ));
        }
    }
    let suggestions = plan::suggest_windows(&config, &history);
    if !suggestions.is_empty() {
        out.push_str("  better call windows, from the log (nothing is changed by itself):\n");
        for s in &suggestions {
            out.push_str(&format!("    {}\n", render::suggestion_text(&config, s)));
        }
    }
    print(&out)
}

/// The starter config `ringback init` writes.
pub const STARTER: &str = include_str!("../../config/starter.toml");

fn init(path: &Path) -> Result<(), Failure> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure::runtime(format!("cannot create `{}`: {e}", dir.display())))?;
    }
    // create_new refuses atomically if the file exists, so nothing is ever overwritten.
    let file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path);
    let mut file = match file {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Failure::runtime(format!(
                "`{}` already exists: init never overwrites a config; edit it, or pass --config NEW_PATH",
                path.display()
            )));
        }
        Err(e) => return Err(Failure::runtime(format!("cannot create `{}`: {e}", path.display()))),
    };
    file.write_all(STARTER.as_bytes())
        .map_err(|e| Failure::runtime(format!("cannot write `{}`: {e}", path.display())))?;
    print(&format!(
        "wrote a starter config to {}\nedit [me] and [prospects], then run `ringback check` and `ringback agenda`\n",
        path.display()
    ))
}

/// Logs go to stderr, filtered by `RUST_LOG` (else `default`); plain text under journald.
/// The log's way to stderr: each line is handed to a thread that writes it, and dropped when
/// 1,024 lines are already waiting (stderr a pipe nobody reads), so logging never blocks.
#[derive(Clone)]
struct LossyStderr(std::sync::mpsc::SyncSender<Vec<u8>>);

/// Lines handed over and lines written (or failed), for [`flush_log`].
static LOG_SENT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
static LOG_DONE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl LossyStderr {
    fn start() -> LossyStderr {
        let (lines, queue) = std::sync::mpsc::sync_channel::<Vec<u8>>(1024);
        let _ = std::thread::Builder::new().name("log".into()).spawn(move || {
            for line in queue {
                let _ = std::io::stderr().write_all(&line);
                LOG_DONE.fetch_add(1, std::sync::atomic::Ordering::Release);
            }
        });
        LossyStderr(lines)
    }
}

impl std::io::Write for LossyStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0.try_send(buf.to_vec()).is_ok() {
            LOG_SENT.fetch_add(1, std::sync::atomic::Ordering::Release);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LossyStderr {
    type Writer = LossyStderr;

    fn make_writer(&'a self) -> LossyStderr {
        self.clone()
    }
}

/// Waits, at most a second, for the log's last lines to be written before the process ends.
fn flush_log() {
    use std::sync::atomic::Ordering;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
    while LOG_DONE.load(Ordering::Acquire) < LOG_SENT.load(Ordering::Acquire)
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

pub fn init_logging(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // async-imap traces every command and response, the LOGIN with its password and message
    // bodies among them: never shown, whatever RUST_LOG asks.
    let filter = ["async_imap=off", "imap_proto=off"]
        .into_iter()
        .filter_map(|d| d.parse().ok())
        .fold(filter, tracing_subscriber::EnvFilter::add_directive);
    let journald = std::env::var_os("JOURNAL_STREAM").is_some();
    // A log nobody reads any more must never stop the daemon: by default the subscriber
    // reports a failed write with `eprintln!`, which panics on EPIPE in whichever task was
    // logging (SIGTERM then went unheard), and a pipe nobody drains blocks every write. Lines
    // go through `LossyStderr`, and one that cannot be written is dropped.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(LossyStderr::start())
        .log_internal_errors(false);
    // journald adds its own timestamp and shows no colour.
    let _ = if journald {
        builder.without_time().with_ansi(false).try_init()
    } else {
        builder.with_ansi(colour_on_stderr()).try_init()
    };
}
