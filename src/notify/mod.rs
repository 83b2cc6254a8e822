//! The channels a person hears from ringback on: desktop notifications over D-Bus and email
//! (file, sendmail or SMTP), and the text those carry.

pub mod desktop;
pub mod digest;
pub mod email;

use std::fmt::Write as _;

use crate::config::Config;
use crate::daemon::schedule::NudgeGroup;
use crate::output::window_text;
use crate::plan::{Agenda, Kind};

pub use desktop::{ActionSink, Desktop, DesktopMessage, Invoked};

/// The nudge for a group of calls whose windows open together.
pub fn nudge_message(config: &Config, group: &NudgeGroup) -> DesktopMessage {
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
        let company = p.company.as_deref().map(|c| format!(" ({c})")).unwrap_or_default();
        let phone = p.phone.as_deref().unwrap_or("no phone");
        let window = item.window.as_ref().map(|w| window_text(config, p, w)).unwrap_or_default();
        let flag = match (item.kind, item.overdue) {
            (Kind::Promise, true) => format!(" — promised, {} days late", item.days_late),
            (Kind::Promise, false) => " — promised callback".to_owned(),
            (Kind::NextStep, _) => " — agreed next step".to_owned(),
            _ => String::new(),
        };
        parts.push((item.prospect.clone(), format!("{}{company} {phone} · {window}{flag}", p.name)));
    }
    let body = parts.iter().map(|(_, line)| line.as_str()).collect::<Vec<_>>().join("\n");
    // One prospect: the three buttons. Several: voicemail and spoke per prospect, one snooze.
    let mut actions = Vec::new();
    let single = group.items.len() == 1;
    for item in &group.items {
        let name = config.prospects.get(&item.prospect).map_or(item.prospect.as_str(), |p| p.name.as_str());
        let label = |what: &str| if single { what.to_owned() } else { format!("{what}: {name}") };
        actions.push((format!("voicemail:{}", item.prospect), label("Left voicemail")));
        actions.push((format!("spoke:{}", item.prospect), label("Spoke")));
    }
    actions.push(("snooze".to_owned(), "Snooze 1h".to_owned()));
    // Up until the last of its windows ends, on the wall clock, however late it was shown.
    let until = group.items.iter().filter_map(|i| i.window.as_ref()).map(|w| w.end.timestamp()).max();
    DesktopMessage {
        summary,
        body,
        critical: group.critical,
        actions,
        nudge_keys: group.items.iter().map(crate::daemon::schedule::nudge_key).collect(),
        until,
        parts,
    }
}

/// The desktop summary shown with the morning digest: the counts and the first calls.
pub fn digest_summary(config: &Config, agenda: &Agenda) -> DesktopMessage {
    let summary = crate::output::digest_subject(agenda);
    let mut body = String::new();
    let first: Vec<_> = agenda
        .items
        .iter()
        .filter(|i| i.day == agenda.first_day && i.kind.action() == "call")
        .take(5)
        .collect();
    for item in &first {
        let Some(p) = config.prospects.get(&item.prospect) else { continue };
        let when = item.window.as_ref().map(|w| w.start.strftime("%H:%M").to_string()).unwrap_or_default();
        let _ = writeln!(body, "{when} {} {}", p.name, p.phone.as_deref().unwrap_or(""));
    }
    if first.is_empty() {
        body.push_str("No calls today.");
    }
    DesktopMessage::plain(summary, body.trim_end(), false)
}
