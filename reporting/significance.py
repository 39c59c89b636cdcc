"""Is one template variant's cure rate really different from another's, or is it chance?

Two proportions (cured / steps taken) are compared with the textbook tests, in pure Python:

- the two-proportion z-test (pooled standard error, two-sided) when every cell of the 2 x 2
  table (cured / not cured x variant) is expected to hold at least 5 steps;
- Fisher's exact test (two-sided: the probability of every table with the same margins that is
  no more likely than the one seen) when a cell is expected to hold fewer, where the normal
  approximation of the z-test is poor.

See docs/kpis.md ("Per template variant") for how the dashboard words the result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

# A difference counts when chance alone would give one this large in fewer than 5 % of cases.
ALPHA = 0.05
# Cochran's rule: the z-test needs an expected count of at least 5 in every cell.
MIN_EXPECTED = 5
FISHER, Z_TEST = "fisher", "z"
MORE, LESS, UNCLEAR = "more", "less", "unclear"


@dataclass(frozen=True)
class Comparison:
    """A variant's cure rate against the reference variant's."""

    p_value: float
    method: str  # FISHER or Z_TEST
    verdict: str  # MORE, LESS (at 95 % confidence) or UNCLEAR


def two_proportion_z(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """z and the two-sided p-value of x1/n1 against x2/n2, with the pooled proportion."""
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:  # all cured or none cured in both: nothing differs
        return 0.0, 1.0
    z = (x1 / n1 - x2 / n2) / se
    return z, math.erfc(abs(z) / math.sqrt(2))


def fisher_exact(x1: int, n1: int, x2: int, n2: int) -> float:
    """The two-sided p-value of Fisher's exact test on [[x1, n1 - x1], [x2, n2 - x2]].

    With the margins fixed, the number cured in the first row follows the hypergeometric
    distribution; the p-value adds the probabilities of every table no more likely than the
    one seen (a relative tolerance of 1e-7 keeps ties equal, as R and SciPy do). Exact
    integers throughout: comb(N, n) is the common denominator.
    """
    cured, total = x1 + x2, n1 + n2
    low, high = max(0, n1 + cured - total), min(n1, cured)
    weights = {k: math.comb(cured, k) * math.comb(total - cured, n1 - k) for k in range(low, high + 1)}
    seen = weights[x1]
    # weight <= seen * (1 + 1e-7), in integers
    tail = sum(w for w in weights.values() if w * 10**7 <= seen * (10**7 + 1))
    return float(Fraction(tail, math.comb(total, n1)))


def needs_exact_test(x1: int, n1: int, x2: int, n2: int) -> bool:
    cured, total = x1 + x2, n1 + n2
    expected = [n * c / total for n in (n1, n2) for c in (cured, total - cured)]
    return min(expected) < MIN_EXPECTED


def compare(cured: int, steps: int, base_cured: int, base_steps: int) -> Comparison:
    """`cured` of `steps` against the reference's `base_cured` of `base_steps`."""
    if steps == 0 or base_steps == 0:
        return Comparison(p_value=1.0, method=FISHER, verdict=UNCLEAR)
    if needs_exact_test(cured, steps, base_cured, base_steps):
        method, p_value = FISHER, fisher_exact(cured, steps, base_cured, base_steps)
    else:
        method, p_value = Z_TEST, two_proportion_z(cured, steps, base_cured, base_steps)[1]
    verdict = UNCLEAR
    if p_value < ALPHA:
        verdict = MORE if cured / steps > base_cured / base_steps else LESS
    return Comparison(p_value=p_value, method=method, verdict=verdict)
