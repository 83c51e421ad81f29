import numpy as np
import pytest

from hssm_nre.simulation import SimConfig, simulate, simulate_trials


def p_upper_exact(v, a, z):
    """Probability of the upper boundary for the DDM with boundaries at +-a (separation 2a)."""
    sep = 2 * a
    return 1 - (np.exp(-2 * v * sep * z) - np.exp(-2 * v * sep)) / (1 - np.exp(-2 * v * sep))


@pytest.mark.parametrize("theta", [(-1.5, 0.6, 0.7, 0.5), (1.0, 0.3, 0.5, 0.2), (0.5, 1.5, 0.3, 0.1)])
def test_bridge_choice_probability_matches_exact(theta, rng):
    n = 100_000
    x, ok = simulate_trials("ddm", np.tile(theta, (n, 1)), rng)
    assert ok.mean() > 0.999
    x = x[ok]
    p = p_upper_exact(*theta[:3])
    se = np.sqrt(p * (1 - p) / len(x))
    assert abs((x[:, 1] == 1).mean() - p) < 4 * se
    assert np.all(x[:, 0] > theta[3])


def test_mean_decision_time_matches_exact(rng):
    # Unbiased drift: E[T] = z(1-z) * sep^2 for unit noise.
    a, z = 0.5, 0.5
    n = 100_000
    x, _ = simulate_trials("ddm", np.tile((0.0, a, z, 0.0), (n, 1)), rng)
    exact = z * (1 - z) * (2 * a) ** 2
    se = x[:, 0].std() / np.sqrt(n)
    assert abs(x[:, 0].mean() - exact) < 4 * se + 5e-4


def test_reproducible_and_independent_of_workers():
    a = simulate("ddm", SimConfig(n=3000, chunk=1000, n_jobs=1, seed=7), progress=False)
    b = simulate("ddm", SimConfig(n=3000, chunk=1000, n_jobs=2, seed=7), progress=False)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.theta, b.theta)


def test_max_t_trials_are_dropped_and_counted():
    d = simulate("ddm", SimConfig(n=2000, chunk=2000, n_jobs=1, max_t=0.05), progress=False)
    assert d.n_dropped > 0
    assert len(d.theta) + d.n_dropped == 2000
    assert np.isfinite(d.x).all()


@pytest.mark.parametrize(
    "name",
    ["angle", "weibull", "ornstein", "ddm_sdv", "full_ddm", "levy", "gamma_drift", "race_no_bias_angle_4"],
)
def test_other_models_simulate(name, rng):
    from hssm_nre.models import get_model

    spec = get_model(name)
    th = spec.sample_box(500, rng)
    x, ok = simulate_trials(spec, th, rng)
    assert x.shape == (500, 2) and ok.mean() > 0.9
    assert set(np.unique(x[ok, 1])) <= {float(c) for c in spec.choices}


def test_bad_inputs():
    with pytest.raises(ValueError, match="shape"):
        simulate_trials("ddm", np.zeros((3, 2)), np.random.default_rng(0))
    with pytest.raises(ValueError, match="dt"):
        SimConfig(dt=0.5)


def test_levy_trials_use_their_own_alpha(rng):
    """A batch mixing two alphas equals each alpha simulated alone, and matches ssm-simulators there."""
    from scipy.stats import ks_2samp
    from ssms import Simulator

    n = 20_000
    th = np.tile([1.0, 1.0, 0.5, 1.5, 0.3], (n, 1))
    th[1::2, 3] = 1.95
    th[::2, 3] = 1.05
    x, ok = simulate_trials("levy", th, rng)
    assert ok.all()
    for al, rows in ((1.05, x[::2]), (1.95, x[1::2])):
        one = np.tile([1.0, 1.0, 0.5, al, 0.3], (n // 2, 1))
        out = Simulator("levy").simulate(
            one.astype(np.float32),
            n_samples=1,
            delta_t=1e-3,
            max_t=20.0,
            random_state=1,
            return_option="minimal",
        )
        rts, ch = np.asarray(out["rts"]).reshape(-1), np.asarray(out["choices"]).reshape(-1)
        assert abs((rows[:, 1] == 1).mean() - (ch == 1).mean()) < 0.02
        assert ks_2samp(rows[:, 0], rts).pvalue > 1e-3


def test_route_comes_from_the_spec_not_a_name_list(rng):
    """A new bridge model needs no name list: a renamed DDM simulates exactly like ddm."""
    from dataclasses import replace

    from hssm_nre.models import ModelSpec, get_model
    from hssm_nre.simulation import check_route

    ddm = get_model("ddm")
    copy = replace(ddm, name="my_ddm", default_network=None)
    th = ddm.sample_box(200, rng)
    a = simulate_trials(ddm, th, np.random.default_rng(3))
    b = simulate_trials(copy, th, np.random.default_rng(3))
    np.testing.assert_array_equal(a[0], b[0])
    assert check_route(copy) == "bridge"
    # a parameter the simulator does not know is refused, before any worker starts
    odd = ModelSpec("race", ("v", "a", "z", "t", "k"), (*ddm.box, (0.0, 1.0)))
    with pytest.raises(ValueError, match=r"no bridge simulator for 'race': it does not know \['k'\]"):
        simulate(odd, SimConfig(n=10, chunk=10, n_jobs=1), progress=False)
    stable = replace(ddm, name="flight", simulator="stable")
    with pytest.raises(
        ValueError, match=r"no stable simulator for 'flight': it needs the parameters \['alpha'\]"
    ):
        simulate_trials(stable, th, rng)


def _lba_cdf(ref, theta, choice, grid):
    """``P(rt <= grid, choice)`` from hssm's analytical density (trapezoid on a log grid)."""
    p = np.exp(ref.logp(np.asarray(theta), np.stack([grid, np.full_like(grid, choice)], 1)))
    return np.concatenate([[0.0], np.cumsum(0.5 * (p[1:] + p[:-1]) * np.diff(grid))])


def assert_same_law(ref, theta, x, choices, onset):
    """Per response, the KS distance of simulated (rt, response) to the reference's joint law."""
    n = len(x)
    grid = np.linspace(onset + 1e-4, x[:, 0].max() + 0.5, 4000)
    total = 0.0
    for c in choices:
        cdf = _lba_cdf(ref, theta, c, grid)
        total += cdf[-1]
        rts = np.sort(x[x[:, 1] == c, 0])
        emp = np.arange(1, len(rts) + 1) / n
        ks = np.max(np.abs(emp - np.interp(rts, grid, cdf)))
        assert ks < 1.63 / np.sqrt(n) + 1e-3, (c, ks)  # KS 1 % critical value, plus dt's error
    assert abs(total - 1.0) < 2e-3


@pytest.mark.parametrize(
    "theta",
    [(0.3, 0.5, 0.25, 0.5, 0.25), (0.8, 1.2, 0.4, 1.2, 0.7), (0.05, 0.2, 0.1, 0.1, 0.1)],
)
def test_lba_sampler_matches_hssm_analytical_density(theta, rng):
    """Per choice, the simulated joint law of (rt, choice) is hssm's logp_lba3 (KS distance).

    The last set has drifts of one SD (s = 0.1): 3 % of its draws have no positive drift and
    are redrawn, which is what hssm's division by 1 - P(all drifts negative) means.
    """
    from hssm_nre.validation.references import get_reference

    ref = get_reference("lba3", "analytic")
    n = 60_000
    x, ok = simulate_trials("lba3", np.tile(theta, (n, 1)), rng)
    assert ok.all() and np.isfinite(x).all() and (x[:, 0] > 0).all()
    grid = np.exp(np.linspace(np.log(1e-4), np.log(1e5), 20_000))
    total = 0.0
    for c in (0, 1, 2):
        cdf = _lba_cdf(ref, theta, c, grid)
        total += cdf[-1]
        rts = np.sort(x[x[:, 1] == c, 0])
        emp = np.arange(1, len(rts) + 1) / n  # joint: P(rt <= r, choice = c)
        ks = np.max(np.abs(emp - np.interp(rts, grid, cdf))) if len(rts) else cdf[-1]
        assert ks < 1.63 / np.sqrt(n) + 1e-3, (c, ks)  # KS 1 % critical value, plus the grid's error
    assert abs(total - 1.0) < 2e-3  # hssm's density is normalized over the three choices


def test_lba_route_needs_the_lba_layout():
    from hssm_nre.models import ModelSpec
    from hssm_nre.simulation import check_route

    spec = ModelSpec(
        "m",
        ("A", "b", "v0"),
        ((0.1, 1.0), (0.2, 1.5), (0.1, 1.0)),
        choices=(0, 1),
        simulator="lba",
        ndt=None,
        mirror=None,
    )
    with pytest.raises(ValueError, match="no lba simulator"):
        check_route(spec)
    assert check_route("lba3") == "lba"


@pytest.mark.parametrize(
    "theta", [(1.0, -0.5, 1.5, 1.0, 0.3), (-1.5, 2.0, 0.0, 0.7, 0.5), (0.2, 3.5, -3.0, 0.3, 0.0)]
)
def test_seq2_sampler_matches_the_exact_convolution(theta, rng):
    """Per response, the simulated joint law of (rt, response) is the two-stage DDM's (KS distance)."""
    from hssm_nre.validation.references import get_reference

    ref = get_reference("ddm_seq2_no_bias", "analytic")
    n = 40_000
    x, ok = simulate_trials("ddm_seq2_no_bias", np.tile(theta, (n, 1)), rng)
    assert ok.all() and set(np.unique(x[:, 1])) <= {0.0, 1.0, 2.0, 3.0}
    assert (x[:, 0] > theta[-1]).all()
    grid = theta[-1] + np.concatenate([np.linspace(1e-4, 1.0, 10_001)[:-1], np.linspace(1.0, 40.0, 20_000)])
    for c in range(4):
        p = np.exp(ref.logp(np.asarray(theta), np.stack([grid, np.full_like(grid, c)], 1)))
        cdf = np.concatenate([[0.0], np.cumsum(0.5 * (p[1:] + p[:-1]) * np.diff(grid))])
        rts = np.sort(x[x[:, 1] == c, 0])
        emp = np.arange(1, len(rts) + 1) / n  # joint: P(rt <= r, response = c)
        ks = np.max(np.abs(emp - np.interp(rts, grid, cdf))) if len(rts) else cdf[-1]
        assert ks < 1.63 / np.sqrt(n) + 1e-3, (c, ks)  # KS 1 % critical value, plus dt's error


def test_seq2_route_needs_the_seq2_layout():
    from hssm_nre.models import ModelSpec
    from hssm_nre.simulation import check_route

    spec = ModelSpec(
        "m",
        ("vh", "vl1", "a", "t"),
        ((-1, 1), (-1, 1), (0.5, 1), (0, 1)),
        choices=(0, 1, 2, 3),
        simulator="seq2",
        mirror=None,
    )
    with pytest.raises(ValueError, match="no seq2 simulator"):
        check_route(spec)
    assert check_route("ddm_seq2_no_bias") == "seq2"


@pytest.mark.parametrize(
    "theta",
    [(1.0, 1.0, 0.5, 0.3, 3.0, 0.1, -1.5), (0.0, 1.0, 0.5, 0.3, 2.0, 0.01, 3.0)],
)
def test_gamma_drift_sampler_matches_pyddm(theta, rng):
    """Per choice, the simulated joint law of gamma_drift is PyDDM's Fokker-Planck solution (KS).

    The second set's bump is the box's narrowest (scale 0.01 s, peak at 10 ms): it lasts a few
    tens of steps of dt = 1 ms, evaluated at each step's midpoint.
    """
    from hssm_nre.validation.references import get_reference

    ref = get_reference("gamma_drift", "pyddm")
    n = 30_000
    x, ok = simulate_trials("gamma_drift", np.tile(theta, (n, 1)), rng, max_t=50.0)
    assert ok.all()
    assert_same_law(ref, theta, x, (-1, 1), onset=theta[3])


@pytest.mark.parametrize(
    "theta",
    # the barrier at zero matters (start 0.1 a, a slow accumulator), and a steep collapse
    [(2.0, 2.0, 0.3, 1.0, 1.2, 0.1, 0.2, 0.0), (0.8, 0.4, 1.2, 0.6, 2.5, 0.6, 1.0, 1.0)],
)
def test_race_sampler_matches_the_fokker_planck_reference(theta, rng):
    """Per response, the simulated joint law of the 4-accumulator race is the reference's (KS)."""
    from hssm_nre.validation.references import get_reference

    ref = get_reference("race_no_bias_angle_4", "fokker_planck")
    n = 30_000
    x, ok = simulate_trials("race_no_bias_angle_4", np.tile(theta, (n, 1)), rng)
    assert ok.all() and set(np.unique(x[:, 1])) <= {0.0, 1.0, 2.0, 3.0}
    assert_same_law(ref, theta, x, range(4), onset=theta[6])


def test_race_route_needs_the_race_layout():
    from hssm_nre.models import ModelSpec
    from hssm_nre.simulation import check_route

    box = ((0, 1), (0, 1), (1, 2), (0, 1))
    spec = ModelSpec("m", ("v0", "v1", "a", "t"), box, choices=(0, 1), simulator="race", mirror=None)
    with pytest.raises(ValueError, match="no race simulator"):
        check_route(spec)  # no start point z
    names = ("v0", "v1", "a", "z", "t")
    spec = ModelSpec("m", names, (*box, (0, 1)), choices=(0, 1), simulator="race", mirror=None)
    assert check_route(spec) == "race"
    assert check_route("race_no_bias_angle_4") == "race"
