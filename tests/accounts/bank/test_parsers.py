"""Every real statement file is read or refused with a message; golden counts and totals for some."""

from decimal import Decimal

import pytest

from accounts.bank.base import StatementFileError
from accounts.bank.csvformat import CsvMapping, parse_csv
from accounts.bank.reading import parse_statement_file, sniff
from tests.accounts.bank.conftest import BROKEN, bank_file, bank_files

FILES = bank_files()


def test_the_folder_is_there():
    assert len(FILES) >= 190


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_file_is_read_or_refused_with_a_message(path):
    data = path.read_bytes()
    try:
        statements = parse_statement_file(data)
    except StatementFileError as exc:
        message = " ".join(exc.messages)
        assert len(message) > 20, message
        return
    assert path.name not in BROKEN, f"{path.name} is broken on purpose but was read"
    for statement in statements:
        for entry in statement.entries:
            assert isinstance(entry.amount, Decimal) and entry.amount >= 0
            assert entry.amount == entry.amount.quantize(Decimal("0.01"))
            assert len(entry.currency) == 3


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_files_are_refused(name):
    with pytest.raises(StatementFileError):
        parse_statement_file(bank_file(name))


def test_refusal_names_the_line():
    with pytest.raises(StatementFileError) as exc:
        parse_statement_file(bank_file("zilverline-mt940__knab_knab_invalid.txt"))
    assert "Line 9" in exc.value.messages[0]
    with pytest.raises(StatementFileError) as exc:
        parse_statement_file(bank_file("wolph-mt940__betterplace__sepa_snippet_broken.sta"))
    assert "Line 6" in exc.value.messages[0]
    with pytest.raises(StatementFileError) as exc:
        parse_statement_file(b"<?xml version='1.0'?>\n<Document><BkToCstmrStmt>\n<Stmt><Id>1</Stmt>")
    assert "Line 3" in exc.value.messages[0]


# file, statements, entries, total in, total out
GOLDEN = [
    ("camt-to-coda__Other__account_statement-2.xml", 1, 462, "425004.99", "424449.70"),
    ("camt-to-coda__LT-CAMT_054__2024-11-05.xml", 1, 500, "127017.88", "211878.71"),
    ("newinnovations-camt053__example-camt053-a.xml", 2, 11, "801.74", "542.00"),
    ("zilverline-mt940__rabobank_mt940_structured.txt", 2, 9, "19216.51", "1518.12"),
    ("mt940-rs__mt940_full_betterplace_sepa_mt9401.sta", 26, 97, "5188474.94", "14457610.84"),
    ("wolph-mt940__self-provided__raiffeisen-cmi.sta", 1, 7, "2066637.00", "3078850.50"),
    ("genkgo-camt__camt053.v2.five.decimals.xml", 1, 1, "8.85", "0"),
    ("oca-bsi16__test-camt053-no-ntry", 1, 0, "0", "0"),
]


@pytest.mark.parametrize(("name", "statements", "entries", "credit", "debit"), GOLDEN)
def test_golden_counts_and_totals(name, statements, entries, credit, debit):
    parsed = parse_statement_file(bank_file(name))
    assert len(parsed) == statements
    assert sum(len(s.entries) for s in parsed) == entries
    assert sum(s.total_credit for s in parsed) == Decimal(credit)
    assert sum(s.total_debit for s in parsed) == Decimal(debit)


def test_dutch_86_fields_rabobank():
    statements = parse_statement_file(bank_file("zilverline-mt940__rabobank_mt940_structured.txt"))
    first = statements[0].entries[0]
    assert first.counterparty_name == "Nespresso Nederland B.V."
    assert first.counterparty_iban == "NL96RBOS0523149468"
    assert not first.credit and first.amount == Decimal("127.50")


def test_dutch_86_fields_knab_structured_reference():
    entry = parse_statement_file(bank_file("zilverline-mt940__knab_knab_sepa_acceptgiro.txt"))[0].entries[0]
    assert entry.counterparty_name == "BELASTINGDIENST"
    assert entry.counterparty_iban == "NL86INGB0002445588"


def test_reversal_marks():
    entry = parse_statement_file(bank_file("jejik-mt940__sparkasse2.txt"))[0].entries[0]
    assert entry.reversal and entry.credit  # RD: a debit taken back


def test_thirtieth_of_february_is_read():
    entry = parse_statement_file(bank_file("wolph-mt940__self-provided__february_30.sta"))[0].entries[0]
    assert entry.value_date.isoformat() == "2016-02-29"


def test_camt_batch_of_500_is_split_into_lines():
    statement = parse_statement_file(bank_file("camt-to-coda__LT-CAMT_054__2024-11-05.xml"))[0]
    assert len({e.batch for e in statement.entries}) == 1
    assert statement.total_credit - statement.total_debit == Decimal("-84860.83")


def test_sniffing_is_by_content_not_name():
    assert sniff(bank_file("oca-bsi16__test-camt053")) == "camt"
    assert sniff(bank_file("zilverline-mt940__ing_ing_00_00.txt")) == "mt940"


def test_not_a_statement():
    with pytest.raises(StatementFileError, match="CSV column mapping"):
        parse_statement_file(b"hello;world\n1;2\n")
    with pytest.raises(StatementFileError, match="empty"):
        parse_statement_file(b"\r\n")


MAPPING = CsvMapping(
    date_column="Datum",
    amount_column="Bedrag (EUR)",
    direction_column="Af Bij",
    name_column="Naam / Omschrijving",
    iban_column="Tegenrekening",
    description_column="Mededelingen",
    date_format="%Y%m%d",
)


def test_csv_with_a_mapping_latin1():
    text = (
        '"Datum";"Naam / Omschrijving";"Rekening";"Tegenrekening";"Af Bij";"Bedrag (EUR)";"Mededelingen"\n'
        '"20260105";"Café Müller";"NL01";"NL91ABNA0417164300";"Bij";"1.210,00";"Factuur F-1"\n'
        '"20260106";"KPN";"NL01";"";"Af";"45,50";"Abonnement"\n'
    ).encode("latin-1")
    statements = parse_statement_file(text, csv_mapping=MAPPING)
    entries = statements[0].entries
    assert [e.signed_amount for e in entries] == [Decimal("1210.00"), Decimal("-45.50")]
    assert entries[0].counterparty_name == "Café Müller"
    assert entries[0].remittance == "Factuur F-1"


def test_csv_errors_name_the_line_and_column():
    with pytest.raises(StatementFileError, match="Line 3.*Bedrag"):
        parse_csv(
            "Datum;Af Bij;Bedrag (EUR)\n20260105;Bij;12,00\n20260105;Bij;twelve\n",
            MAPPING,
        )
    with pytest.raises(StatementFileError, match="Datum"):
        parse_csv("Date;Amount\n", MAPPING)
