//! `[mailbox]`: the user's own IMAP mailbox closes the loop. A reply from a prospect logs
//! `replied`, an out-of-office reply logs `auto-reply` (snoozing them to their return), a
//! bounce flags the address, mail I sent logs `emailed` (or `drip-sent`), and an accepted
//! invitation logs `meeting`. With `drafts = true` each email or drip falling due is put in the
//! drafts folder once.
//!
//! Read-only but for drafts: folders are opened with EXAMINE and bodies fetched with
//! BODY.PEEK, so no flag ever changes; nothing is deleted or moved. Each message is acted on
//! once: the state keeps each folder's UIDVALIDITY and last UID, and the Message-ID of every
//! message acted on (a new UIDVALIDITY rescans the lookback by Message-ID). Only what the
//! events say is stored (date, subject, Message-ID), never a body; a message from an address
//! not in the book is never read past its headers, unless they say it is a delivery report.
//!
//! Edge: it uses the core, the rendering (for drafts), the state and the email password's
//! sources, and may not use the daemon or the command line.

mod imap;
pub mod read;
pub mod returns;

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use mail_parser::MessageParser;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, Mailbox};
use crate::plan::{self, Event, Kind, Outcome, PromiseChoice};
use crate::state::{FolderMark, Handled, State, StateError};
pub use imap::Watched;
use imap::{Session, within};
use read::{Addresses, Finding, Look, Role, Starts};

/// Why the mailbox could not be read now.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("cannot reach {0}: {1}")]
    Connect(String, String),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("the server refused the login for `{0}`: {1}")]
    Login(String, String),
    #[error("the IMAP password: {0}")]
    Password(String),
    #[error("{0} took longer than {1} s")]
    Timeout(&'static str, u64),
    #[error("IMAP: {0}")]
    Imap(String),
    #[error("{0}")]
    Folder(String),
    #[error(transparent)]
    State(#[from] StateError),
}

impl From<async_imap::error::Error> for MailError {
    fn from(e: async_imap::error::Error) -> Self {
        MailError::Imap(e.to_string())
    }
}

/// The most of a message read: enough for any reply, report or invitation; the rest of a
/// large attachment is never downloaded.
const MOST: u32 = 1 << 20;

/// An idle connection is renewed this often at the least, so a link a router dropped is
/// noticed (a server's keepalives restart async-imap's own timeout).
const IDLE_AT_MOST: Duration = Duration::from_secs(5 * 60);

/// Retries after a failure start here and double up to [`BACKOFF_MAX`].
const BACKOFF_FIRST: Duration = Duration::from_secs(1);
const BACKOFF_MAX: Duration = Duration::from_secs(5 * 60);

/// One thing the mailbox says to log, as `mailbox --check` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Act {
    pub event: Event,
    /// Logged before (by Message-ID).
    pub already: bool,
}

/// Reads the mailbox for the daemon until `shutdown`, following the config as reloads
/// change it: off while it has no `[mailbox]`, reconnecting when the section changes.
pub async fn watch(
    state_path: std::path::PathBuf,
    mut configs: watch::Receiver<Arc<Config>>,
    now: Arc<dyn Fn() -> Timestamp + Send + Sync>,
    shutdown: CancellationToken,
) {
    let mut failures: u32 = 0;
    loop {
        let config = configs.borrow_and_update().clone();
        let Some(mailbox) = config.mailbox.clone() else {
            tokio::select! {
                () = shutdown.cancelled() => return,
                changed = configs.changed() => if changed.is_err() { return },
            }
            continue;
        };
        let session = tokio::select! {
            () = shutdown.cancelled() => return,
            ended = follow(&state_path, &mut configs, &now, &mailbox, &mut failures) => ended,
        };
        let Err(e) = session else { continue };
        failures += 1;
        let delay = (BACKOFF_FIRST * 2u32.saturating_pow(failures.min(16) - 1)).min(BACKOFF_MAX);
        tracing::warn!(
            "mailbox {}:{}: {e}; trying again in {} s",
            mailbox.host,
            mailbox.port,
            delay.as_secs()
        );
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(delay) => {}
            changed = configs.changed() => if changed.is_err() { return },
        }
    }
}

/// One connection's life: read what is new, wait (IDLE, or `check_every`), again. `Ok` when
/// the `[mailbox]` section changed and a new connection is due. `failures` is reset once the
/// folders have been read: the backoff is for a server that keeps failing.
async fn follow(
    state_path: &std::path::Path,
    configs: &mut watch::Receiver<Arc<Config>>,
    now: &Arc<dyn Fn() -> Timestamp + Send + Sync>,
    mailbox: &Mailbox,
    failures: &mut u32,
) -> Result<(), MailError> {
    let mut state = State::open(state_path)?;
    let mut session = imap::connect(mailbox).await?;
    let watched = imap::folders(&mut session, mailbox).await?;
    let idle = within("asking for capabilities", session.capabilities()).await??.has_str("IDLE");
    tracing::info!(
        "mailbox: connected to {}:{} as {}; reading {}{}{}",
        mailbox.host,
        mailbox.port,
        mailbox.username,
        watched.inbox,
        watched.sent.as_ref().map(|s| format!(" and {s}")).unwrap_or_default(),
        watched
            .drafts
            .as_ref()
            .filter(|_| mailbox.drafts)
            .map(|d| format!("; drafts go to {d}"))
            .unwrap_or_default(),
    );
    if watched.sent.is_none() {
        tracing::warn!("mailbox: no sent folder found: name it as `sent` under [mailbox.folders]");
    }
    // Said once a connection, not at every pass.
    let mut warned_drafts = false;
    // What the last drafts pass planned from: the book is planned again only when the log,
    // the day or the config changed (a pass wakes for every new message).
    let mut drafted_for: Option<((i64, i64), jiff::civil::Date, Arc<Config>)> = None;
    loop {
        let config = configs.borrow_and_update().clone();
        match &config.mailbox {
            Some(m) if same_server(m, mailbox) => {}
            _ => return Ok(()),
        }
        let book = Addresses::of(&config);
        // Sent first: mail I sent before a reply came is planned as it stood then.
        for (role, folder) in [(Role::Sent, watched.sent.as_ref()), (Role::Inbox, Some(&watched.inbox))] {
            let Some(folder) = folder else { continue };
            let acts = read_folder(&mut session, Some(&mut state), true, &config, &book, role, folder, now())
                .await?;
            for act in acts.iter().filter(|a| !a.already) {
                tracing::info!(
                    "mailbox: logged {} for {} ({})",
                    act.event.outcome,
                    act.event.prospect,
                    role.as_str()
                );
            }
        }
        if mailbox.drafts {
            match (&watched.drafts, my_address(&config)) {
                (Some(drafts), Some(from)) => {
                    let at = now();
                    let basis = (state.history_version()?, at.to_zoned(config.me.timezone.clone()).date());
                    let same = drafted_for
                        .as_ref()
                        .is_some_and(|(v, d, c)| (*v, *d) == basis && Arc::ptr_eq(c, &config));
                    if !same {
                        write_drafts(&mut session, &mut state, config.clone(), drafts, from, at).await?;
                        drafted_for = Some((basis.0, basis.1, config.clone()));
                    }
                }
                (None, _) if !warned_drafts => {
                    warned_drafts = true;
                    tracing::warn!(
                        "mailbox: `drafts = true` but no drafts folder found: name it under [mailbox.folders]"
                    );
                }
                (_, None) if !warned_drafts => {
                    warned_drafts = true;
                    tracing::warn!(
                        "mailbox: drafts need your address: use it as the `username`, or set [notify.email] `to`"
                    );
                }
                _ => {}
            }
        }
        *failures = 0;
        let wait = IDLE_AT_MOST.min(mailbox.check_every.unsigned_abs());
        if idle {
            let opened = within("opening the inbox", session.examine(&watched.inbox)).await??;
            // Mail that came while the folders were read is already counted in EXISTS: IDLE
            // would not announce it.
            let read_to = state.folder_mark(Role::Inbox.as_str())?.map_or(0, |m| m.last_uid);
            if opened.uid_next.is_some_and(|next| next > read_to + 1) {
                continue;
            }
            let mut handle = session.idle();
            within("starting IDLE", handle.init()).await??;
            let (waiting, stop) = handle.wait_with_timeout(wait);
            // The server's keepalives restart async-imap's own timeout: this one renews the
            // IDLE at least every `wait`, and a link that died is found by the DONE after it.
            tokio::select! {
                woke = tokio::time::timeout(wait, waiting) => {
                    if let Ok(woke) = woke {
                        woke?;
                    }
                }
                _ = configs.changed() => {}
            }
            drop(stop);
            session = within("ending IDLE", handle.done()).await??;
        } else {
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                _ = configs.changed() => {}
            }
            within("NOOP", session.noop()).await??;
        }
    }
}

/// Whether two `[mailbox]` sections name the same server, login and folders (a change of
/// anything else, `drafts` or `check_every`, is taken up without reconnecting).
fn same_server(a: &Mailbox, b: &Mailbox) -> bool {
    (&a.host, a.port, a.security, &a.username, format!("{:?}", a.password), &a.ca_file, &a.folders)
        == (&b.host, b.port, b.security, &b.username, format!("{:?}", b.password), &b.ca_file, &b.folders)
}

/// `1-Dec-2026`, as SEARCH SINCE takes it (English month names whatever the locale).
fn imap_date(at: Timestamp) -> String {
    let date = at.to_zoned(jiff::tz::TimeZone::UTC).date();
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    format!("{}-{}-{}", date.day(), MONTHS[date.month() as usize - 1], date.year())
}

/// A message's headers as fetched, and its UID.
struct Headers {
    uid: u32,
    bytes: Vec<u8>,
    internal: Option<Timestamp>,
}

/// Header fetches go in batches of this many messages, each within the time limit: a first
/// scan of a busy inbox, or a day's mail after a week away, is never one fetch too long to finish.
const BATCH: usize = 200;

/// Reads a folder's new messages and acts on them. With `write` false (`mailbox --check`) the
/// lookback's messages are read whatever was read before, and nothing is written (the state
/// is only read: the history, and which messages were acted on). Returns what was (or would
/// be) logged.
#[allow(clippy::too_many_arguments)]
async fn read_folder(
    session: &mut Session,
    mut state: Option<&mut State>,
    write: bool,
    config: &Config,
    book: &Addresses,
    role: Role,
    folder: &str,
    now: Timestamp,
) -> Result<Vec<Act>, MailError> {
    let mailbox = config.mailbox.as_ref().expect("read only with a [mailbox]");
    let opened = within("opening a folder", session.examine(folder)).await??;
    let validity = opened.uid_validity.unwrap_or(0);
    let mark = match (&state, write) {
        (Some(state), true) => state.folder_mark(role.as_str())?,
        _ => None,
    };
    // Nothing older than the lookback is acted on, whenever it reaches the folder (a first
    // scan, a new UIDVALIDITY, old mail moved in).
    let since = now - mailbox.lookback;
    // Where this folder was left, if its UIDs still mean what they meant.
    let after = mark.as_ref().filter(|m| m.uidvalidity == validity && m.name == folder).map(|m| m.last_uid);
    let search = match after {
        Some(last) => format!("UID {}:*", last + 1),
        // SEARCH SINCE compares dates only, in the server's zone: a day wider, then each
        // message's own date decides.
        None => format!("SINCE {}", imap_date(since - SignedDuration::from_hours(24))),
    };
    let found = within("searching", session.uid_search(&search)).await??;
    // `UID n:*` names the last message even when n is past it.
    let mut uids: Vec<u32> = found.into_iter().filter(|uid| after.is_none_or(|last| *uid > last)).collect();
    uids.sort_unstable();
    let mut last_uid = after.unwrap_or(0);
    let mut acts = Vec::new();
    let query = format!("(UID INTERNALDATE BODY.PEEK[HEADER.FIELDS ({})])", read::HEADER_FIELDS);
    for batch in uids.chunks(BATCH) {
        let set = batch.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
        let mut headers = fetch_headers(session, &set, &query).await?;
        headers.sort_by_key(|h| h.uid);
        for h in headers {
            acts.extend(
                read_message(session, state.as_deref_mut(), write, config, book, role, &h, since, now)
                    .await?,
            );
            last_uid = last_uid.max(h.uid);
            if let (Some(state), true) = (state.as_deref_mut(), write) {
                let mark = FolderMark { name: folder.to_owned(), uidvalidity: validity, last_uid };
                state.set_folder_mark(role.as_str(), &mark)?;
            }
        }
    }
    if let (Some(state), true) = (state, write)
        && (after.is_none() || last_uid > after.unwrap_or(0))
    {
        let mark = FolderMark { name: folder.to_owned(), uidvalidity: validity, last_uid };
        state.set_folder_mark(role.as_str(), &mark)?;
    }
    Ok(acts)
}

/// Acts on one message (or, with `write` false, says what it would log).
#[allow(clippy::too_many_arguments)]
async fn read_message(
    session: &mut Session,
    state: Option<&mut State>,
    write: bool,
    config: &Config,
    book: &Addresses,
    role: Role,
    h: &Headers,
    since: Timestamp,
    now: Timestamp,
) -> Result<Vec<Act>, MailError> {
    let parser = MessageParser::default();
    let Some(parsed) = parser.parse_headers(&h.bytes[..]) else { return Ok(Vec::new()) };
    let sent = read::sent_at(&parsed).or(h.internal).unwrap_or(now).min(now);
    let look = read::look(&parsed, role, book);
    if look == Look::Pass || sent < since {
        return Ok(Vec::new());
    }
    let message_id = message_id(&parsed);
    let already = match &state {
        Some(state) => state.was_handled(&message_id)?,
        None => false,
    };
    if already && write {
        return Ok(Vec::new());
    }
    let findings = match &look {
        Look::SentTo(_) => read::read(&parsed, &look, config, book, sent),
        _ => {
            let body = fetch_body(session, h.uid).await?;
            match parser.parse(&body[..]) {
                Some(whole) => read::read(&whole, &look, config, book, sent),
                None => Vec::new(),
            }
        }
    };
    let mut events = Vec::new();
    for finding in &findings {
        let history = match &state {
            Some(state) => state.history_of(finding.prospect())?,
            None => plan::History::default(),
        };
        events.push(event_for(config, &history, finding, sent));
    }
    if let (Some(state), true, false) = (state, write, events.is_empty()) {
        let handled = Handled { message_id, role: role.as_str(), at: sent, subject: read::subject(&parsed) };
        state.log_message(&handled, &events, now)?;
    }
    Ok(events.into_iter().map(|event| Act { event, already }).collect())
}

async fn fetch_headers(session: &mut Session, uids: &str, query: &str) -> Result<Vec<Headers>, MailError> {
    use futures_util::StreamExt;
    within("fetching headers", async {
        let mut stream = session.uid_fetch(uids, query).await?;
        let mut out = Vec::new();
        while let Some(fetch) = stream.next().await {
            let fetch = fetch?;
            let (Some(uid), Some(header)) = (fetch.uid, fetch.header()) else { continue };
            let internal = fetch.internal_date().and_then(|d| Timestamp::from_second(d.timestamp()).ok());
            out.push(Headers { uid, bytes: header.to_vec(), internal });
        }
        Ok::<_, async_imap::error::Error>(out)
    })
    .await?
    .map_err(MailError::from)
}

async fn fetch_body(session: &mut Session, uid: u32) -> Result<Vec<u8>, MailError> {
    use futures_util::StreamExt;
    within("fetching a message", async {
        let mut stream = session.uid_fetch(uid.to_string(), format!("(UID BODY.PEEK[]<0.{MOST}>)")).await?;
        let mut body = Vec::new();
        while let Some(fetch) = stream.next().await {
            let fetch = fetch?;
            if fetch.uid == Some(uid)
                && let Some(b) = fetch.body()
            {
                body = b.to_vec();
            }
        }
        Ok::<_, async_imap::error::Error>(body)
    })
    .await?
    .map_err(MailError::from)
}

/// The message's Message-ID, or for one without, a stand-in from its Date, From and Subject.
fn message_id(message: &mail_parser::Message<'_>) -> String {
    match message.message_id().map(str::trim).filter(|m| !m.is_empty()) {
        Some(id) => id.to_owned(),
        None => {
            let key = format!(
                "{:?}\n{}\n{}",
                read::sent_at(message),
                read::from(message).unwrap_or_default(),
                read::subject(message)
            );
            format!("no-message-id-{:016x}@ringback", fnv(&key))
        }
    }
}

/// FNV-1a: a stable hash for names derived from text (not for security).
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// The event a finding logs; `sent` is the message's date.
pub fn event_for(config: &Config, history: &plan::History, finding: &Finding, sent: Timestamp) -> Event {
    let event = |outcome: Outcome, at: Timestamp, note: String| Event {
        seq: 0,
        prospect: finding.prospect().into(),
        at,
        outcome,
        note: Some(note),
        promise: PromiseChoice::Auto,
        next_step: None,
        until: None,
        item: None,
    };
    match finding {
        Finding::Reply { subject, .. } => event(Outcome::Replied, sent, subject.clone()),
        Finding::AutoReply { prospect, subject, back } => {
            let mut e = event(Outcome::AutoReply, sent, subject.clone());
            // Nothing is due before their first workday back.
            e.until = back.and_then(|back| {
                let p = config.prospects.get(prospect)?;
                let mut day = back.first_day();
                for _ in 0..60 {
                    if config.is_their_workday(p, day) {
                        break;
                    }
                    day = day.tomorrow().ok()?;
                }
                Some(day)
            });
            e
        }
        Finding::Bounce { address, status, diagnostic, .. } => {
            let note = match diagnostic {
                Some(d) => format!("{status}: {d}"),
                None => status.clone(),
            };
            let mut e = event(Outcome::Bounced, sent, note);
            e.item = Some(address.clone());
            e
        }
        Finding::Meeting { title, starts, .. } => {
            let at = match starts {
                Some(Starts::At(at)) => *at,
                // An all-day meeting: noon on its day, in my zone.
                Some(Starts::Day(day)) => {
                    day.at(12, 0, 0, 0).to_zoned(config.me.timezone.clone()).map_or(sent, |z| z.timestamp())
                }
                None => sent,
            };
            event(Outcome::Meeting, at, format!("accepted: {title}"))
        }
        Finding::Sent { prospect, subject } => {
            // Mail to someone due a drip item (and no cadence email) is that item.
            let items = plan::plan_for(config, history, sent, 1, prospect);
            let email_due = items.iter().any(|i| i.kind == Kind::Email);
            match items.iter().find(|i| i.kind == Kind::Drip).filter(|_| !email_due) {
                Some(drip) => {
                    let mut e = event(Outcome::DripSent, sent, subject.clone());
                    e.item = drip.drip_item.as_ref().map(|d| d.title.clone());
                    e
                }
                None => event(Outcome::Emailed, sent, subject.clone()),
            }
        }
    }
}

/// A drafted email or drip, ready to append.
struct Draft {
    /// Its delivery key in the ledger: once per item and due day.
    key: String,
    kind: &'static str,
    prospect: String,
    message_id: String,
    message: Vec<u8>,
}

/// The drafts of today's emails and drips not yet written: the book planned and their
/// scripts rendered, CPU work run off the daemon's thread by the caller.
fn due_drafts(config: &Config, history: &plan::History, from: &str, now: Timestamp) -> Vec<Draft> {
    let agenda = plan::plan(config, history, now, 1);
    let scripts = crate::render::Scripts::new(config);
    let domain = from.rsplit('@').next().unwrap_or("ringback.invalid");
    let mut drafts = Vec::new();
    for item in agenda.items.iter().filter(|i| matches!(i.kind, Kind::Email | Kind::Drip)) {
        let Some(prospect) = config.prospects.get(&item.prospect) else { continue };
        let Some(to) = prospect.email.as_deref() else { continue };
        // A bouncing address gets no draft (its email steps are calls).
        if plan::email_bounces(history, prospect) {
            continue;
        }
        let kind = if item.kind == Kind::Email { "email" } else { "drip" };
        let key = format!("mailbox:draft:{kind}:{}:{}", item.prospect, item.due);
        let script = scripts.render(item);
        let (subject, body) = match script.split_once('\n') {
            Some((first, rest)) if first.starts_with("Subject:") => (
                first.trim_start_matches("Subject:").trim().to_owned(),
                rest.trim_start_matches('\n').to_owned(),
            ),
            _ => (String::new(), script.clone()),
        };
        let message_id = format!("ringback-draft-{:016x}@{domain}", fnv(&key));
        match draft(config, from, prospect, to, &subject, &body, &message_id) {
            Ok(message) => {
                drafts.push(Draft { key, kind, prospect: item.prospect.clone(), message_id, message })
            }
            Err(e) => tracing::warn!("mailbox: cannot draft the {kind} to {}: {e}", item.prospect),
        }
    }
    drafts
}

/// Appends each email and drip due today to the drafts folder, once: its delivery key in the
/// ledger, and its Message-ID looked up in the folder first, so a crash between the append and
/// the ledger's write leaves one draft, not two.
async fn write_drafts(
    session: &mut Session,
    state: &mut State,
    config: Arc<Config>,
    folder: &str,
    from: String,
    now: Timestamp,
) -> Result<(), MailError> {
    let history = state.history()?;
    let drafts = tokio::task::spawn_blocking(move || due_drafts(&config, &history, &from, now))
        .await
        .map_err(|e| MailError::Imap(format!("drafting: {e}")))?;
    for d in drafts {
        if state.delivered(&d.key)? {
            continue;
        }
        within("opening the drafts", session.examine(folder)).await??;
        let there = within(
            "searching the drafts",
            session.uid_search(format!("HEADER Message-ID \"<{}>\"", d.message_id)),
        )
        .await??;
        if there.is_empty() {
            within("saving a draft", session.append(folder, Some("(\\Draft)"), None, &d.message)).await??;
            tracing::info!("mailbox: drafted the {} to {} in {folder}", d.kind, d.prospect);
        }
        state.record_delivery(&d.key, now)?;
    }
    Ok(())
}

/// My address: the login when it is one, else where the digest goes.
fn my_address(config: &Config) -> Option<String> {
    let mailbox = config.mailbox.as_ref()?;
    if mailbox.username.contains('@') {
        return Some(mailbox.username.clone());
    }
    let to = config.notify.email.as_ref()?.to.parse::<lettre::message::Mailbox>().ok()?;
    Some(to.email.to_string())
}

/// A draft as the mail client shows it: personal mail, so no Auto-Submitted or Precedence.
fn draft(
    config: &Config,
    from: &str,
    prospect: &crate::config::Prospect,
    to: &str,
    subject: &str,
    body: &str,
    message_id: &str,
) -> Result<Vec<u8>, String> {
    let me = lettre::message::Mailbox::new(
        Some(config.me.name.clone()),
        from.parse().map_err(|e| format!("my address `{from}`: {e}"))?,
    );
    let them = lettre::message::Mailbox::new(
        Some(prospect.name.clone()),
        to.parse().map_err(|e| format!("`{to}`: {e}"))?,
    );
    let message = lettre::Message::builder()
        .from(me)
        .to(them)
        .subject(subject)
        .message_id(Some(format!("<{message_id}>")))
        .header(lettre::message::header::ContentType::TEXT_PLAIN)
        .body(body.replace('\n', "\r\n"))
        .map_err(|e| e.to_string())?;
    Ok(message.formatted())
}

/// What `ringback mailbox --check` found: the folders, and what the lookback holds.
#[derive(Debug)]
pub struct Checked {
    pub watched: Watched,
    pub acts: Vec<Act>,
}

/// Connects, finds the folders and reads the lookback's messages, writing nothing; `state`
/// (read, never written) gives the history and which messages were acted on already.
pub async fn check(
    config: &Config,
    mut state: Option<&mut State>,
    now: Timestamp,
) -> Result<Checked, MailError> {
    let mailbox = config.mailbox.as_ref().expect("checked only with a [mailbox]");
    let mut session = imap::connect(mailbox).await?;
    let watched = imap::folders(&mut session, mailbox).await?;
    let book = Addresses::of(config);
    let mut acts = Vec::new();
    for (role, folder) in [(Role::Sent, watched.sent.as_ref()), (Role::Inbox, Some(&watched.inbox))] {
        let Some(folder) = folder else { continue };
        acts.extend(
            read_folder(&mut session, state.as_deref_mut(), false, config, &book, role, folder, now).await?,
        );
    }
    let _ = within("logging out", session.logout()).await;
    acts.sort_by_key(|a| a.event.at);
    Ok(Checked { watched, acts })
}

/// `mailbox --check`'s report.
pub fn check_text(config: &Config, checked: &Checked) -> String {
    let mut out = String::new();
    let mailbox = config.mailbox.as_ref().expect("checked only with a [mailbox]");
    let _ = writeln!(out, "Connected to {}:{} as {}.", mailbox.host, mailbox.port, mailbox.username);
    let _ = writeln!(
        out,
        "Replies, auto-replies, bounces and accepted meetings are read from {}.",
        checked.watched.inbox
    );
    match &checked.watched.sent {
        Some(sent) => {
            let _ = writeln!(out, "Mail you send to prospects is read from {sent}.");
        }
        None => {
            let _ = writeln!(out, "No sent folder found: name it as `sent` under [mailbox.folders].");
        }
    }
    match (&checked.watched.drafts, mailbox.drafts) {
        (Some(drafts), true) => {
            let _ = writeln!(out, "Drafts of due emails and drips go to {drafts}.");
        }
        (None, true) => {
            let _ = writeln!(out, "No drafts folder found: name it as `drafts` under [mailbox.folders].");
        }
        (_, false) => {}
    }
    let days = mailbox.lookback.as_hours() / 24;
    if checked.acts.is_empty() {
        let _ = writeln!(out, "\nNothing to log from the last {days} days.");
        return out;
    }
    let _ = writeln!(out, "\nFrom the last {days} days, ringback run logs:");
    let tz = &config.me.timezone;
    for act in &checked.acts {
        let e = &act.event;
        let name = config.prospects.get(&*e.prospect).map_or(e.prospect.to_string(), |p| p.name.clone());
        let mut what = format!("{} {}", e.outcome, e.note.as_deref().unwrap_or_default());
        if let Some(until) = e.until {
            let _ = write!(what, " (nothing due before {})", plan::short_date(until));
        }
        if let Some(item) = &e.item {
            let _ = write!(what, " [{item}]");
        }
        let already = if act.already { "  (logged already)" } else { "" };
        let _ = writeln!(
            out,
            "  {}  {name}: {what}{already}",
            e.at.to_zoned(tz.clone()).strftime("%a %-d %b %H:%M")
        );
    }
    let _ = writeln!(out, "\nNothing was written: `ringback run` acts on these.");
    out
}
