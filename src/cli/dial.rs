//! `ringback dial`: today's calls one after another, in a full-screen terminal UI over the same
//! plan and the same log as every other command. One key per outcome; each is written as
//! `ringback log` writes it (a running daemon sees it at its next look at the state), and the
//! queue moves on.
//!
//! The terminal is always given back: on `q`, on a panic (ratatui's hook), on SIGTERM and
//! SIGHUP (a thread turns them into a flag the loop reads between keys).

use std::io::IsTerminal as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use ratatui::crossterm::event::{self, Event as TermEvent, KeyCode, KeyEventKind, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::{Failure, at_or_now, load_all};
use crate::config::{Config, NextStep};
use crate::files::Paths;
use crate::plan::{self, Class, Event, History, Item, Outcome, PromiseChoice};
use crate::render::Scripts;
use crate::state::State;

/// What the keyboard is doing: choosing an outcome, or answering a question.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Mode {
    Queue,
    Help,
    Find(String),
    Snooze,
    /// After `s`: the date of an agreed next step, if any.
    NextStepDate(String),
    /// Then what was agreed for it.
    NextStepWhat(jiff::civil::Date, String),
}

/// One event this block logged, for `u` and the summary.
struct Logged {
    /// The event's sequence number: `u` takes back this event, whatever came after it.
    seq: i64,
    prospect: String,
    name: String,
    outcome: Outcome,
    promised: bool,
}

struct Dial<'c> {
    config: &'c Config,
    scripts: Scripts<'c>,
    state: State,
    history: History,
    /// `--at`: the instant the block is planned and logged at, for tests; else the clock.
    at: Option<Timestamp>,
    started: Instant,
    queue: Vec<Item>,
    selected: usize,
    /// How far the card is scrolled (PgDn): a long script does not fit 80×24. Back to the top
    /// for each prospect.
    card_scroll: u16,
    mode: Mode,
    /// What the last key did, on the status line.
    said: String,
    logged: Vec<Logged>,
    colour: bool,
}

/// Runs a block of calls until `q` (or SIGTERM/SIGHUP), then prints what the block did.
///
/// # Errors
/// No terminal, a config or state that cannot be read, or a terminal that cannot be set up.
pub fn dial(paths: &Paths, at: Option<&str>) -> Result<(), Failure> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(Failure::Usage(
            "ringback dial needs a terminal (it draws the day's calls full-screen): run it in one, \
             or use `ringback agenda` and `ringback log` from a script"
                .into(),
        ));
    }
    let (config, state, history) = load_all(paths, at)?;
    let fixed = at.map(|text| at_or_now(Some(text), &config)).transpose()?;
    let mut dial = Dial {
        scripts: Scripts::new(&config),
        config: &config,
        state,
        history,
        at: fixed,
        started: Instant::now(),
        queue: Vec::new(),
        selected: 0,
        card_scroll: 0,
        mode: Mode::Queue,
        said: "c call · v voicemail · n no answer · s spoke · ? every key".to_owned(),
        logged: Vec::new(),
        colour: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    dial.replan();

    let stop = Arc::new(AtomicBool::new(false));
    watch_stop_signals(stop.clone());
    // Raw mode and the alternate screen, with a panic hook that gives them back.
    let mut terminal = ratatui::init();
    let result = dial.run(&mut terminal, &stop);
    ratatui::restore();
    result?;
    super::print(&dial.summary())
}

/// SIGTERM and SIGHUP (a closed ssh session) set `stop`, which the loop reads between keys.
fn watch_stop_signals(stop: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
        runtime.block_on(async {
            use tokio::signal::unix::{SignalKind, signal};
            let (Ok(mut term), Ok(mut hup)) = (signal(SignalKind::terminate()), signal(SignalKind::hangup()))
            else {
                return;
            };
            tokio::select! {
                _ = term.recv() => {}
                _ = hup.recv() => {}
            }
            stop.store(true, Ordering::SeqCst);
            // The loop sees `stop` within a fifth of a second; one stuck on a terminal that is
            // gone does not, and must not stay behind: the process ends.
            tokio::time::sleep(Duration::from_secs(2)).await;
            std::process::exit(1);
        });
    });
}

/// Whether the terminal hung up (its window closed, the ssh session dropped): its input
/// then reads as end of file forever, and crossterm would spin on it.
fn terminal_gone() -> bool {
    use rustix::event::{PollFd, PollFlags, poll};
    let stdin = std::io::stdin();
    let mut fds = [PollFd::new(&stdin, PollFlags::IN)];
    let zero = rustix::time::Timespec { tv_sec: 0, tv_nsec: 0 };
    match poll(&mut fds, Some(&zero)) {
        Ok(_) => fds[0].revents().intersects(PollFlags::HUP | PollFlags::ERR | PollFlags::NVAL),
        Err(_) => true,
    }
}

impl<'c> Dial<'c> {
    fn now(&self) -> Timestamp {
        self.at.unwrap_or_else(Timestamp::now)
    }

    /// Today's calls from the plan, those whose window is open now first (the agenda's order
    /// otherwise), the selection kept on the same prospect where it can be.
    fn replan(&mut self) {
        let now = self.now();
        let keep = self.queue.get(self.selected).map(|i| i.prospect.clone());
        let agenda = plan::plan(self.config, &self.history, now, 1);
        // An hour's snooze (`z 1`, or the nudge's button) holds the prospect out until then.
        let held: Vec<String> = self
            .state
            .renudges()
            .unwrap_or_default()
            .into_iter()
            .filter(|(_, at)| *at > now)
            .map(|(key, _)| key)
            .collect();
        let mut queue: Vec<Item> = agenda
            .items
            .into_iter()
            .filter(|i| i.day == agenda.first_day && i.kind.is_call())
            .filter(|i| !held.contains(&crate::schedule::nudge_key(i)))
            .collect();
        let open_now = |i: &Item| {
            i.window.as_ref().is_some_and(|w| w.start.timestamp() <= now && now < w.end.timestamp())
        };
        queue.sort_by_key(|i| !open_now(i));
        self.selected =
            keep.and_then(|id| queue.iter().position(|i| i.prospect == id)).unwrap_or(self.selected);
        self.queue = queue;
        self.selected = self.selected.min(self.queue.len().saturating_sub(1));
    }

    fn run(&mut self, terminal: &mut ratatui::DefaultTerminal, stop: &AtomicBool) -> Result<(), Failure> {
        let failed = |e: std::io::Error| Failure::runtime(format!("the terminal: {e}"));
        let mut seen = self.state.history_version()?;
        let mut planned = Instant::now();
        loop {
            // On the real clock the queue is planned again each minute: a window that opens
            // moves up, an hour's snooze runs out.
            if self.at.is_none() && planned.elapsed() >= Duration::from_secs(60) {
                planned = Instant::now();
                self.replan();
            }
            // Logged elsewhere meanwhile (a nudge's button, `ringback log` in another
            // terminal): the queue follows, so nobody is logged twice.
            let version = self.state.history_version()?;
            if version != seen {
                seen = version;
                self.reload()?;
            }
            terminal.draw(|frame| self.draw(frame)).map_err(failed)?;
            if stop.load(Ordering::SeqCst) {
                return Ok(());
            }
            if !event::poll(Duration::from_millis(200)).map_err(failed)? {
                continue;
            }
            if terminal_gone() {
                return Ok(());
            }
            match event::read().map_err(failed)? {
                TermEvent::Key(key) if key.kind == KeyEventKind::Press => {
                    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
                        return Ok(());
                    }
                    if !self.key(key.code)? {
                        return Ok(());
                    }
                }
                // A resize redraws at the top of the loop.
                _ => {}
            }
        }
    }

    /// Acts on a key; `false` to quit.
    fn key(&mut self, code: KeyCode) -> Result<bool, Failure> {
        let before = self.current().map(|i| i.prospect.clone());
        let go_on = self.act_on(code)?;
        if self.current().map(|i| i.prospect.clone()) != before {
            self.card_scroll = 0;
        }
        Ok(go_on)
    }

    fn act_on(&mut self, code: KeyCode) -> Result<bool, Failure> {
        match self.mode.clone() {
            Mode::Help => self.mode = Mode::Queue,
            Mode::Find(mut text) => match code {
                KeyCode::Esc => self.mode = Mode::Queue,
                KeyCode::Enter => {
                    self.mode = Mode::Queue;
                    self.find(&text);
                }
                KeyCode::Backspace => {
                    text.pop();
                    self.mode = Mode::Find(text);
                }
                KeyCode::Char(c) => {
                    text.push(c);
                    self.mode = Mode::Find(text);
                }
                _ => {}
            },
            Mode::Snooze => {
                self.mode = Mode::Queue;
                match code {
                    KeyCode::Char('1' | 'h') => self.snooze_hour()?,
                    KeyCode::Char('t') => self.snooze_until(false)?,
                    KeyCode::Char('w') => self.snooze_until(true)?,
                    _ => self.said = "not snoozed".to_owned(),
                }
            }
            Mode::NextStepDate(mut text) => match code {
                KeyCode::Esc => self.mode = Mode::Queue,
                KeyCode::Enter if text.trim().is_empty() => {
                    self.mode = Mode::Queue;
                    self.log(Outcome::Spoke, None, None)?;
                }
                KeyCode::Enter => match text.trim().parse::<jiff::civil::Date>() {
                    Ok(date) => self.mode = Mode::NextStepWhat(date, String::new()),
                    Err(_) => {
                        self.said = format!("`{}` is not a date: YYYY-MM-DD, or Enter for none", text.trim())
                    }
                },
                KeyCode::Backspace => {
                    text.pop();
                    self.mode = Mode::NextStepDate(text);
                }
                KeyCode::Char(c) => {
                    text.push(c);
                    self.mode = Mode::NextStepDate(text);
                }
                _ => {}
            },
            Mode::NextStepWhat(date, mut text) => match code {
                KeyCode::Esc => self.mode = Mode::Queue,
                KeyCode::Enter if !text.trim().is_empty() => {
                    self.mode = Mode::Queue;
                    let step = NextStep { on: date, what: crate::config::single_line(text.trim()) };
                    self.log(Outcome::Spoke, Some(step), None)?;
                }
                KeyCode::Backspace => {
                    text.pop();
                    self.mode = Mode::NextStepWhat(date, text);
                }
                KeyCode::Char(c) => {
                    text.push(c);
                    self.mode = Mode::NextStepWhat(date, text);
                }
                _ => {}
            },
            Mode::Queue => match code {
                KeyCode::Char('q') => return Ok(false),
                // The tests' way to prove a panic gives the terminal back (never in a user's build).
                #[cfg(feature = "test-support")]
                KeyCode::F(12) => panic!("dial panicked because a test pressed F12"),
                KeyCode::Char('?') => self.mode = Mode::Help,
                KeyCode::PageDown | KeyCode::Char('J') => {
                    self.card_scroll = self.card_scroll.saturating_add(8)
                }
                KeyCode::PageUp | KeyCode::Char('K') => self.card_scroll = self.card_scroll.saturating_sub(8),
                KeyCode::Char('/') => self.mode = Mode::Find(String::new()),
                KeyCode::Char('j') | KeyCode::Down => {
                    self.selected = (self.selected + 1).min(self.queue.len().saturating_sub(1));
                }
                KeyCode::Char('k') | KeyCode::Up => self.selected = self.selected.saturating_sub(1),
                KeyCode::Char('c') => self.call(),
                KeyCode::Char('v') => self.log(Outcome::Voicemail, None, None)?,
                KeyCode::Char('n') => self.log(Outcome::NoAnswer, None, None)?,
                KeyCode::Char('g') => self.log(Outcome::Gatekeeper, None, None)?,
                KeyCode::Char('s') if !self.queue.is_empty() => self.mode = Mode::NextStepDate(String::new()),
                KeyCode::Char('m') => self.log(Outcome::Meeting, None, None)?,
                KeyCode::Char('e') => self.log(Outcome::Emailed, None, None)?,
                KeyCode::Char('z') if !self.queue.is_empty() => {
                    self.mode = Mode::Snooze;
                    self.said = "snooze: 1 an hour · t until tomorrow · w a week".to_owned();
                }
                KeyCode::Char('u') => self.undo()?,
                _ => {}
            },
        }
        Ok(true)
    }

    fn current(&self) -> Option<&Item> {
        self.queue.get(self.selected)
    }

    /// Writes `outcome` for the selected prospect as `ringback log` does, and moves on.
    fn log(
        &mut self,
        outcome: Outcome,
        next_step: Option<NextStep>,
        until: Option<jiff::civil::Date>,
    ) -> Result<(), Failure> {
        let Some(item) = self.current().cloned() else {
            self.said = "nothing to log: the queue is empty".to_owned();
            return Ok(());
        };
        let now = self.now();
        let mut event = Event {
            seq: 0,
            prospect: item.prospect.as_str().into(),
            at: now,
            outcome,
            note: Some("from ringback dial".to_owned()),
            promise: PromiseChoice::Auto,
            next_step,
            until,
            item: None,
        };
        plan::pin_callback(self.config, &self.history, &mut event);
        let seq = self.state.append(&event, Timestamp::now())?;
        let promised = matches!(event.promise, PromiseChoice::On(_));
        self.history.push(&Event { seq, ..event });
        let name =
            self.config.prospects.get(&item.prospect).map_or(item.prospect.clone(), |p| p.name.clone());
        let next = plan::plan_for(self.config, &self.history, now, 400, &item.prospect).into_iter().next();
        self.said = crate::render::confirmation(outcome, &name, next.as_ref());
        self.logged.push(Logged { seq, prospect: item.prospect.clone(), name, outcome, promised });
        self.replan();
        Ok(())
    }

    /// The history as the state holds it now, and the queue planned again from it.
    fn reload(&mut self) -> Result<(), Failure> {
        self.history = self.state.history()?;
        self.history.assume_seen(self.now());
        self.replan();
        Ok(())
    }

    /// `u`: takes back the last event this block logged (all of it, as `ringback undo` does).
    fn undo(&mut self) -> Result<(), Failure> {
        let Some(last) = self.logged.pop() else {
            self.said = "nothing to take back in this block".to_owned();
            return Ok(());
        };
        let now = self.now();
        let undone = self.state.undo_event(last.seq, now)?;
        self.reload()?;
        self.said = match undone.first() {
            Some(event) => format!("took back {} for {}", event.outcome, last.name),
            None => format!("nothing logged for {} to take back", last.name),
        };
        if let Some(i) = self.queue.iter().position(|i| i.prospect == last.prospect) {
            self.selected = i;
        }
        Ok(())
    }

    /// `z 1`: out of the queue for an hour; the daemon holds its nudge that long too.
    fn snooze_hour(&mut self) -> Result<(), Failure> {
        let Some(item) = self.current().cloned() else { return Ok(()) };
        let back = self.now() + jiff::SignedDuration::from_hours(1);
        self.state.snooze_nudge(&crate::schedule::nudge_key(&item), back)?;
        let name =
            self.config.prospects.get(&item.prospect).map_or(item.prospect.clone(), |p| p.name.clone());
        self.queue.remove(self.selected);
        self.selected = self.selected.min(self.queue.len().saturating_sub(1));
        self.said =
            format!("{name} back at {}", back.to_zoned(self.config.me.timezone.clone()).strftime("%H:%M"));
        Ok(())
    }

    /// `z t` and `z w`: a snooze logged to my next workday, or a week on.
    fn snooze_until(&mut self, week: bool) -> Result<(), Failure> {
        let today = self.now().to_zoned(self.config.me.timezone.clone()).date();
        let calendar = &self.config.me.calendar;
        let until = if week {
            calendar.on_or_after(today.saturating_add(jiff::Span::new().days(7)))
        } else {
            calendar.next_after(today)
        };
        self.log(Outcome::Snooze, None, Some(until))
    }

    /// `c`: the number's `tel:` URI opened with `notify.desktop.open_with`, as the nudge's Call
    /// button does; nothing is logged.
    fn call(&mut self) {
        let Some(item) = self.current() else { return };
        let Some(prospect) = self.config.prospects.get(&item.prospect) else { return };
        let Some(number) = &prospect.number else {
            self.said = format!("{} has no phone: `ringback set {} phone=...`", prospect.name, prospect.id);
            return;
        };
        let program = &self.config.notify.open_with;
        let phone = number.grouped();
        let spawned = std::process::Command::new(program)
            .arg(number.tel_uri())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        self.said = match spawned {
            Ok(mut child) => {
                // As the nudge: xdg-open says at once when nothing takes `tel:`.
                let deadline = Instant::now() + Duration::from_secs(3);
                let status = loop {
                    match child.try_wait() {
                        Ok(Some(status)) => break Some(status),
                        Ok(None) if Instant::now() < deadline => {
                            std::thread::sleep(Duration::from_millis(50))
                        }
                        _ => break None,
                    }
                };
                match status {
                    Some(status) if !status.success() => {
                        let code = status.code().map_or_else(|| status.to_string(), |c| c.to_string());
                        format!("nothing took the number ({program} exited {code}): dial {phone} by hand")
                    }
                    _ => format!("calling {} on {phone}: then the key for what happened", prospect.name),
                }
            }
            Err(e) => format!("cannot run {} ({e}): dial {phone} by hand", program),
        };
    }

    /// `/`: the prospect named (as `why` reads names), if today's queue has them.
    fn find(&mut self, text: &str) {
        match self.config.find_prospect(text) {
            Ok(p) => match self.queue.iter().position(|i| i.prospect == p.id) {
                Some(i) => {
                    self.selected = i;
                    self.said = format!("found {}", p.name);
                }
                None => self.said = format!("{} is not on today's calls: `ringback why {}`", p.name, p.id),
            },
            Err(crate::config::Lookup::Ambiguous(c)) => {
                let ids: Vec<&str> = c.iter().map(|(id, _)| id.as_str()).collect();
                self.said = format!("`{text}` could be {}", ids.join(", "));
            }
            Err(crate::config::Lookup::Unknown) => self.said = format!("nobody called `{text}`"),
        }
    }

    fn style(&self, style: Style) -> Style {
        if self.colour { style } else { Style::default() }
    }

    fn draw(&self, frame: &mut ratatui::Frame) {
        let [body, status, keys] =
            Layout::vertical([Constraint::Min(3), Constraint::Length(1), Constraint::Length(2)])
                .areas(frame.area());
        let queue_width = (body.width / 3).clamp(18, 30);
        let [list, card] =
            Layout::horizontal([Constraint::Length(queue_width), Constraint::Min(20)]).areas(body);
        self.draw_queue(frame, list);
        match &self.mode {
            Mode::Help => frame.render_widget(
                Paragraph::new(HELP).wrap(Wrap { trim: false }).block(Block::bordered().title(" keys ")),
                card,
            ),
            _ => self.draw_card(frame, card),
        }
        frame.render_widget(Paragraph::new(self.status_line()), status);
        let prompt = match &self.mode {
            Mode::Find(text) => format!("find: {text}_"),
            Mode::NextStepDate(text) => format!("next step date (YYYY-MM-DD, Enter for none): {text}_"),
            Mode::NextStepWhat(date, text) => format!("agreed for {date}: {text}_"),
            _ => self.said.clone(),
        };
        // Two lines, wrapped: what a key did can be long ("dial +44 20 7946 0123 by hand").
        frame.render_widget(
            Paragraph::new(prompt)
                .wrap(Wrap { trim: false })
                .style(self.style(Style::new().add_modifier(Modifier::BOLD))),
            keys,
        );
    }

    fn draw_queue(&self, frame: &mut ratatui::Frame, area: Rect) {
        let now = self.now();
        let lines: Vec<Line> = self
            .queue
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let name = self
                    .config
                    .prospects
                    .get(&item.prospect)
                    .map_or(item.prospect.as_str(), |p| p.name.as_str());
                let open = item
                    .window
                    .as_ref()
                    .is_some_and(|w| w.start.timestamp() <= now && now < w.end.timestamp());
                let time = item
                    .window
                    .as_ref()
                    .map_or_else(|| "--:--".to_owned(), |w| w.start.strftime("%H:%M").to_string());
                let mark = if i == self.selected { ">" } else { " " };
                let text = format!("{mark}{}{time} {name}", if open { "*" } else { " " });
                let style = if i == self.selected {
                    self.style(Style::new().add_modifier(Modifier::REVERSED))
                } else {
                    Style::default()
                };
                Line::from(Span::styled(text, style))
            })
            .collect();
        let title = format!(" today: {} ", self.queue.len());
        let lines = if lines.is_empty() { vec![Line::from(" nothing left to call")] } else { lines };
        // The selected line stays in view on a short screen.
        let height = area.height.saturating_sub(2) as usize;
        let skip = self.selected.saturating_sub(height.saturating_sub(1));
        frame.render_widget(
            Paragraph::new(lines).scroll((skip as u16, 0)).block(Block::bordered().title(title)),
            area,
        );
    }

    fn draw_card(&self, frame: &mut ratatui::Frame, area: Rect) {
        let Some(item) = self.current() else {
            frame.render_widget(
                Paragraph::new("No calls left today. q quits and shows the block.").block(Block::bordered()),
                area,
            );
            return;
        };
        let Some(p) = self.config.prospects.get(&item.prospect) else { return };
        let now = self.now();
        let bold = self.style(Style::new().add_modifier(Modifier::BOLD));
        let mut lines = vec![Line::from(Span::styled(crate::render::who(p), bold))];
        lines.push(Line::from(p.shown_phone().unwrap_or_else(|| "no phone".to_owned())));
        let window = item
            .window
            .as_ref()
            .map(|w| crate::render::window_text(self.config, p, w))
            .unwrap_or_else(|| "no window left today".to_owned());
        lines.push(Line::from(format!(
            "their time {} · {window}",
            now.to_zoned(p.timezone.clone()).strftime("%H:%M")
        )));
        lines.push(Line::from(format!("why: {}", item.why)));
        if let Some(hook) = &p.hook {
            lines.push(Line::from(format!("hook: {hook}")));
        }
        if let Some(notes) = &p.notes {
            lines.push(Line::from(format!("notes: {}", crate::config::single_line(notes))));
        }
        let events = self.state.events_of(&p.id).unwrap_or_default();
        for event in events.iter().rev().take(2) {
            let at = event.at.to_zoned(self.config.me.timezone.clone());
            lines.push(Line::from(format!("last: {} {}", at.strftime("%a %-d %b %H:%M"), event.outcome)));
        }
        lines.push(Line::from(""));
        // Wrapped here, as every text of ringback's is, so no number is split across lines.
        let width = usize::from(area.width.saturating_sub(2)).max(20);
        let script = crate::render::wrap(&self.scripts.render(item), Some(width), "", "");
        lines.extend(script.lines().map(|l| Line::from(l.to_owned())));
        // Rows the card takes once wrapped, and how far it can scroll: the end of the script
        // is always reachable, and the title says when there is more below.
        let inner = usize::from(area.width.saturating_sub(2)).max(1);
        let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner)).sum();
        let most = rows.saturating_sub(usize::from(area.height.saturating_sub(2)));
        let scroll = usize::from(self.card_scroll).min(most);
        let title = if scroll < most {
            format!(" {} · PgDn: more ", p.name)
        } else if scroll > 0 {
            format!(" {} · PgUp: top ", p.name)
        } else {
            format!(" {} ", p.name)
        };
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0))
                .block(Block::bordered().title(title)),
            area,
        );
    }

    /// Calls made, connects, promises made and time in this block.
    fn status_line(&self) -> String {
        let calls = self
            .logged
            .iter()
            .filter(|l| matches!(l.outcome.class(), Class::Attempt | Class::Contact))
            .count();
        let connects = self.logged.iter().filter(|l| l.outcome.class() == Class::Contact).count();
        let promises = self.logged.iter().filter(|l| l.promised).count();
        let minutes = self.started.elapsed().as_secs() / 60;
        format!(
            "block {}:{:02} · {calls} calls · {connects} connects · {promises} promises · {} left",
            minutes / 60,
            minutes % 60,
            self.queue.len()
        )
    }

    /// What the block did, printed when it ends.
    fn summary(&self) -> String {
        let mut out = format!("{}\n", self.status_line().replacen(" left", " left in the queue", 1));
        for logged in &self.logged {
            out.push_str(&format!("  {:<14} {}\n", logged.outcome.as_str(), logged.name));
        }
        out
    }
}

const HELP: &str = "\
c  call: open the number (as the nudge's Call button)
v  left voicemail (records the promise the script names)
n  no answer
g  gatekeeper
s  spoke (then a next step's date and what, or Enter for none)
m  meeting
e  emailed
z  snooze: 1 an hour, t until tomorrow, w a week
u  undo the last event of this block
/  find a prospect in today's queue
j k or arrows  move
PgDn PgUp (or J K)  scroll the card (a long script)
?  this help (any key closes it)
q  quit and show the block";
