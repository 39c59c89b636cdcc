"""Test settings: the real settings with synchronous tasks and fast hashing."""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-only-" + "k" * 50)

from creditmgmt.settings import *  # noqa: E402,F403
from creditmgmt.settings import Q_CLUSTER  # noqa: E402

Q_CLUSTER["sync"] = True  # django-q2 reads this at import: it must be here.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
LANGUAGE_CODE = "en"
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]  # noqa: F405

# Files the tests write (letters, case files, uploads) go to a temporary folder.
import atexit  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402

MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="creditmgmt-test-media-"))  # noqa: F405


def _remove_test_media(owner: int = os.getpid()) -> None:
    # Only the process that made it: a forked child that exits normally must not take it away.
    if os.getpid() == owner:
        shutil.rmtree(MEDIA_ROOT, ignore_errors=True)


atexit.register(_remove_test_media)
IMPORT_STAGING_DIR = MEDIA_ROOT / "imports"

# SQLite tests on a file, not in memory: Django's live server shares an in-memory database's one
# connection between its threads, and a browser loading several htmx panels at once then used it
# from two threads ("bad parameter or other API misuse", a panel answered by the sign-in page).
# On a file every thread has its own connection. The pid keeps two runs apart.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"creditmgmt-test-{os.getpid()}.sqlite3")  # noqa: F405
    }
