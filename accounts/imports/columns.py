"""The columns of each kind of import and the header names (Dutch ERP aliases too) that mean them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.utils.translation import gettext as _

from accounts.imports.base import CUSTOMERS, INVOICES, KIND_CHOICES, ImportFileError, _key, _text


@dataclass(frozen=True, eq=False)
class KindSpec:
    name: str
    # field -> header names that mean it (the field name itself always counts)
    columns: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    amount_fields: tuple[str, ...]

    @property
    def aliases(self) -> dict[str, str]:
        return _aliases(self)

    def field_for(self, header: Any) -> str | None:
        return self.aliases.get(_key(_text(header)))


@cache
def _aliases(spec: KindSpec) -> dict[str, str]:
    table: dict[str, str] = {}
    for fieldname, names in spec.columns.items():
        for name in (fieldname, *names):
            key = _key(name)
            if table.get(key, fieldname) != fieldname:
                raise AssertionError(f"Header alias {name!r} means two fields in {spec.name}")
            table[key] = fieldname
    return table


CUSTOMER_SPEC = KindSpec(
    name=CUSTOMERS,
    columns={
        "number": (
            "customer number", "customer no", "account number", "account", "debiteurnummer",
            "debiteurnr", "debiteur nr", "deb nr", "klantnummer", "klantnr", "klant nr",
            "relatienummer", "relatienr", "nummer",
        ),
        "name": (
            "customer name", "company name", "company", "naam", "bedrijfsnaam", "debiteurnaam",
            "klantnaam", "relatienaam", "firmanaam",
        ),
        "legal_form": ("legal form", "rechtsvorm"),
        "kvk_number": (
            "kvk", "kvk nummer", "kvk nr", "kvknummer", "coc", "coc number",
            "chamber of commerce", "handelsregister",
        ),
        "vat_number": ("vat", "vat number", "vat id", "btw nummer", "btw nr", "btw id", "btwnummer"),
        "address": ("adres", "straat", "street", "straat en huisnummer", "bezoekadres"),
        "postal_code": ("postal code", "postcode", "zip", "zip code"),
        "city": ("plaats", "woonplaats", "vestigingsplaats", "stad", "town"),
        "country": ("land", "landcode", "country code"),
        "language": ("taal", "correspondentietaal"),
        "currency": ("valuta", "munt", "munteenheid"),
        "segment": ("klantgroep", "customer group"),
        "credit_limit": ("credit limit", "kredietlimiet", "limiet"),
        "payment_terms_days": (
            "payment terms", "payment terms days", "betalingstermijn", "betaaltermijn",
            "betalingsconditie", "termijn",
        ),
        "status": (),
        "risk_class": ("risk class", "risk", "risico", "risicoklasse"),
        "controller": ("credit controller", "debiteurenbeheerder", "beheerder", "username"),
        "account_manager": (
            "account manager", "accountmanager", "accountbeheerder", "salesperson", "sales rep",
            "verkoper", "vertegenwoordiger",
        ),
        "parent": (
            "parent number", "parent company", "moeder", "moedermaatschappij", "concern",
            "concernnummer", "hoofddebiteur",
        ),
    },
    required=("number", "name"),
    amount_fields=("credit_limit",),
)  # fmt: skip

INVOICE_SPEC = KindSpec(
    name=INVOICES,
    columns={
        "number": (
            "invoice number", "invoice no", "invoice", "document number", "factuurnummer",
            "factuurnr", "factuur nr", "factuur", "boekstuknummer", "nummer",
        ),
        "customer": (
            "customer number", "customer no", "account number", "account", "debiteurnummer",
            "debiteurnr", "debiteur nr", "debiteur", "deb nr", "klantnummer", "klantnr",
            "klant nr", "klant", "relatienummer", "relatienr",
        ),
        "issue_date": ("invoice date", "document date", "date", "factuurdatum", "datum", "boekdatum"),
        "due_date": ("due date", "due", "vervaldatum", "vervaldag", "uiterste betaaldatum"),
        "amount": (
            "total", "gross amount", "amount incl vat", "invoice amount", "bedrag", "factuurbedrag",
            "totaal", "totaalbedrag", "bedrag incl btw",
        ),
        "vat_amount": ("vat", "vat amount", "tax", "btw", "btw bedrag"),
        "currency": ("valuta", "munt", "munteenheid"),
        "open_amount": (
            "open", "open amount", "outstanding", "balance", "openstaand", "openstaand bedrag",
            "saldo", "restant",
        ),
        "description": ("omschrijving", "text", "tekst"),
        "order_reference": (
            "order", "order number", "order reference", "your reference", "po number",
            "ordernummer", "referentie", "uw referentie", "kenmerk",
        ),
    },
    required=("number", "customer", "issue_date", "amount"),
    amount_fields=("amount", "vat_amount", "open_amount"),
)  # fmt: skip

SPECS = {CUSTOMERS: CUSTOMER_SPEC, INVOICES: INVOICE_SPEC}


def get_spec(kind: str) -> KindSpec:
    try:
        return SPECS[kind]
    except KeyError:
        raise ImportFileError(
            _("Unknown kind of import %(kind)s: choose customers or invoices.") % {"kind": repr(kind)}
        ) from None


def column_help() -> list[dict[str, Any]]:
    """The accepted columns per kind, for the upload page."""
    return [
        {
            "kind": kind,
            "label": label,
            "columns": [
                {"field": f, "required": f in SPECS[kind].required, "aliases": names}
                for f, names in SPECS[kind].columns.items()
            ],
        }
        for kind, label in KIND_CHOICES
    ]
