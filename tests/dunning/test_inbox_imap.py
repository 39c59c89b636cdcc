"""The worker's IMAP poll against a real Dovecot on loopback (Debian's dovecot-imapd).

The fixture writes a throw-away configuration (plain-text login on 127.0.0.1, a passwd-file with one
test user, Maildir under tmp_path) and starts `dovecot -F`. Without dovecot the test skips."""

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

import pytest

from dunning.inbox.imap import poll_imap
from dunning.models import InboundMail
from tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db
DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def imap_server():
    if not os.path.exists(DOVECOT):
        pytest.skip("no dovecot: apt-get install dovecot-imapd to run the IMAP ingestion test")
    me = pwd.getpwuid(os.getuid())
    internal = "dovecot" if os.getuid() == 0 and _user_exists("dovecot") else me.pw_name
    login = "dovenull" if os.getuid() == 0 and _user_exists("dovenull") else me.pw_name
    port = free_port()
    # Not pytest's tmp_path: its parent is 0700 and dovecot's auth process runs as another user.
    tmp_path = Path(tempfile.mkdtemp(prefix="dovecot-test-"))
    os.chmod(tmp_path, 0o755)
    home = tmp_path / "home"
    home.mkdir()
    # Mail may not be stored as root: as root, the mailbox belongs to dovecot's own user.
    mail_user = pwd.getpwnam(internal) if os.getuid() == 0 else me
    os.chown(home, mail_user.pw_uid, mail_user.pw_gid)
    (tmp_path / "users").write_text("credit:{PLAIN}inbox-pass::::::\n")
    config = tmp_path / "dovecot.conf"
    config.write_text(
        f"""
base_dir = {tmp_path}/run
state_dir = {tmp_path}/state
log_path = {tmp_path}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{home}/%u/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {tmp_path}/users
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={home}/%u
}}
service imap-login {{
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
service imap-login {{
  chroot =
}}
"""
    )
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.1)
    else:
        process.kill()
    if process.poll() is not None:
        log = (tmp_path / "dovecot.log").read_text() if (tmp_path / "dovecot.log").exists() else ""
        output = process.stdout.read().decode(errors="replace")
        shutil.rmtree(tmp_path, ignore_errors=True)
        pytest.skip(f"dovecot did not start: {(output + log).strip().splitlines()[-1:]}")
    yield {"host": "127.0.0.1", "port": port, "ssl": False, "user": "credit", "password": "inbox-pass"}
    process.terminate()
    process.wait(timeout=10)
    if not os.environ.get("KEEP_DOVECOT"):
        shutil.rmtree(tmp_path, ignore_errors=True)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def deliver(config, raw: bytes) -> None:
    with imaplib.IMAP4(config["host"], config["port"]) as imap:
        imap.login(config["user"], config["password"])
        imap.append("INBOX", "", imaplib.Time2Internaldate(time.time()), raw)
        imap.logout()


def reply(mid: str, body: str) -> bytes:
    m = EmailMessage()
    m["From"] = "Petra Smit <petra@devries.example>"
    m["To"] = "credit@example.com"
    m["Subject"] = "Re: Herinnering"
    m["Message-ID"] = mid
    m.set_content(body)
    return bytes(m)


def test_poll_ingests_unseen_mail_once(imap_server, controller):
    vries = CustomerFactory(name="Bakkerij De Vries", controller=controller)
    ContactFactory(customer=vries, email="petra@devries.example")
    deliver(imap_server, reply("<imap-1@devries.example>", "Deze factuur is al betaald."))
    deliver(imap_server, reply("<imap-2@devries.example>", "Kunt u een kopie sturen?"))
    deliver(imap_server, b"\x00\xffnot a mail")

    assert poll_imap(imap_server) == {"new": 3, "duplicate": 0}
    assert poll_imap(imap_server) == {"new": 0, "duplicate": 0}  # flagged \Seen: not fetched again
    mails = InboundMail.objects.order_by("pk")
    assert [m.source for m in mails] == ["imap"] * 3
    assert [(m.customer, m.category) for m in mails[:2]] == [(vries, "paid"), (vries, "copy")]
    assert mails[2].malformed
    # The same mail delivered again (a forward loop, a restored folder) is stored once.
    deliver(imap_server, reply("<imap-1@devries.example>", "Deze factuur is al betaald."))
    assert poll_imap(imap_server) == {"new": 0, "duplicate": 1}
    assert InboundMail.objects.count() == 3


def test_poll_without_configuration_does_nothing(settings):
    settings.INBOX_IMAP = {"host": ""}
    assert poll_imap() == {"skipped": "INBOX_IMAP is not configured"}
