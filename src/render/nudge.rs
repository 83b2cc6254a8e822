//! What the desktop shows: a nudge for calls whose windows open together, the digest's summary,
//! and what a nudge becomes after a button is pressed.

use std::fmt::Write as _;

use super::text::{digest_subject, window_text};
use crate::config::Config;
use crate::plan::{Agenda, Kind};
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
        if action.starts_with("snooze-") {
            let done =
                DesktopMessage { summary: confirmation.to_owned(), actions: Vec::new(), ..self.clone() };
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
            until: self.until,
            parts,
        };
        (message, open)
    }
}

/// The nudge for a group of calls whose windows open together.
/// The start of a script, for the nudge's body: its first sentences, to about 120 characters.
fn opening(script: &str) -> String {
    let mut out = String::new();
    for sentence in script.split_inclusive(". ") {
        if !out.is_empty() && out.chars().count() + sentence.chars().count() > 120 {
            out.push('…');
            break;
        }
        out.push_str(sentence);
    }
    out.trim_end().to_owned()
}

/// The nudge for a group of calls whose windows open together, shown at `now`: each prospect
/// with their number, window, their own time now, the hook and how the script starts; buttons
/// to call, to log what happened, and to snooze.
pub fn nudge_message(config: &Config, group: &NudgeGroup, now: jiff::Timestamp) -> DesktopMessage {
    let scripts = super::Scripts::new(config);
    let names: Vec<&str> = group
        .items
        .iter()
        .filter_map(|i| config.prospects.get(&i.prospect))
        .map(|p| p.name.as_str())
        .collect();
    let summary = format!("Call at {}: {}", group.opens.strftime("%H:%M"), names.join(", "));
    let mut parts = Vec::new();
    for item in &group.items {
        let Some(p) = config.prospects.get(&item.prospect) else { continue };
        let who = super::text::who(p);
        let phone = p.shown_phone().unwrap_or_else(|| "no phone".to_owned());
        let window = item.window.as_ref().map(|w| window_text(config, p, w)).unwrap_or_default();
        let flag = match (item.kind, item.overdue) {
            (Kind::Promise, true) => {
                format!(" — promised, {} late", super::text::count(item.days_late as usize, "day", "days"))
            }
            (Kind::Promise, false) => " — promised callback".to_owned(),
            (Kind::NextStep, _) => " — agreed next step".to_owned(),
            _ => String::new(),
        };
        let mut line = format!("{who} {phone} · {window}{flag}");
        let _ = write!(line, "\n  their time {}", now.to_zoned(p.timezone.clone()).strftime("%H:%M"));
        if let Some(hook) = &p.hook {
            let _ = write!(line, " · hook: {hook}");
        }
        let script = opening(&scripts.render(item));
        if !script.is_empty() {
            let _ = write!(line, "\n  “{script}”");
        }
        parts.push((item.prospect.clone(), line));
    }
    let body = parts.iter().map(|(_, line)| line.as_str()).collect::<Vec<_>>().join("\n");
    // In the order they are used: call, what happened, then the snoozes. Servers show the
    // first few; dunst's context menu and GNOME's expanded view show them all.
    let mut actions = Vec::new();
    let single = group.items.len() == 1;
    for item in &group.items {
        let name = config.prospects.get(&item.prospect).map_or(item.prospect.as_str(), |p| p.name.as_str());
        let label = |what: &str| if single { what.to_owned() } else { format!("{what}: {name}") };
        actions.push((format!("call:{}", item.prospect), label("Call")));
        actions.push((format!("voicemail:{}", item.prospect), label("Left voicemail")));
        actions.push((format!("no-answer:{}", item.prospect), label("No answer")));
        actions.push((format!("spoke:{}", item.prospect), label("Spoke")));
    }
    let ids: Vec<&str> = group.items.iter().map(|i| i.prospect.as_str()).collect();
    actions.push(("snooze".to_owned(), "Snooze 1 hour".to_owned()));
    actions.push((format!("snooze-tomorrow:{}", ids.join(",")), "Snooze until tomorrow".to_owned()));
    actions.push((format!("snooze-week:{}", ids.join(",")), "Snooze a week".to_owned()));
    // Up until the last of its windows ends, on the wall clock, however late it was shown.
    let until = group.items.iter().filter_map(|i| i.window.as_ref()).map(|w| w.end.timestamp()).max();
    DesktopMessage {
        summary,
        body,
        critical: group.critical,
        actions,
        nudge_keys: group.items.iter().map(nudge_key).collect(),
        until,
        parts,
    }
}

/// The desktop summary shown with the morning digest: the counts and the first calls.
pub fn digest_summary(config: &Config, agenda: &Agenda) -> DesktopMessage {
    let summary = digest_subject(agenda);
    let mut body = String::new();
    let first: Vec<_> =
        agenda.items.iter().filter(|i| i.day == agenda.first_day && i.kind.is_call()).take(5).collect();
    for item in &first {
        let Some(p) = config.prospects.get(&item.prospect) else { continue };
        let when = item.window.as_ref().map(|w| w.start.strftime("%H:%M").to_string()).unwrap_or_default();
        let _ = writeln!(body, "{when} {} {}", p.name, p.shown_phone().unwrap_or_default());
    }
    if first.is_empty() {
        body.push_str("No calls today.");
    }
    // An overdue promise makes the morning's summary critical: it is the one to see.
    let overdue = agenda.items.iter().any(|i| i.kind == Kind::Promise && i.overdue);
    DesktopMessage::plain(summary, body.trim_end(), overdue)
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
