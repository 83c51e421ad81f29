"""Deadlines: P(rt > deadline | theta) from the shipped DDM network vs the exact DDM, and censored posteriors.

    python benchmarks/accuracy/deadline.py             # writes benchmarks/results/deadline.md
    python benchmarks/accuracy/deadline.py --quick     # part (a) only, prints, writes nothing

(a) Survival: the network's ``log P(rt > D | theta)`` (``hssm_nre.net.survival``, 32 Gauss-Legendre
nodes per integral) against the exact DDM survival (the large-time series integrated term by term,
float64), at 2000 uniform random parameter vectors of the box with ``D - t`` log-uniform in
[0.02, 10] s, and on a grid (v x a x z, t = 0.3) with deadlines where the exact survival is 0.9,
0.5, 0.1 and 0.01. HSSM's OPN test fixture (``ddm_opn.onnx``, from HSSM's repository,
``tests/fixtures``; read from ``../shared/peers/``, never committed) side by side where present.

(b) Posteriors on 1000-trial DDM data sets with about 10 % of the trials past the deadline:
the ratio kind (``missing_data=True, deadline=True``) against the exact censored posterior
(hssm's analytical DDM for the observed trials plus the exact log survival, in JAX, as
hssm's ``loglik_missing_data``), and hssm's own LAN + OPN path where the ONNX files are present.
numpyro NUTS, 2 chains x (500 tuning + 1000), dense mass, uniform priors on the box, no lapse.
"""

import sys
import time
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)  # the exact reference in float64; the network casts to float32

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import peer_lan  # noqa: E402

from hssm_nre.net.ddm_density import ddm_log_survival_jax  # noqa: E402
from hssm_nre.net.survival import build_log_survival  # noqa: E402
from hssm_nre.store.hub import load_network  # noqa: E402
from hssm_nre.validation.metrics import c2st, markdown_table  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "results" / "deadline.md"
OPN = Path(__file__).resolve().parents[3] / "shared" / "peers" / "ddm_opn.onnx"
LO, HI = np.array([-3.0, 0.3, 0.1, 0.0]), np.array([3.0, 2.5, 0.9, 2.0])
PARAMS = ["v", "a", "z", "t"]


def exact_survival(theta, deadline):
    return np.exp(np.asarray(ddm_log_survival_jax(jnp.asarray(theta, jnp.float64), jnp.asarray(deadline))))


def opn_survival(theta, deadline):
    """HSSM's OPN (inputs v, a, z, t, deadline; output log P(missed)), or None without the file."""
    if not OPN.exists():
        return None
    import onnxruntime as ort

    sess = ort.InferenceSession(str(OPN))
    x = np.column_stack([theta, deadline]).astype(np.float32)
    name = sess.get_inputs()[0].name
    return np.exp(np.concatenate([sess.run(None, {name: row[None]})[0][:, 0] for row in x]))


def deadline_at(theta, s_target):
    """Deadline where the exact survival equals ``s_target`` (bisection in log decision time)."""
    lo = np.full(len(theta), np.log(1e-3))
    hi = np.full(len(theta), np.log(60.0))
    for _ in range(60):
        mid = (lo + hi) / 2
        s = exact_survival(theta, theta[:, 3] + np.exp(mid))
        lo, hi = np.where(s > s_target, mid, lo), np.where(s > s_target, hi, mid)
    return theta[:, 3] + np.exp((lo + hi) / 2)


def survival_rows(net):
    rng = np.random.default_rng(0)
    f32 = jax.jit(build_log_survival(net.weights, net.card))
    f128 = jax.jit(build_log_survival(net.weights, net.card, n_nodes=128))
    theta = rng.uniform(LO, HI, (2000, 4))
    dl = theta[:, 3] + np.exp(rng.uniform(np.log(0.02), np.log(10.0), 2000))
    grid = np.array(
        [
            [v, a, z, 0.3]
            for v in (-3, -1.5, 0, 1.5, 3)
            for a in (0.3, 0.8, 1.5, 2.5)
            for z in (0.1, 0.3, 0.5, 0.7, 0.9)
        ]
    )
    targets = (0.9, 0.5, 0.1, 0.01)
    g_theta = np.concatenate([grid] * len(targets))
    g_dl = np.concatenate([deadline_at(grid, s) for s in targets])
    rows, worst = [], []
    late = g_dl - g_theta[:, 3] >= 0.1
    cases = [
        ("random (2000)", theta, dl),
        ("grid at S = 0.9 / 0.5 / 0.1 / 0.01 (400)", g_theta, g_dl),
        (f"grid, D - t >= 0.1 s ({late.sum()})", g_theta[late], g_dl[late]),
    ]
    for label, th, d in cases:
        exact = exact_survival(th, d)
        net_s = np.exp(np.asarray(f32(th.astype(np.float32), d.astype(np.float32)), np.float64))
        fine = np.exp(np.asarray(f128(th.astype(np.float32), d.astype(np.float32)), np.float64))
        opn = opn_survival(th, d)
        sel = (exact > 0.01) & (exact < 0.99)
        for who, s in [("ratio ddm@" + net.card["version"], net_s), ("HSSM OPN (test fixture)", opn)]:
            if s is None:
                continue
            err = np.abs(s - exact)
            rows.append(
                {
                    "set": label,
                    "likelihood": who,
                    "max |dS|": float(err.max()),
                    "median |dS|": float(np.median(err)),
                    "p99 |dS|": float(np.quantile(err, 0.99)),
                    "max |dS|, 0.01 < S < 0.99": float(err[sel].max()),
                    "share within 0.01": float(np.mean(err <= 0.01)),
                }
            )
            i = int(np.argmax(err))
            worst.append(
                f"{label}, {who}: worst at v {th[i, 0]:.2f}, a {th[i, 1]:.2f}, z {th[i, 2]:.2f}, "
                f"t {th[i, 3]:.2f}, D {d[i]:.3f}: {s[i]:.4f} vs exact {exact[i]:.4f}"
            )
        worst.append(f"{label}: quadrature error (32 vs 128 nodes) max {np.abs(net_s - fine).max():.2e}")
    return pd.DataFrame(rows), worst


def exact_log_survival(data, v, a, z, t):
    """The exact DDM log survival (float64) as hssm's ``loglik_missing_data``; data = the deadline column.

    hssm vmaps it over the missed trials (one row of ``data`` and scalar parameters per call).
    """
    return ddm_log_survival_jax(jnp.stack(jnp.broadcast_arrays(v, a, z, t), -1), data[..., 0])


def dataset(theta, n, seed, spread):
    """``n`` trials at ``theta``; deadline(s) near the 90 % quantile; late trials coded rt = -999."""
    from hssm_nre.simulation import simulate_trials

    rng = np.random.default_rng(seed)
    x, _ = simulate_trials("ddm", np.tile(theta, (n, 1)), rng)
    q = np.quantile(x[:, 0], 0.9)
    deadline = np.round(q * (rng.choice([0.85, 1.15], n) if spread else np.ones(n)), 3)
    rt = np.where(x[:, 0] < deadline, x[:, 0], -999.0)
    return pd.DataFrame({"rt": rt, "response": x[:, 1].astype(int), "deadline": deadline})


def fit(data, kind, seed=0):
    import hssm

    priors = [
        {"name": p, "prior": {"name": "Uniform", "lower": lo, "upper": hi}}
        for p, lo, hi in zip(PARAMS, LO, HI, strict=True)
    ]
    kw = {"missing_data": True, "deadline": True, "p_outlier": None, "include": priors}
    if kind == "ratio":
        model = hssm.HSSM(data, model="ddm", loglik_kind="ratio", **kw)
    elif kind == "exact":
        model = hssm.HSSM(
            data, model="ddm", loglik_kind="analytical", loglik_missing_data=exact_log_survival, **kw
        )
    else:
        model = hssm.HSSM(
            data,
            model="ddm",
            loglik_kind="approx_differentiable",
            loglik=str(peer_lan("ddm")),
            loglik_missing_data=str(OPN),
            **kw,
        )
    t0 = time.perf_counter()
    idata = model.sample(
        sampler="numpyro",
        init="auto",
        draws=1000,
        tune=500,
        chains=2,
        random_seed=seed,
        progressbar=False,
        nuts={"dense_mass": True},
        idata_kwargs={"log_likelihood": False},
    )
    draws = np.stack([np.asarray(idata.posterior[p]).reshape(-1) for p in PARAMS], axis=1)
    return draws, time.perf_counter() - t0


def posterior_rows():
    cases = [
        ("A: one deadline", np.array([0.7, 1.0, 0.45, 0.35]), 11, False),
        ("B: two deadlines (x0.85, x1.15)", np.array([-0.5, 1.3, 0.55, 0.5]), 12, True),
    ]
    peers = peer_lan("ddm") is not None and OPN.exists()
    rows, notes = [], []
    for label, theta, seed, spread in cases:
        data = dataset(theta, 1000, seed, spread)
        share = float(np.mean(data["rt"] == -999.0))
        truth = dict(zip(PARAMS, theta.tolist(), strict=True))
        notes.append(f"{label}: truth {truth}, {share:.1%} of 1000 trials censored")
        exact, t_exact = fit(data, "exact")
        others = [("ratio", *fit(data, "ratio"))]
        if peers:
            others.append(("HSSM LAN + OPN", *fit(data, "lan")))
        for who, draws, secs in others:
            n = min(len(draws), len(exact), 2000)
            score = c2st(draws[:n], exact[:n])
            for j, p in enumerate(PARAMS):
                rows.append(
                    {
                        "data set": label,
                        "likelihood": who,
                        "param": p,
                        "mean": float(draws[:, j].mean()),
                        "mean exact": float(exact[:, j].mean()),
                        "|mean diff| / SD": float(
                            abs(draws[:, j].mean() - exact[:, j].mean()) / exact[:, j].std()
                        ),
                        "SD ratio": float(draws[:, j].std() / exact[:, j].std()),
                        "C2ST": score,
                        "sampling s": secs,
                        "exact sampling s": t_exact,
                    }
                )
            print(pd.DataFrame(rows).tail(4), flush=True)
    return pd.DataFrame(rows), notes


def main(quick: bool):
    net = load_network("ddm")
    surv, worst = survival_rows(net)
    print(markdown_table(surv, digits=4))
    print("\n".join(worst))
    if quick:
        return
    post, notes = posterior_rows()
    text = [
        "# Deadlines: P(rt > deadline) and censored posteriors (DDM)",
        "",
        f"`python benchmarks/accuracy/deadline.py` ({time.strftime('%Y-%m-%d')}), one shared CPU core.",
        "",
        "## (a) P(rt > D | theta): network quadrature vs the exact DDM",
        "",
        f"The shipped {net.name} through `hssm_nre.net.survival` (32 Gauss-Legendre nodes on each side of "
        "the deadline, in log decision time) against the exact survival (large-time series, float64). "
        "Random: 2000 uniform parameter vectors of the box, D - t log-uniform in [0.02, 10] s (seed 0). "
        "Grid: v in {-3, -1.5, 0, 1.5, 3} x a in {0.3, 0.8, 1.5, 2.5} x z in {0.1, ..., 0.9}, t = 0.3, "
        "deadlines where the exact survival is 0.9, 0.5, 0.1, 0.01. Bar: |dS| <= 0.01.",
        "",
        markdown_table(surv, digits=4),
        "",
        *[f"- {w}" for w in worst],
        "",
        "HSSM's OPN here is the `ddm_opn.onnx` of HSSM's repository test fixtures (commit 377f60bf, "
        "`tests/fixtures/`): the default OPN hssm would download (`ddm_opn.onnx` from the Hugging Face "
        "repo franklab/HSSM) cannot be reached offline, so whether the fixture is that network is not known.",
        "",
        "## (b) Censored posteriors, 1000 trials, about 10 % past the deadline",
        "",
        "numpyro NUTS 2 x (500 tuning + 1000 draws), dense mass, Uniform priors on the box, "
        "p_outlier=None. Exact: hssm's analytical DDM for the observed trials plus the exact log "
        "survival (JAX series, float64) as "
        "`loglik_missing_data`. HSSM LAN + OPN: `../shared/peers/ddm_lan.onnx` with the OPN fixture above. "
        "Bar for the ratio kind: |mean diff| / SD <= 0.2.",
        "",
        *[f"- {n}" for n in notes],
        "",
        markdown_table(post, digits=3),
        "",
    ]
    OUT.write_text("\n".join(text))
    print("\n".join(text))


if __name__ == "__main__":
    main("--quick" in sys.argv[1:])
