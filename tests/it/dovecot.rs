//! A private Dovecot 2.3 on 127.0.0.1 for the mailbox tests: its own config, a throwaway CA
//! and a certificate for 127.0.0.1, one mail user, maildirs in a temp folder; started by a
//! test and stopped (SIGTERM) when dropped.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{real_clock, require};

pub const USER: &str = "dana@example.com";
pub const PASSWORD: &str = "secret";
/// The sent and drafts folders, named as no list of usual names has them: ringback must find
/// them by their SPECIAL-USE marks.
pub const SENT: &str = "Sent Copies";
pub const DRAFTS: &str = "My Drafts";

pub struct Dovecot {
    dir: tempfile::TempDir,
    pki: crate::smtp::Pki,
    child: Child,
    /// Implicit TLS.
    pub port: u16,
    /// Plain IMAP that requires STARTTLS before a login.
    pub starttls_port: u16,
}

fn run(cmd: &mut Command, what: &str) -> String {
    let out = real_clock(cmd).output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl Dovecot {
    pub fn start() -> Dovecot {
        require(&["dovecot", "doveadm", "doveconf"], "dovecot-imapd");
        let version = run(Command::new("dovecot").arg("--version"), "dovecot --version");
        assert!(version.starts_with("2.3"), "these tests configure Dovecot 2.3 (Debian 12), found {version}");
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        crate::helpers::set_mode(d, 0o711);
        // A CA, and a leaf it signs for 127.0.0.1, as the SMTP tests use.
        let pki = crate::smtp::pki();
        let root = uid() == 0;
        let (internal_user, internal_group, login_user, mail_uid, mail_gid) = if root {
            ("dovecot".to_owned(), "dovecot".to_owned(), "dovenull".to_owned(), 65534, 65534)
        } else {
            let user = std::env::var("USER").unwrap_or_else(|_| "nobody".to_owned());
            let group = run(Command::new("id").arg("-gn"), "id -gn").trim().to_owned();
            (user.clone(), group, user, uid(), gid())
        };
        std::fs::create_dir_all(d.join("mail")).unwrap();
        std::fs::create_dir_all(d.join("rawlog")).unwrap();
        if root {
            run(
                Command::new("chown").args(["-R", "65534:65534"]).arg(d.join("mail")).arg(d.join("rawlog")),
                "chown",
            );
        }
        std::fs::write(
            d.join("users"),
            format!("{USER}:{{PLAIN}}{PASSWORD}:{mail_uid}:{mail_gid}::{}::\n", d.join("mail").display()),
        )
        .unwrap();
        let port = crate::smtp::free_port();
        let starttls_port = crate::smtp::free_port();
        let dh = if Path::new("/usr/share/dovecot/dh.pem").exists() {
            "ssl_dh = </usr/share/dovecot/dh.pem\n"
        } else {
            ""
        };
        let conf = format!(
            r#"base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
disable_plaintext_auth = yes
ssl_cert = <{cert}
ssl_key = <{key}
{dh}default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{d}/mail/Maildir
mailbox_idle_check_interval = 1 secs
mail_max_userip_connections = 200
protocol imap {{
  rawlog_dir = {d}/rawlog
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {d}/users
}}
userdb {{
  driver = passwd-file
  args = {d}/users
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox "{DRAFTS}" {{
    special_use = \Drafts
    auto = subscribe
  }}
  mailbox "{SENT}" {{
    special_use = \Sent
    auto = subscribe
  }}
}}
service imap-login {{
  inet_listener imap {{
    port = {starttls_port}
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
"#,
            d = d.display(),
            cert = pki.cert.display(),
            key = pki.key.display()
        );
        std::fs::write(d.join("dovecot.conf"), conf).unwrap();
        run(Command::new("doveconf").args(["-c"]).arg(d.join("dovecot.conf")).arg("-n"), "doveconf -n");
        let mut cmd = Command::new("dovecot");
        cmd.arg("-F").arg("-c").arg(d.join("dovecot.conf")).stdout(Stdio::null()).stderr(Stdio::piped());
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let child = real_clock(&mut cmd).spawn().expect("start dovecot");
        let dovecot = Dovecot { dir, pki, child, port, starttls_port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "Dovecot did not listen on {port}:\n{}", dovecot.log());
            std::thread::sleep(Duration::from_millis(50));
        }
        // The folders exist (auto = subscribe makes them at the first login; doveadm logs in).
        dovecot.doveadm(&["mailbox", "create", "-u", USER, SENT], true);
        dovecot.doveadm(&["mailbox", "create", "-u", USER, DRAFTS], true);
        dovecot
    }

    pub fn ca_file(&self) -> PathBuf {
        self.pki.ca.clone()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default()
    }

    /// What ringback sent to the server, every session (Dovecot's rawlog of client input).
    pub fn client_input(&self) -> String {
        self.sessions().concat()
    }

    /// What ringback sent in each session, oldest first.
    pub fn sessions(&self) -> Vec<String> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path().join("rawlog"))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "in"))
            .collect();
        // Named `YYYYMMDD-HHMMSS.PID.N.in`: by time, then by process and number.
        files.sort_by_key(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let parts: Vec<&str> = name.split('.').collect();
            (
                parts[0].to_owned(),
                parts.get(1).and_then(|n| n.parse::<u32>().ok()),
                parts.get(2).and_then(|n| n.parse::<u32>().ok()),
            )
        });
        files.iter().map(|p| std::fs::read_to_string(p).unwrap_or_default()).collect()
    }

    /// `doveadm -c CONF ARGS`; `tolerant` lets it fail (a folder that exists already).
    pub fn doveadm(&self, args: &[&str], tolerant: bool) -> String {
        let mut cmd = Command::new("doveadm");
        cmd.arg("-c").arg(self.dir.path().join("dovecot.conf")).args(args);
        let out = real_clock(&mut cmd).output().expect("run doveadm");
        assert!(
            tolerant || out.status.success(),
            "doveadm {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Delivers a message into a folder (`doveadm save`), as mail arriving does.
    pub fn save(&self, folder: &str, message: &str) {
        let mut cmd = Command::new("doveadm");
        cmd.arg("-c").arg(self.dir.path().join("dovecot.conf")).args(["save", "-u", USER, "-m", folder]);
        let mut child = real_clock(&mut cmd).stdin(Stdio::piped()).spawn().expect("doveadm save");
        let crlf = message.trim_start().replace("\r\n", "\n").replace('\n', "\r\n");
        child.stdin.take().unwrap().write_all(crlf.as_bytes()).unwrap();
        assert!(child.wait().unwrap().success(), "doveadm save into {folder} failed:\n{}", self.log());
    }

    /// How many messages a folder holds.
    pub fn count(&self, folder: &str) -> usize {
        let out = self.doveadm(&["-f", "flow", "mailbox", "status", "-u", USER, "messages", folder], false);
        out.split_whitespace()
            .find_map(|w| w.strip_prefix("messages="))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("doveadm status: {out}"))
    }

    /// The flags of every message in a folder, one line each.
    pub fn flags(&self, folder: &str) -> String {
        self.doveadm(&["-f", "flow", "fetch", "-u", USER, "flags", "mailbox", folder, "all"], false)
    }

    /// A header of every message in a folder.
    pub fn headers(&self, folder: &str) -> String {
        self.doveadm(&["-f", "flow", "fetch", "-u", USER, "hdr", "mailbox", folder, "all"], false)
    }

    pub fn uidvalidity(&self, folder: &str) -> String {
        let out =
            self.doveadm(&["-f", "flow", "mailbox", "status", "-u", USER, "uidvalidity", folder], false);
        out.split_whitespace().find_map(|w| w.strip_prefix("uidvalidity=")).unwrap_or_default().to_owned()
    }

    /// Drops every IMAP session of the user (a connection lost).
    pub fn kick(&self) {
        let out = self.doveadm(&["kick", USER], false);
        assert!(out.contains(USER), "doveadm kick dropped nobody: {out}");
    }

    /// Empties the inbox and gives it a new UIDVALIDITY (as a server restored from backup
    /// does): every stored UID is void.
    pub fn new_uidvalidity(&self) {
        self.doveadm(&["expunge", "-u", USER, "mailbox", "INBOX", "all"], false);
        let maildir = self.dir.path().join("mail/Maildir");
        for entry in std::fs::read_dir(&maildir).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name == "dovecot-uidlist" || name.starts_with("dovecot.index") {
                std::fs::remove_file(entry.path()).unwrap();
            }
        }
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        // Dovecot runs in its own process group: its children go too.
        let group = rustix::process::Pid::from_raw(self.child.id() as i32).expect("a child's pid");
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::TERM);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
        let _ = self.child.wait();
    }
}

fn uid() -> u32 {
    run(Command::new("id").arg("-u"), "id -u").trim().parse().unwrap()
}

fn gid() -> u32 {
    run(Command::new("id").arg("-g"), "id -g").trim().parse().unwrap()
}
