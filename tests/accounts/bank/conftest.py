from pathlib import Path

import pytest

BANK_DIR = Path(__file__).resolve().parents[4] / "shared" / "data" / "bank"
if not BANK_DIR.is_dir():  # the repository next to ../shared
    BANK_DIR = Path("/work/shared/data/bank")

# Broken on purpose (the folder's README): these must be refused, with nothing imported.
BROKEN = {
    "oca-bsi10__mt940_base__test-wrong-file.940",
    "genkgo-camt__camt053.v2.wrong.xml",
    "wolph-mt940__betterplace__sepa_snippet_broken.sta",
    "zilverline-mt940__knab_knab_invalid.txt",
}


def bank_files() -> list[Path]:
    return sorted(p for p in BANK_DIR.rglob("*") if p.is_file() and p.name != "README.md")


def bank_file(name: str) -> bytes:
    return next(BANK_DIR.rglob(name)).read_bytes()


@pytest.fixture
def read_bank_file():
    return bank_file
