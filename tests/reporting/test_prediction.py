"""Payment-date prediction: only what is known on the day, and better than the baselines on real data."""

from datetime import date, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from reporting.prediction import History, Record, evaluate, predict

IBM_NAME = "rpalaver-FinanceFactoring__WA_Fn-UseC_-Accounts-Receivable.csv"
# ../shared/data beside the checkout (one level further up from a git worktree in wt/NAME).
IBM = next(
    (
        path
        for up in (3, 4)
        if (path := Path(__file__).resolve().parents[up] / "shared/data/ar" / IBM_NAME).exists()
    ),
    Path(__file__).resolve().parents[3] / "shared/data/ar" / IBM_NAME,
)


def test_a_customer_without_history_leans_on_everyone():
    history = History()
    for lateness in (0, 2, 4, 6, 8):
        history.add("other", False, lateness)
    guess = predict(history, "new", disputed=False)
    assert guess.basis == 0
    assert guess.days_late == 4  # everyone's median
    assert guess.low == 2 and guess.high == 6


def test_a_regular_late_payer_is_predicted_late():
    history = History()
    for _ in range(11):
        history.add("slow", False, 20)
    history.add("other", False, 0)
    guess = predict(history, "slow", disputed=False)
    assert 18 < guess.days_late <= 20  # 11 of their own against one shrink weight


def test_disputed_invoices_have_their_own_history():
    history = History()
    for _ in range(5):
        history.add("c", False, 0)
        history.add("c", True, 30)
    assert predict(history, "c", disputed=True).days_late > predict(history, "c", disputed=False).days_late


def test_the_predicted_invoice_own_payment_is_never_input():
    start = date(2026, 1, 1)
    day = [start + timedelta(days=i) for i in range(50)]
    past = [Record("c", day[i], day[i + 30], day[i + 35]) for i in range(10)]
    target_on_time = Record("c", date(2026, 6, 1), date(2026, 7, 1), date(2026, 7, 1))
    target_late = Record("c", date(2026, 6, 1), date(2026, 7, 1), date(2026, 9, 1))
    on_time = evaluate([*past, target_on_time], test_from=date(2026, 6, 1))
    late = evaluate([*past, target_late], test_from=date(2026, 6, 1))
    # Same prediction (5 days late) either way; only the error differs.
    assert on_time.mae_method == pytest.approx(5, abs=0.5)
    assert late.mae_method == pytest.approx(62 - 5, abs=0.5)


@pytest.mark.skipif(not IBM.exists(), reason="the shared IBM accounts-receivable file is not on this machine")
def test_on_the_ibm_sample_the_method_beats_both_baselines():
    out = StringIO()
    call_command("evaluate_prediction", str(IBM), "--test-from", "2013-01-01", stdout=out)
    lines = {
        line.split("  ")[0].strip(): line.split()[-1] for line in out.getvalue().splitlines() if "  " in line
    }
    method = float(lines["prediction (customer median, shrunk, by dispute)"])
    due = float(lines["baseline: pays on the due date"])
    median = float(lines["baseline: customer median lateness so far"])
    assert method < median < due
    assert method < 6


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "missing column"),
        ("customerID,InvoiceDate\n1,1/1/2013\n", "missing column(s) Disputed, DueDate, SettledDate"),
        ("customerID,InvoiceDate,DueDate,SettledDate,Disputed\n", "no invoices"),
        ("customerID,InvoiceDate,DueDate,SettledDate,Disputed\nA,1/2/2013,2/1/2013,2/31/2013,No\n", "line 2"),
    ],
)
def test_bad_files_get_a_message_naming_the_problem(tmp_path, content, message):
    path = tmp_path / "ar.csv"
    path.write_text(content)
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("evaluate_prediction", str(path))


def test_a_file_in_another_encoding_is_refused_clearly(tmp_path):
    path = tmp_path / "ar.csv"
    path.write_bytes("customerID,InvoiceDate\nMüller".encode("latin-1"))
    with pytest.raises(CommandError, match="UTF-8"):
        call_command("evaluate_prediction", str(path))
