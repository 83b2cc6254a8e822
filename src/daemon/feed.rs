//! The calendar feed: built for `ringback ics`, and served by the daemon over HTTP on loopback
//! (`[calendar] listen`) for calendars that subscribe by URL (GNOME Calendar and Evolution take
//! only http(s); Thunderbird and Apple Calendar take a URL).
//!
//! The URL holds a random token kept in the state: anyone else on the machine who guesses the
//! port still gets 404. The token is a secret: it is never logged (`ringback ics --url` prints
//! the URL; `ringback ics --new-token` replaces it, and the old URL then answers 404). A request
//! whose `Host` is not the listen address is refused (a web page a browser was led to through a
//! DNS name pointed at 127.0.0.1 says its own name). GET and HEAD only; a strong ETag (a hash of
//! the body) answers `If-None-Match` with 304, so a client polling every 15 minutes moves no
//! data while nothing changed.
//!
//! Anyone on the machine can connect, so the feed is bounded: at most [`CONNECTIONS`] at once
//! (the rest are closed as they arrive), 16 KiB of request head, 10 s to send it; a failed
//! accept (no descriptors left) is logged once a minute. None of it can stop the daemon.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use jiff::Timestamp;
use jiff::civil::Date;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::Clock;
use crate::config::Config;
use crate::plan::{self, History, Item};
use crate::render::Scripts;
use crate::render::ics;
use crate::state::{State, StateError};

/// How many days ahead the served feed covers (as `ringback ics` does by default).
pub const DAYS: u32 = 30;

/// The most feed connections served at once: calendars poll one request at a time.
pub const CONNECTIONS: usize = 32;

/// The feed at `now` through `days` days: planned, each item's revision recorded in the state
/// when `record` (a feed for another time than now, `ics --at`, records nothing: its stamps
/// would mislead the calendars that subscribe).
///
/// # Errors
/// A state error while recording the revisions.
pub fn build(
    config: &Config,
    history: &History,
    state: &mut State,
    now: Timestamp,
    days: u32,
    record: bool,
) -> Result<String, StateError> {
    build_until(config, history, state, now, days, record).map(|(body, _)| body)
}

/// [`build`], and until when the body holds for this config and history: the end of my day,
/// or sooner the end of a window placed today (the next one is offered then).
fn build_until(
    config: &Config,
    history: &History,
    state: &mut State,
    now: Timestamp,
    days: u32,
    record: bool,
) -> Result<(String, Timestamp), StateError> {
    let t = std::time::Instant::now();
    let items = plan::project(config, history, now, days, ics::uid);
    tracing::debug!(elapsed = ?t.elapsed(), "feed projected");
    let (today, midnight) = my_day(config, now);
    let until = until_of(&items, today, now, midnight);
    let scripts = Scripts::new(config);
    let t = std::time::Instant::now();
    let events = ics::feed_events(config, &items, &scripts);
    tracing::debug!(elapsed = ?t.elapsed(), "feed events written");
    let body = written(config, state, &events.iter().collect::<Vec<_>>(), now, record)?;
    // Tens of thousands of strings for a large book: freed off the way of the answer (and not
    // at all when a one-shot command exits first); here, if the system refuses a thread.
    let _ = std::thread::Builder::new().spawn(move || drop((items, events)));
    Ok((body, until))
}

/// The calendar of `events`, each one's revision kept in the state when `record`.
fn written(
    config: &Config,
    state: &mut State,
    events: &[&ics::FeedEvent],
    now: Timestamp,
    record: bool,
) -> Result<String, StateError> {
    let t = std::time::Instant::now();
    // A fingerprint reads an event's whole text (8 MB for a month of 10k prospects): shared
    // among the cores.
    let keys: Vec<(String, String, u64)> = plan::in_parts(events, |_, part| {
        part.iter().map(|e| (e.uid.clone(), e.placed_text(), e.fingerprint())).collect()
    });
    let revisions = state.feed_revisions(&keys, now, record)?;
    tracing::debug!(elapsed = ?t.elapsed(), "feed revisions kept");
    let t = std::time::Instant::now();
    let body = ics::calendar(events, &revisions, config.feed.alarm);
    tracing::debug!(elapsed = ?t.elapsed(), "feed calendar written");
    Ok(body)
}

/// My day at `now`, and the midnight that ends it.
fn my_day(config: &Config, now: Timestamp) -> (Date, Timestamp) {
    let today = now.to_zoned(config.me.timezone.clone()).date();
    let midnight = today
        .tomorrow()
        .ok()
        .and_then(|d| d.to_zoned(config.me.timezone.clone()).ok())
        .map_or(now, |z| z.timestamp());
    (today, midnight)
}

/// Until when items laid out at `now` hold: `midnight`, or sooner the end of a window placed
/// today that is still to come.
fn until_of<'i>(
    items: impl IntoIterator<Item = &'i Item>,
    today: Date,
    now: Timestamp,
    midnight: Timestamp,
) -> Timestamp {
    items
        .into_iter()
        .filter(|i| i.day == today)
        .filter_map(|i| i.window.as_ref().map(|slot| slot.end.timestamp()))
        .filter(|end| *end > now)
        .fold(midnight, Timestamp::min)
}

/// The last feed's layout, prospect by prospect. Without a cap each prospect is laid out alone,
/// so a feed built again for the same config, later on the same day, lays out again only the
/// prospects whose history changed, whose part has run out (a window placed today has ended)
/// or that hang on the instant (a first sighting never recorded), and takes the others' items
/// and events as they were: a GET after one `log` on a book of 10k prospects re-plans one of
/// them, not all. A clock set back lays everything out again.
struct Laid {
    config: Arc<Config>,
    today: Date,
    /// The instant the parts were laid out at.
    from: Timestamp,
    /// The history the parts were laid out from.
    history: History,
    /// By the prospect's place in the book.
    parts: Vec<Part>,
    /// How many prospects this build laid out again (the others' parts were kept).
    again: usize,
}

/// One prospect's part of the feed.
#[derive(Default)]
struct Part {
    items: Vec<Item>,
    /// Each item's event, in its place (`None` where it has none).
    events: Vec<Option<ics::FeedEvent>>,
    /// Until when they hold (see [`until_of`]).
    until: Timestamp,
    /// Whether they may be kept at all: a first sighting never recorded counts from the
    /// instant laid out at, so such a part is laid out each time.
    keepable: bool,
}

/// [`build_until`] for the daemon's feed, recording each event's revision: on a book without a
/// cap, from the parts of `last` that still hold (see [`Laid`]), returning the parts for the
/// next build; under a cap, the whole book (each day's calls depend on everyone's).
fn build_again(
    config: &Arc<Config>,
    history: History,
    state: &mut State,
    now: Timestamp,
    last: Option<Laid>,
) -> Result<(String, Timestamp, Option<Laid>), StateError> {
    if config.me.max_calls_per_day.is_some() {
        let (body, until) = build_until(config, &history, state, now, DAYS, true)?;
        return Ok((body, until, None));
    }
    let (today, midnight) = my_day(config, now);
    let book = config.prospect_list();
    let last = last.filter(|l| {
        Arc::ptr_eq(&l.config, config) && l.today == today && l.from <= now && l.parts.len() == book.len()
    });
    let (mut parts, again): (Vec<Part>, Vec<usize>) = match last {
        Some(last) => {
            let again = (0..book.len())
                .filter(|&place| {
                    let part = &last.parts[place];
                    !(part.keepable && now < part.until && last.history.same_for(&history, &book[place].id))
                })
                .collect();
            (last.parts, again)
        }
        None => (book.iter().map(|_| Part::default()).collect(), (0..book.len()).collect()),
    };
    let t = std::time::Instant::now();
    let laid = plan::project_each(config, &history, &again, now, DAYS, ics::uid);
    tracing::debug!(elapsed = ?t.elapsed(), prospects = again.len(), "feed projected");
    let t = std::time::Instant::now();
    let scripts = Scripts::new(config);
    let new_items: Vec<&Item> = laid.iter().flatten().collect();
    let mut new_events = ics::feed_event_of_each(config, &new_items, &scripts).into_iter();
    drop(new_items);
    for (&place, items) in again.iter().zip(laid) {
        let prospect = book[place];
        parts[place] = Part {
            events: new_events.by_ref().take(items.len()).collect(),
            until: until_of(&items, today, now, midnight),
            keepable: plan::seen_keys(prospect).iter().all(|key| history.was_seen(&prospect.id, key)),
            items,
        };
    }
    tracing::debug!(elapsed = ?t.elapsed(), "feed events written");
    // The parts in the book's order, then sorted as `plan::project` sorts (a stable sort).
    let mut placed: Vec<(&Item, &Option<ics::FeedEvent>)> =
        parts.iter().flat_map(|part| part.items.iter().zip(&part.events)).collect();
    placed.sort_by(|a, b| plan::agenda_order(a.0, b.0));
    let events: Vec<&ics::FeedEvent> = placed.iter().filter_map(|(_, event)| event.as_ref()).collect();
    let body = written(config, state, &events, now, true)?;
    let until = parts.iter().map(|part| part.until).fold(midnight, Timestamp::min);
    drop((placed, events));
    let again = again.len();
    Ok((body, until, Some(Laid { config: config.clone(), today, from: now, history, parts, again })))
}

/// The last feed served, and what it was built from: a GET that finds the same config, the
/// same state and a clock before `until` is answered from it, without planning.
struct Built {
    config: Arc<Config>,
    version: (i64, i64),
    from: Timestamp,
    until: Timestamp,
    body: Bytes,
    etag: String,
    /// What the next build may keep of this one.
    laid: Option<Laid>,
}

impl Built {
    fn holds(&self, config: &Arc<Config>, version: (i64, i64), now: Timestamp) -> bool {
        Arc::ptr_eq(&self.config, config) && self.version == version && self.from <= now && now < self.until
    }
}

/// The path the feed is served at.
pub fn path(token: &str) -> String {
    format!("/feed/{token}.ics")
}

/// The URL a calendar subscribes to.
pub fn url(address: SocketAddr, token: &str) -> String {
    format!("http://{address}{}", path(token))
}

/// What the server needs to answer a request.
struct Feed {
    /// Also where the token is read, for every request: `ics --new-token` changes it there.
    state: Mutex<State>,
    configs: watch::Receiver<Arc<Config>>,
    clock: Arc<dyn Clock>,
    /// The address listened on, which a request's `Host` must name.
    address: Mutex<Option<SocketAddr>>,
    built: Mutex<Option<Built>>,
}

/// Serves the feed while `[calendar] listen` is set, moving when a reload changes it.
pub async fn serve(
    mut state: State,
    mut configs: watch::Receiver<Arc<Config>>,
    clock: Arc<dyn Clock>,
    shutdown: CancellationToken,
) {
    // Made now if there is none yet, so `ics --url` has one to print.
    if let Err(e) = state.feed_token() {
        tracing::error!("the calendar feed is off: {e}");
        return;
    }
    let feed = Arc::new(Feed {
        state: Mutex::new(state),
        configs: configs.clone(),
        clock,
        address: Mutex::new(None),
        built: Mutex::new(None),
    });
    let slots = Arc::new(tokio::sync::Semaphore::new(CONNECTIONS));
    let mut last_warning: Option<tokio::time::Instant> = None;
    loop {
        let listen = configs.borrow_and_update().feed.listen;
        let listener = match listen {
            None => None,
            Some(address) => match tokio::net::TcpListener::bind(address).await {
                Ok(listener) => {
                    // The token is a secret: the journal gets the address only.
                    tracing::info!(
                        "calendar feed on http://{address}/ (`ringback ics --url` prints its URL)"
                    );
                    *feed.address.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(address);
                    Some(listener)
                }
                Err(e) => {
                    tracing::error!("cannot serve the calendar feed on {address}: {e}");
                    None
                }
            },
        };
        // Until the address changes, the daemon stops, or (with no listener) forever.
        let changed = async {
            loop {
                if configs.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
                if configs.borrow().feed.listen != listen {
                    return;
                }
            }
        };
        tokio::pin!(changed);
        loop {
            let accepted = async {
                match &listener {
                    Some(l) => l.accept().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = &mut changed => break,
                accepted = accepted => match accepted {
                    Ok((stream, _)) => match slots.clone().try_acquire_owned() {
                        Ok(slot) => {
                            let feed = feed.clone();
                            let shutdown = shutdown.clone();
                            tokio::spawn(async move {
                                connection(stream, feed, shutdown).await;
                                drop(slot);
                            });
                        }
                        // Full: closed at once, holding nothing.
                        Err(_) => drop(stream),
                    },
                    Err(e) => {
                        // Out of descriptors, typically: said once a minute, not ten times a second.
                        let now = tokio::time::Instant::now();
                        if last_warning.is_none_or(|at| now.duration_since(at) >= Duration::from_secs(60)) {
                            tracing::warn!("calendar feed: cannot accept a connection: {e}");
                            last_warning = Some(now);
                        }
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                },
            }
        }
    }
}

async fn connection(stream: tokio::net::TcpStream, feed: Arc<Feed>, shutdown: CancellationToken) {
    let service = hyper::service::service_fn(move |request| {
        let feed = feed.clone();
        async move { Ok::<_, std::convert::Infallible>(answer(&request, feed).await) }
    });
    let served = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        // A client that opens a connection and says nothing is not kept waiting on, nor one
        // that says too much.
        .header_read_timeout(Duration::from_secs(10))
        .max_buf_size(16 * 1024)
        .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
    tokio::select! {
        () = shutdown.cancelled() => {}
        result = served => {
            if let Err(e) = result {
                tracing::debug!("calendar feed connection: {e}");
            }
        }
    }
}

fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}

/// Equal without telling, by how long it took, how much of the token was right.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether a request's `Host` names the address listened on: its IP or `localhost`, with our
/// port or none (`127.0.0.1:8642`, `localhost`). A page reached through a DNS name pointed at
/// 127.0.0.1 sends that name, and is refused. A request with no `Host` (HTTP/1.0) is let through.
fn host_is_ours<B>(request: &Request<B>, address: Option<SocketAddr>) -> bool {
    let Some(host) = request.headers().get(header::HOST) else { return true };
    let (Ok(host), Some(address)) = (host.to_str(), address) else { return false };
    let ip = match address {
        SocketAddr::V4(a) => a.ip().to_string(),
        SocketAddr::V6(a) => format!("[{}]", a.ip()),
    };
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) if !port.contains(']') => (name, Some(port)),
        _ => (host, None),
    };
    let ours = name.eq_ignore_ascii_case(&ip) || name.eq_ignore_ascii_case("localhost");
    ours && port.is_none_or(|p| p == address.port().to_string())
}

async fn answer<B>(request: &Request<B>, feed: Arc<Feed>) -> Response<Full<Bytes>> {
    let address = *feed.address.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if !host_is_ours(request, address) {
        return plain(StatusCode::MISDIRECTED_REQUEST, "this feed answers to its own address only\n");
    }
    // Read for each request: `ringback ics --new-token` may have replaced it.
    let token = {
        let feed = feed.clone();
        tokio::task::spawn_blocking(move || {
            feed.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner).current_feed_token()
        })
        .await
    };
    let token = match token {
        Ok(Ok(Some(token))) => token,
        Ok(Ok(None)) => return plain(StatusCode::NOT_FOUND, "not found\n"),
        Ok(Err(e)) => {
            tracing::error!("calendar feed: {e}");
            return plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the feed could not be read; see the daemon's log\n",
            );
        }
        Err(_) => return plain(StatusCode::INTERNAL_SERVER_ERROR, "the feed could not be read\n"),
    };
    if !same(request.uri().path().as_bytes(), path(&token).as_bytes()) {
        return plain(StatusCode::NOT_FOUND, "not found\n");
    }
    let head = request.method() == Method::HEAD;
    if request.method() != Method::GET && !head {
        let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "GET or HEAD\n");
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let config = feed.configs.borrow().clone();
    let now = feed.clock.now();
    let built = {
        let feed = feed.clone();
        tokio::task::spawn_blocking(move || -> Result<(Bytes, String), StateError> {
            let mut state = feed.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let mut built = feed.built.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let version = state.history_version()?;
            if let Some(last) = built.as_ref().filter(|b| b.holds(&config, version, now)) {
                tracing::debug!("calendar feed: unchanged since {}, served without planning", last.from);
                return Ok((last.body.clone(), last.etag.clone()));
            }
            let history = state.history()?;
            let last = built.take().and_then(|b| b.laid);
            let (body, until, laid) = build_again(&config, history, &mut state, now, last)?;
            if let Some(laid) = &laid {
                tracing::debug!(
                    "calendar feed: {} of {} prospects laid out again",
                    laid.again,
                    laid.parts.len()
                );
            }
            let etag = format!("\"{:016x}\"", ics::fnv1a([body.as_bytes()]));
            let body = Bytes::from(body);
            // Taken after the build, whose own record of what it served is no change.
            let version = state.history_version()?;
            *built = Some(Built {
                config,
                version,
                from: now,
                until,
                body: body.clone(),
                etag: etag.clone(),
                laid,
            });
            Ok((body, etag))
        })
        .await
    };
    let (body, etag) = match built {
        Ok(Ok(built)) => built,
        Ok(Err(e)) => {
            tracing::error!("calendar feed: {e}");
            return plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the feed could not be built; see the daemon's log\n",
            );
        }
        Err(e) => {
            tracing::error!("calendar feed: {e}");
            return plain(StatusCode::INTERNAL_SERVER_ERROR, "the feed could not be built\n");
        }
    };
    let matches = request
        .headers()
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|tag| {
            let tag = tag.trim();
            tag == "*" || tag.trim_start_matches("W/") == etag
        });
    let mut response = if matches {
        let mut response = Response::new(Full::new(Bytes::new()));
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        response
    } else {
        let length = body.len();
        let mut response = Response::new(Full::new(if head { Bytes::new() } else { body }));
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/calendar; charset=utf-8"));
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
        response
    };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Event, Outcome, PromiseChoice};

    /// Thirty prospects in three zones, entering the book over two weeks.
    fn book() -> Arc<Config> {
        let mut text = String::from(
            r#"
[me]
name = "Dana Reyes"
phone = "+1 416 555 0199"
timezone = "America/Toronto"

[defaults]
call_windows = ["07:30-08:30", "17:00-18:00"]

[cadences.standard]
steps = [
  { wait = "0 days", action = "call" },
  { wait = "2 workdays", action = "call" },
  { wait = "3 workdays", action = "email" },
  { wait = "1 week", action = "call" },
]
then = "quarterly"

[drips.quarterly]
every = "3 months"
items = [{ title = "Report" }, { title = "Case study" }]
"#,
        );
        let zones = ["America/Toronto", "Europe/London", "America/Vancouver"];
        for n in 0..30 {
            text.push_str(&format!(
                "\n[prospects.p{n}]\nname = \"Prospect {n}\"\nphone = \"+1 416 555 01{n:02}\"\ntimezone = \"{}\"\nsince = 2026-11-{:02}\n",
                zones[n % 3],
                10 + n % 15
            ));
        }
        Arc::new(Config::from_toml(&text).expect("a valid book"))
    }

    fn at(text: &str) -> Timestamp {
        text.parse::<jiff::civil::DateTime>().unwrap().in_tz("America/Toronto").unwrap().timestamp()
    }

    fn no_answer(id: &str, seq: i64, when: &str) -> Event {
        Event {
            seq,
            prospect: id.into(),
            at: at(when),
            outcome: Outcome::NoAnswer,
            note: None,
            promise: PromiseChoice::Auto,
            next_step: None,
            until: None,
            item: None,
        }
    }

    #[test]
    fn a_feed_built_again_from_the_parts_that_hold_is_the_feed_built_afresh() {
        let config = book();
        let dir = tempfile::tempdir().unwrap();
        // Each way records its revisions in a state of its own, at the same instants.
        let mut kept = State::open(&dir.path().join("kept.db")).unwrap();
        let mut fresh = State::open(&dir.path().join("fresh.db")).unwrap();
        let mut history = History::default();
        for prospect in config.prospects.values().filter(|p| p.id != "p7") {
            history.mark_seen(&prospect.id, "prospect", at("2026-11-01T09:00"));
        }
        history.push(&no_answer("p3", 1, "2026-11-20T17:10"));
        history.push(&no_answer("p4", 2, "2026-11-20T17:20"));

        let mut last = None;
        let mut laid_again = Vec::new();
        // A log for p3 just after the first build; then the morning's windows end (their calls
        // move to the evening); then the next day.
        for (now, logged) in [
            ("2026-11-24T07:00", None),
            ("2026-11-24T07:40", Some(no_answer("p3", 3, "2026-11-24T07:35"))),
            ("2026-11-24T07:50", None),
            ("2026-11-24T09:00", None),
            // The clock set back: the morning windows are open again.
            ("2026-11-24T08:20", None),
            ("2026-11-25T07:00", Some(no_answer("p4", 4, "2026-11-24T17:30"))),
        ] {
            if let Some(event) = logged {
                history.push(&event);
            }
            let now = at(now);
            let (body, until, laid) = build_again(&config, history.clone(), &mut kept, now, last).unwrap();
            let (expected, expected_until) =
                build_until(&config, &history, &mut fresh, now, DAYS, true).unwrap();
            assert_eq!(body, expected, "at {now}");
            assert_eq!(until, expected_until, "at {now}");
            let laid = laid.expect("a book without a cap keeps its parts");
            laid_again.push(laid.again);
            last = Some(laid);
        }
        // All at first; p3 (its history changed) and p7 (never seen, so laid out from the
        // instant) after the log; p7 alone while nothing changes; at 09:00 those whose morning
        // window ended; all when the clock goes back, and the next day.
        assert_eq!(laid_again[0], 30, "{laid_again:?}");
        assert_eq!(laid_again[1], 2, "{laid_again:?}");
        assert_eq!(laid_again[2], 1, "{laid_again:?}");
        assert!(laid_again[3] > 1 && laid_again[3] < 30, "{laid_again:?}");
        assert_eq!(laid_again[4], 30, "{laid_again:?}");
        assert_eq!(laid_again[5], 30, "{laid_again:?}");
    }
}
