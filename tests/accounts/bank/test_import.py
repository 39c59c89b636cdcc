"""Importing statement files into the database: whole or nothing, and never twice."""

from decimal import Decimal

import pytest

from accounts.bank.base import StatementFileError
from accounts.bank.services import import_statement_file
from accounts.models import BankEntry, BankStatement
from tests.accounts.bank.conftest import BROKEN, bank_file, bank_files

pytestmark = pytest.mark.django_db


def test_every_real_file_imports_or_is_refused_and_twice_adds_nothing():
    imported = refused = 0
    for path in bank_files():
        data = path.read_bytes()
        before = BankEntry.objects.count(), BankStatement.objects.count()
        try:
            summary = import_statement_file(data=data, file_name=path.name, by="test: folder")
        except StatementFileError as exc:
            assert exc.messages, path.name
            assert (BankEntry.objects.count(), BankStatement.objects.count()) == before, path.name
            refused += 1
            continue
        assert path.name not in BROKEN
        imported += 1
        again = import_statement_file(data=data, file_name=path.name, by="test: folder")
        assert again.entries == 0 and again.statements == 0, path.name
        assert again.duplicates == summary.entries + summary.duplicates, path.name
    assert refused >= len(BROKEN)
    assert imported >= 180
    # Fixtures copied between repositories hold the same entries: those count once.
    assert BankEntry.objects.count() == 4116


def test_summary_of_one_statement():
    summary = import_statement_file(
        data=bank_file("camt-to-coda__Other__account_statement-2.xml"), file_name="a.xml", by="test"
    )
    assert (summary.statements, summary.entries) == (1, 462)
    assert summary.credits == Decimal("425004.99")
    assert summary.debits == Decimal("424449.70")
    assert summary.format == "camt.053"
    statement = BankStatement.objects.get()
    assert statement.account == "BE68793230773034"
    assert statement.entries.filter(direction="debit", status="outgoing").count() > 0


def test_a_broken_file_leaves_nothing_behind():
    with pytest.raises(StatementFileError, match="Line 9"):
        import_statement_file(
            data=bank_file("zilverline-mt940__knab_knab_invalid.txt"), file_name="bad.txt", by="test"
        )
    assert not BankStatement.objects.exists()
    assert not BankEntry.objects.exists()


def test_identical_bookings_in_one_file_stay_apart():
    text = (
        b":20:TEST\n:25:NL91ABNA0417164300\n:28C:1/1\n:60F:C260101EUR0,00\n"
        b":61:2601020102C2,50NTRFNONREF\n:86:koffie\n"
        b":61:2601020102C2,50NTRFNONREF\n:86:koffie\n"
        b":62F:C260102EUR5,00\n-\n"
    )
    assert import_statement_file(data=text, file_name="t.sta", by="t", match=False).entries == 2
    assert import_statement_file(data=text, file_name="t.sta", by="t", match=False).entries == 0
    assert BankEntry.objects.count() == 2


def test_the_error_case_that_does_not_add_up_is_imported_with_the_problem_named():
    """The folder's README counts this file among the broken ones: its balances do not add up.

    So do those of sixteen valid camt files (extracts of longer statements), and balances
    are the only thing wrong with it, so it is imported like them, with the problem named
    on the summary and the statement, rather than refused."""
    summary = import_statement_file(
        data=bank_file("newinnovations-camt053__error-camt053.xml"), file_name="e.xml", by="test"
    )
    assert summary.entries == 2
    assert any("does not add up" in w and "900.00" in w for w in summary.warnings), summary.warnings
    assert BankStatement.objects.get().warnings == summary.warnings
