"""The tests behind "B cures more than A": checked against textbook examples (and SciPy's answers)."""

import math

import pytest

from reporting.significance import (
    FISHER,
    LESS,
    MORE,
    UNCLEAR,
    Z_TEST,
    compare,
    fisher_exact,
    two_proportion_z,
)


def test_fisher_lady_tasting_tea():
    # Fisher (1935): 3 of 4 cups with milk first named right, 1 of 4 wrongly. Two-sided p = 34/70.
    assert fisher_exact(3, 4, 1, 4) == pytest.approx(17 / 35)


def test_fisher_wikipedia_example():
    # Wikipedia, "Fisher's exact test": 1 of 10 men and 11 of 14 women dieting; p = 0.002759.
    assert fisher_exact(1, 10, 11, 14) == pytest.approx(0.0027594561852200836, rel=1e-12)


def test_fisher_with_all_or_nothing():
    # 0 of 5 against 5 of 5: 2 tables of 252 as extreme, p = 2/252.
    assert fisher_exact(0, 5, 5, 5) == pytest.approx(2 / 252)
    assert fisher_exact(5, 5, 5, 5) == 1.0


def test_fisher_is_symmetric_in_the_rows():
    assert fisher_exact(7, 12, 2, 9) == pytest.approx(fisher_exact(2, 9, 7, 12))
    assert fisher_exact(7, 12, 2, 9) == pytest.approx(0.18423434150988327, rel=1e-12)  # SciPy


def test_two_proportion_z_openintro_mammogram_study():
    # OpenIntro Statistics, 4th ed., 6.2.3: breast cancer deaths, 500 of 44,925 with mammograms,
    # 505 of 44,910 in the control group. The book rounds to Z = -0.17 and a p-value of 0.87.
    z, p = two_proportion_z(500, 44925, 505, 44910)
    assert round(z, 2) == pytest.approx(-0.16, abs=0.011)
    assert p == pytest.approx(0.87, abs=0.01)


def test_z_squared_is_pearsons_chi_square():
    # 15 of 30 against 10 of 30: chi-square = N (ad - bc)^2 / (r1 r2 c1 c2) = 60 * 150^2 / 787,500.
    z, p = two_proportion_z(15, 30, 10, 30)
    assert z**2 == pytest.approx(60 * 150**2 / (30 * 30 * 25 * 35))
    assert p == pytest.approx(math.erfc(abs(z) / math.sqrt(2)))
    assert p == pytest.approx(0.19043026382552414, rel=1e-9)  # SciPy's chi2_contingency, no correction


def test_nothing_differs_when_everybody_or_nobody_cured():
    assert two_proportion_z(0, 40, 0, 40) == (0.0, 1.0)
    assert compare(40, 40, 40, 40).verdict == UNCLEAR


def test_compare_uses_the_z_test_for_large_counts_and_says_which_way():
    better = compare(60, 100, 40, 100)  # 60 % against 40 %: z = 2.83, p = 0.0047
    assert (better.method, better.verdict) == (Z_TEST, MORE)
    assert better.p_value == pytest.approx(0.004677734981047276, rel=1e-9)
    worse = compare(40, 100, 60, 100)
    assert (worse.method, worse.verdict) == (Z_TEST, LESS)
    assert compare(48, 100, 40, 100).verdict == UNCLEAR  # p = 0.26


def test_compare_uses_fishers_test_for_small_counts():
    # 60 % against 45 % with 20 steps each: well within chance.
    assert compare(12, 20, 9, 20).verdict == UNCLEAR
    at_five = compare(9, 10, 1, 10)  # every cell expects 5 steps: the z-test still holds
    assert (at_five.method, at_five.verdict) == (Z_TEST, MORE)
    tiny = compare(4, 4, 0, 4)
    assert tiny.method == FISHER and tiny.p_value == pytest.approx(2 / 70) and tiny.verdict == MORE
    assert compare(3, 4, 1, 4).method == FISHER and compare(3, 4, 1, 4).verdict == UNCLEAR
