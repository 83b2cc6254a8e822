//! The IMAP connection: TLS (or STARTTLS) with the system's roots or `ca_file` alone, the
//! login, the folders, and a time limit on every call (async-imap has none of its own).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use async_imap::types::NameAttribute;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::MailError;
use crate::config::{Mailbox, Security};

/// Every command, and the connection and login, must finish within this.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// The connection: TLS, or plain text to a loopback server (`security = "none"`).
#[derive(Debug)]
pub enum Wire {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl AsyncRead for Wire {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Wire::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Wire::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Wire {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Wire::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Wire::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Wire::Plain(s) => Pin::new(s).poll_flush(cx),
            Wire::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Wire::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Wire::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

pub type Session = async_imap::Session<Wire>;

/// `work`, or [`MailError::Timeout`] after [`TIMEOUT`].
pub async fn within<T>(what: &'static str, work: impl Future<Output = T>) -> Result<T, MailError> {
    tokio::time::timeout(TIMEOUT, work).await.map_err(|_| MailError::Timeout(what, TIMEOUT.as_secs()))
}

fn tls_config(mailbox: &Mailbox) -> Result<rustls::ClientConfig, MailError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    match &mailbox.ca_file {
        // The named authority alone: a private server's own CA is trusted for it, and only it.
        Some(path) => {
            let bad = |e: String| MailError::Tls(format!("ca_file `{}`: {e}", path.display()));
            for cert in CertificateDer::pem_file_iter(path).map_err(|e| bad(e.to_string()))? {
                roots.add(cert.map_err(|e| bad(e.to_string()))?).map_err(|e| bad(e.to_string()))?;
            }
            if roots.is_empty() {
                return Err(bad("holds no certificate".to_owned()));
            }
        }
        None => {
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| MailError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

async fn handshake(
    mailbox: &Mailbox,
    tcp: TcpStream,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, MailError> {
    let connector = tokio_rustls::TlsConnector::from(Arc::new(tls_config(mailbox)?));
    let name = rustls::pki_types::ServerName::try_from(mailbox.host.clone())
        .map_err(|e| MailError::Tls(format!("`{}` is not a server name: {e}", mailbox.host)))?;
    within("the TLS handshake", connector.connect(name, tcp))
        .await?
        .map_err(|e| MailError::Tls(format!("{}:{}: {e}", mailbox.host, mailbox.port)))
}

/// Reads the server's greeting.
async fn greeting<T>(client: &mut async_imap::Client<T>) -> Result<(), MailError>
where
    T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    match within("the server's greeting", client.read_response()).await? {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(MailError::Imap("the server closed the connection before greeting".to_owned())),
        Err(e) => Err(MailError::Imap(format!("reading the greeting: {e}"))),
    }
}

/// Connects and logs in. The password is read from its source each time and never logged.
pub async fn connect(mailbox: &Mailbox) -> Result<Session, MailError> {
    let password = crate::notify::email::password(&mailbox.password, "imap-password")
        .await
        .map_err(|e| MailError::Password(e.message))?;
    let tcp = within("connecting", TcpStream::connect((mailbox.host.as_str(), mailbox.port)))
        .await?
        .map_err(|e| MailError::Connect(format!("{}:{}", mailbox.host, mailbox.port), e.to_string()))?;
    let wire = match mailbox.security {
        Security::Tls => Wire::Tls(Box::new(handshake(mailbox, tcp).await?)),
        Security::StartTls => {
            let mut plain = async_imap::Client::new(tcp);
            greeting(&mut plain).await?;
            // A refused STARTTLS ends here: the login never goes out in clear text.
            within("STARTTLS", plain.run_command_and_check_ok("STARTTLS", None))
                .await?
                .map_err(|e| MailError::Tls(format!("the server refused STARTTLS: {e}")))?;
            Wire::Tls(Box::new(handshake(mailbox, plain.into_inner()).await?))
        }
        Security::None => Wire::Plain(tcp),
    };
    let mut client = async_imap::Client::new(wire);
    if mailbox.security != Security::StartTls {
        greeting(&mut client).await?;
    }
    within("logging in", client.login(&mailbox.username, &password))
        .await?
        .map_err(|(e, _)| MailError::Login(mailbox.username.clone(), e.to_string()))
}

/// The folders ringback reads and writes, by their names on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watched {
    pub inbox: String,
    pub sent: Option<String>,
    pub drafts: Option<String>,
}

/// Usual names of the sent folder where a server marks none `\Sent`.
const SENT_NAMES: &[&str] = &[
    "Sent",
    "Sent Items",
    "Sent Messages",
    "Sent Mail",
    "Gesendet",
    "Gesendete Elemente",
    "Éléments envoyés",
    "Elementos enviados",
    "Posta inviata",
    "Verzonden items",
    "Itens enviados",
];
const DRAFT_NAMES: &[&str] =
    &["Drafts", "Draft", "Entwürfe", "Brouillons", "Borradores", "Bozze", "Concepten", "Rascunhos"];

/// Finds the folders: `[mailbox.folders]` as named, else the server's SPECIAL-USE marks
/// (Gmail sends them without advertising the capability), else the usual names.
pub async fn folders(session: &mut Session, mailbox: &Mailbox) -> Result<Watched, MailError> {
    use futures_util::StreamExt;
    let names = within("listing folders", async {
        let mut stream = session.list(Some(""), Some("*")).await?;
        let mut names = Vec::new();
        while let Some(name) = stream.next().await {
            let name = name?;
            let sent = name.attributes().iter().any(|a| matches!(a, NameAttribute::Sent));
            let drafts = name.attributes().iter().any(|a| matches!(a, NameAttribute::Drafts));
            names.push((name.name().to_owned(), sent, drafts));
        }
        Ok::<_, async_imap::error::Error>(names)
    })
    .await?
    .map_err(|e| MailError::Imap(format!("listing folders: {e}")))?;
    // Names on the wire are modified UTF-7 (`Éléments envoyés` is `&AMk-l&AOk-ments envoy&AOk-s`):
    // a name as written is compared in that form, and the server's spelling is used.
    let named = |wanted: &Option<String>, key: &str| -> Result<Option<String>, MailError> {
        match wanted {
            Some(w) if names.iter().any(|(n, _, _)| *n == modified_utf7(w) || n == w) => {
                Ok(names.iter().find(|(n, _, _)| *n == modified_utf7(w) || n == w).map(|n| n.0.clone()))
            }
            Some(w) => Err(MailError::Folder(format!(
                "no folder `{w}` on the server (mailbox.folders.{key}); it has: {}",
                names.iter().map(|(n, _, _)| n.as_str()).collect::<Vec<_>>().join(", ")
            ))),
            None => Ok(None),
        }
    };
    let by = |flag: fn(&(String, bool, bool)) -> bool, usual: &[&str]| {
        names.iter().find(|n| flag(n)).map(|n| n.0.clone()).or_else(|| {
            usual
                .iter()
                .find_map(|u| names.iter().find(|(n, _, _)| n.eq_ignore_ascii_case(u)).map(|n| n.0.clone()))
        })
    };
    let inbox = match named(&Some(mailbox.folders.inbox.clone()), "inbox") {
        Ok(Some(inbox)) => inbox,
        // INBOX is special (any case) and may be left out of a LIST.
        _ if mailbox.folders.inbox.eq_ignore_ascii_case("INBOX") => "INBOX".to_owned(),
        Err(e) => return Err(e),
        Ok(None) => unreachable!("named() returns a name it was given"),
    };
    let sent = named(&mailbox.folders.sent, "sent")?.or_else(|| by(|n| n.1, SENT_NAMES));
    let drafts = named(&mailbox.folders.drafts, "drafts")?.or_else(|| by(|n| n.2, DRAFT_NAMES));
    Ok(Watched { inbox, sent, drafts })
}

/// A folder name as IMAP writes it (RFC 3501 §5.1.3): printable ASCII as itself (`&` as `&-`),
/// anything else as `&`, the UTF-16 in base64 with `,` for `/` and no padding, and `-`.
pub fn modified_utf7(name: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
    fn flush(pending: &mut Vec<u16>, out: &mut String) {
        if pending.is_empty() {
            return;
        }
        let bytes: Vec<u8> = pending.drain(..).flat_map(u16::to_be_bytes).collect();
        out.push('&');
        for chunk in bytes.chunks(3) {
            let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
            for i in 0..=chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            }
        }
        out.push('-');
    }
    let mut out = String::with_capacity(name.len());
    let mut pending = Vec::new();
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut pending, &mut out);
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            pending.extend_from_slice(c.encode_utf16(&mut [0; 2]));
        }
    }
    flush(&mut pending, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::modified_utf7;

    #[test]
    fn folder_names_in_modified_utf7() {
        // RFC 3501's own example, and names mail clients make.
        assert_eq!(modified_utf7("~peter/mail/台北/日本語"), "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
        assert_eq!(modified_utf7("Éléments envoyés"), "&AMk-l&AOk-ments envoy&AOk-s");
        assert_eq!(modified_utf7("Entwürfe"), "Entw&APw-rfe");
        assert_eq!(modified_utf7("R&D"), "R&-D");
        assert_eq!(modified_utf7("Sent"), "Sent");
    }
}
