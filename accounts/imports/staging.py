"""Keeping the uploaded file between preview and apply, on disk under a random token."""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from accounts.imports.base import ImportFileError
from accounts.imports.columns import get_spec
from accounts.imports.plan import file_digest
from accounts.imports.reading import _map_header, read_table

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
STAGING_MAX_AGE = timedelta(days=1)
TOKEN_RE = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class StagedFile:
    token: str
    sha256: str


def staging_dir() -> Path:
    return Path(settings.IMPORT_STAGING_DIR)


def stage_upload(kind: str, data: bytes) -> StagedFile:
    """Check the file as a whole and keep it for the preview and the apply.

    Raises ImportFileError for what is wrong with the file itself (empty, no
    header row, unknown kind, no known columns); line errors come later, from
    the preview.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImportFileError(
            _("The file is larger than %(mb)s MB: split it.") % {"mb": MAX_UPLOAD_BYTES // 1024 // 1024}
        )
    table = read_table(data, kind)
    _map_header(table, get_spec(kind))
    discard_stale()
    folder = staging_dir()
    folder.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex
    path = folder / token
    path.write_bytes(data)
    path.chmod(0o600)
    return StagedFile(token=token, sha256=file_digest(data))


def read_staged(token: str, sha256: str) -> bytes:
    """The staged file, if it is still there and still the file that was uploaded."""
    if not TOKEN_RE.fullmatch(token or ""):
        raise ImportFileError(_("This import does not exist (any more): upload the file again."))
    try:
        data = (staging_dir() / token).read_bytes()
    except FileNotFoundError:
        raise ImportFileError(_("This import does not exist (any more): upload the file again.")) from None
    if file_digest(data) != sha256:
        raise ImportFileError(_("The stored file is not the one that was uploaded: upload it again."))
    return data


def discard_staged(token: str) -> None:
    if TOKEN_RE.fullmatch(token or ""):
        (staging_dir() / token).unlink(missing_ok=True)


def discard_stale(max_age: timedelta = STAGING_MAX_AGE) -> None:
    """Remove uploads that were previewed but never applied or cancelled."""
    folder = staging_dir()
    if not folder.is_dir():
        return
    cutoff = time.time() - max_age.total_seconds()
    for path in folder.iterdir():
        if TOKEN_RE.fullmatch(path.name) and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
