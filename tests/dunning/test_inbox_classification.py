"""Precision and recall per class on the labelled set: the rules alone, and the trained model (5-fold CV).

Run with -s to see the figures."""

import json
from pathlib import Path

import pytest
from sklearn.metrics import classification_report, precision_recall_fscore_support
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, cross_val_predict

from dunning.inbox import classify
from dunning.models import InboundMail, MailCategory

DATA = Path(__file__).parent / "data" / "inbox_labelled.jsonl"
ROWS = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
LABELS = list(MailCategory.values)


def report(name, truth, predicted):
    print(f"\n{name} (n={len(truth)})")
    print(classification_report(truth, predicted, labels=LABELS, zero_division=0, digits=2))
    precision, recall, _, _ = precision_recall_fscore_support(
        truth, predicted, labels=LABELS, zero_division=0
    )
    return dict(zip(LABELS, precision, strict=True)), dict(zip(LABELS, recall, strict=True))


def test_the_set_is_big_and_in_four_languages():
    assert len(ROWS) >= 300
    assert {r["language"] for r in ROWS} == {"nl", "en", "de", "fr"}
    assert {r["label"] for r in ROWS} == set(LABELS)


def test_rules_precision_and_recall():
    truth = [r["label"] for r in ROWS]
    predicted = [
        (
            classify.by_rules(subject=r["subject"], body=r["body"]) or classify.Verdict("other", "rule", "")
        ).category
        for r in ROWS
    ]
    precision, recall = report("rules", truth, predicted)
    accuracy = sum(t == p for t, p in zip(truth, predicted, strict=True)) / len(truth)
    print(f"rules accuracy {accuracy:.2f}")
    # The rules were written against this set, so these are floors against regressions, not a
    # measure of how they generalise (that is the held-out set in `inbox_figures`).
    assert accuracy >= 0.9
    for label in LABELS:
        assert precision[label] >= 0.85 and recall[label] >= 0.85, label


def rules(row):
    return (
        classify.by_rules(subject=row["subject"], body=row["body"]) or classify.Verdict("other", "", "")
    ).category


def test_trained_model_cross_validated():
    texts = [f"{r['subject']}\n{r['body']}" for r in ROWS]
    truth = [r["label"] for r in ROWS]

    # Seen phrasings: the two fillings of a mail may fall on both sides of a split (a customer
    # writing the way an earlier, corrected mail was written).
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=1)
    seen = cross_val_predict(classify.build_pipeline(), texts, truth, cv=folds)
    report("model, 5-fold CV (phrasings seen in training)", truth, list(seen))
    seen_accuracy = accuracy(truth, seen)

    # Unseen phrasings: grouped by hand-written mail, so a phrasing is never on both sides.
    grouped = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=1)
    groups = [r["template"] for r in ROWS]
    proba = cross_val_predict(
        classify.build_pipeline(), texts, truth, cv=grouped, groups=groups, method="predict_proba"
    )
    classes = sorted(set(truth))
    unseen = [classes[p.argmax()] for p in proba]
    report("model, 5-fold CV grouped by phrasing (unseen phrasings)", truth, unseen)
    combined = [
        classes[p.argmax()]
        if classify.model_decides(
            confidence=float(p.max()), rule=classify.by_rules(subject=row["subject"], body=row["body"])
        )
        else rules(row)
        for p, row in zip(proba, ROWS, strict=True)
    ]
    report("model where confident, else rules (unseen phrasings)", truth, combined)
    figures = {
        "rules": accuracy(truth, [rules(r) for r in ROWS]),
        "model seen": seen_accuracy,
        "model unseen": accuracy(truth, unseen),
        "combined unseen": accuracy(truth, combined),
    }
    print("accuracy", {k: round(v, 2) for k, v in figures.items()})
    assert figures["model seen"] >= 0.85
    assert figures["combined unseen"] >= figures["rules"] - 0.03  # the model never makes things much worse


def accuracy(truth, predicted):
    return sum(t == p for t, p in zip(truth, predicted, strict=True)) / len(truth)


@pytest.mark.django_db
def test_training_learns_from_corrections_and_explains_itself():
    """A made-up class of mail the rules call a question; after corrections the model says promise."""
    text = "Subject: planning\nOnze crediteurenadministratie plant de overboeking in de run van donderdag."
    for i in range(4):
        InboundMail.objects.create(
            content_hash=f"{i:064d}", raw=b"x", source="upload", subject="planning",
            body_text=f"Onze crediteurenadministratie plant de overboeking in de run van week {i}.",
            category="promise", classified_by="person",
        )  # fmt: skip
    model = classify.train()
    assert model.corrections == 4 and model.samples > 100
    verdict = classify.classify(subject="planning", body=text.split("\n", 1)[1])
    assert verdict.category == "promise" and verdict.by == "model"
    assert "overboeking" in verdict.why or "crediteurenadministratie" in verdict.why or "run" in verdict.why
    auto = classify.classify(subject="x", body="we betalen", headers={"Auto-Submitted": "auto-replied"})
    assert (auto.category, auto.by) == ("auto_reply", "rule")
