//! The JSON DESIGN.md fixes: the agenda and `next` written straight from typed structs into
//! the output buffer, and a prospect's history.

use jiff::civil::Date;
use serde_json::{Value, json};

use super::script::Scripts;
use super::text::rfc3339;
use crate::config::Config;
use crate::plan::{Agenda, Event, Item, PromiseChoice};

/// One agenda item as JSON, exactly as DESIGN.md shows it. Fields are in the order
/// `serde_json` printed them when this was a `Value` (by name), so the bytes stay the same;
/// the script is rendered while it is written, never held for the whole agenda.
#[derive(serde::Serialize)]
pub struct ItemJson<'a> {
    action: &'static str,
    attempt: Option<usize>,
    company: &'a Option<String>,
    days_late: i64,
    #[serde(serialize_with = "as_text")]
    due: Date,
    email: &'a Option<String>,
    kind: &'static str,
    name: &'a str,
    of: Option<usize>,
    overdue: bool,
    /// As the book writes it.
    phone: &'a Option<String>,
    prospect: &'a str,
    script: ScriptJson<'a>,
    /// The RFC 3966 URI to dial (`tel:+14165550101;ext=204`), for a script that dials.
    tel: Option<String>,
    why: &'a str,
    window: Option<WindowJson>,
}

fn as_text<S: serde::Serializer>(value: &impl std::fmt::Display, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

/// A script, rendered as it is serialized.
pub struct ScriptJson<'a> {
    scripts: &'a Scripts<'a>,
    item: &'a Item,
}

impl serde::Serialize for ScriptJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.scripts.render(self.item))
    }
}

#[derive(serde::Serialize)]
struct WindowJson {
    end: String,
    start: String,
}

/// An item's JSON.
pub fn item_json<'a>(config: &'a Config, item: &'a Item, scripts: &'a Scripts<'a>) -> ItemJson<'a> {
    let prospect = &config.prospects[&item.prospect];
    ItemJson {
        action: item.kind.action().as_str(),
        attempt: item.attempt,
        company: &prospect.company,
        days_late: item.days_late,
        due: item.due,
        email: &prospect.email,
        kind: item.kind.as_str(),
        name: &prospect.name,
        of: item.of,
        overdue: item.overdue,
        phone: &prospect.phone,
        prospect: &item.prospect,
        script: ScriptJson { scripts, item },
        tel: prospect.number.as_ref().map(crate::phone::Number::tel_uri),
        why: &item.why,
        window: item.window.as_ref().map(|w| WindowJson { end: rfc3339(&w.end), start: rfc3339(&w.start) }),
    }
}

/// The agenda as one JSON object, its items serialized one by one as they are written.
pub struct AgendaJson<'a> {
    config: &'a Config,
    agenda: &'a Agenda,
    scripts: &'a Scripts<'a>,
}

impl serde::Serialize for AgendaJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeSeq, SerializeStruct};
        struct Items<'b>(&'b AgendaJson<'b>);
        impl serde::Serialize for Items<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let AgendaJson { config, agenda, scripts } = self.0;
                let mut seq = serializer.serialize_seq(Some(agenda.items.len()))?;
                for item in &agenda.items {
                    seq.serialize_element(&item_json(config, item, scripts))?;
                }
                seq.end()
            }
        }
        let mut object = serializer.serialize_struct("Agenda", 3)?;
        object.serialize_field("at", &rfc3339(&self.agenda.at))?;
        object.serialize_field("items", &Items(self))?;
        // Calls the daily cap moved to a later day: what the text agenda says under the calls.
        let rolled: Vec<Value> = self
            .agenda
            .rolled
            .iter()
            .map(
                |(from, to, count)| json!({ "from": from.to_string(), "to": to.to_string(), "calls": count }),
            )
            .collect();
        object.serialize_field("rolled", &rolled)?;
        object.end()
    }
}

/// The agenda as JSON.
pub fn agenda_json<'a>(config: &'a Config, agenda: &'a Agenda, scripts: &'a Scripts<'a>) -> AgendaJson<'a> {
    AgendaJson { config, agenda, scripts }
}

fn event_json(event: &Event, config: &Config, source: Option<&String>) -> Value {
    let at = event.at.to_zoned(config.me.timezone.clone());
    json!({
        "source": source,
        "at": rfc3339(&at),
        "outcome": event.outcome.as_str(),
        "note": event.note,
        "promise": match event.promise { PromiseChoice::On(d) => Some(d.to_string()), _ => None },
        "no_promise": event.promise == PromiseChoice::Skip,
        "next_step": event.next_step.as_ref().map(|s| json!({ "on": s.on.to_string(), "what": s.what })),
        "until": event.until.map(|d| d.to_string()),
        "item": event.item,
    })
}

/// A prospect's history as JSON.
/// `sources` names where events came from by sequence number (`mailbox inbox <id>`); the
/// rest were logged by hand (`source` null).
pub fn history_json(
    config: &Config,
    id: &str,
    events: &[Event],
    sources: &std::collections::HashMap<i64, String>,
) -> Value {
    let prospect = config.prospects.get(id);
    json!({
        "prospect": id,
        "name": prospect.map(|p| p.name.clone()),
        "company": prospect.and_then(|p| p.company.clone()),
        "in_config": prospect.is_some(),
        "events": events.iter().map(|e| event_json(e, config, sources.get(&e.seq))).collect::<Vec<_>>(),
    })
}
