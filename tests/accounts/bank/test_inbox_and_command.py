"""The watched folder and `manage.py import_statement`."""

import shutil
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.bank.tasks import import_inbox
from accounts.models import BankEntry
from tests.accounts.bank.conftest import BANK_DIR

pytestmark = pytest.mark.django_db

GOOD = BANK_DIR / "camt053" / "newinnovations-camt053__example-camt053-a.xml"
BAD = BANK_DIR / "mt940" / "zilverline-mt940__knab_knab_invalid.txt"


def test_command_imports_and_reports(capsys):
    out = StringIO()
    call_command("import_statement", str(GOOD), stdout=out)
    assert "11 new entries" in out.getvalue()
    out = StringIO()
    call_command("import_statement", str(GOOD), stdout=out)
    assert "0 new entries (11 already imported)" in out.getvalue()


def test_command_matches_later_what_it_imported_without_matching():
    call_command("import_statement", str(GOOD), "--no-match", stdout=StringIO())
    assert set(BankEntry.objects.values_list("status", flat=True)) == {BankEntry.Status.NEW}
    out = StringIO()
    call_command("import_statement", "--match-new", stdout=out)
    assert "11 entries matched" in out.getvalue()
    assert not BankEntry.objects.filter(status=BankEntry.Status.NEW).exists()
    with pytest.raises(CommandError, match="Name the files"):
        call_command("import_statement", stdout=StringIO())


def test_command_refuses_a_broken_file_with_its_line():
    err = StringIO()
    with pytest.raises(CommandError, match="1 of 2 files"):
        call_command("import_statement", str(BAD), str(GOOD), stdout=StringIO(), stderr=err)
    assert "Line 9" in err.getvalue()
    assert BankEntry.objects.count() == 11


def test_inbox_moves_files_after_import(tmp_path, django_capture_on_commit_callbacks):
    shutil.copy(GOOD, tmp_path / "today.xml")
    shutil.copy(BAD, tmp_path / "broken.txt")
    with django_capture_on_commit_callbacks(execute=True):
        counts = import_inbox(folder=tmp_path)
    assert counts["files"] == 2 and counts["refused"] == 1 and counts["entries"] == 11
    assert not (tmp_path / "today.xml").exists()
    assert len(list((tmp_path / "done").glob("*-today.xml"))) == 1
    report = next((tmp_path / "refused").glob("*-broken.txt.txt")).read_text()
    assert "Line 9" in report


def test_inbox_without_commit_leaves_files(tmp_path, django_capture_on_commit_callbacks):
    """A dry run (rolled back) must not lose the file: it is moved only on commit."""
    shutil.copy(GOOD, tmp_path / "today.xml")
    with django_capture_on_commit_callbacks(execute=False):
        import_inbox(folder=tmp_path)
    assert (tmp_path / "today.xml").exists()


def test_missing_inbox_is_fine(tmp_path):
    assert import_inbox(folder=tmp_path / "nope")["files"] == 0
