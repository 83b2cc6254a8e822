//! What the desktop shows: a nudge for calls whose windows open together, the digest's summary,
//! and what a nudge becomes after a button is pressed.

use std::fmt::Write as _;

use super::text::{digest_subject, window_text};
use crate::config::Config;
use crate::plan::{self, Agenda, Item, Kind};
use crate::schedule::{NudgeGroup, nudge_key};

/// One notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesktopMessage {
    pub summary: String,
    /// Plain text; escaped for servers that read markup.
    pub body: String,
    pub critical: bool,
    /// Buttons: (D-Bus action key, label). Keys are `voicemail:ID`, `spoke:ID` and `snooze`.
    pub actions: Vec<(String, String)>,
    /// The ledger keys of the nudges it carries, for "Snooze 1h".
    pub nudge_keys: Vec<String>,
    /// Until when to listen for an action: the window's end, on the wall clock. A notification
    /// with actions stays up until dismissed or then, when ringback closes it.
    pub until: Option<jiff::Timestamp>,
    /// A nudge's body line per prospect (id, line), so a pressed prospect can be taken out.
    pub parts: Vec<(String, String)>,
    /// For the notification naming a crowded window's rest: when the window opens (`07:30`).
    pub rest_of: Option<String>,
}

impl DesktopMessage {
    /// A notification without actions.
    pub fn plain(summary: impl Into<String>, body: impl Into<String>, critical: bool) -> DesktopMessage {
        DesktopMessage {
            summary: summary.into(),
            body: body.into(),
            critical,
            actions: Vec::new(),
            nudge_keys: Vec::new(),
            until: None,
            parts: Vec::new(),
            rest_of: None,
        }
    }

    /// What the notification becomes after `action` was pressed and the daemon answered
    /// `confirmation`: the answer as its summary, the other prospects' lines and buttons kept.
    /// `None` when nothing is left to press (the answer is then shown without buttons).
    pub fn after_press(&self, action: &str, confirmation: &str) -> (DesktopMessage, bool) {
        // Calling logs nothing: the nudge stays, buttons and all, for what happened.
        if action.starts_with("call:") {
            return (DesktopMessage { summary: confirmation.to_owned(), ..self.clone() }, true);
        }
        // Snoozed to another day: nothing is left to press.
        // (A confirmation has no window: the server's own timeout takes it down.)
        if action.starts_with("snooze-") {
            let done = DesktopMessage {
                summary: confirmation.to_owned(),
                actions: Vec::new(),
                until: None,
                ..self.clone()
            };
            return (done, false);
        }
        let pressed = action.split_once(':').map(|(_, id)| id);
        let keep = |id: &str| pressed.is_some_and(|p| p != id);
        let parts: Vec<(String, String)> = self.parts.iter().filter(|(id, _)| keep(id)).cloned().collect();
        let left: Vec<&str> = parts.iter().map(|(id, _)| id.as_str()).collect();
        let actions: Vec<(String, String)> = self
            .actions
            .iter()
            .filter_map(|(key, label)| match key.split_once(':') {
                // A snooze covers the prospects still in the nudge, not one just logged.
                Some((verb, _)) if verb.starts_with("snooze-") => {
                    (!left.is_empty()).then(|| (format!("{verb}:{}", left.join(",")), label.clone()))
                }
                Some((_, id)) => keep(id).then(|| (key.clone(), label.clone())),
                None => (!parts.is_empty()).then(|| (key.clone(), label.clone())),
            })
            .collect();
        let open = actions.iter().any(|(key, _)| key.contains(':') && !key.starts_with("snooze-"));
        let body = parts.iter().map(|(_, line)| line.as_str()).collect::<Vec<_>>().join("\n");
        let nudge_keys = self
            .nudge_keys
            .iter()
            .filter(|key| parts.iter().any(|(id, _)| key.contains(&format!(":{id}:"))))
            .cloned()
            .collect();
        let message = DesktopMessage {
            summary: confirmation.to_owned(),
            body,
            critical: self.critical && open,
            actions: if open { actions } else { Vec::new() },
            nudge_keys,
            until: self.until.filter(|_| open),
            parts,
            rest_of: None,
        };
        (message, open)
    }

    /// What the notification becomes once the prospects `gone` were logged elsewhere (in
    /// `ringback dial`, with `ringback log`): `None` when nobody is left on it (it is taken
    /// down); the same when none of them was on it; the rest's notification counts again.
    pub fn without(&self, gone: &[&str]) -> Option<DesktopMessage> {
        let parts: Vec<(String, String)> =
            self.parts.iter().filter(|(id, _)| !gone.contains(&id.as_str())).cloned().collect();
        if parts.is_empty() {
            return None;
        }
        let mut left = self.clone();
        if parts.len() == self.parts.len() {
            return Some(left);
        }
        left.nudge_keys.retain(|key| parts.iter().any(|(id, _)| key.contains(&format!(":{id}:"))));
        left.body = parts.iter().map(|(_, line)| line.as_str()).collect::<Vec<_>>().join("\n");
        if let Some(opens) = &self.rest_of {
            left.summary = rest_summary(parts.len(), opens);
        }
        left.parts = parts;
        Some(left)
    }
}

/// The summary of the notification naming a crowded window's rest.
fn rest_summary(count: usize, opens: &str) -> String {
    format!("and {count} more at {opens} — `ringback dial`")
}

/// At most this many nudges of one window are on screen at once: stock dunst shows three in
/// its 300 px, and more run off a small screen. The rest share one notification.
pub const ON_SCREEN: usize = 5;

/// The nudges for calls whose windows open together, shown at `now`: one per prospect, each
/// with its own buttons (call, what happened, snoozes), for the first [`ON_SCREEN`] in call
/// order; one more, without buttons, names the rest.
pub fn nudge_messages(config: &Config, group: &NudgeGroup, now: jiff::Timestamp) -> Vec<DesktopMessage> {
    let opens = group.opens.strftime("%H:%M").to_string();
    let firsts = one_per_prospect(&group.items);
    // The other items of a prospect (a cadence call beside the step) go with their nudge.
    let also: Vec<(String, String)> = group
        .items
        .iter()
        .filter(|i| !firsts.iter().any(|f| std::ptr::eq(*f, *i)))
        .map(|i| (i.prospect.clone(), nudge_key(i)))
        .collect();
    let with_also = |mut message: DesktopMessage, id: &str| {
        message.nudge_keys.extend(also.iter().filter(|(p, _)| p == id).map(|(_, k)| k.clone()));
        message
    };
    let mut messages: Vec<DesktopMessage> = firsts
        .iter()
        .take(ON_SCREEN)
        .filter_map(|item| prospect_nudge(config, item, &opens, now).map(|m| with_also(m, &item.prospect)))
        .collect();
    let rest: Vec<&Item> = firsts.iter().skip(ON_SCREEN).copied().collect();
    if !rest.is_empty() {
        let parts: Vec<(String, String)> = rest
            .iter()
            .filter_map(|item| {
                let p = config.prospects.get(&item.prospect)?;
                let phone = p.shown_phone().unwrap_or_else(|| "no phone".to_owned());
                Some((item.prospect.clone(), format!("{} · {phone} · {}", p.name, item.why)))
            })
            .collect();
        messages.push(DesktopMessage {
            summary: rest_summary(parts.len(), &opens),
            body: parts.iter().map(|(_, line)| line.as_str()).collect::<Vec<_>>().join("\n"),
            critical: false,
            actions: Vec::new(),
            nudge_keys: rest
                .iter()
                .map(|i| nudge_key(i))
                .chain(
                    also.iter()
                        .filter(|(p, _)| rest.iter().any(|i| i.prospect == *p))
                        .map(|(_, k)| k.clone()),
                )
                .collect(),
            until: rest.iter().filter_map(|i| i.window.as_ref()).map(|w| w.end.timestamp()).max(),
            parts,
            rest_of: Some(opens.clone()),
        });
    }
    messages
}

/// A window's items as its nudges name them, one per prospect in call order: an agreed next
/// step and a cadence call due in the same window are one call (the first, the step, says
/// what matters). The first [`ON_SCREEN`] get nudges; the rest share one.
pub fn one_per_prospect(items: &[Item]) -> Vec<&Item> {
    let mut firsts: Vec<&Item> = Vec::new();
    for item in items {
        if !firsts.iter().any(|f| f.prospect == item.prospect) {
            firsts.push(item);
        }
    }
    firsts
}

/// The nudge of a crowded window's prospect moved up from its rest when one on screen was
/// logged (`opens` as the window's nudges name it, `07:30`).
pub fn promoted_nudge(
    config: &Config,
    item: &Item,
    opens: &str,
    now: jiff::Timestamp,
) -> Option<DesktopMessage> {
    prospect_nudge(config, item, opens, now)
}

/// One prospect's nudge: who, their number and window, their time now, the hook, and the
/// sentence that matters on this call (the promise or agreed step being kept, else the value
/// they are called for): not the greeting, which the seller knows by heart.
fn prospect_nudge(config: &Config, item: &Item, opens: &str, now: jiff::Timestamp) -> Option<DesktopMessage> {
    let p = config.prospects.get(&item.prospect)?;
    let phone = p.shown_phone().unwrap_or_else(|| "no phone".to_owned());
    let window = item.window.as_ref().map(|w| window_text(config, p, w)).unwrap_or_default();
    let mut line = format!("{} {phone} · {window}", super::text::who(p));
    if let (Some(attempt), Some(of)) = (item.attempt, item.of)
        && item.kind == Kind::Call
    {
        let _ = write!(line, " · attempt {attempt} of {of}");
    }
    let _ = write!(line, "\ntheir time {}", now.to_zoned(p.timezone.clone()).strftime("%H:%M"));
    if let Some(hook) = &p.hook {
        let _ = write!(line, " · hook: {hook}");
    }
    let matters = match item.kind {
        Kind::Promise => {
            let on = item.due.strftime("%a %-d %b");
            if item.overdue {
                let late = super::text::count(item.days_late as usize, "day", "days");
                format!("You promised to call on {on}, {late} ago: keep your word.")
            } else {
                format!("You promised to call today ({on}): keep your word.")
            }
        }
        Kind::NextStep => format!("Agreed next step: {}.", item.next_step.as_deref().unwrap_or("call")),
        _ => match &p.value {
            Some(value) => format!("Value: {value}."),
            None => crate::config::templates::sentence(&item.why),
        },
    };
    let _ = write!(line, "\n{matters}");
    let id = &item.prospect;
    let actions = vec![
        (format!("call:{id}"), "Call".to_owned()),
        (format!("voicemail:{id}"), "Left voicemail".to_owned()),
        (format!("no-answer:{id}"), "No answer".to_owned()),
        (format!("spoke:{id}"), "Spoke".to_owned()),
        ("snooze".to_owned(), "Snooze 1 hour".to_owned()),
        (format!("snooze-tomorrow:{id}"), "Snooze until tomorrow".to_owned()),
        (format!("snooze-week:{id}"), "Snooze a week".to_owned()),
    ];
    Some(DesktopMessage {
        summary: format!("Call at {opens}: {}", p.name),
        body: line.clone(),
        // Critical is kept for the one whose promise is overdue: the call not to miss.
        critical: item.kind == Kind::Promise && item.overdue,
        actions,
        nudge_keys: vec![nudge_key(item)],
        until: item.window.as_ref().map(|w| w.end.timestamp()),
        parts: vec![(id.clone(), line)],
        rest_of: None,
    })
}

/// The desktop summary shown with the morning digest: the counts, then the day's first calls
/// by the time their window opens, each saying what it is (a promise, an agreed next step, a
/// call), and how many more there are.
pub fn digest_summary(config: &Config, agenda: &Agenda) -> DesktopMessage {
    const LINES: usize = 5;
    let summary = digest_subject(agenda);
    let mut calls: Vec<&Item> =
        agenda.items.iter().filter(|i| i.day == agenda.first_day && i.kind.is_call()).collect();
    // By the time their window opens (none last); the agenda's order among equals.
    calls.sort_by_key(|i| i.window.as_ref().map_or(i64::MAX, |w| w.start.timestamp().as_second()));
    let mut body = String::new();
    for item in calls.iter().take(LINES) {
        let Some(p) = config.prospects.get(&item.prospect) else { continue };
        let when = item
            .window
            .as_ref()
            .map_or_else(|| "--:--".to_owned(), |w| w.start.strftime("%H:%M").to_string());
        let what = match item.kind {
            Kind::Promise if item.overdue => "promised, late",
            Kind::Promise => "promised",
            Kind::NextStep => "next step",
            _ => "call",
        };
        let phone = p.shown_phone().unwrap_or_else(|| "no phone".to_owned());
        let _ = writeln!(body, "{when} {what}: {} {phone}", p.name);
    }
    if calls.len() > LINES {
        let _ = writeln!(body, "+{} more", calls.len() - LINES);
    }
    if calls.is_empty() {
        body.push_str("No calls today.");
    }
    // An overdue promise makes the morning's summary critical: it is the one to see.
    let overdue = agenda.items.iter().any(|i| i.kind == Kind::Promise && i.overdue);
    DesktopMessage::plain(summary, body.trim_end(), overdue)
}

/// What was logged and what comes next, as a nudge's button and `ringback dial` both say it:
/// "No answer: Kevin Doyle — next call Wed 9 Dec, attempt 3 of 7".
pub fn confirmation(outcome: plan::Outcome, name: &str, next: Option<&Item>) -> String {
    let logged = match outcome {
        plan::Outcome::Voicemail => "Left voicemail",
        plan::Outcome::NoAnswer => "No answer",
        plan::Outcome::Gatekeeper => "Gatekeeper",
        plan::Outcome::Spoke => "Spoke",
        plan::Outcome::Meeting => "Meeting",
        plan::Outcome::Emailed => "Emailed",
        plan::Outcome::Snooze => "Snoozed",
        other => other.as_str(),
    };
    let Some(item) = next else { return format!("{logged}: {name} — nothing more is due") };
    let day = item.due.strftime("%a %-d %b");
    let next = match item.kind {
        Kind::Promise => format!("promised callback {day}"),
        Kind::NextStep => format!("next step {day}: {}", item.next_step.as_deref().unwrap_or("call")),
        Kind::Call => match (item.attempt, item.of) {
            (Some(attempt), Some(of)) => format!("next call {day}, attempt {attempt} of {of}"),
            _ => format!("next call {day}"),
        },
        Kind::Email => format!("next: an email {day}"),
        Kind::Drip => format!("next: the drip {day}"),
    };
    format!("{logged}: {name} — {next}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snooze_after_a_press_covers_only_the_prospects_left() {
        let actions = ["voicemail:amy", "voicemail:ben", "snooze", "snooze-week:amy,ben"]
            .iter()
            .map(|k| (k.to_string(), k.to_string()))
            .collect();
        let message = DesktopMessage {
            actions,
            parts: vec![("amy".into(), "Amy".into()), ("ben".into(), "Ben".into())],
            ..DesktopMessage::plain("Call at 07:30", "", false)
        };
        let (after, open) = message.after_press("voicemail:amy", "Logged voicemail for Amy");
        assert!(open);
        let keys: Vec<&str> = after.actions.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["voicemail:ben", "snooze", "snooze-week:ben"]);
        let (last, open) = after.after_press("voicemail:ben", "Logged voicemail for Ben");
        assert!(!open && last.actions.is_empty(), "{last:?}");
    }
}
