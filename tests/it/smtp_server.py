"""A real SMTP server for ringback's tests, on 127.0.0.1 only (Debian's python3-aiosmtpd).

    smtp_server.py MODE PORT OUTDIR CERT KEY USER PASSWORD

MODE: starttls (STARTTLS required before AUTH), tls (implicit TLS), silent (accepts TCP and never
greets). Each message received is written to OUTDIR/NNN.eml. Prints READY when listening."""
import os
import socket
import ssl
import sys
import time

mode, port, out, cert, key, user, password = sys.argv[1:8]
port = int(port)

if mode == "silent":
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(8)
    print("READY", flush=True)
    held = []
    while True:
        conn, _ = listener.accept()
        held.append(conn)

from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402


class Keep:
    async def handle_DATA(self, server, session, envelope):
        name = os.path.join(out, f"{len(os.listdir(out)):03d}.eml")
        with open(name + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(name + ".tmp", name)
        return "250 OK"


def authenticate(server, session, envelope, mechanism, data):
    ok = isinstance(data, LoginPassword) and data.login == user.encode() and data.password == password.encode()
    return AuthResult(success=ok, handled=False)


context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(cert, key)
common = dict(hostname="127.0.0.1", port=port, authenticator=authenticate, auth_required=True)
if mode == "starttls":
    controller = Controller(Keep(), tls_context=context, require_starttls=True, auth_require_tls=True, **common)
else:
    controller = Controller(Keep(), ssl_context=context, auth_require_tls=False, **common)
controller.start()
print("READY", flush=True)
while True:
    time.sleep(3600)
