"""The classifier's figures: printed per class, and never measured on a mail a model was trained on."""

from io import StringIO

from django.core.management import call_command

from dunning.inbox import classify, figures


def test_held_out_mails_are_apart_from_every_training_mail():
    held_out = figures.load("inbox_heldout.jsonl")
    training = {figures.text(r) for r in figures.load("inbox_labelled.jsonl")} | {
        t for t, _ in classify.seed_examples()
    }
    assert len(held_out) >= 35 and not {figures.text(r) for r in held_out} & training
    assert {r["language"] for r in held_out} == {"nl", "en", "de", "fr"}
    assert {r["label"] for r in held_out} == set(figures.LABELS)


def test_command_prints_precision_and_recall_per_class():
    out = StringIO()
    call_command("inbox_figures", stdout=out)
    text = out.getvalue()
    assert "grouped by phrasing" in text and "never trained on" in text
    for label in figures.LABELS:
        assert text.count(f"\n{label} ") == 2
    rules = figures.cross_validated()[0]
    assert rules.n == 394 and rules.accuracy >= 0.9
