"""Import of customers and invoices from ERP exports: parsing, validation, apply, pages."""

import io
import os
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.urls import reverse

from accounts import imports
from accounts.models import Customer, Event, Invoice
from accounts.services import allocate, record_payment, refresh_customer_balance
from creditmgmt.context_processors import navigation
from tests.factories import CustomerFactory, InvoiceFactory

DATA = Path(__file__).parent / "data"


def data(name: str) -> bytes:
    return (DATA / name).read_bytes()


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def make_xlsx(rows: list[list], title: str = "Facturen") -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def apply(kind: str, content: bytes, by: str = "import: test") -> imports.ImportResult:
    plan = imports.build_plan(kind, content)
    assert plan.ok, plan.report()
    return imports.apply_import(
        kind, content, by=by, source="test.csv", expected_fingerprint=plan.fingerprint
    )


def messages_of(plan: imports.Plan) -> list[str]:
    return [str(e) for e in plan.errors]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.IMPORT_STAGING_DIR = tmp_path / "imports"
    return tmp_path


@pytest.fixture
def customers(db, controller):
    """The customers of tests/accounts/data/customers.csv, imported."""
    apply(imports.CUSTOMERS, data("customers.csv"))
    return {c.number: c for c in Customer.objects.all()}


# --- reading cells ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sign", "expected"),
    [
        ("1234.56", None, "1234.56"),
        ("1.234,56", None, "1234.56"),
        ("1,234.56", None, "1234.56"),
        ("1.234.567,89", None, "1234567.89"),
        ("12,5", None, "12.50"),
        ("-242,00", None, "-242.00"),
        ("242,00-", None, "-242.00"),
        ("(242.00)", None, "-242.00"),
        ("€ 1.210,00", None, "1210.00"),
        ("EUR 99.95", None, "99.95"),
        ("1 234,56", None, "1234.56"),
        ("1.234", ",", "1234.00"),
        ("1,234", ".", "1234.00"),
        ("0,125", ",", None),
        ("1.234", None, None),
        ("12.345", ".", None),
        ("1.2.3", None, None),
        ("12,3,4", None, None),
        ("12 euro", None, "12.00"),
        ("twelve", None, None),
        ("1.234,567", None, None),
    ],
)
def test_parse_amount(text, sign, expected):
    if expected is None:
        with pytest.raises(imports.CellError):
            imports.parse_amount(text, sign)
    else:
        value = imports.parse_amount(text, sign)
        assert isinstance(value, Decimal)
        assert value == Decimal(expected)


def test_spreadsheet_numbers_become_decimals_without_float_noise():
    assert imports.parse_amount(1234.56) == Decimal("1234.56")
    assert imports.parse_amount(0.1 + 0.2) == Decimal("0.30")
    assert imports.parse_amount(7) == Decimal("7.00")
    with pytest.raises(imports.CellError):
        imports.parse_amount(1.005001)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-31", date(2026, 1, 31)),
        ("31-01-2026", date(2026, 1, 31)),
        ("31/01/2026", date(2026, 1, 31)),
        ("31.01.2026", date(2026, 1, 31)),
        ("1-2-2026", date(2026, 2, 1)),
        ("20260131", date(2026, 1, 31)),
        ("2026-01-31 00:00:00", date(2026, 1, 31)),
    ],
)
def test_parse_date(text, expected):
    assert imports.parse_date(text) == expected


@pytest.mark.parametrize("text", ["31-13-2026", "2026-02-30", "01/31/2026", "gisteren", "31-01-26"])
def test_parse_date_refuses(text):
    with pytest.raises(imports.CellError, match="is not a date"):
        imports.parse_date(text)


def test_decimal_sign_is_guessed_from_the_file():
    assert imports.guess_decimal_sign(["1.234", "12,50"]) == ","
    assert imports.guess_decimal_sign(["1,234", "12.50"]) == "."
    assert imports.guess_decimal_sign(["1.234"], ";") == ","
    assert imports.guess_decimal_sign(["1.234"], ",") is None


def test_choices_accept_codes_and_labels():
    parse = imports.choice_parser("legal_form")
    assert parse("B.V.") == "bv"
    assert parse("Eenmanszaak") == "sole"
    assert parse("Sole proprietorship") == "sole"
    assert imports.choice_parser("risk_class")("Very high") == "very_high"
    assert imports.choice_parser("risk_class")("hoog") == "high"
    assert imports.choice_parser("language")("Nederlands") == "nl"
    with pytest.raises(imports.CellError, match="is not one of: prospect, active"):
        imports.choice_parser("status")("slapend")


# --- reading files ------------------------------------------------------------------


@pytest.mark.django_db
def test_reads_a_comma_separated_utf8_file(controller):
    plan = imports.build_plan(imports.CUSTOMERS, data("customers.csv"))
    assert plan.ok, plan.report()
    assert (plan.table.format, plan.table.encoding, plan.table.delimiter) == ("csv", "UTF-8", ",")
    assert plan.counts == {"total": 4, "new": 4, "changed": 0, "unchanged": 0, "errors": 0}
    second = plan.lines[1]
    assert second.line == 3
    assert second.values["credit_limit"] == Decimal("10000.00")  # "10,000.00" in the file
    assert plan.lines[2].new_parent == "C1001"


@pytest.mark.django_db
def test_reads_a_latin1_file_with_dutch_headers():
    content = data("customers_latin1.csv")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    plan = imports.build_plan(imports.CUSTOMERS, content)
    assert plan.ok, plan.report()
    assert plan.table.encoding in ("Windows-1252", "Latin-1")
    assert plan.headers == {
        "number": "Klantnummer",
        "name": "Naam",
        "city": "Plaats",
        "postal_code": "Postcode",
        "kvk_number": "KvK",
        "vat_number": "BTW-nummer",
        "language": "Taal",
        "currency": "Valuta",
    }
    names = [line.values["name"] for line in plan.lines]
    assert names == ["Café De Gouden Leeuw", "Zoë's Bloemenhandel", "Müller & Söhne GmbH"]
    assert plan.lines[2].values["language"] == "de"


@pytest.mark.django_db
def test_reads_semicolons_dutch_dates_and_decimal_commas(customers):
    plan = imports.build_plan(imports.INVOICES, data("invoices_nl.csv"))
    assert plan.ok, plan.report()
    assert (plan.table.delimiter, plan.table.encoding) == (";", "UTF-8")  # with a BOM
    first, second, credit = plan.lines
    assert first.values["amount"] == Decimal("1234.56")
    assert first.values["issue_date"] == date(2026, 1, 31)
    assert first.values["due_date"] == date(2026, 3, 2)  # 02/03/2026: day first
    assert second.values["amount"] == Decimal("12100.00")
    assert second.values["open_amount"] == Decimal("100.00")
    assert credit.values["amount"] == Decimal("-60.50")
    assert plan.headers["customer"] == "Klantnummer"


@pytest.mark.django_db
def test_reads_an_xlsx_workbook_sniffed_by_content(customers):
    content = make_xlsx(
        [
            ["Factuurnummer", "Debiteurnummer", "Factuurdatum", "Vervaldatum", "Bedrag", "BTW", "Openstaand"],
            ["X-1", "C1001", date(2026, 1, 31), date(2026, 3, 2), 1210.0, 210, 1210],
            [None, None, None, None, None, None, None],
            ["X-2", "C1001", "15-02-2026", None, "1.234,56", "214,26", None],
            [2026003, "C1002", date(2026, 2, 1), date(2026, 2, 15), -60.5, -10.5, -60.5],
        ]
    )
    plan = imports.build_plan(imports.INVOICES, content)  # no file name, no extension: content only
    assert plan.ok, plan.report()
    assert plan.table.format == "xlsx" and plan.table.sheet == "Facturen"
    assert [line.line for line in plan.lines] == [2, 4, 5]
    first, second, third = plan.lines
    assert first.values["amount"] == Decimal("1210.00")
    assert first.values["issue_date"] == date(2026, 1, 31)
    assert second.values["amount"] == Decimal("1234.56")
    assert second.obj.due_date == date(2026, 3, 17)  # 15 Feb + the customer's 30 days
    assert third.number == "2026003"
    assert third.values["amount"] == Decimal("-60.50")
    assert apply(imports.INVOICES, content).new == 3


@pytest.mark.django_db
def test_reads_tabs_utf16_and_the_excel_sep_line(controller):
    tabbed = "Klantnummer\tNaam\tPlaats\r\nT1\tTab B.V.\tGouda\r\n".encode("utf-16")
    plan = imports.build_plan(imports.CUSTOMERS, tabbed)
    assert (plan.table.delimiter, plan.table.encoding) == ("\t", "UTF-16")
    assert plan.lines[0].values == {"number": "T1", "name": "Tab B.V.", "city": "Gouda"}
    with_sep = csv_bytes("sep=;", "nummer;naam", "S1;Sep B.V.")
    plan = imports.build_plan(imports.CUSTOMERS, with_sep)
    assert plan.table.delimiter == ";"
    assert plan.lines[0].line == 2  # Excel hides the sep= line: the header is line 1


@pytest.mark.django_db
def test_title_lines_above_the_header_are_skipped(customers):
    content = csv_bytes(
        "Openstaande posten per 31-01-2026;;;",
        ";;;",
        "Factuurnummer;Debiteur;Datum;Bedrag",
        "T-1;C1001;31-01-2026;100,00",
    )
    plan = imports.build_plan(imports.INVOICES, content)
    assert plan.ok, plan.report()
    assert plan.table.header_line == 3
    assert "header on line 3" in plan.table.describe()
    assert [(line.line, line.number) for line in plan.lines] == [(4, "T-1")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"  \r\n\r\n", "The file is empty."),
        (b"C1001,Jansen,Utrecht\nC1002,De Vries,Eindhoven\n", "has no header row"),
        (b"foo,bar,baz\n1,2,3\n", "None of the columns in the header row (foo, bar, baz) is known"),
        (b"number,city\nC1,Utrecht\n", "The required column name is missing"),
        (b"number,name,naam\nC1,A,B\n", "both mean name"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel file (.xls)"),
        (b"%PDF-1.4\x00\x00\x01binary", "not a CSV or Excel"),
    ],
)
@pytest.mark.django_db
def test_file_level_problems_have_a_clear_message(content, message):
    with pytest.raises(imports.ImportFileError) as exc:
        imports.build_plan(imports.CUSTOMERS, content)
    assert message in " ".join(exc.value.messages)


@pytest.mark.django_db
def test_broken_and_foreign_files():
    with pytest.raises(imports.ImportFileError, match="looks like an Excel workbook but cannot be read"):
        imports.build_plan(imports.INVOICES, data("broken.xlsx"))
    with pytest.raises(imports.ImportFileError, match="Unknown kind of import 'payments'"):
        imports.build_plan("payments", data("customers.csv"))
    with pytest.raises(imports.ImportFileError, match="The file has no header row"):
        imports.build_plan(imports.CUSTOMERS, data("no_header.csv"))
    # A customers file uploaded as invoices: the missing columns are named.
    with pytest.raises(imports.ImportFileError) as exc:
        imports.build_plan(imports.INVOICES, data("customers.csv"))
    assert "The required column customer is missing" in exc.value.messages[0]


# --- validating lines -----------------------------------------------------------------


@pytest.mark.django_db
def test_every_error_names_line_and_column():
    plan = imports.build_plan(imports.CUSTOMERS, data("customers_errors.csv"))
    errors = messages_of(plan)
    assert "line 3, kvk_number: A KvK number has exactly 8 digits, not 1234." in errors
    assert "line 4, name: A new customer needs a name." in errors
    assert any(
        e.startswith("line 5, vat_number: NL123456789B01 is not a valid EU VAT number") for e in errors
    )
    assert "line 6, language: klingon is not one of: nl, en, de, fr." in errors
    assert "line 6, payment_terms_days: dertig is not a whole number." in errors
    assert any(e.startswith("line 7, status: slapend is not one of") for e in errors)
    assert "line 7, controller: There is no active user with username nobody." in errors
    assert "line 7, parent: There is no customer with number C9999." in errors
    assert "line 7, credit_limit: A credit limit cannot be negative." in errors
    assert "line 8, number: C3001 appears more than once in the file (first on line 2)." in errors
    assert plan.counts == {"total": 7, "new": 1, "changed": 0, "unchanged": 0, "errors": 6}
    assert not plan.ok


@pytest.mark.django_db
def test_line_numbers_count_blank_lines_as_the_spreadsheet_does():
    content = csv_bytes("number,name,kvk_number", "", "C1,Een,12345678", ",,", "C2,Twee,999")
    assert messages_of(imports.build_plan(imports.CUSTOMERS, content)) == [
        "line 5, kvk_number: A KvK number has exactly 8 digits, not 999."
    ]


@pytest.mark.django_db
def test_an_unquoted_separator_is_reported():
    content = csv_bytes("number,name,city", "C1,Jansen, Zn.,Utrecht")
    assert messages_of(imports.build_plan(imports.CUSTOMERS, content)) == [
        "line 2: this line has 4 cells but the header has 3: is there an unquoted separator in a value?"
    ]


@pytest.mark.django_db
def test_invoice_line_errors(customers):
    usd = CustomerFactory(number="C-USD", currency="USD")
    content = csv_bytes(
        "factuurnummer;klantnummer;factuurdatum;vervaldatum;bedrag;valuta;openstaand",
        "E1;C9999;2026-01-01;2026-01-31;100,00;EUR;",
        "E2;C1001;2026-01-01;2026-01-31;100,00;USD;",
        "E3;C1001;2026-01-31;2026-01-01;100,00;;",
        "E4;C1001;2026-01-01;2026-01-31;100,00;;150,00",
        "E5;C1001;2026-01-01;2026-01-31;0;;",
        "E6;C1001;2026-13-01;2026-01-31;100,00;;",
        "E7;C1001;2026-01-01;2026-01-31;;;",
        "E1;C1001;2026-01-01;2026-01-31;100,00;;",
        f"E8;{usd.number};2026-01-01;2026-01-31;100,00;;",
        "E9;C1001;2026-01-01;2026-01-31;-100,00;;-120,00",
    )
    errors = messages_of(imports.build_plan(imports.INVOICES, content))
    assert errors == [
        "line 2, customer: There is no customer with number C9999.",
        "line 3, currency: The invoice is in USD but customer C1001 is billed in EUR.",
        "line 4, due_date: The due date 2026-01-01 is before the invoice date 2026-01-31.",
        "line 5, open_amount: The open amount (150.00) must be between 0 and the amount (100.00).",
        "line 6, amount: An invoice of zero cannot be imported.",
        "line 7, issue_date: 2026-13-01 is not a date: write 2026-01-31 or 31-01-2026.",
        "line 8, amount: This value is required for a new invoice.",
        "line 9, number: E1 appears more than once in the file (first on line 2).",
        "line 11, open_amount: A credit note's open amount (-120.00) must be between its amount (-100.00) "
        "and 0.",
    ]


@pytest.mark.django_db
def test_credit_notes_and_settled_parts(customers):
    result = apply(imports.INVOICES, data("invoices.csv"))
    assert (result.new, result.changed) == (5, 0)
    credit = Invoice.objects.get(number="F2026-004")
    assert credit.is_credit_note and credit.open_amount == Decimal("-242.00")
    part_paid = Invoice.objects.get(number="F2026-002")
    assert (part_paid.amount, part_paid.open_amount, part_paid.settled_amount) == (
        Decimal("2420.00"),
        Decimal("1000.00"),
        Decimal("1420.00"),
    )
    no_open_column = Invoice.objects.get(number="F2026-003")
    assert no_open_column.open_amount == no_open_column.amount
    defaults = Invoice.objects.get(number="F2026-005")
    assert defaults.currency == "EUR" and defaults.due_date == date(2026, 3, 3)
    jansen = Customer.objects.get(number="C1001")
    assert jansen.open_amount == Decimal("1210.00") + Decimal("1000.00") - Decimal("242.00")
    assert jansen.oldest_open_due_date == date(2026, 2, 4)


@pytest.mark.django_db
def test_paid_in_the_erp_means_paid_here(customers):
    apply(
        imports.INVOICES,
        csv_bytes("number,customer,issue_date,amount,open_amount", "P1,C1001,2026-01-01,100,0"),
    )
    invoice = Invoice.objects.get(number="P1")
    assert invoice.status == Invoice.Status.PAID and invoice.open_amount == 0
    apply(
        imports.INVOICES,
        csv_bytes("number,customer,issue_date,amount,open_amount", "P1,C1001,2026-01-01,100,40"),
    )
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.OPEN and invoice.open_amount == Decimal("40.00")


@pytest.mark.django_db
def test_allocated_invoices_keep_their_amounts(customers, manager):
    apply(imports.INVOICES, data("invoices.csv"))
    invoice = Invoice.objects.get(number="F2026-001")
    payment = record_payment(
        customer=invoice.customer, amount=Decimal("210.00"), value_date=date(2026, 2, 1), by=manager
    )
    allocate(invoice=invoice, payment=payment, by=manager)

    changed_amount = data("invoices.csv").replace(
        b"F2026-001,C1001,2026-01-05,2026-02-04,1210.00", b"F2026-001,C1001,2026-01-05,2026-02-04,1300.00"
    )
    plan = imports.build_plan(imports.INVOICES, changed_amount)
    assert any(
        e.startswith("line 2, amount: Invoice F2026-001 has payments or credit notes allocated")
        for e in messages_of(plan)
    )
    # The ERP still shows the whole invoice open: that would undo our allocation.
    plan = imports.build_plan(imports.INVOICES, data("invoices.csv"))
    assert messages_of(plan) == [
        "line 2, open_amount: Invoice F2026-001 has payments or credit notes allocated, so an import cannot "
        "change its open_amount (1000.00 → 1210.00)."
    ]
    # With the ledger's open amount, only the description changes: fine.
    fine = data("invoices.csv").replace(
        b"1210.00,210.00,EUR,1210.00,Levering januari", b"1210.00,210.00,EUR,1000.00,Levering jan."
    )
    plan = imports.build_plan(imports.INVOICES, fine)
    assert plan.ok, plan.report()
    assert plan.counts["changed"] == 1
    assert plan.lines[0].changes == {"description": ("Levering januari", "Levering jan.")}


@pytest.mark.django_db
def test_an_import_cannot_move_an_invoice_to_another_customer(customers):
    apply(imports.INVOICES, data("invoices.csv"))
    moved = csv_bytes("number,customer,issue_date,amount", "F2026-001,C1002,2026-01-05,1210.00")
    assert messages_of(imports.build_plan(imports.INVOICES, moved)) == [
        "line 2, customer: Invoice F2026-001 belongs to customer C1001; an import cannot move it."
    ]


@pytest.mark.django_db
def test_parents_in_the_same_file_and_loops(controller):
    apply(imports.CUSTOMERS, data("customers.csv"))
    child = Customer.objects.get(number="C1003")
    assert child.parent.number == "C1001"
    assert child.controller == controller
    loop = csv_bytes("number,name,parent", "L1,Een,L2", "L2,Twee,L1", "L3,Drie,L3")
    errors = messages_of(imports.build_plan(imports.CUSTOMERS, loop))
    assert errors == [
        "line 2, parent: The parent chain of L1 loops back to itself.",
        "line 3, parent: The parent chain of L2 loops back to itself.",
        "line 4, parent: A customer cannot be its own parent.",
    ]


# --- applying ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_file_with_one_bad_line_writes_nothing(controller):
    content = data("customers.csv").replace(
        b"C1004,Brasserie Lux,sole,45678901", b"C1004,Brasserie Lux,sole,4567"
    )
    with pytest.raises(imports.ImportFileError) as exc:
        imports.apply_import(imports.CUSTOMERS, content, by="import: test", source="customers.csv")
    assert exc.value.messages[0] == "1 line has errors; nothing was imported."
    assert "line 5, kvk_number: A KvK number has exactly 8 digits, not 4567." in exc.value.messages
    assert Customer.objects.count() == 0
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_a_failure_halfway_rolls_everything_back(customers, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("accounts.imports.apply._write_events", explode)
    with pytest.raises(RuntimeError):
        imports.apply_import(imports.INVOICES, data("invoices.csv"), by="import: test", source="invoices.csv")
    assert Invoice.objects.count() == 0
    assert Customer.objects.get(number="C1001").open_amount == 0


@pytest.mark.django_db
def test_the_same_file_twice_changes_nothing(controller):
    assert (apply(imports.CUSTOMERS, data("customers.csv")).new, Customer.objects.count()) == (4, 4)
    assert apply(imports.INVOICES, data("invoices.csv")).new == 5
    assert apply(imports.INVOICES, data("invoices_nl.csv")).new == 3
    events = Event.objects.count()
    updated = dict(Customer.objects.values_list("number", "updated_at"))
    for kind, name in [
        (imports.CUSTOMERS, "customers.csv"),
        (imports.INVOICES, "invoices.csv"),
        (imports.INVOICES, "invoices_nl.csv"),
    ]:
        result = apply(kind, data(name))
        assert (result.new, result.changed, result.customers) == (0, 0, 0), name
        assert result.unchanged > 0
    assert Event.objects.count() == events
    assert dict(Customer.objects.values_list("number", "updated_at")) == updated


@pytest.mark.django_db
def test_upsert_updates_changed_fields_and_writes_an_event(controller, manager):
    apply(imports.CUSTOMERS, data("customers.csv"))
    Customer.objects.filter(number="C1002").update(
        delivery_blocked=True, delivery_block_reason="checked by hand"
    )
    content = csv_bytes(
        "Debiteurnummer;Naam;Plaats;Kredietlimiet;Risico;KvK",
        "C1002;De Vries Bouw;Veldhoven;12.500,00;hoog;",  # empty KvK: keep it
        "C1001;Jansen Groothandel B.V.;Utrecht;25.000,00;laag;12345678",  # the same
        "C1005;Nieuw B.V.;Delft;0;;",
    )
    plan = imports.build_plan(imports.CUSTOMERS, content)
    assert plan.counts == {"total": 3, "new": 1, "changed": 1, "unchanged": 1, "errors": 0}
    assert plan.lines[0].changes == {
        "city": ("Eindhoven", "Veldhoven"),
        "credit_limit": ("10000.00", "12500.00"),
        "risk_class": ("medium", "high"),
    }
    result = imports.apply_import(
        imports.CUSTOMERS, content, by=manager, source="klanten.csv", expected_fingerprint=plan.fingerprint
    )
    assert (result.new, result.changed, result.unchanged) == (1, 1, 1)
    vries = Customer.objects.get(number="C1002")
    assert (vries.city, vries.credit_limit, vries.risk_class) == ("Veldhoven", Decimal("12500.00"), "high")
    assert vries.kvk_number == "23456789" and vries.name == "De Vries Bouw"
    assert vries.delivery_blocked and vries.delivery_block_reason == "checked by hand"
    event = Event.objects.filter(customer=vries, kind=Event.Kind.IMPORT).latest("id")
    assert event.verb == "updated" and event.actor == manager
    assert (
        event.summary
        == "Customer details changed by the import of klanten.csv: city, credit_limit, risk_class"
    )
    assert event.data["changes"]["city"] == ["Eindhoven", "Veldhoven"]
    assert not Event.objects.filter(customer__number="C1001", actor=manager).exists()
    assert Event.objects.get(customer__number="C1005", actor=manager).verb == "created"


@pytest.mark.django_db
def test_invoice_upsert_keeps_the_settled_part_and_refreshes_the_balance(customers):
    apply(imports.INVOICES, data("invoices.csv"))
    changed = data("invoices.csv").replace(b'"2,420.00",420.00,EUR,1000.00', b'"2,662.00",462.00,EUR,')
    plan = imports.build_plan(imports.INVOICES, changed)
    assert plan.lines[1].changes == {
        "amount": ("2420.00", "2662.00"),
        "vat_amount": ("420.00", "462.00"),
        "open_amount": ("1000.00", "1242.00"),
    }
    result = apply(imports.INVOICES, changed, by="import: facturen.csv")
    assert (result.new, result.changed, result.unchanged, result.customers) == (0, 1, 4, 1)
    invoice = Invoice.objects.get(number="F2026-002")
    assert (invoice.amount, invoice.open_amount) == (Decimal("2662.00"), Decimal("1242.00"))
    jansen = Customer.objects.get(number="C1001")
    assert jansen.open_amount == Decimal("1210.00") + Decimal("1242.00") - Decimal("242.00")
    event = Event.objects.filter(customer=jansen, kind=Event.Kind.IMPORT).latest("id")
    assert event.actor_label == "import: facturen.csv"
    assert event.summary == "Import of test.csv: 0 new and 1 changed invoices (F2026-002)"
    assert event.data["changed"]["F2026-002"]["amount"] == ["2420.00", "2662.00"]


@pytest.mark.django_db
def test_a_number_created_meanwhile_is_refused_cleanly(customers, monkeypatch):
    plan = imports.build_plan(imports.INVOICES, data("invoices.csv"))
    real_build_plan = imports.build_plan

    def someone_else_was_faster(*args, **kwargs):
        result = real_build_plan(*args, **kwargs)
        InvoiceFactory(number="F2026-003", customer=customers["C1002"])
        return result

    monkeypatch.setattr("accounts.imports.apply.build_plan", someone_else_was_faster)
    with pytest.raises(imports.ImportFileError, match="Someone else changed the same records"):
        imports.apply_import(
            imports.INVOICES, data("invoices.csv"), by="t", source="t", expected_fingerprint=plan.fingerprint
        )
    assert Invoice.objects.count() == 0


@pytest.mark.django_db
def test_apply_refuses_when_the_data_changed_since_the_preview(customers):
    plan = imports.build_plan(imports.INVOICES, data("invoices.csv"))
    Customer.objects.filter(number="C1003").update(payment_terms_days=60)  # F2026-005's due date moves
    with pytest.raises(imports.ImportFileError, match="The data changed since the preview"):
        imports.apply_import(
            imports.INVOICES,
            data("invoices.csv"),
            by="import: test",
            source="invoices.csv",
            expected_fingerprint=plan.fingerprint,
        )
    assert Invoice.objects.count() == 0


def _many_invoices(count: int, customers: list[str]) -> bytes:
    lines = ["factuurnummer;klantnummer;factuurdatum;bedrag;openstaand"]
    lines += [
        f"M{i:05d};{customers[i % len(customers)]};01-03-2026;{i + 1},50;{i + 1},50" for i in range(count)
    ]
    return csv_bytes(*lines)


@pytest.mark.parametrize("bulk_from", [0, 1000], ids=["in bulk", "through the services"])
@pytest.mark.django_db
def test_bulk_path_writes_what_the_services_write(customers, manager, monkeypatch, bulk_from):
    monkeypatch.setattr("accounts.imports.apply.BULK_FROM_CUSTOMERS", bulk_from)
    payment = record_payment(
        customer=customers["C1002"], amount=Decimal("5.00"), value_date=date(2026, 3, 1), by=manager
    )
    result = imports.apply_import(
        imports.INVOICES, _many_invoices(30, ["C1001", "C1002", "C1003"]), by=manager, source="m.csv"
    )
    assert (result.new, result.customers) == (30, 3)
    stored = {
        c.pk: (c.open_amount, c.oldest_open_due_date, c.unallocated_amount) for c in Customer.objects.all()
    }
    for customer in Customer.objects.all():
        refresh_customer_balance(customer.pk)
    assert {
        c.pk: (c.open_amount, c.oldest_open_due_date, c.unallocated_amount) for c in Customer.objects.all()
    } == stored
    vries = Customer.objects.get(number="C1002")
    assert vries.open_amount == sum(Decimal(f"{i + 1}.50") for i in range(1, 30, 3))
    assert vries.unallocated_amount == payment.amount
    assert vries.oldest_open_due_date == date(2026, 3, 15)
    event = Event.objects.get(customer=vries, verb="invoices_imported")
    assert (event.kind, event.actor, event.actor_label, event.content_type) == (
        Event.Kind.IMPORT,
        manager,
        "",
        None,
    )
    assert (
        event.summary
        == "Import of m.csv: 10 new and 0 changed invoices (M00001, M00004, M00007, M00010, M00013 …)"
    )
    assert event.data["new_count"] == 10 and len(event.data["new"]) == 10


@pytest.mark.django_db
def test_the_number_of_queries_does_not_grow_with_the_file(
    customers, django_assert_max_num_queries, monkeypatch
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr("accounts.imports.apply.BULK_FROM_CUSTOMERS", 0)
    counts = []
    for size, prefix in [(20, "S"), (600, "L")]:
        content = _many_invoices(size, ["C1001", "C1002", "C1003"]).replace(b"\nM", b"\n" + prefix.encode())
        with CaptureQueriesContext(connection) as queries:
            plan = imports.build_plan(imports.INVOICES, content)
            imports.apply_import(
                imports.INVOICES, content, by="t", source="t", expected_fingerprint=plan.fingerprint
            )
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- keeping the file between preview and apply ---------------------------------------------


def test_staged_files_are_checked_and_cleaned_up(media_root):
    staged = imports.stage_upload(imports.CUSTOMERS, data("customers.csv"))
    assert imports.read_staged(staged.token, staged.sha256) == data("customers.csv")
    with pytest.raises(imports.ImportFileError, match="not the one that was uploaded"):
        imports.read_staged(staged.token, "0" * 64)
    with pytest.raises(imports.ImportFileError, match="does not exist"):
        imports.read_staged("../../etc/passwd", staged.sha256)
    old = imports.stage_upload(imports.CUSTOMERS, data("customers.csv"))
    path = media_root / "imports" / old.token
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(path, (two_days_ago, two_days_ago))
    imports.discard_stale()
    assert not path.exists()
    imports.discard_staged(staged.token)
    assert list((media_root / "imports").iterdir()) == []


# --- the command -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_command_dry_run_and_apply(controller, capsys):
    path = str(DATA / "customers.csv")
    call_command("import_ledger", "customers", path, "--dry-run")
    out = capsys.readouterr().out
    assert "4 lines: 4 new, 0 changed, 0 unchanged, 0 with errors" in out
    assert "Dry run: nothing was written." in out
    assert Customer.objects.count() == 0
    call_command("import_ledger", "customers", path)
    assert "Imported customers.csv: 4 new, 0 changed, 0 unchanged" in capsys.readouterr().out
    assert Event.objects.filter(actor_label="import: customers.csv").count() == 4
    call_command("import_ledger", "customers", path)
    assert "0 new, 0 changed, 4 unchanged" in capsys.readouterr().out


@pytest.mark.django_db
def test_command_reports_errors_and_writes_nothing(capsys):
    with pytest.raises(CommandError, match="6 lines have errors; nothing was imported."):
        call_command("import_ledger", "customers", str(DATA / "customers_errors.csv"))
    assert "line 3, kvk_number: A KvK number has exactly 8 digits, not 1234." in capsys.readouterr().out
    assert Customer.objects.count() == 0
    with pytest.raises(CommandError, match="The file has no header row"):
        call_command("import_ledger", "customers", str(DATA / "no_header.csv"))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_ledger", "invoices", str(DATA / "missing.csv"))


# --- the pages ---------------------------------------------------------------------------------


def upload(client, kind: str, name: str, content: bytes | None = None):
    file = SimpleUploadedFile(name, content if content is not None else data(name), content_type="text/csv")
    return client.post(reverse("accounts:import_upload"), {"kind": kind, "file": file})


@pytest.mark.django_db
def test_manager_uploads_previews_and_applies(client, manager, controller, media_root):
    client.force_login(manager)
    response = client.get(reverse("accounts:import_upload"))
    assert response.status_code == 200
    assert b"debiteurnummer" in response.content  # the accepted columns are listed

    response = upload(client, "customers", "customers.csv")
    assert response.status_code == 302
    preview_url = response["Location"]
    token = preview_url.rstrip("/").rsplit("/", 1)[1]
    assert (media_root / "imports" / token).exists()

    response = client.get(preview_url)
    assert response.status_code == 200
    assert response.context["counts"] == {"total": 4, "new": 4, "changed": 0, "unchanged": 0, "errors": 0}
    assert b"Jansen Groothandel" in response.content
    assert Customer.objects.count() == 0  # a preview writes nothing
    plan = response.context["plan"]

    response = client.post(
        reverse("accounts:import_apply", args=[token]),
        {"sha256": plan.sha256, "fingerprint": plan.fingerprint},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("accounts:import_upload")
    assert "customers.csv imported: 4 new, 0 changed, 0 unchanged" in response.content.decode()
    assert Customer.objects.count() == 4
    assert Event.objects.filter(actor=manager, kind=Event.Kind.IMPORT).count() == 4
    assert not (media_root / "imports" / token).exists()
    response = client.get(preview_url, follow=True)  # applied once, gone
    assert response.redirect_chain[-1][0] == reverse("accounts:import_upload")
    assert "This import does not exist (any more)" in response.content.decode()

    # The same file again: nothing to apply.
    response = client.get(upload(client, "customers", "customers.csv")["Location"])
    assert response.context["counts"]["unchanged"] == 4
    assert b"Nothing to change" in response.content
    assert reverse("accounts:import_apply", args=[response.context["token"]]).encode() not in response.content


@pytest.mark.django_db
def test_preview_with_errors_cannot_be_applied(client, manager):
    client.force_login(manager)
    preview_url = upload(client, "customers", "customers_errors.csv")["Location"]
    response = client.get(preview_url)
    assert response.context["counts"]["errors"] == 6
    content = response.content.decode()
    assert "A KvK number has exactly 8 digits, not 1234." in content
    token = response.context["token"]
    assert reverse("accounts:import_apply", args=[token]) not in content
    plan = response.context["plan"]
    response = client.post(
        reverse("accounts:import_apply", args=[token]),
        {"sha256": plan.sha256, "fingerprint": plan.fingerprint},
        follow=True,
    )
    assert "6 lines have errors; nothing was imported." in response.content.decode()
    assert Customer.objects.count() == 0

    report = client.get(preview_url, {"format": "csv"})
    assert report["Content-Type"].startswith("text/csv")
    text = report.content.decode("utf-8-sig")
    assert "3;kvk_number;A KvK number has exactly 8 digits, not 1234." in text

    response = client.post(preview_url, follow=True)
    assert "Import cancelled" in response.content.decode()
    assert client.get(preview_url)["Location"] == reverse("accounts:import_upload")


@pytest.mark.django_db
def test_upload_shows_file_problems_on_the_form(client, manager, media_root):
    client.force_login(manager)
    response = upload(client, "customers", "empty.csv", b"")
    assert response.status_code == 200
    response = upload(client, "invoices", "no_header.csv")
    assert response.status_code == 200
    assert "The file has no header row" in response.content.decode()
    response = upload(client, "invoices", "broken.xlsx")
    assert "cannot be read" in response.content.decode()
    assert not (media_root / "imports").exists() or not list((media_root / "imports").iterdir())


@pytest.mark.django_db
def test_apply_needs_the_previewed_file(client, manager, controller):
    client.force_login(manager)
    token = upload(client, "customers", "customers.csv")["Location"].rstrip("/").rsplit("/", 1)[1]
    response = client.post(
        reverse("accounts:import_apply", args=[token]), {"sha256": "x", "fingerprint": "y"}, follow=True
    )
    assert "This preview is out of date" in response.content.decode()
    plan = imports.build_plan("customers", data("customers.csv"))
    response = client.post(
        reverse("accounts:import_apply", args=[token]),
        {"sha256": plan.sha256, "fingerprint": "stale"},
        follow=True,
    )
    assert "The data changed since the preview" in response.content.decode()
    assert Customer.objects.count() == 0


@pytest.mark.django_db
def test_an_upload_belongs_to_the_user_who_made_it(client, manager, admin_user, media_root):
    client.force_login(manager)
    preview_url = upload(client, "customers", "customers.csv")["Location"]
    token = preview_url.rstrip("/").rsplit("/", 1)[1]
    client.force_login(admin_user)
    response = client.get(preview_url)
    assert response["Location"] == reverse("accounts:import_upload")
    client.post(preview_url)  # cancelling someone else's upload does nothing
    response = client.post(reverse("accounts:import_apply", args=[token]), {"sha256": "x"})
    assert response["Location"] == reverse("accounts:import_upload")
    assert (media_root / "imports" / token).exists()
    assert Customer.objects.count() == 0


@pytest.mark.django_db
def test_only_managers_and_admins_may_import(client, users_by_role):
    urls = [
        ("get", reverse("accounts:import_upload")),
        ("post", reverse("accounts:import_upload")),
        ("get", reverse("accounts:import_preview", args=["0" * 32])),
        ("post", reverse("accounts:import_apply", args=["0" * 32])),
        ("post", reverse("accounts:import_preview", args=["0" * 32])),
        ("get", reverse("accounts:import_preview", args=["0" * 32]) + "?format=csv"),
    ]
    for role, user in users_by_role.items():
        client.force_login(user)
        for method, url in urls:
            status = getattr(client, method)(url).status_code
            if role in ("admin", "manager"):
                assert status != 403, (role, url)
            else:
                assert status == 403, (role, url)
    client.logout()
    for method, url in urls:
        assert getattr(client, method)(url).status_code in (302, 403)


@pytest.mark.django_db
def test_controller_gets_403(client, controller):
    client.force_login(controller)
    assert client.get(reverse("accounts:import_upload")).status_code == 403
    assert upload(client, "customers", "customers.csv").status_code == 403
    assert Customer.objects.count() == 0


@pytest.mark.django_db
def test_navigation_shows_import_to_managers_only(manager, controller):
    request = RequestFactory().get("/")

    def urls():
        return [item["url"] for group in navigation(request)["nav_groups"] for item in group["items"]]

    request.user = manager
    assert "/accounts/imports/" in urls()
    request.user = controller
    assert "/accounts/imports/" not in urls()


@pytest.mark.django_db
def test_review_findings_bad_cells_give_messages_not_crashes():
    from accounts.imports import build_plan

    data = (
        "factuurnummer;debiteurnummer;factuurdatum;bedrag\n"
        "F1;C-NONE;9999-12-31;10,00\n"
        "F2;C-NONE;2026-01-31;" + "9" * 30 + "\n"
    ).encode()
    plan = build_plan("invoices", data)
    text = " ".join(str(e) for e in plan.errors)
    assert "outside the years" in text
    assert "larger than any amount" in text


@pytest.mark.django_db
def test_review_findings_currency_is_fixed_once_documents_exist():
    from accounts.imports import build_plan
    from tests.factories import CustomerFactory, InvoiceFactory

    customer = CustomerFactory(number="C1", currency="EUR")
    InvoiceFactory(customer=customer)
    CustomerFactory(number="C2", currency="EUR")
    plan = build_plan("customers", b"number;name;currency\nC1;Acme;USD\nC2;Beta;USD\n")
    errors = [str(e) for e in plan.errors]
    assert len(errors) == 1 and "C1" in errors[0] and "currency stays" in errors[0]


def test_review_findings_zip_bomb_is_refused():
    import io
    import zipfile

    from accounts.imports.base import ImportFileError
    from accounts.imports.reading import read_table

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b"a" * (210 * 1024 * 1024))
    with pytest.raises(ImportFileError, match="unpacks to"):
        read_table(buffer.getvalue(), "invoices")
