//! Voicemail scripts and email drafts: minijinja templates with built-in defaults that
//! `[templates]` in the config can override or add to.

use jiff::civil::Date;
use minijinja::Environment;

use crate::config::Config;
use crate::config::templates::{self, Callback, ScriptContext};
use crate::plan::{self, Item, Kind, short_date};

pub use crate::config::templates::{BUILTIN_NAMES, builtin_templates};

/// Renders scripts for agenda items, compiling the config's templates once.
pub struct Scripts<'c> {
    env: Environment<'c>,
    config: &'c Config,
    /// My number as every prospect's is shown (read once: the scripts name it every time).
    me_phone: Option<String>,
}

impl<'c> Scripts<'c> {
    pub fn new(config: &'c Config) -> Self {
        let mut env = templates::environment(false);
        for (name, source) in &config.templates {
            // Validation compiled every template already, so this cannot fail.
            env.add_template(name, source).expect("templates are validated with the config");
        }
        let me_phone =
            config.me.number.as_ref().map(crate::phone::Number::grouped).or_else(|| config.me.phone.clone());
        Scripts { env, config, me_phone }
    }

    /// The script for an item; a render failure reads as the error, never as silence.
    pub fn render(&self, item: &Item) -> String {
        let Some(prospect) = self.config.prospects.get(&item.prospect) else {
            return String::new();
        };
        let template = match self.env.get_template(&item.template) {
            Ok(t) => t,
            Err(e) => return format!("(template `{}` failed: {e})", item.template),
        };
        // Every day named to them is their calendar date: of the window the call is made in
        // (today, for them), and of the first window the callback's day offers.
        let their_today = item.their_today;
        let their_due = item.their_due;
        let callback = item.their_callback.map(|on| {
            let hear_by = self.config.their_workday_before(prospect, on);
            Callback {
                on: long_date(on),
                // Read on Monday, "by Monday" would be no time at all; a weekday more than a
                // week off is heard as this week's, so it gets its date.
                hear_by: if hear_by <= their_today {
                    "the end of today".to_owned()
                } else if hear_by > their_today.saturating_add(jiff::Span::new().days(6)) {
                    long_date(hear_by)
                } else {
                    plan::weekday_name(hear_by).to_owned()
                },
            }
        });
        // The same context the config check rendered every template with, so no variable is
        // missing here.
        let ctx = ScriptContext {
            me_name: self.config.me.name.clone(),
            // As I wrote it: the way I say my own number.
            me_phone: self.me_phone.clone(),
            prospect: (&**prospect).into(),
            kind: item.kind.as_str(),
            due: short_date(their_due),
            attempt: item.attempt,
            of: item.of,
            note: item.note.clone(),
            promise_made: item.promise_made_theirs.or(item.promise_made).map(short_date),
            promise_on: (item.kind == Kind::Promise).then(|| their_due.strftime("%A %-d %B").to_string()),
            overdue: item.overdue,
            keep_in_touch: item.kind == Kind::Call && item.attempt.is_none(),
            callback,
            next_step: item.next_step.clone(),
            drip: item.drip_item.clone(),
        };
        let text = template
            .render(ctx.value())
            .unwrap_or_else(|e| format!("(template `{}` failed: {e})", item.template));
        if item.kind == Kind::Drip || item.kind == Kind::Email { text } else { squeeze(&text) }
    }
}

/// `Tuesday the 24th`.
pub fn long_date(date: Date) -> String {
    let day = date.day();
    let suffix = match (day % 10, day % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{} the {day}{suffix}", plan::weekday_name(date))
}

/// Spoken scripts are one paragraph: collapse the whitespace templates leave behind.
fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
