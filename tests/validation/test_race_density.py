"""The race reference: each accumulator's Fokker-Planck solution, checked against closed forms."""

import numpy as np
import pytest

from hssm_nre.validation.race_density import _edges, accumulator_passage, race_logp
from hssm_nre.validation.references import get_reference

PARAMS = ("v0", "v1", "v2", "v3", "a", "z", "t", "theta")


def _inverse_gaussian(u, distance, drift):
    return distance / np.sqrt(2 * np.pi * u**3) * np.exp(-((distance - drift * u) ** 2) / (2 * u))


@pytest.mark.parametrize(
    ("v", "a", "z", "theta"), [(2.5, 3.0, 0.9, 0.0), (2.0, 2.0, 0.9, 0.3), (0.5, 1.0, 0.9, 1.4)]
)
def test_far_above_the_barrier_one_accumulator_is_the_inverse_gaussian(v, a, z, theta):
    """A linear boundary ``a - u tan(theta)`` is a constant one at drift ``v + tan(theta)``."""
    boundary, shape = ("angle", (theta,)) if theta else (None, ())
    u, f, _ = accumulator_passage(np.array([v]), a, z, 5.0, boundary, shape)
    exact = _inverse_gaussian(u, a * (1 - z), v + np.tan(theta))
    # while the boundary is far above the barrier (near a collapse's end the barrier matters)
    bulk = (exact > 0.01 * exact.max()) & (u < a / max(np.tan(theta), 1e-9) * 0.5)
    assert np.max(np.abs(f[0][bulk] / exact[bulk] - 1)) < 0.05  # the steep leading edge: a few %
    core = exact > 0.1 * exact.max()
    assert np.max(np.abs(f[0][core & bulk] / exact[core & bulk] - 1)) < 0.005


def test_at_the_barrier_without_drift_the_density_is_twice_the_free_one():
    """Reflection at zero from a start at zero doubles the free first passage (the image)."""
    u, f, _ = accumulator_passage(np.array([0.0]), 1.0, 0.0, 3.0)
    free = 2 * _inverse_gaussian(u, 1.0, 0.0)
    early = (u > 0.05) & (u < 0.3)  # before the wall's second reflection (the series' next term)
    assert np.max(np.abs(f[0][early] / free[early] - 1)) < 0.01


@pytest.mark.parametrize(
    "theta",
    [
        (1.5, 0.5, 0.5, 0.5, 1.5, 0.3, 0.3, 0.3),
        (0.0, 0.0, 0.0, 0.0, 3.0, 0.0, 0.0, -0.1),
        (2.5, 0.0, 1.0, 0.2, 1.0, 0.9, 0.5, 1.45),
    ],
)
def test_the_race_density_integrates_to_one_over_choices_and_time(theta):
    a, z, th = theta[4], theta[5], theta[7]
    u, f, s = accumulator_passage(np.array(theta[:4]), a, z, 200.0, "angle", (th,))
    w = np.diff(np.r_[0.0, _edges(u)])
    probs = [np.sum(f[k] * np.prod(np.delete(s, k, axis=0), axis=0) * w) for k in range(4)]
    assert sum(probs) == pytest.approx(1.0, abs=2e-4)
    # race_logp reads the same curves at the trials
    grid = theta[6] + np.linspace(1e-4, min(u[-1], 30.0), 20_000)
    for k in range(4):
        lp = race_logp(np.array(theta), np.stack([grid, np.full_like(grid, k)], 1), PARAMS, "angle")
        assert np.trapezoid(np.exp(lp), grid) == pytest.approx(probs[k], abs=2e-3)


def test_impossible_responses_are_minus_infinity():
    ref = get_reference("race_no_bias_angle_4", "fokker_planck")
    theta = np.array([1.0, 0.5, 0.5, 0.5, 1.0, 0.5, 0.3, 1.0])  # collapses at u = 1 / tan(1) = 0.64 s
    x = np.array([[0.2, 0], [0.3, 1], [0.6, 4], [0.6, -1], [0.6, 2], [1.5, 3]])
    lp = ref.logp(theta, x)
    assert lp[0] == -np.inf and lp[1] == -np.inf  # before t, at t
    assert lp[2] == -np.inf and lp[3] == -np.inf  # no such response
    assert np.isfinite(lp[4])
    assert lp[5] == -np.inf  # after the boundary has collapsed
