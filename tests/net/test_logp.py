import jax
import jax.numpy as jnp
import numpy as np
import pytest

from hssm_nre.net.logp import make_hssm_logp, make_logp


@pytest.fixture(params=["tiny_nce", "tiny_marginal", "tiny_cnre"])
def net(request):
    return request.getfixturevalue(request.param)


def test_finite_inside_inf_outside(net):
    logp = make_logp(net)
    x = np.array([[0.9, 1.0], [0.9, -1.0]])
    inside = np.array([[0.5, 1.0, 0.5, 0.3]] * 2)
    assert np.isfinite(np.asarray(logp(inside, x))).all()
    for col, val in [(0, 3.5), (1, 0.2), (2, 0.95), (3, -0.1)]:
        th = inside.copy()
        th[:, col] = val
        assert np.all(np.asarray(logp(th, x)) == -np.inf), (col, val)
    th = inside.copy()
    th[:, 3] = 0.95  # rt <= t
    assert np.all(np.asarray(logp(th, x)) == -np.inf)


def test_gradients_finite(net):
    f = make_hssm_logp(net, 4)
    data = jnp.array([[0.9, 1.0], [1.4, -1.0], [0.6, 1.0]])
    v = jnp.array([0.3, 0.5, -0.2])
    g = jax.grad(lambda v, a, z, t: f(data, v, a, z, t).sum(), argnums=(0, 1, 2, 3))(v, 1.0, 0.5, 0.2)
    assert all(np.isfinite(np.asarray(x)).all() for x in g)
    assert g[0].shape == (3,) and np.ndim(g[1]) == 0


def test_normalized_network_is_close_to_a_density(tiny_nce):
    from hssm_nre.validation.metrics import normalization_error

    # Loose: a two-epoch toy network. The shipped network's figure is in its card.
    assert normalization_error(tiny_nce, n_theta=5)["max_abs_error"] < 0.5


def test_mirrored_networks_are_exactly_symmetric(net):
    """Swapping the choice equals v -> -v, z -> 1 - z (the registry DDM's symmetry)."""
    assert list(net.card["transform"]["mirror"]) == [0, 2]
    logp = make_logp(net)
    rng = np.random.default_rng(0)
    th = rng.uniform([-2, 0.5, 0.2, 0.0], [2, 2, 0.8, 0.3], (50, 4))
    x = np.stack([rng.uniform(0.4, 3.0, 50), rng.choice([-1.0, 1.0], 50)], axis=1)
    th_m, x_m = th * [-1, 1, -1, 1] + [0, 0, 1, 0], x * [1, -1]
    np.testing.assert_allclose(np.asarray(logp(th, x)), np.asarray(logp(th_m, x_m)), rtol=1e-5, atol=1e-5)


def test_mirrored_reference_choice_probabilities_sum_to_one(tiny_nce):
    from hssm_nre.net.features import Transform
    from hssm_nre.net.noise import q_head_params

    tr = Transform.from_dict(tiny_nce.card["transform"])
    w = {k: jnp.asarray(v) for k, v in tiny_nce.weights.items()}
    th = jnp.asarray(
        np.random.default_rng(1).uniform([-3, 0.3, 0.1, 0], [3, 2.5, 0.9, 2], (20, 4)), jnp.float32
    )
    logpi = q_head_params(w, tr, th, tiny_nce.card["method"]["q_components"])[0]
    np.testing.assert_allclose(np.exp(np.asarray(logpi)).sum(-1), 1.0, rtol=1e-5)


def test_ndt_spread_moves_the_support_to_t_minus_st():
    """full_ddm spreads t uniformly over [t - st, t + st]: trials between t - st and t are possible."""
    from hssm_nre.simulation import SimConfig, simulate
    from hssm_nre.training.config import TrainConfig
    from hssm_nre.training.loop import fit

    data = simulate("full_ddm", SimConfig(n=6000, seed=0), progress=False)
    t, st = data.theta[:, 3], data.theta[:, 6]
    assert (data.x[:, 0] > t - st).all() and (data.x[:, 0] < t).any()
    net = fit(
        "full_ddm",
        data,
        TrainConfig(max_epochs=1, hidden=(8,), q_hidden=(8,), batch_size=512),
        progress=False,
    )
    assert net.card["transform"]["spread_index"] == 6
    lp = make_logp(net)
    th = np.array([[0.5, 1.0, 0.5, 1.0, 0.1, 0.5, 0.2]] * 3)
    out = np.asarray(lp(th, np.array([[0.85, 1.0], [0.79, 1.0], [0.81, -1.0]])))
    assert np.isfinite(out[0]) and out[1] == -np.inf and np.isfinite(out[2])


@pytest.mark.parametrize("name", ["ddm", "angle", "levy"])
def test_shared_parameters_give_the_per_trial_result(name):
    """Scalar parameters (no regression) run the noise density's head once: same values, same gradient."""
    from hssm_nre import load_network

    net = load_network(name)
    f = make_hssm_logp(net, len(net.params))
    rng = np.random.default_rng(1)
    theta = [0.5 * (lo + hi) for lo, hi in net.box.values()]
    if net.card["model"]["ndt"]:
        theta[net.params.index(net.card["model"]["ndt"])] = 0.2
    n = 300
    x = np.column_stack([0.25 + rng.lognormal(-0.5, 0.6, n), rng.choice(net.choices, n)]).astype(np.float32)
    scalar = [jnp.float32(v) for v in theta]
    per_trial = [jnp.full((n,), v, jnp.float32) for v in theta]
    np.testing.assert_allclose(np.asarray(f(x, *scalar)), np.asarray(f(x, *per_trial)), rtol=1e-5, atol=1e-5)
    args = tuple(range(len(theta)))
    g_scalar = jax.grad(lambda *p: f(x, *p).sum(), argnums=args)(*scalar)
    g_trial = jax.grad(lambda *p: f(x, *p).sum(), argnums=args)(*per_trial)
    for gs, gt in zip(g_scalar, g_trial, strict=True):
        np.testing.assert_allclose(float(gs), float(np.sum(gt)), rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("name", ["ddm", "angle", "full_ddm"])
def test_table_over_decision_time_matches_the_network(name):
    """With scalar parameters the table (default nodes and read) gives the network's values and gradient."""
    from hssm_nre import load_network
    from hssm_nre.models import get_model
    from hssm_nre.net.logp import build_grid_logp, build_logp
    from hssm_nre.simulation import simulate_trials

    net = load_network(name)
    direct, table = build_logp(net.weights, net.card), build_grid_logp(net.weights, net.card)
    rng = np.random.default_rng(3)
    box = np.asarray(net.card["model"]["box"])
    theta = rng.uniform(box[:, 0] + 0.2 * np.ptp(box, 1), box[:, 1] - 0.2 * np.ptp(box, 1))
    x, done = simulate_trials(get_model(name), np.tile(theta, (1000, 1)), rng)
    x = jnp.asarray(x[done], jnp.float32)
    th = jnp.asarray(theta[None], jnp.float32)
    a, b = np.asarray(direct(th, x)), np.asarray(table(th, x))
    assert np.isfinite(a).all()
    np.testing.assert_allclose(b, a, atol=2e-4, rtol=0)
    ga = np.asarray(jax.grad(lambda t: direct(t, x).sum())(th))
    gb = np.asarray(jax.grad(lambda t: table(t, x).sum())(th))
    np.testing.assert_allclose(gb, ga, rtol=2e-3, atol=2e-2)


@pytest.mark.parametrize("gap", [0.001, 0.01])
def test_table_with_the_onset_just_before_the_fastest_trial(gap):
    """The fastest trials come from the network itself; the table's steep end starts after them."""
    from hssm_nre import load_network
    from hssm_nre.models import get_model
    from hssm_nre.net.logp import build_grid_logp, build_logp, grid_settings
    from hssm_nre.simulation import simulate_trials

    net = load_network("ddm")
    assert grid_settings(net.card) == (48, 6, 32, 0)
    direct = build_logp(net.weights, net.card)
    rng = np.random.default_rng(5)
    theta = np.array([-2.0, 2.0, 0.7, 0.2])  # a wide boundary: the steepest leading edge in log u
    x, done = simulate_trials(get_model("ddm"), np.tile(theta, (1000, 1)), rng)
    x = np.asarray(x[done], np.float32)
    theta[3] = float(x[:, 0].min()) - gap
    th, xj = jnp.asarray(theta[None], jnp.float32), jnp.asarray(x)
    a = np.asarray(direct(th, xj))
    fastest = np.argsort(x[:, 0])[:32]
    for m, atol in ((32, 1e-3), (0, 0.3)):
        b = np.asarray(build_grid_logp(net.weights, net.card, direct=m)(th, xj))
        if m:
            np.testing.assert_allclose(b[fastest], a[fastest], atol=1e-5)
        worst = float(np.max(np.abs(b - a)))
        assert worst < atol, (m, worst)
    # (without the fastest trials ddm 0.4.0's table was off there by 0.03-0.05 nats; 0.6.0's
    # smoother ratio network by 0.0005-0.0013: the direct trials are kept as a margin)


@pytest.mark.parametrize("name", ["weibull", "angle"])
def test_table_of_a_density_that_ends_at_a_wall(name):
    """A collapsing boundary: the fastest and the slowest trials come from the network itself."""
    from hssm_nre import load_network
    from hssm_nre.models import get_model
    from hssm_nre.net.logp import WALL_TABLES, build_grid_logp, build_logp, grid_settings
    from hssm_nre.simulation import simulate_trials

    net = load_network(name)
    n_nodes, points, m, k = grid_settings(net.card)
    assert (n_nodes, points, m, k) == WALL_TABLES[name] and k > 0
    box = np.asarray(net.card["model"]["box"], np.float64)
    theta = box[:, 0] + 0.3 * (box[:, 1] - box[:, 0])  # a boundary that closes within the data
    x, done = simulate_trials(get_model(name), np.tile(theta, (1000, 1)), np.random.default_rng(3))
    x = np.asarray(x[done], np.float32)
    th, xj = jnp.asarray(theta[None], jnp.float32), jnp.asarray(x)
    a = np.asarray(build_logp(net.weights, net.card)(th, xj))
    b = np.asarray(build_grid_logp(net.weights, net.card)(th, xj))
    order = np.argsort(x[:, 0])
    np.testing.assert_allclose(b[order[:m]], a[order[:m]], atol=1e-5)  # the fastest: the network's
    np.testing.assert_allclose(b[order[-k:]], a[order[-k:]], atol=1e-5)  # the slowest: the network's
    assert np.isfinite(a).all() and float(np.max(np.abs(b - a))) < 2e-3


def test_table_orders_known_and_traced_data_alike():
    """Data known when traced is ordered in NumPy, traced data by top_k: the same trials, ties included."""
    from hssm_nre import load_network
    from hssm_nre.net.logp import _extremes, build_grid_logp

    rt = np.asarray([0.5, 0.4, 0.9, 0.4, 0.9, 0.7], np.float32)
    x = np.column_stack([rt, np.ones(6)]).astype(np.float32)
    known = _extremes(x, 3, 3)
    traced = jax.jit(lambda xx: _extremes(xx, 3, 3))(jnp.asarray(x))
    for a, b, want in zip(known, traced, ([1, 3, 0], [2, 4, 5]), strict=True):
        assert np.asarray(a).tolist() == np.asarray(b).tolist() == want
    net = load_network("weibull")  # a table with fastest and slowest trials taken from the network
    rng = np.random.default_rng(2)
    rt, response = 0.3 + rng.lognormal(-0.7, 0.5, 400), rng.choice([-1.0, 1.0], 400)
    x = np.column_stack([rt, response]).astype(np.float32)
    th = jnp.asarray([[0.5, 1.5, 0.5, 0.2, 2.0, 2.0]], jnp.float32)
    logp = build_grid_logp(net.weights, net.card)
    np.testing.assert_allclose(
        np.asarray(logp(th, x)), np.asarray(jax.jit(logp)(th, jnp.asarray(x))), rtol=1e-6, atol=1e-5
    )


def test_table_masks_like_the_network():
    from hssm_nre import load_network
    from hssm_nre.net.logp import build_grid_logp, build_logp

    net = load_network("ddm")
    direct, table = build_logp(net.weights, net.card), build_grid_logp(net.weights, net.card)
    x = jnp.asarray([[0.9, 1.0], [0.35, -1.0], [1.3, 2.0], [2.5, -1.0]], jnp.float32)
    for theta in ([0.5, 1.0, 0.5, 0.3], [0.5, 1.0, 0.5, 0.4], [9.0, 1.0, 0.5, 0.3]):
        th = jnp.asarray([theta], jnp.float32)
        a, b = np.asarray(direct(th, x)), np.asarray(table(th, x))
        np.testing.assert_array_equal(np.isinf(a), np.isinf(b))  # rt <= t, unknown choice, outside the box
        np.testing.assert_allclose(b[np.isfinite(a)], a[np.isfinite(a)], atol=1e-4)
    assert np.isinf(np.asarray(table(jnp.asarray([[9.0, 1.0, 0.5, 0.3]]), x))).all()


def test_hssm_logp_reads_the_table_from_grid_min_trials_on():
    from hssm_nre import load_network
    from hssm_nre.net import logp as logp_mod

    net = load_network("ddm")
    n = logp_mod.grid_min_trials(net.card)
    assert n == 207  # 1.5 x (2 x 53 + 32) network evaluations
    rng = np.random.default_rng(0)
    x = np.column_stack([0.35 + rng.lognormal(-0.5, 0.5, n), rng.choice([-1.0, 1.0], n)]).astype(np.float32)
    p = [jnp.float32(v) for v in (0.5, 1.0, 0.5, 0.3)]
    auto = make_hssm_logp(net, 4)
    on, off = make_hssm_logp(net, 4, grid=True), make_hssm_logp(net, 4, grid=False)
    np.testing.assert_array_equal(np.asarray(auto(x, *p)), np.asarray(on(x, *p)))
    np.testing.assert_array_equal(np.asarray(auto(x[:-1], *p)), np.asarray(off(x[:-1], *p)))
    assert not np.array_equal(np.asarray(on(x, *p)), np.asarray(off(x, *p)))  # two computations
    np.testing.assert_allclose(np.asarray(on(x, *p)), np.asarray(off(x, *p)), atol=1e-4)
    # per-trial parameters (a regression) never use the table over decision time
    v = jnp.full((n,), 0.5, jnp.float32)
    np.testing.assert_array_equal(np.asarray(on(x, v, *p[1:])), np.asarray(off(x, v, *p[1:])))


def _regression_case(net, column, n, seed):
    """Data simulated trial by trial with ``column`` moving from trial to trial, and hssm-style params."""
    from hssm_nre.models import get_model
    from hssm_nre.simulation import simulate_trials

    rng = np.random.default_rng(seed)
    box = np.asarray(net.card["model"]["box"])
    base = box[:, 0] + 0.5 * np.ptp(box, 1)
    j = net.params.index(column)
    theta = np.tile(base, (n, 1))
    theta[:, j] = np.clip(base[j] + 0.15 * np.ptp(box[j]) * rng.standard_normal(n), *(box[j] + [0.01, -0.01]))
    x, done = simulate_trials(get_model(net.card["model"]["name"]), theta, rng)
    params = [jnp.float32(v) for v in base]
    params[j] = jnp.asarray(theta[done, j], jnp.float32)
    return jnp.asarray(x[done], jnp.float32), params, jnp.asarray(theta[done], jnp.float32)


@pytest.mark.parametrize(
    ("name", "column"), [("ddm", "v"), ("ddm", "z"), ("angle", "a"), ("weibull", "beta")]
)
def test_head_table_along_a_regression_parameter_matches_the_head_per_trial(name, column):
    """One parameter per trial, the rest scalars: the head is read from a table along it.

    angle's ``a`` and weibull's ``beta`` reach the head through their logarithm, and their
    tables are spaced in it: with nodes spaced evenly in ``beta`` itself, this weibull case
    (``beta`` down to the box's floor) erred by 8e-4 nats, wider regressions by up to 0.4.
    """
    from hssm_nre import load_network
    from hssm_nre.net.logp import build_logp

    net = load_network(name)
    x, params, theta = _regression_case(net, column, 800, seed=4)
    f, direct = make_hssm_logp(net, len(params)), build_logp(net.weights, net.card)
    a, b = np.asarray(direct(theta, x)), np.asarray(f(x, *params))  # head per trial / table
    assert np.isfinite(a).all()
    assert not np.array_equal(a, b)  # two computations
    np.testing.assert_allclose(b, a, atol=2e-4, rtol=0)
    j = net.params.index(column)
    scalars = [p for i, p in enumerate(params) if i != j]

    ga = jax.grad(
        lambda col, *rest: direct(jnp.stack([*rest[:j], col, *rest[j:]], -1), x).sum(), argnums=(0, 1)
    )(params[j], *[jnp.full(x.shape[0], s) for s in scalars])
    gb = jax.grad(lambda col, *rest: f(x, *rest[:j], col, *rest[j:]).sum(), argnums=(0, 1))(
        params[j], *scalars
    )
    # a trial's own derivative carries the table's derivative error (angle's a: up to about
    # 1e-3, where float32 rounding on another machine can tip a 1e-3 bound); the sums are closer
    np.testing.assert_allclose(np.asarray(gb[0]), np.asarray(ga[0]), rtol=1e-3, atol=2e-3)
    np.testing.assert_allclose(float(np.sum(gb[0])), float(np.sum(ga[0])), rtol=1e-4, atol=1e-2)
    np.testing.assert_allclose(float(gb[1]), float(np.sum(ga[1])), rtol=1e-3, atol=1e-2)


def test_head_runs_once_when_only_the_onset_varies():
    """The head does not see t: a per-trial t leaves it shared, values as the head per trial."""
    from hssm_nre import load_network
    from hssm_nre.net.logp import build_logp

    net = load_network("ddm")
    x, params, theta = _regression_case(net, "t", 400, seed=5)
    a = np.asarray(build_logp(net.weights, net.card)(theta, x))
    b = np.asarray(make_hssm_logp(net, 4)(x, *params))
    assert np.isfinite(a).all()
    np.testing.assert_allclose(b, a, atol=1e-5, rtol=0)


def test_head_grid_over_two_varying_parameters_matches_the_head_per_trial():
    """Random intercepts on v and a (both per trial, the rest scalars): the head comes from a grid."""
    from hssm_nre import load_network
    from hssm_nre.models import get_model
    from hssm_nre.net.logp import HEAD_GRID_MIN_ROWS, build_logp
    from hssm_nre.simulation import simulate_trials

    net = load_network("ddm")
    rng = np.random.default_rng(6)
    n, groups = HEAD_GRID_MIN_ROWS + 300, rng.integers(0, 12, HEAD_GRID_MIN_ROWS + 300)
    theta = np.tile([0.8, 1.3, 0.5, 0.3], (n, 1))
    theta[:, 0] += rng.normal(0, 0.6, 12)[groups] + 0.4 * rng.standard_normal(n)  # v ~ 1 + x + (1|g)
    theta[:, 1] += rng.normal(0, 0.2, 12)[groups]  # a ~ 1 + (1|g)
    theta[:, :2] = np.clip(theta[:, :2], [-2.5, 0.5], [2.5, 2.2])  # inside the box
    x, done = simulate_trials(get_model("ddm"), theta, rng)
    x, theta = jnp.asarray(x[done], jnp.float32), jnp.asarray(theta[done], jnp.float32)
    groups = groups[done]
    assert x.shape[0] >= HEAD_GRID_MIN_ROWS
    f, direct = make_hssm_logp(net, 4), build_logp(net.weights, net.card)

    def grid(v, a, z, t):
        return f(x, v, a, z, t)

    def per_trial(v, a, z, t):
        return direct(jnp.stack([v, a, jnp.full_like(v, z), jnp.full_like(v, t)], -1), x)

    args = (theta[:, 0], theta[:, 1], jnp.float32(0.5), jnp.float32(0.3))
    a, b = np.asarray(per_trial(*args)), np.asarray(grid(*args))
    assert np.isfinite(a).all()
    assert not np.array_equal(a, b)  # two computations
    np.testing.assert_allclose(b, a, atol=1e-3, rtol=0)
    ga = jax.grad(lambda *p: per_trial(*p).sum(), argnums=(0, 1, 2))(*args)
    gb = jax.grad(lambda *p: grid(*p).sum(), argnums=(0, 1, 2))(*args)
    # a trial's own derivative carries the cubic's derivative error; a coefficient's (a group's
    # random intercept, the scalars) sums them
    for u, w in zip(ga[:2], gb[:2], strict=True):
        np.testing.assert_allclose(np.asarray(w), np.asarray(u), rtol=0, atol=1e-2)
    np.testing.assert_allclose(float(gb[2]), float(ga[2]), rtol=1e-4)  # the scalar z: a sum of 8,000
    for u, w in zip(ga[:2], gb[:2], strict=True):
        per_group = [np.bincount(groups, np.asarray(g, np.float64), 12) for g in (u, w)]
        np.testing.assert_allclose(per_group[1], per_group[0], rtol=1e-3, atol=5e-3)


def test_head_table_follows_one_or_two_columns_only():
    from hssm_nre import load_network
    from hssm_nre.net.noise import q_logpdf_along

    net = load_network("ddm")
    theta = jnp.tile(jnp.asarray([[0.8, 1.3, 0.5, 0.3]], jnp.float32), (3000, 1))
    y, ci = jnp.zeros((3000, 1)), jnp.zeros(3000, jnp.int32)
    with pytest.raises(ValueError, match="one or two columns"):
        q_logpdf_along(net.weights, net.transform, theta, 4, (0, 1, 2), y, ci)


@pytest.mark.parametrize("name", ["ddm", "angle"])
def test_stacked_members_give_the_members_one_by_one(name, monkeypatch):
    """An ensemble's members run as one batched network: the same values and gradients as one by one."""
    import hssm_nre.net.logp as logp_module
    from hssm_nre import load_network

    net = load_network(name)
    assert logp_module._stackable(logp_module.member_parts(net.weights, net.card))
    x, params, _ = _regression_case(net, "v", 400, seed=7)
    stacked = make_hssm_logp(net, len(net.params))
    monkeypatch.setattr(logp_module, "_stackable", lambda parts: False)
    one_by_one = make_hssm_logp(net, len(net.params))
    args = tuple(range(len(params)))
    for layout in (params, [jnp.float32(p.mean()) for p in params]):  # v per trial, then scalars
        a, b = np.asarray(stacked(x, *layout)), np.asarray(one_by_one(x, *layout))
        assert np.isfinite(a).all()
        np.testing.assert_allclose(a, b, rtol=0, atol=2e-5)
        ga = jax.grad(lambda *p: stacked(x, *p).sum(), argnums=args)(*layout)
        gb = jax.grad(lambda *p: one_by_one(x, *p).sum(), argnums=args)(*layout)
        for u, w in zip(ga, gb, strict=True):
            np.testing.assert_allclose(np.asarray(u), np.asarray(w), rtol=1e-4, atol=1e-4)


def test_members_of_different_shapes_are_not_stacked(tiny_nce):
    """Members whose weights (or transforms) differ in shape run one by one."""
    from hssm_nre.net.logp import _stackable

    w, card = dict(tiny_nce.weights), tiny_nce.card
    assert _stackable([(w, card), (w, card)])
    wider = {k: (np.zeros((v.shape[0], v.shape[1] + 1)) if k == "W0" else v) for k, v in w.items()}
    assert not _stackable([(w, card), (wider, card)])
    other = {**card, "transform": {**card["transform"], "time_features": ["log"]}}
    assert not _stackable([(w, card), (w, other)])
    assert not _stackable([(w, card)])


@pytest.mark.parametrize("offsets", ["random", "zero"])
def test_head_once_per_distinct_parameter_vector(offsets, monkeypatch):
    """Every parameter by group (random intercepts): the head runs once per group, same values and gradients.

    With the groups' offsets all zero (a sampler's start) every row is equal; each row must
    still get its own gradient.
    """
    import hssm_nre.net.logp as logp_module
    from hssm_nre import load_network

    net = load_network("ddm")
    rng = np.random.default_rng(8)
    n, n_groups = logp_module.HEAD_REPEATED_MIN_ROWS + 76, 20
    g = rng.integers(0, n_groups, n)
    x = np.column_stack([0.45 + rng.lognormal(-0.7, 0.5, n), rng.choice([-1.0, 1.0], n)]).astype(np.float32)
    scale = 0.0 if offsets == "zero" else 1.0
    coef = [
        np.float32(c) + scale * rng.normal(0, s, n_groups).astype(np.float32)
        for c, s in ((0.5, 0.4), (1.2, 0.1), (0.5, 0.05), (0.3, 0.03))
    ]
    once = make_hssm_logp(net, 4)

    def per_trial(*a):  # the head once per row: the constant is read when the function is traced
        with monkeypatch.context() as m:
            m.setattr(logp_module, "HEAD_REPEATED_MIN_ROWS", 10**9)
            return once(*a)

    def total(f, *c):
        return f(jnp.asarray(x), *(ci[g] for ci in c)).sum()

    args = tuple(jnp.asarray(c) for c in coef)
    a, b = total(once, *args), total(per_trial, *args)
    assert np.isfinite(float(a))
    np.testing.assert_allclose(float(a), float(b), rtol=1e-5)
    ga = jax.grad(lambda *c: total(once, *c), argnums=(0, 1, 2, 3))(*args)
    gb = jax.grad(lambda *c: total(per_trial, *c), argnums=(0, 1, 2, 3))(*args)
    for u, w in zip(ga, gb, strict=True):
        np.testing.assert_allclose(np.asarray(u), np.asarray(w), rtol=1e-3, atol=1e-3)
    # more distinct rows than HEAD_REPEATED_MAX: the head per row, the same result
    v = jnp.asarray(0.5 + 0.3 * rng.standard_normal(n), jnp.float32)
    rest = [jnp.asarray(c[g]) for c in coef[1:]]
    np.testing.assert_allclose(
        np.asarray(once(jnp.asarray(x), v, *rest)), np.asarray(per_trial(jnp.asarray(x), v, *rest)), atol=1e-5
    )
    # vectorized chains (numpyro's chain_method="vectorized"): in one chain the rows repeat, in
    # the other they do not, so the branch is chosen per chain
    vs = jnp.stack([jnp.asarray(coef[0][g]), v])

    def chains(f):
        return jax.vmap(jax.value_and_grad(lambda vv: f(jnp.asarray(x), vv, *rest).sum()))(vs)

    (va, da), (vb, db) = chains(once), chains(per_trial)
    np.testing.assert_allclose(np.asarray(va), np.asarray(vb), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(da), np.asarray(db), rtol=1e-3, atol=1e-3)


def test_table_reads_are_cubic_quintic_or_chebyshev():
    from hssm_nre import load_network
    from hssm_nre.net.logp import build_grid_logp, grid_evaluations

    net = load_network("ddm")
    for points, nodes in ((5, 48), (0, 1)):
        with pytest.raises(ValueError):
            build_grid_logp(net.weights, net.card, n_nodes=nodes, points=points)
    assert grid_evaluations(net.card, (40, 0, 8, 8)) == 2 * 40 + 16  # Chebyshev: no margin nodes
    assert grid_evaluations(net.card, (40, 6, 8, 8)) == 2 * 45 + 16
