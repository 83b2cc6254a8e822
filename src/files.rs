//! Where ringback's files are and how they are read and made: the config file (a bounded read,
//! its permissions), the default XDG paths, private folders and files.
//!
//! Edge: it may use the core (to parse what it read) but nothing of the state, the channels,
//! the daemon or the command line.

use std::path::{Path, PathBuf};

use crate::config::{Config, ConfigError, Privacy, line_column};
use crate::phone::Readings;

/// Where the config and state live for this invocation.
#[derive(Debug, Clone)]
pub struct Paths {
    pub config: PathBuf,
    pub state: PathBuf,
}

fn xdg(var: &str, fallback: &str) -> PathBuf {
    match std::env::var_os(var).filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(fallback),
    }
}

pub fn default_config_path() -> PathBuf {
    xdg("XDG_CONFIG_HOME", ".config").join("ringback/ringback.toml")
}

pub fn default_state_path() -> PathBuf {
    xdg("XDG_STATE_HOME", ".local/state").join("ringback/ringback.db")
}

/// Reads and validates a config file: every message names it, a literal secret or a command
/// is refused in a file others can read or write, and relative paths in it are taken from its
/// folder.
///
/// # Errors
/// Every problem in the file, each as `file:line:column: key: message`.
pub fn read_config(path: &Path) -> Result<Config, ConfigError> {
    read_config_text(path, &Readings::default()).map(|(config, _)| config)
}

/// [`read_config`], taking the phone numbers read before (see [`Readings`]).
///
/// # Errors
/// As [`read_config`].
pub fn read_config_with(path: &Path, phones: &Readings) -> Result<Config, ConfigError> {
    read_config_text(path, phones).map(|(config, _)| config)
}

/// [`read_config_with`], with the text it validated (for an edit on top of exactly that text).
///
/// # Errors
/// As [`read_config`].
pub fn read_config_text(path: &Path, phones: &Readings) -> Result<(Config, String), ConfigError> {
    let file = path.display().to_string();
    let bytes = read_bounded(path).map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::NotFound {
            ": create one with `ringback init` or pass --config"
        } else {
            ""
        };
        ConfigError::whole_file(&file, format!("cannot read the config: {e}{hint}"))
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        // Safe to slice: everything before `valid` is UTF-8.
        let before = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
        let (line, column) = line_column(before, valid);
        ConfigError {
            lines: vec![format!(
                "{file}:{line}:{column}: the config is not UTF-8: byte `{:#04x}` here is not valid text (save the file as UTF-8)",
                bytes[valid]
            )],
        }
    })?;
    let config = config_from_text_with(path, &text, phones)?;
    Ok((config, text))
}

/// Validates `text` as the config file at `path` would be: named by it in messages, its
/// permissions weighed, relative paths taken from its folder.
///
/// # Errors
/// Every problem in the text, each as `file:line:column: key: message`.
pub fn config_from_text(path: &Path, text: &str) -> Result<Config, ConfigError> {
    config_from_text_with(path, text, &Readings::default())
}

/// [`config_from_text`], taking the phone numbers read before (see [`Readings`]).
///
/// # Errors
/// As [`config_from_text`].
pub fn config_from_text_with(path: &Path, text: &str, phones: &Readings) -> Result<Config, ConfigError> {
    let mut config = Config::parse_reading(text, &path.display().to_string(), privacy_of(path), phones)?;
    config.path = Some(path.to_path_buf());
    if let Some(base) = path.parent() {
        config.anchor_paths(base);
    }
    Ok(config)
}

/// [`config_from_text`] for a file that differs from the one `old` was read from only inside
/// prospect `id`'s table: the rest of the file and that table are validated, not every other
/// prospect again (see [`Config::reread_one`]); the whole file when that cannot be done.
///
/// # Errors
/// As [`config_from_text`].
pub fn config_after_edit(
    path: &Path,
    mut old: Config,
    text: &str,
    phones: &Readings,
    id: &str,
) -> Result<Config, ConfigError> {
    // Its path and the rest of the file's paths are `old`'s, already anchored.
    if old.reread_one(text, &path.display().to_string(), privacy_of(path), phones, id) {
        return Ok(old);
    }
    config_from_text_with(path, text, phones)
}

/// The largest config file read, 64 MiB: three times a book of 100 000 prospects (about 21 MB),
/// and a bound that keeps a mistaken path (a log, a disk image) from being read and parsed whole.
pub const MAX_CONFIG_BYTES: u64 = 64 * 1024 * 1024;

/// Reads the file, refusing one larger than [`MAX_CONFIG_BYTES`] before reading it.
fn read_bounded(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let too_big = || {
        std::io::Error::other(format!(
            "the file is larger than {} MiB, the most a config may be: is this the right file?",
            MAX_CONFIG_BYTES / (1024 * 1024)
        ))
    };
    let len = file.metadata()?.len();
    if len > MAX_CONFIG_BYTES {
        return Err(too_big());
    }
    // Sized once: growing by doubling would copy, and touch twice, a large book.
    let mut bytes = Vec::with_capacity(len as usize + 1);
    // A file that grows while being read is bounded all the same.
    file.take(MAX_CONFIG_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(too_big());
    }
    Ok(bytes)
}

/// Whether others may read or write the config file.
fn privacy_of(path: &Path) -> Privacy {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::metadata(path) {
        Ok(meta) if meta.permissions().mode() & 0o066 != 0 => {
            Privacy::Shared(meta.permissions().mode() & 0o777)
        }
        _ => Privacy::Private,
    }
}

/// Creates a folder (and its parents) readable by its owner only. A folder that already
/// exists is left as it is: it may be shared on purpose (`/tmp`, a mail pickup folder).
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

/// Takes group and other rights off a file or folder of ours, if it has any.
pub fn narrow(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path)?;
    if meta.permissions().mode() & 0o077 != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}
