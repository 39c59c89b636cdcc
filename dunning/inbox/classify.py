"""Rules first (headers, then keywords in nl/en/de/fr); a model trained on corrections where no rule fits."""

from __future__ import annotations

import json
import pickle
import re
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from dunning.models import InboundMail, MailCategory, MailClassifier

SEED = Path(__file__).with_name("seed_mails.jsonl")
# Checked in this order: the first class with a keyword wins.
KEYWORDS: list[tuple[str, list[str]]] = [
    (
        MailCategory.AUTO_REPLY,
        [
            "out of office", "out of the office", "automatic reply", "auto-reply", "autoreply",
            "afwezigheidsmelding", "automatisch antwoord", "niet aanwezig", "ben afwezig", "met vakantie",
            "abwesenheitsnotiz", "automatische antwort", "nicht im büro", "absence du bureau",
            "réponse automatique", "je suis absent", "on annual leave", "currently away",
            "automated message", "automatisch bericht", "automatisch verzonden", "sent automatically",
            "not in the office", "niet op kantoor",
        ],
    ),
    (
        MailCategory.DISPUTE,
        [
            "damaged", "broken", "not received", "never received", "never arrived", "complaint", "dispute",
            "incorrect", "wrong", "not agree", "do not agree", "disagree", "defect", "credit note",
            "beschadigd", "kapot", "niet ontvangen", "nooit ontvangen", "klacht", "niet akkoord",
            "klopt niet", "onjuist", "verkeerd", "creditnota", "betwist", "defect",
            "beschädigt", "nicht erhalten", "reklamation", "falsch", "endommagé", "pas reçu",
            "réclamation", "contestons", "erroné", "bezwaar", "withholding", "charged twice",
            "wij betalen niet", "we betalen niet", "we will not pay", "we won't pay",
        ],
    ),
    (
        MailCategory.PAID,
        [
            "already paid", "has been paid", "have paid", "payment was made", "paid on", "remittance",
            "transferred", "proof of payment", "payment advice",
            "al betaald", "reeds betaald", "is betaald", "hebben betaald", "overgemaakt", "betalingsbewijs",
            "voldaan", "betaalspecificatie",
            "bereits bezahlt", "überwiesen", "zahlungsavis", "déjà payé", "deja paye", "avis de paiement",
            "virement effectué", "afgeschreven", "debited", "settled",
        ],
    ),
    (
        MailCategory.PROMISE,
        [
            "we will pay", "we'll pay", "will be paid", "will transfer", "payment will be made",
            "we shall pay", "will settle", "pay by", "pay on", "pay before",
            "we betalen", "wij betalen", "zullen betalen", "wordt betaald", "zal betaald", "gaan betalen",
            "maken het over", "zullen het bedrag", "betalen wij", "voldoen wij", "betaling volgt",
            "wir zahlen", "wir werden", "nous paierons", "sera payé", "sera réglé", "nous réglerons",
        ],
    ),
    (
        MailCategory.COPY,
        [
            "copy of the invoice", "invoice copy", "copy of invoice", "send the invoice again", "resend",
            "statement", "duplicate", "pdf of", "can't find the invoice", "cannot find the invoice",
            "kopie", "duplicaat", "rekeningoverzicht", "opnieuw sturen", "opnieuw toesturen",
            "nogmaals sturen", "nogmaals toesturen", "overzicht van openstaande", "factuur niet terugvinden",
            "kopie der rechnung", "kontoauszug", "copie de la facture", "relevé", "saldo-opgave",
            "overview of", "forward the original",
        ],
    ),
    (
        MailCategory.QUESTION,
        [
            "?", "question", "could you", "can you", "please explain", "why", "how",
            "vraag", "kunt u", "kun je", "waarom", "hoe", "graag uitleg", "wat is",
            "frage", "können sie", "warum", "question", "pourriez-vous", "pourquoi",
        ],
    ),
]  # fmt: skip
AUTO_HEADERS = ("x-autoreply", "x-autorespond", "x-auto-response-suppress")


@dataclass
class Verdict:
    category: str
    by: str  # "rule" or "model"
    why: str


def _has(text: str, keyword: str) -> bool:
    if not keyword[0].isalnum():
        return keyword in text
    return re.search(rf"(?<!\w){re.escape(keyword)}(?!\w)", text) is not None


def by_headers(headers: dict[str, str] | None) -> Verdict | None:
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    auto = headers.get("auto-submitted", "").strip().lower()
    if auto and auto != "no":
        return Verdict(MailCategory.AUTO_REPLY, "rule", _("header Auto-Submitted: %(v)s") % {"v": auto})
    for name in AUTO_HEADERS:
        if name in headers and name != "x-auto-response-suppress":
            return Verdict(MailCategory.AUTO_REPLY, "rule", _("header %(name)s") % {"name": name})
    return None


def by_rules(*, subject: str, body: str, headers: dict[str, str] | None = None) -> Verdict | None:
    if verdict := by_headers(headers):
        return verdict
    # The body first: a reply's subject quotes our own reminder ("Re: Statement of account").
    for text in (body.lower(), subject.lower()):
        for category, words in KEYWORDS:
            for word in words:
                if _has(text, word):
                    return Verdict(category, "rule", _("keyword “%(word)s”") % {"word": word})
    return None


def classify(*, subject: str, body: str, headers: dict[str, str] | None = None, model=None) -> Verdict:
    """Headers decide auto-replies; then the trained model if there is one; then the keyword rules."""
    if verdict := by_headers(headers):
        return verdict
    rule = by_rules(subject=subject, body=body)
    model = model if model is not None else current_model()
    if model is not None:
        category, why = predict(model, f"{subject}\n{body}")
        if category:
            return Verdict(category, "model", why)
    return rule or Verdict(MailCategory.OTHER, "rule", _("no rule matched"))


# --- the trained model -------------------------------------------------------------------------

MIN_CONFIDENCE = 0.5  # below this the rules decide (grouped CV: model alone 0.46, rules 0.78)


def build_pipeline():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    return Pipeline(
        [
            ("tfidf", TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True, lowercase=True)),
            ("clf", LogisticRegression(max_iter=2000, C=8.0, class_weight="balanced")),
        ]
    )


def predict(pipeline, text: str) -> tuple[str, str]:
    """The class and the words that pushed it there most; ("", "") below the confidence floor."""
    proba = pipeline.predict_proba([text])[0]
    best = int(proba.argmax())
    if proba[best] < MIN_CONFIDENCE:
        return "", ""
    category = pipeline.classes_[best]
    tfidf, clf = pipeline.named_steps["tfidf"], pipeline.named_steps["clf"]
    vector = tfidf.transform([text])
    row = clf.coef_[best] if clf.coef_.shape[0] > 1 else clf.coef_[0]
    names = tfidf.get_feature_names_out()
    weights = sorted(((vector[0, i] * row[i], names[i]) for i in vector.nonzero()[1]), reverse=True)[:3]
    words = ", ".join(f"“{w}”" for score, w in weights if score > 0)
    return category, _("model %(p)d%%: %(words)s") % {"p": round(proba[best] * 100), "words": words or "–"}


def seed_examples() -> list[tuple[str, str]]:
    rows = [json.loads(line) for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(f"{r['subject']}\n{r['body']}", r["label"]) for r in rows]


def train(*, examples: list[tuple[str, str]] | None = None) -> MailClassifier:
    """Fit on the seed set plus every correction controllers made; store it as the current model."""
    corrections = [
        (f"{m.subject}\n{m.body_text}", m.category)
        for m in InboundMail.objects.filter(classified_by=InboundMail.ClassifiedBy.PERSON).only(
            "subject", "body_text", "category"
        )
    ]
    data = (examples if examples is not None else seed_examples()) + corrections * 3  # people count more
    pipeline = build_pipeline()
    pipeline.fit([t for t, _ in data], [c for _, c in data])
    with transaction.atomic():
        return MailClassifier.objects.create(
            samples=len(data), corrections=len(corrections), pipeline=pickle.dumps(pipeline)
        )


_cache: dict[int, object] = {}


def current_model():
    row = MailClassifier.objects.only("pk").first()
    if row is None:
        return None
    if row.pk not in _cache:
        _cache.clear()
        _cache[row.pk] = pickle.loads(bytes(MailClassifier.objects.get(pk=row.pk).pipeline))  # noqa: S301 (our own rows)
    return _cache[row.pk]
