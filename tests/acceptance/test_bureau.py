from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from acceptance.bureau import BureauFileError, BureauReport, LocalBureauProvider, read_bureau_file
from acceptance.models import BureauRecord
from acceptance.services import import_bureau_file, report_is_fresh

pytestmark = pytest.mark.django_db

HEADER = (
    "registration_number,name,address,postal_code,city,country,legal_form,founded_on,sector,score,"
    "probability_of_default,rating,recommended_limit,currency,negative_events,parent_registration_number,"
    "report_date\n"
)
GOOD = (
    HEADER
    + "12345678,Bakkerij De Korf BV,Dorpsstraat 1,1234 AB,Houten,NL,bv,2001-05-01,bakery,72,1.5,A,25000,"
    "EUR,,,2026-11-01\n"
    + "87654321,Failliet BV,,,Zwolle,nl,bv,2019-01-01,retail,3,60,D,0,EUR,bankruptcy|suspension,12345678,"
    "2026-11-01\n"
)


def test_import_creates_then_updates_and_keeps_newer_reports():
    result = import_bureau_file(data=GOOD.encode(), source_name="nov.csv", by="test")
    assert (result.created, result.updated) == (2, 0)
    bad = BureauRecord.objects.get(registration_number="87654321")
    assert bad.negative_events == ["bankruptcy", "suspension"]
    assert bad.country == "NL" and bad.parent_registration_number == "12345678"
    assert bad.probability_of_default == Decimal("60")

    newer = GOOD.replace("72,1.5", "55,2.5").replace("2026-11-01", "2026-12-01")
    assert import_bureau_file(data=newer.encode(), source_name="dec.csv", by="test").updated == 2
    older = GOOD.replace("72,1.5", "10,9").replace("2026-11-01", "2026-10-01")
    assert import_bureau_file(data=older.encode(), source_name="oct.csv", by="test").updated == 0
    record = BureauRecord.objects.get(registration_number="12345678")
    assert (record.score, record.source_name) == (55, "dec.csv")


def test_a_bad_file_names_every_line_and_field_and_imports_nothing():
    bad = HEADER + (
        "1234,,,,,,,2001-13-01,,101,x,,-5,,fraud,,\n"
        "12345678,Ok BV,,,,,,,,,,,,,,,\n"
        "12345678,Twice BV,,,,,,,,,,,,,,,\n"
    )
    with pytest.raises(BureauFileError) as error:
        import_bureau_file(data=bad.encode(), source_name="bad.csv", by="test")
    text = "\n".join(error.value.problems)
    for expected in (
        "line 2, name",
        "line 2, founded_on",
        "line 2, score",
        "line 2, probability_of_default",
        "line 2, recommended_limit",
        "line 2, negative_events",
        "line 4: 12345678 appears twice",
    ):
        assert expected in text
    assert not BureauRecord.objects.exists()


def test_semicolon_files_and_unknown_columns():
    records = read_bureau_file(b"registration_number;name;score\n12345678;A BV;50\n", source_name="x")
    assert records[0].score == 50
    with pytest.raises(BureauFileError, match="Unknown columns: turnover"):
        read_bureau_file(b"registration_number,name,turnover\n1,A,2\n", source_name="x")
    with pytest.raises(BureauFileError, match="Missing columns: name"):
        read_bureau_file(b"registration_number\n1\n", source_name="x")


def test_import_command(tmp_path, capsys):
    path = tmp_path / "bureau.csv"
    path.write_text(GOOD)
    call_command("import_bureau", str(path))
    assert "2 new, 0 updated" in capsys.readouterr().out
    path.write_text(HEADER + "1,,,,,,,,,,,,,,,,\n")
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_bureau", str(path))


def test_local_provider_report_age_and_freshness(bureau):
    bureau("12345678", founded_on=date(2016, 1, 1), fetched_at=timezone.now() - timedelta(days=40))
    provider = LocalBureauProvider()
    report = provider.fetch("12345678")
    assert isinstance(report, BureauReport)
    assert report.company_age_years(today=date(2026, 1, 1)) == Decimal("10.0")
    assert not report_is_fresh(report)
    assert report.is_fresh(now=timezone.now(), ttl=timedelta(days=41))
    assert provider.fetch("99999999") is None
    assert provider.fetch("") is None


def test_seed_bureau_covers_customers_and_prospects(capsys):
    from tests.factories import CustomerFactory

    customers = CustomerFactory.create_batch(10)
    call_command("seed_bureau")
    assert "16 new" in capsys.readouterr().out
    assert (
        BureauRecord.objects.filter(registration_number__in=[c.kvk_number for c in customers]).count() == 10
    )
    assert BureauRecord.objects.get(registration_number="90000006").negative_events == ["bankruptcy"]
    assert BureauRecord.objects.exclude(negative_events=[]).count() == 2  # one customer, one prospect
    # Again (make run after seed_demo): reports that are there stay, new customers get one.
    CustomerFactory()
    call_command("seed_bureau")
    assert "1 new, 0 updated" in capsys.readouterr().out
    call_command("seed_bureau", "--replace")
    assert "0 new, 17 updated" in capsys.readouterr().out


def test_a_dutch_thousands_limit_is_not_read_as_fifteen_euros():
    from acceptance.bureau import BureauFileError, read_bureau_file

    header = "registration_number;name;recommended_limit\n"
    good = read_bureau_file((header + "12345678;Bakkerij;15.000,00\n").encode(), source_name="t.csv")
    assert good[0].recommended_limit == Decimal("15000.00")
    with pytest.raises(BureauFileError, match="recommended_limit"):
        read_bureau_file((header + "12345678;Bakkerij;15.000\n").encode(), source_name="t.csv")
