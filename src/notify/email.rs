//! Email: composing the digest, and delivering outbox letters through the configured
//! transport. Every send is bounded by a timeout; errors say whether a retry can help.

use std::path::Path;
use std::time::Duration;

use lettre::message::{Mailbox, Message, header::ContentType};

use crate::config::{Email, PasswordSource, Security, Smtp, Transport};

/// The most one whole send (connect, greet, TLS, AUTH, data) may take.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(60);

/// How long `password_command` may run.
pub const PASSWORD_TIMEOUT: Duration = Duration::from_secs(10);

/// One message to deliver: its delivery key, its envelope and its bytes.
#[derive(Debug, Clone, Copy)]
pub struct Envelope<'a> {
    pub key: &'a str,
    pub sender: &'a str,
    pub recipient: &'a str,
    pub message: &'a [u8],
}

/// Why an email could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ComposeError(String);

/// Why a send failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    pub message: String,
    /// Retrying later may help (server down, timeout, 4xx); a 5xx or a rejected login will not.
    pub transient: bool,
}

impl SendError {
    fn transient(message: impl Into<String>) -> Self {
        SendError { message: message.into(), transient: true }
    }

    fn permanent(message: impl Into<String>) -> Self {
        SendError { message: message.into(), transient: false }
    }
}

/// Builds an email from the configured sender to the configured recipient; `key` is its
/// delivery key and names its Message-ID.
///
/// # Errors
/// When an address does not parse (validation makes this unreachable for a loaded config).
pub fn compose(
    email: &Email,
    key: &str,
    subject: &str,
    text: &str,
    html: Option<&str>,
) -> Result<Vec<u8>, ComposeError> {
    let from: Mailbox = email.from.parse().map_err(|e| ComposeError(format!("bad from address: {e}")))?;
    let to: Mailbox = email.to.parse().map_err(|e| ComposeError(format!("bad to address: {e}")))?;
    let domain = from.email.domain().to_owned();
    // The Message-ID follows from the delivery key: if a crash between the server's "250 OK"
    // and the outbox's record sends a letter again, the copy carries the same id, and mail
    // stores that deduplicate by Message-ID keep one.
    let local: String =
        key.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '.' }).collect();
    let builder = Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .date_now()
        .message_id(Some(format!("<ringback.{local}@{domain}>")));
    let message = match html {
        Some(html) => builder
            .multipart(lettre::message::MultiPart::alternative_plain_html(text.to_owned(), html.to_owned())),
        None => builder.header(ContentType::TEXT_PLAIN).body(text.to_owned()),
    }
    .map_err(|e| ComposeError(format!("cannot build the email: {e}")))?;
    Ok(message.formatted())
}

/// The bare address of a mailbox (`Dana <d@x>` → `d@x`) for the SMTP envelope.
pub fn envelope_address(mailbox: &str) -> String {
    mailbox.parse::<Mailbox>().map(|m| m.email.to_string()).unwrap_or_else(|_| mailbox.to_owned())
}

/// Delivers one letter.
///
/// # Errors
/// A [`SendError`] saying what failed and whether to retry.
pub async fn deliver(transport: &Transport, letter: &Envelope<'_>) -> Result<(), SendError> {
    deliver_within(transport, letter, SEND_TIMEOUT).await
}

/// Delivers one letter, giving up after `limit`.
///
/// # Errors
/// A [`SendError`]; running out of time is transient.
pub async fn deliver_within(
    transport: &Transport,
    letter: &Envelope<'_>,
    limit: Duration,
) -> Result<(), SendError> {
    match transport {
        Transport::File { dir } => write_file(dir, letter).await,
        Transport::Sendmail { command } => bounded(sendmail(command, letter), limit).await,
        Transport::Smtp(smtp) => bounded(send_smtp(smtp, letter), limit).await,
    }
}

async fn bounded(
    send: impl Future<Output = Result<(), SendError>>,
    limit: Duration,
) -> Result<(), SendError> {
    // lettre's own timeout bounds only the TCP connect; a server that accepts and never
    // greets must not hang the outbox.
    tokio::time::timeout(limit, send)
        .await
        .unwrap_or_else(|_| Err(SendError::transient(format!("no answer within {}s", limit.as_secs()))))
}

/// The file name of a letter: its key, made safe, so a retry overwrites rather than duplicates.
pub fn file_name(key: &str) -> String {
    let safe: String =
        key.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
    format!("{safe}.eml")
}

async fn write_file(dir: &Path, letter: &Envelope<'_>) -> Result<(), SendError> {
    // Plain std::fs: a few kilobytes on a local disk, and no blocking-pool round trip.
    let fail = |what: &str, e: std::io::Error| {
        SendError::transient(format!("cannot {what} in `{}`: {e}", dir.display()))
    };
    crate::files::private_dir(dir).map_err(|e| fail("create the folder", e))?;
    let target = dir.join(file_name(letter.key));
    let temp = dir.join(format!(".{}.tmp", file_name(letter.key)));
    // 0600 whatever the umask: a digest names every prospect and their phone number.
    let write = || -> std::io::Result<()> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut file =
            std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&temp)?;
        file.write_all(letter.message)?;
        file.sync_all()
    };
    write().map_err(|e| fail("write the .eml", e))?;
    // Rename is atomic: a reader never sees half a message, and a crash leaves none.
    std::fs::rename(&temp, &target).map_err(|e| fail("rename the .eml", e))?;
    Ok(())
}

async fn sendmail(command: &Path, letter: &Envelope<'_>) -> Result<(), SendError> {
    use tokio::io::AsyncWriteExt;
    let mut child = tokio::process::Command::new(command)
        .args(["-i", "-f", letter.sender, "--", letter.recipient])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| SendError::transient(format!("cannot run `{}`: {e}", command.display())))?;
    let mut stdin = child.stdin.take().expect("piped");
    stdin
        .write_all(letter.message)
        .await
        .map_err(|e| SendError::transient(format!("sendmail input: {e}")))?;
    drop(stdin);
    let output =
        child.wait_with_output().await.map_err(|e| SendError::transient(format!("sendmail: {e}")))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let message = format!("`{}` failed ({}): {}", command.display(), output.status, stderr.trim());
    // sysexits: 75 (EX_TEMPFAIL) means try again later.
    if output.status.code() == Some(75) {
        Err(SendError::transient(message))
    } else {
        Err(SendError::permanent(message))
    }
}

async fn send_smtp(smtp: &Smtp, letter: &Envelope<'_>) -> Result<(), SendError> {
    use lettre::transport::smtp::authentication::Credentials;
    use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
    use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

    let tls = |host: &str| -> Result<TlsParameters, SendError> {
        let mut builder = TlsParameters::builder(host.to_owned());
        if let Some(ca) = &smtp.ca_file {
            let pem = std::fs::read(ca)
                .map_err(|e| SendError::permanent(format!("cannot read ca_file `{}`: {e}", ca.display())))?;
            let cert = Certificate::from_pem(&pem).map_err(|e| {
                SendError::permanent(format!("ca_file `{}` is not a PEM certificate: {e}", ca.display()))
            })?;
            builder = builder.add_root_certificate(cert);
        }
        builder.build_rustls().map_err(|e| SendError::permanent(format!("TLS setup: {e}")))
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.clone())
        .port(smtp.port)
        .timeout(Some(Duration::from_secs(20)));
    builder = match smtp.security {
        Security::StartTls => builder.tls(Tls::Required(tls(&smtp.host)?)),
        Security::Tls => builder.tls(Tls::Wrapper(tls(&smtp.host)?)),
        Security::None => builder.tls(Tls::None),
    };
    // AUTH goes only over TLS; validation refuses a username with `security = "none"`.
    if let (Some(user), true) = (&smtp.username, smtp.security != Security::None) {
        let password = password(&smtp.password, "smtp-password").await?;
        builder = builder.credentials(Credentials::new(user.clone(), password));
    }
    let transport = builder.build();
    let envelope = lettre::address::Envelope::new(
        Some(letter.sender.parse().map_err(|e| SendError::permanent(format!("bad sender: {e}")))?),
        vec![letter.recipient.parse().map_err(|e| SendError::permanent(format!("bad recipient: {e}")))?],
    )
    .map_err(|e| SendError::permanent(format!("bad envelope: {e}")))?;
    transport.send_raw(&envelope, letter.message).await.map(|_| ()).map_err(|e| {
        let message = format!("smtp {}:{}: {e}", smtp.host, smtp.port);
        if e.is_permanent() { SendError::permanent(message) } else { SendError::transient(message) }
    })
}

/// Reads a password from its source; `credential` is the systemd credential's name
/// (`smtp-password`, `imap-password`). Errors never include the secret.
pub async fn password(source: &PasswordSource, credential: &str) -> Result<String, SendError> {
    match source {
        PasswordSource::Literal(p) => Ok(p.clone()),
        PasswordSource::File(path) => {
            let text = tokio::fs::read_to_string(path).await.map_err(|e| {
                SendError::permanent(format!("cannot read password_file `{}`: {e}", path.display()))
            })?;
            Ok(text.lines().next().unwrap_or("").to_owned())
        }
        PasswordSource::Credential => {
            let dir = std::env::var_os("CREDENTIALS_DIRECTORY").ok_or_else(|| {
                SendError::permanent(format!(
                    "no password: set password_command or password_file, or LoadCredential={credential}:… in the unit"
                ))
            })?;
            let path = Path::new(&dir).join(credential);
            let text = tokio::fs::read_to_string(&path).await.map_err(|e| {
                SendError::permanent(format!("cannot read the credential `{}`: {e}", path.display()))
            })?;
            Ok(text.trim_end_matches(['\n', '\r']).to_owned())
        }
        PasswordSource::Command(command) => {
            let run = tokio::process::Command::new("/bin/sh")
                .args(["-c", command])
                .stdin(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .kill_on_drop(true)
                .output();
            let output = tokio::time::timeout(PASSWORD_TIMEOUT, run)
                .await
                .map_err(|_| {
                    SendError::transient(format!(
                        "password_command took longer than {}s",
                        PASSWORD_TIMEOUT.as_secs()
                    ))
                })?
                .map_err(|e| SendError::transient(format!("cannot run password_command: {e}")))?;
            if !output.status.success() {
                return Err(SendError::transient(format!("password_command failed ({})", output.status)));
            }
            let text = String::from_utf8(output.stdout)
                .map_err(|_| SendError::permanent("password_command printed something that is not UTF-8"))?;
            Ok(text.strip_suffix('\n').unwrap_or(&text).to_owned())
        }
    }
}
