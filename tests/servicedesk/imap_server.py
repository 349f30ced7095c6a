"""A real IMAP server for the support desk's mail tests: Debian's Dovecot (`make dovecot`)
with a private configuration in a temporary directory, run in the foreground as a child of
the test as the invoking user (as root: login and mail processes as unprivileged users, which
Dovecot requires). One mailbox, plain-text login on 127.0.0.1 only."""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

DOVECOT = os.environ.get("DOVECOT", "/usr/sbin/dovecot")
INSTALL_HINT = "Dovecot is missing: run `make dovecot` (Debian's dovecot-imapd)."


@dataclass(frozen=True)
class Mailbox:
    host: str
    port: int
    user: str
    password: str

    def append(self, raw: bytes) -> None:
        """Deliver one message into INBOX (IMAP APPEND, as a mail server would)."""
        with imaplib.IMAP4(self.host, self.port) as client:
            client.login(self.user, self.password)
            client.append("INBOX", None, None, raw)

    def unseen(self) -> int:
        with imaplib.IMAP4(self.host, self.port) as client:
            client.login(self.user, self.password)
            client.select("INBOX")
            _, data = client.search(None, "UNSEEN")
            return len(data[0].split())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _config(root: Path, port: int) -> str:
    me = pwd.getpwuid(os.getuid())
    if os.getuid() == 0:
        login = pwd.getpwnam("dovenull").pw_name
        mail = pwd.getpwnam("nobody")
        shutil.chown(root / "mail", mail.pw_uid, mail.pw_gid)
    else:
        login, mail = me.pw_name, me
    return f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
protocols = imap
listen = 127.0.0.1
default_login_user = {login}
default_internal_user = {me.pw_name}
default_internal_group = {grp.getgrgid(os.getgid()).gr_name}
first_valid_uid = {mail.pw_uid}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={mail.pw_uid} gid={mail.pw_gid} home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  chroot =
}}
"""


@pytest.fixture
def imap_mailbox():
    if not os.access(DOVECOT, os.X_OK):
        pytest.fail(INSTALL_HINT)
    root = Path(tempfile.mkdtemp(prefix="ok-dovecot-"))
    root.chmod(0o711)  # the mail processes' user must reach root/mail
    for name in ("run", "state", "mail"):
        (root / name).mkdir()
    port = _free_port()
    mailbox = Mailbox("127.0.0.1", port, "servicedesk@test.example.org", "nur-fuer-tests")
    (root / "users").write_text(f"{mailbox.user}:{{PLAIN}}{mailbox.password}\n")
    (root / "dovecot.conf").write_text(_config(root, port))
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(root / "dovecot.conf")])
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with imaplib.IMAP4(mailbox.host, port, timeout=2) as client:
                    client.login(mailbox.user, mailbox.password)
                    if client.select("INBOX")[0] == "OK":
                        break
            except (OSError, imaplib.IMAP4.error):
                if time.monotonic() > deadline or process.poll() is not None:
                    log = root / "dovecot.log"
                    detail = log.read_text() if log.exists() else ""
                    pytest.fail(f"Dovecot did not start: {detail}")
                time.sleep(0.2)
        yield mailbox
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)
