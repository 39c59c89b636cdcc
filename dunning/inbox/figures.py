"""Precision and recall per class for the inbox classifier: the rules, the trained model and the two
together (what `classify` does), never measured on the mails a model was trained on.

Two measurements:

- grouped 5-fold cross-validation over the labelled set (tests/dunning/data/inbox_labelled.jsonl,
  394 mails: 104 hand-written phrasings in Dutch and English and 93 more in nl/en/de/fr, some with a
  signature and a quoted reminder; two fillings each). Folds are grouped by phrasing, and the seed
  mails the production model trains on (the same phrasings, another filling) join the training side
  only for the phrasings outside the test fold: a phrasing is never on both sides. The rules were
  written against this set, so their figure here is not a measure of how they generalise.
- a held-out set (tests/dunning/data/inbox_heldout.jsonl, 39 mails in nl/en/de/fr written apart,
  with quoted reminders, signatures and phone footers): the model trains on everything else and
  never sees one of them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from dunning.inbox import classify
from dunning.models import MailCategory

DATA = Path(settings.BASE_DIR) / "tests" / "dunning" / "data"
LABELS = list(MailCategory.values)


def load(name: str) -> list[dict]:
    path = DATA / name
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def text(row: dict) -> str:
    return f"{row['subject']}\n{row['body']}"


def by_rules(row: dict) -> str:
    verdict = classify.by_rules(subject=row["subject"], body=row["body"])
    return verdict.category if verdict else MailCategory.OTHER


@dataclass
class Scores:
    name: str
    n: int
    accuracy: float
    per_class: dict[str, tuple[float, float, int]]  # precision, recall, support


def score(name: str, truth: list[str], predicted: list[str]) -> Scores:
    from sklearn.metrics import precision_recall_fscore_support

    precision, recall, _, support = precision_recall_fscore_support(
        truth, predicted, labels=LABELS, zero_division=0
    )
    per_class = {
        label: (float(p), float(r), int(s))
        for label, p, r, s in zip(LABELS, precision, recall, support, strict=True)
    }
    accuracy = sum(t == p for t, p in zip(truth, predicted, strict=True)) / len(truth)
    return Scores(name, len(truth), accuracy, per_class)


def _model_and_combined(train: list[tuple[str, str]], test: list[dict]) -> tuple[list[str], list[str]]:
    pipeline = classify.build_pipeline()
    pipeline.fit([t for t, _ in train], [c for _, c in train])
    proba = pipeline.predict_proba([text(r) for r in test])
    classes = list(pipeline.classes_)
    model = [classes[p.argmax()] for p in proba]
    combined = []
    for p, r in zip(proba, test, strict=True):
        rule = classify.by_rules(subject=r["subject"], body=r["body"])
        decides = classify.model_decides(confidence=float(p.max()), rule=rule)
        combined.append(classes[p.argmax()] if decides else (rule.category if rule else MailCategory.OTHER))
    return model, combined


def cross_validated(folds: int = 5, seed: int = 1) -> list[Scores]:
    from sklearn.model_selection import StratifiedGroupKFold

    rows, seeds = (
        load("inbox_labelled.jsonl"),
        [json.loads(line) for line in classify.SEED.read_text(encoding="utf-8").splitlines() if line.strip()],
    )
    truth = [r["label"] for r in rows]
    model: list[str] = [""] * len(rows)
    combined: list[str] = [""] * len(rows)
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(rows, truth, groups=[r["template"] for r in rows]):
        test_groups = {rows[i]["template"] for i in test_idx}
        train = [(text(rows[i]), truth[i]) for i in train_idx] + [
            (text(s), s["label"]) for s in seeds if s["template"] not in test_groups
        ]
        m, c = _model_and_combined(train, [rows[i] for i in test_idx])
        for i, mp, cp in zip(test_idx, m, c, strict=True):
            model[i], combined[i] = mp, cp
    return [
        score("rules", truth, [by_rules(r) for r in rows]),
        score("model (grouped CV)", truth, model),
        score("model, else rules (grouped CV)", truth, combined),
    ]


def held_out() -> list[Scores]:
    rows = load("inbox_heldout.jsonl")
    train = [(text(r), r["label"]) for r in load("inbox_labelled.jsonl")] + classify.seed_examples()
    truth = [r["label"] for r in rows]
    model, combined = _model_and_combined(train, rows)
    return [
        score("rules", truth, [by_rules(r) for r in rows]),
        score("model", truth, model),
        score("model, else rules", truth, combined),
    ]


def table(title: str, results: list[Scores]) -> str:
    head = f"{'class':<12}" + "".join(f"{r.name[:26]:>28}" for r in results)
    sub = f"{'':<12}" + "".join(f"{'precision  recall     n':>28}" for _ in results)
    lines = [title, head, sub]
    for label in LABELS:
        cells = "".join(
            f"{r.per_class[label][0]:>14.2f}{r.per_class[label][1]:>8.2f}{r.per_class[label][2]:>6}"
            for r in results
        )
        lines.append(f"{label:<12}{cells}")
    lines.append(f"{'accuracy':<12}" + "".join(f"{r.accuracy:>22.2f}{r.n:>6}" for r in results))
    return "\n".join(lines)
