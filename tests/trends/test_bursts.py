"""Kleinberg bursts: the Viterbi optimum checked against exhaustive search."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hashtide.trends.bursts import _fit_costs, kleinberg, viterbi


def brute_force(fit: np.ndarray, up_cost: float) -> float:
    n, k = fit.shape
    best = np.inf
    for states in itertools.product(range(k), repeat=n):
        previous, cost = 0, 0.0
        for t, s in enumerate(states):
            cost += max(s - previous, 0) * up_cost + fit[t, s]
            previous = s
        best = min(best, cost)
    return best


def path_cost(fit, up_cost, states) -> float:
    previous, cost = 0, 0.0
    for t, s in enumerate(states):
        cost += max(int(s) - previous, 0) * up_cost + fit[t, s]
        previous = int(s)
    return cost


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 10), min_size=2 * 1, max_size=7 * 3).filter(lambda v: len(v) % 3 == 0),
       st.floats(0, 5))
def test_viterbi_is_optimal(values, up_cost):
    fit = np.array(values).reshape(-1, 3)
    states = viterbi(fit, up_cost)
    assert path_cost(fit, up_cost, states) == pytest.approx(brute_force(fit, up_cost))


def test_two_state_burst_interval_and_weight():
    r = np.array([2, 1, 2, 1, 25, 30, 28, 2, 1, 2])
    d = np.full(10, 100)
    (burst,) = kleinberg(r, d, s=2.0, gamma=1.0)
    assert (burst.level, burst.first, burst.last, burst.posts) == (1, 4, 6, 83)
    p = np.minimum(r.sum() / d.sum() * 2.0 ** np.arange(2), 0.9999)
    fit = _fit_costs(r, d, p)
    assert burst.weight == pytest.approx((fit[4:7, 0] - fit[4:7, 1]).sum())


def test_levels_nest():
    r = np.array([1, 1, 1, 8, 20, 60, 20, 8, 1, 1, 1, 1])
    d = np.full(12, 200)
    found = kleinberg(r, d, s=2.0, gamma=0.5, states=4)
    for inner in (b for b in found if b.level > 1):
        assert any(o.level == inner.level - 1 and o.first <= inner.first and inner.last <= o.last for o in found)
    assert max(b.level for b in found) >= 2


def test_flat_series_has_no_burst_and_bad_input_is_refused():
    assert kleinberg(np.full(20, 5), np.full(20, 100)) == []
    assert kleinberg(np.zeros(5), np.full(5, 10)) == []
    with pytest.raises(ValueError):
        kleinberg([5], [3])


@pytest.mark.parametrize("s, gamma", [(1.0, 1.0), (0.5, 1.0), (float("nan"), 1.0), (2.0, -1.0), (2.0, float("inf"))])
def test_parameters_outside_the_model_are_refused(s, gamma):
    with pytest.raises(ValueError, match="s > 1 and gamma >= 0"):
        kleinberg([1, 5, 1], [10, 10, 10], s=s, gamma=gamma)
