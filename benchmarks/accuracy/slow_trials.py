"""Slow trials: a DDM-family network's per-trial log density far in the tail vs the analytic DDM.

The learned noise density ``q`` of a normalized network is a mixture of Gaussians in the
standardized log decision time (log-normal tails), plus an MLP correction; the DDM's tail is
exponential in the decision time, ``log p ~ -(v^2/2 + pi^2/(2 (2a)^2)) u``. This measures the
error ``network - analytic`` (nats) at ``rt = t + {5, 10, 20, 50}`` s, both responses, on a
5 x 5 x 3 grid of ``(v, a, z)`` covering the DDM box at ``t = 0.3``, next to the analytic
per-response survival ``P(U > u, C = c | theta)`` (how plausible such a trial is), in the
plausible region (survival > 1e-6, or log density within 20 nats of the density's mode) and
under hssm's default lapse mixture (``p_outlier = 0.05``, lapse ``Uniform(0, 20)`` s).

``--tail`` (research prototype, not in the package): an evaluation-time tail splice for any
normalized network with a learned ``q`` head. Per member, per theta and response, a splice
time ``u_c(theta)`` is read off the ``q`` mixture; beyond it the log density is continued
linearly in ``u``: ``log p(u) = log p(u_c) + s (u - u_c)`` with ``s = min(d log p / du at
u_c, -1 / u_c)`` (one ``jax.jvp`` of the member at ``u_c``). Variants of ``u_c`` are compared
at the slow times, in the bulk (analytic quantiles 0.1-0.99 of ``u | c``), on the
normalization and on the cost of one log-likelihood + gradient.

    python benchmarks/accuracy/slow_trials.py [--network ddm] [--tail] \\
        [--out benchmarks/results/slow_trials.md] [--plot benchmarks/results/slow_trials.png]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import log_ndtr, logsumexp

jax.config.update("jax_enable_x64", True)

from hssm_nre import load_network  # noqa: E402
from hssm_nre.net.ddm_density import ddm_logp_jax  # noqa: E402
from hssm_nre.net.features import Transform, choice_index, onset  # noqa: E402
from hssm_nre.net.logp import _build_raw, member_parts  # noqa: E402
from hssm_nre.net.noise import Q_PREFIX, q_head_params  # noqa: E402

TIMES = (5.0, 10.0, 20.0, 50.0)
T0 = 0.3
P_OUT, LAPSE_T = 0.05, 20.0
N_COST = 2000
QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)
# splice variants: (name, kind, parameter[, slope rule]). "sd": y_c = max over components with
# weight > 1e-2 of mu + k sd; "surv": q's survival given the response equals eps. Slope rule
# "local" (default): d log p / du at u_c; "min:eps_b": the steeper of that and the slope at q's
# survival eps_b; "secant:eps_b": the secant from there to u_c; "early:eps_b": the slope there.
VARIANTS = (
    ("sd k=2, s(u_c)", "sd", 2.0),
    ("surv 1e-2, s(u_c)", "surv", 1e-2),
    ("surv 1e-3, s(u_c)", "surv", 1e-3),
    ("surv 1e-3, min(s(u_c), s(u_1e-2))", "surv", 1e-3, "min:1e-2"),
    ("sd k=2, min(s(u_c), s(u_1e-2))", "sd", 2.0, "min:1e-2"),
)


# ---------------------------------------------------------------------------------------------
# analytic DDM (ssm-simulators convention: boundaries at +-a, separation 2a, relative z)


def analytic_logp(theta, x):
    return np.asarray(ddm_logp_jax(jnp.asarray(theta, jnp.float64), jnp.asarray(x, jnp.float64)))


def log_survival(v, a, z, c, u, n_terms: int = 60):
    """log P(U > u, C = c | v, a, z) from the large-time series integrated term by term.

    The density at the lower boundary is ``pi/sep^2 exp(-v w sep - v^2 u/2) sum_k k sin(k pi w)
    exp(-k^2 pi^2 u / (2 sep^2))``; each term integrates to ``exp(-lam_k u) / lam_k``. Upper
    responses use ``v -> -v``, ``w = 1 - z``. Converges fast for ``u / sep^2 > 0.1``.
    """
    sep = 2.0 * a
    v_ = np.where(c > 0, -v, v)
    w = np.where(c > 0, 1.0 - z, z)
    k = np.arange(1, n_terms + 1)[None, :]
    lam = v_[:, None] ** 2 / 2 + k**2 * np.pi**2 / (2 * sep[:, None] ** 2)
    rel = np.sum(k * np.sin(k * np.pi * w[:, None]) / lam * np.exp(-(lam - lam[:, :1]) * u[:, None]), axis=1)
    return np.log(np.pi / sep**2) - v_ * w * sep - lam[:, 0] * u + np.log(np.maximum(rel, 1e-300))


# ---------------------------------------------------------------------------------------------
# network: plain, and with the tail splice (per member, then the ensemble's mixture)


def _select(params, ci):
    """Per-row mixture of the response ``ci``: ``logw, mu, sd`` of shape ``(n, M)`` (1-d y)."""
    _, logw, mu, sd = params
    idx = ci[:, None, None]
    lw = jnp.take_along_axis(logw, idx, axis=1)[:, 0, :]
    m = jnp.take_along_axis(mu[..., 0], idx, axis=1)[:, 0, :]
    s = jnp.take_along_axis(sd[..., 0], idx, axis=1)[:, 0, :]
    return lw, m, s


def _log_surv_y(y, lw, m, s):
    return logsumexp(lw + log_ndtr(-(y[:, None] - m) / s), axis=1)


def splice_y(lw, m, s, kind: str, par: float):
    """Splice point in the standardized log time ``y`` (see ``VARIANTS``)."""
    if kind == "sd":
        ok = lw > np.log(1e-2)
        return jnp.max(jnp.where(ok, m + par * s, -jnp.inf), axis=1)
    target = np.log(par)
    lo = jnp.min(m - 10 * s, axis=1)
    hi = jnp.max(m + 12 * s, axis=1)

    def body(_, lh):
        lo, hi = lh
        mid = 0.5 * (lo + hi)
        above = _log_surv_y(mid, lw, m, s) > target
        return jnp.where(above, mid, lo), jnp.where(above, hi, mid)

    lo, hi = jax.lax.fori_loop(0, 60, body, (lo, hi))
    yb = jax.lax.stop_gradient(0.5 * (lo + hi))
    # one Newton step outside the stop_gradient: the implicit derivative of y_c in theta
    val, slope = jax.jvp(lambda y: _log_surv_y(y, lw, m, s), (yb,), (jnp.ones_like(yb),))
    return yb - (val - jax.lax.stop_gradient(val)) / slope


def build(net, variant=None, diag: bool = False):
    """``logp(theta, x)`` of ``net`` (box / onset masking as in the package), optionally spliced.

    With ``diag``, returns ``(logp, u_c, s_0, capped)``, the last three ``(n_members, n)``.
    """
    card = net.card
    box = np.asarray(card["model"]["box"], np.float64)
    parts = []
    for w, c in member_parts(net.weights, card):
        tr = Transform.from_dict(c["transform"])
        net_w = {k: jnp.asarray(v) for k, v in w.items() if not k.startswith("ref_")}
        learned = f"{Q_PREFIX}W0" in w and (c["method"].get("base") or "none") == "none"
        if variant is not None and not learned:
            raise SystemExit(f"--tail needs a learned q head; member of {net.name} has none")
        parts.append((_build_raw(w, c), tr, net_w, int(c["method"].get("q_components") or 0)))
    log_k = np.log(len(parts))

    def member(raw, tr, net_w, q_m, theta, x):
        lp = raw(theta, x)
        if variant is None:
            return lp, None, None, None
        kind, par, rule = variant[1], variant[2], (variant[3] if len(variant) > 3 else "local")
        ci = choice_index(tr, x[:, 1])
        mix = _select(q_head_params(net_w, tr, theta, q_m), ci)
        t0 = onset(tr, theta)
        u = x[:, 0] - t0

        def at(kind, par):
            uc = jnp.exp(tr.x_center[0] + tr.x_scale[0] * splice_y(*mix, kind, par))
            return (uc, *jax.jvp(f, (uc + t0,), (jnp.ones_like(uc),)))

        def f(r):
            return raw(theta, jnp.stack([r, x[:, 1]], axis=1))

        uc, lpc, dlp = at(kind, par)
        if rule != "local":
            how, eps_b = rule.split(":")
            ub, lpb, dlpb = at("surv", float(eps_b))
            if how == "secant":
                dlp = (lpc - lpb) / (uc - ub)
            elif how == "min":
                dlp = jnp.minimum(dlp, dlpb)
            else:  # slope of the earlier point
                dlp = dlpb
        s = jnp.minimum(dlp, -1.0 / uc)
        return jnp.where(u > uc, lpc + s * (u - uc), lp), uc, dlp, dlp > -1.0 / uc

    def logp(theta, x):
        theta = jnp.asarray(theta, jnp.float32)
        x = jnp.asarray(x, jnp.float32)
        outs = [member(*p, theta, x) for p in parts]
        lp = outs[0][0] if len(outs) == 1 else logsumexp(jnp.stack([o[0] for o in outs]), axis=0) - log_k
        ok = jnp.all((theta >= box[:, 0]) & (theta <= box[:, 1]), axis=-1) & (
            x[:, 0] > onset(parts[0][1], theta)
        )
        lp = jnp.where(ok, lp, -jnp.inf)
        return (lp, *(jnp.stack([o[i] for o in outs]) for i in (1, 2, 3))) if diag else lp

    return jax.jit(logp)


# ---------------------------------------------------------------------------------------------


def grid():
    v, a, z = np.meshgrid(
        np.linspace(-3, 3, 5), np.linspace(0.3, 2.5, 5), np.array([0.1, 0.5, 0.9]), indexing="ij"
    )
    th = np.stack([v.ravel(), a.ravel(), z.ravel(), np.full(v.size, T0)], axis=1)
    return th  # (75, 4)


def rows(th):
    """All (theta, response, time) combinations: theta (N, 4), x (N, 2), index arrays."""
    g, c, k = np.meshgrid(np.arange(len(th)), np.array([-1.0, 1.0]), np.arange(len(TIMES)), indexing="ij")
    g, c, k = g.ravel(), c.ravel(), k.ravel()
    x = np.stack([T0 + np.asarray(TIMES)[k], c], axis=1)
    return th[g], x, g, c, k


def dense_analytic(th):
    """Per theta: log of the mode of p(u, c), P(c), and the analytic quantiles of u | c."""
    u = np.geomspace(1e-4, 400.0, 8000)
    mode = np.full(len(th), -np.inf)
    quant, pc = {}, {}
    for cval in (-1.0, 1.0):
        x = np.stack([np.tile(u + T0, len(th)), np.full(u.size * len(th), cval)], axis=1)
        lp = analytic_logp(np.repeat(th, u.size, axis=0), x).reshape(len(th), u.size)
        mode = np.maximum(mode, lp.max(axis=1))
        p = np.exp(lp)
        cdf = np.concatenate(
            [np.zeros((len(th), 1)), np.cumsum(0.5 * (p[:, 1:] + p[:, :-1]) * np.diff(u), 1)], 1
        )
        for i in range(len(th)):
            pc[i, cval] = cdf[i, -1]
            quant[i, cval] = np.interp(np.asarray(QUANTILES) * cdf[i, -1], cdf[i], u)
    return mode, pc, quant


def lapse(lp, rt):
    mix = np.logaddexp(np.log1p(-P_OUT) + lp, np.log(P_OUT / LAPSE_T))
    return np.where(rt < LAPSE_T, mix, np.log1p(-P_OUT) + lp)


def worst(err, mask, where):
    """``(median, worst signed, where)`` of ``err`` over ``mask``."""
    if not mask.any():
        return "-", "-", "-"
    e = np.where(mask, err, 0.0)
    i = int(np.argmax(np.abs(e)))
    return f"{np.median(err[mask]):+.2f}", f"{err[i]:+.2f}", where(i)


def timeit(f, *args, reps=8):
    jax.block_until_ready(f(*args))
    best = []
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(reps):
            out = f(*args)
        jax.block_until_ready(out)
        best.append((time.perf_counter() - t0) / reps)
    return min(best)


def band_table(errs, ls10, ok_c):
    """Median and worst |err| per band of log10 S, responses with P(c) > 1e-4; then all 600 trials."""
    bands = [(lab, m & ok_c) for lab, m in _bands(ls10)]
    head = [
        "| splice | "
        + " | ".join(f"S in {lab} (n={int(m.sum())})" for lab, m in bands)
        + f" | all {len(ls10)} trials | signed median, S < 1e-6 |",
        "|---" * (len(BANDS) + 3) + "|",
    ]
    for name, e in errs.items():
        cells = [f"{np.median(np.abs(e[m])):.2f} / {np.max(np.abs(e[m])):.1f}" for _, m in bands]
        cells.append(f"{np.median(np.abs(e)):.2f} / {np.max(np.abs(e)):.1f}")
        cells.append(f"{np.median(e[(ls10 <= -6) & ok_c]):+.2f}")
        head.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(head)


BANDS = (
    (-6, 1, "(1e-6, 1]"),
    (-20, -6, "(1e-20, 1e-6]"),
    (-100, -20, "(1e-100, 1e-20]"),
    (-np.inf, -100, "<= 1e-100"),
)


def _bands(ls10):
    return [(lab, (ls10 > lo) & (ls10 <= hi)) for lo, hi, lab in BANDS]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--network", default="ddm", help="a DDM-family network: shipped name, name@version or directory"
    )
    ap.add_argument("--tail", action="store_true", help="also evaluate the tail-splice prototype")
    ap.add_argument("--out", default=None, help="write the markdown here")
    ap.add_argument("--plot", default=None, help="write a png of log p(u) at a few theta")
    args = ap.parse_args()
    t_start = time.perf_counter()
    net = load_network(args.network)
    if net.params[:4] != ("v", "a", "z", "t") or not net.normalized:
        raise SystemExit(f"{net.name}: need a normalized network whose first parameters are v, a, z, t")
    # extra parameters (sv, sz, st, ...) at their lower bound (the DDM when that is about 0)
    extra = [float(net.box[p][0]) for p in net.params[4:]]
    if any(abs(e) > 0.01 for e in extra):
        raise SystemExit(f"{net.name}: {net.params[4:]} cannot be set to about 0, where the model is the DDM")
    th = grid()
    th_net = np.concatenate([th, np.tile(extra, (len(th), 1))], axis=1) if extra else th
    T, X, G, C, K = rows(th)
    Tn = th_net[G]
    u = X[:, 0] - T0
    plain = build(net)
    lp_net = np.asarray(plain(Tn, X), np.float64)
    lp_ref = analytic_logp(T, X)
    err = lp_net - lp_ref
    ls = log_survival(T[:, 0], T[:, 1], T[:, 2], X[:, 1], u)
    ls10 = ls / np.log(10)
    mode, pc, quant = dense_analytic(th)
    pcs = np.array([pc[g, c] for g, c in zip(G, X[:, 1], strict=True)])
    near_mode = lp_ref >= mode[G] - 20.0
    plausible = ls > np.log(1e-6)
    err_lapse = lapse(lp_net, X[:, 0]) - lapse(lp_ref, X[:, 0])

    def where(i):
        return f"v={T[i, 0]:g}, a={T[i, 1]:g}, z={T[i, 2]:g}, c={X[i, 1]:+.0f} (log10 S={ls10[i]:.0f})"

    out = []
    cmd = ("python benchmarks/accuracy/slow_trials.py " + " ".join(sys.argv[1:])).strip()
    out.append(f"# Slow trials: {net.name} vs the analytic DDM\n")
    out.append(
        f"`{cmd}` (see the script's docstring): {len(th)} parameter sets, v in -3..3 (5 values), "
        f"a in 0.3..2.5 (5), z in 0.1, 0.5, 0.9, t = {T0}; both responses; rt = t + u."
        + (
            f" Other parameters at their lower bound: {dict(zip(net.params[4:], extra, strict=True))}."
            if extra
            else ""
        )
        + "\n"
    )
    out.append(
        "err = network - analytic log density per trial (nats; + means the network is too high). "
        "S = analytic P(U > u, C = c | theta) (large-time series integrated term by term). *plausible*: "
        "S > 1e-6; *near mode*: analytic log density within 20 nats of its maximum over u and c at that "
        "theta. *lapse*: both densities mixed with hssm's default lapse, "
        f"log((1-p) p(x) + p/{LAPSE_T:g} [rt < {LAPSE_T:g}]), p = {P_OUT}; at u = 20 s the trial "
        f"(rt = {20 + T0:g} s) is already past the lapse's {LAPSE_T:g} s, so the lapse no longer caps it.\n"
    )
    tab = [
        "| u (s) | median err | worst err (all 150) | where | worst, plausible (n) | worst, near mode (n) "
        "| worst with lapse |",
        "|---|---|---|---|---|---|---|",
    ]
    headline = []
    for k, tt in enumerate(TIMES):
        m = K == k
        med, w, wh = worst(err, m, where)
        _, wp, _ = worst(err, m & plausible, where)
        _, wm, _ = worst(err, m & near_mode, where)
        _, wl, _ = worst(err_lapse, m, where)
        tab.append(
            f"| {tt:g} | {med} | {w} | {wh} | {wp} ({int((m & plausible).sum())}) | "
            f"{wm} ({int((m & near_mode).sum())}) | {wl} |"
        )
        headline.append(f"{tt:g} s: {w} (plausible {wp}, lapse {wl})")
    i = int(np.argmax(np.abs(err)))
    ip = int(np.argmax(np.abs(np.where(plausible, err, 0))))
    out.append(
        f"**Worst error: {err[i]:+.1f} nats at u = {TIMES[K[i]]:g} s, {where(i)}; among plausible trials "
        f"(S > 1e-6) {err[ip]:+.2f} nats at u = {TIMES[K[ip]]:g} s, {where(ip)}.**\n"
    )
    out.append("\n".join(tab) + "\n")
    print("\n".join(tab))
    print("worst per time:", "; ".join(headline), flush=True)
    ok_c = pcs > 1e-4
    out.append(
        "Median / worst \\|err\\| by how extreme the trial is, all four times together, over the responses "
        "with P(c) > 1e-4 at that theta (this leaves out responses that almost never happen, e.g. the lower "
        f"one at v = 3, a = 2.5, z = 0.9, where the network has had next to no training trials: "
        f"{int((~ok_c).sum())} of the {len(ok_c)} trials); then over all trials; then the signed median "
        "error of the trials with S < 1e-6 and P(c) > 1e-4:\n"
    )
    out.append(band_table({"network": err}, ls10, ok_c) + "\n")

    # ---------------------------------------------------------------- tail splice prototype
    tail_err = {}
    if args.tail:
        out.append("## Tail splice (prototype, `--tail`; not in the package)\n")
        out.append(
            "Per ensemble member, response and theta, a splice time from the member's q mixture for that "
            "response: `sd k`: `y_c = max` over components with weight > 0.01 of `mu + k sd`; `surv eps`: "
            "`y_c` where q's survival given the response is eps (bisection, then one differentiable Newton "
            "step); `u_c = exp(x_center + x_scale y_c)`. For u > u_c: `log p(u) = log p(u_c) + s (u - u_c)`, "
            "`s = min(s_0, -1/u_c)` where s_0 is the member's d log p / du (a jvp) at u_c (`s(u_c)`), or the "
            "steeper of that and the slope at q's survival 1e-2 (`min(s(u_c), s(u_1e-2))`). Members are "
            "spliced separately, then mixed. The row *analytic slope* is a diagnostic and not a method: "
            "the network's own log p at the first member's `surv 1e-3` u_c continued with the analytic "
            "asymptotic slope "
            "-(v^2/2 + pi^2/(2 (2a)^2)): what the splice would give with a perfect slope.\n"
        )
        bq_th, bq_x = [], []
        for i_t in range(len(th)):
            for cval in (-1.0, 1.0):
                if pc[i_t, cval] > 1e-4:
                    for uq in quant[i_t, cval]:
                        bq_th.append(th_net[i_t])
                        bq_x.append([uq + T0, cval])
        bq_th, bq_x = np.asarray(bq_th), np.asarray(bq_x)
        bq_plain = np.asarray(plain(bq_th, bq_x), np.float64)
        bq_ref = analytic_logp(bq_th[:, :4], bq_x)
        un = np.geomspace(1e-4, 1000.0, 1000)
        n_th = np.repeat(th_net, un.size * 2, axis=0)
        n_x = np.stack(
            [
                np.tile(np.concatenate([un, un]) + T0, len(th)),
                np.tile(np.repeat([-1.0, 1.0], un.size), len(th)),
            ],
            axis=1,
        )

        def norm_err(f):
            lp = np.asarray(f(n_th, n_x), np.float64).reshape(len(th), 2, un.size)
            p = np.exp(lp)
            integ = np.sum(0.5 * (p[..., 1:] + p[..., :-1]) * np.diff(un), axis=(1, 2))
            return np.max(np.abs(integ - 1))

        rng = np.random.default_rng(0)
        box = np.asarray(net.card["model"]["box"])
        c_th = rng.uniform(box[:, 0], box[:, 1], size=(N_COST, len(box)))
        c_x = np.stack(
            [c_th[:, 3] + rng.exponential(1.0, N_COST) + 0.05, rng.choice([-1.0, 1.0], N_COST)], axis=1
        )
        c_th, c_x = jnp.asarray(c_th, jnp.float32), jnp.asarray(c_x, jnp.float32)

        def vg(f):
            return jax.jit(jax.value_and_grad(lambda t: jnp.sum(f(t, c_x))))

        vg_plain = vg(plain)
        t_plain = timeit(vg_plain, c_th)
        hdr = [
            "| splice | "
            + " | ".join(f"worst err {tt:g} s (plausible)" for tt in TIMES)
            + " | bulk: max \\|spliced - plain\\| | bulk points beyond u_c | s_0 > -1/u_c | u_c (s) "
            "| worst \\|integral - 1\\| | cost |",
            "|---" * (len(TIMES) + 7) + "|",
        ]
        cells = [
            f"{worst(err, (K == k), where)[1]} ({worst(err, (K == k) & plausible, where)[1]})"
            for k in range(len(TIMES))
        ]
        hdr.append(
            f"| none | {' | '.join(cells)} | 0 | 0 | - | - | {norm_err(plain):.3f} "
            f"| 1 ({t_plain * 1e3:.0f} ms) |"
        )
        errs = {"none": err}
        for var in VARIANTS:
            f = build(net, var)
            fd = build(net, var, diag=True)
            lp_t, uc, dlp, capped = (np.asarray(a, np.float64) for a in fd(Tn, X))
            e = lp_t - lp_ref
            errs[var[0]] = tail_err[var[0]] = e
            cells = [
                f"{worst(e, (K == k), where)[1]} ({worst(e, (K == k) & plausible, where)[1]})"
                for k in range(len(TIMES))
            ]
            bq_t, bq_uc, _, _ = (np.asarray(a, np.float64) for a in fd(bq_th, bq_x))
            bulk = np.max(np.abs(bq_t - bq_plain))
            beyond = bq_x[:, 0] - T0 > bq_uc.min(axis=0)  # some member spliced
            bulk_note = f"{bulk:.4f}" + (
                f" (where spliced, \\|err\\| plain {np.max(np.abs(bq_plain - bq_ref)[beyond]):.2f}, "
                f"spliced {np.max(np.abs(bq_t - bq_ref)[beyond]):.2f})"
                if beyond.any()
                else ""
            )
            t_var = timeit(vg(f), c_th)
            hdr.append(
                f"| {var[0]} | {' | '.join(cells)} | {bulk_note} | {int(beyond.sum())} / {len(beyond)} | "
                f"{np.mean(capped):.3f} | {np.min(uc):.2f}-{np.max(uc):.1f} | {norm_err(f):.3f} | "
                f"{t_var / timeit(vg_plain, c_th):.2f} |"
            )
            print(hdr[-1], flush=True)
            if var[0] == ORACLE_FROM:
                uc = uc[0]  # the first member's u_c, applied to the whole network's log p
                lam = T[:, 0] ** 2 / 2 + np.pi**2 / (2 * (2 * T[:, 1]) ** 2)
                lpc = np.asarray(plain(Tn, np.stack([uc + T0, X[:, 1]], 1)), np.float64)
                errs["analytic slope (diagnostic)"] = np.where(u > uc, lpc - lam * (u - uc), lp_net) - lp_ref
        out.append("\n".join(hdr) + "\n")
        out.append(
            "*worst err*: over the 150 trials at that time (in brackets the plausible ones, S > 1e-6). "
            f"*bulk*: analytic quantiles {', '.join(f'{q:g}' for q in QUANTILES)} of u given c, "
            "responses with P(c) > 1e-4. *s_0 > -1/u_c*: share of the 600 slow trials where the cap set "
            "the slope (all members, each its own u_c). *u_c*: range over members and those trials. *bulk "
            "points beyond u_c*: beyond the smallest of the members' u_c. *integral*: both responses, u from "
            f"1e-4 to 1000 s, trapezoid on 1000 log-spaced points, worst of the {len(th)} parameter sets. "
            f"*cost*: one jitted value-and-grad in theta of the summed log-likelihood of {N_COST} trials at "
            "random box "
            "parameters, relative to the plain network timed right after it (best of 3 x 8 runs).\n"
        )
        out.append("By how extreme the trial is (as above):\n")
        out.append(band_table(errs, ls10, ok_c) + "\n")
        out.append(
            "Analytic asymptotic slope, for reference: d log p / du -> -(v^2/2 + pi^2 / (2 (2a)^2)), "
            f"from {-(np.pi**2 / (2 * 5.0**2)):.3f} (v = 0, a = 2.5) to "
            f"{-(4.5 + np.pi**2 / (2 * 0.6**2)):.1f} (|v| = 3, a = 0.3) per second.\n"
        )
        print(band_table(errs, ls10, ok_c))

    # ---------------------------------------------------------------- per grid point
    out.append("## Per parameter set and response\n")
    out.append(
        "log10 S = analytic log10 P(U > u, C = c | theta); err = network - analytic (nats)"
        + (f"; tail = the same with the `{BEST}` splice" if tail_err else "")
        + ".\n"
    )
    cols = " | ".join(f"{tt:g} s: log10 S, err" + (", tail" if tail_err else "") for tt in TIMES)
    lines = [f"| v | a | z | c | P(c) | {cols} |", "|---" * (5 + len(TIMES)) + "|"]
    for i_t, t in enumerate(th):
        for cval in (-1.0, 1.0):
            cells = []
            for k in range(len(TIMES)):
                j = np.flatnonzero((G == i_t) & (X[:, 1] == cval) & (K == k))[0]
                cell = f"{ls10[j]:.0f}, {err[j]:+.2f}"
                if tail_err:
                    cell += f", {tail_err[BEST][j]:+.2f}"
                cells.append(cell)
            lines.append(
                f"| {t[0]:g} | {t[1]:g} | {t[2]:g} | {cval:+.0f} | {pc[i_t, cval]:.2g} | "
                + " | ".join(cells)
                + " |"
            )
    if net.transform.mirror is not None:
        out.append(
            "The network is mirrored (v -> -v, z -> 1 - z swaps the responses), and so is the analytic "
            "density: the rows come in mirror pairs with the same numbers.\n"
        )
    out.append("\n".join(lines) + "\n")
    if args.plot:
        spliced = build(net, next(v for v in VARIANTS if v[0] == BEST)) if args.tail else None
        plot(th_net, args.plot, spliced, plain)
        out.insert(
            4, f"![log p(u) of the network, the analytic DDM and the splice]({Path(args.plot).name})\n"
        )
    out.append(f"Run time {time.perf_counter() - t_start:.0f} s on one CPU core.\n")
    if args.out:
        Path(args.out).write_text("\n".join(out))
        print("wrote", args.out)


BEST = "sd k=2, s(u_c)"
ORACLE_FROM = "surv 1e-3, s(u_c)"


def plot(th_net, path, spliced, plain):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    picks = [(0.0, 2.5, 0.5, 1.0), (1.5, 1.4, 0.5, 1.0), (3.0, 0.85, 0.5, -1.0), (-3.0, 0.3, 0.5, -1.0)]
    u = np.geomspace(0.02, 60.0, 400)
    fig, axs = plt.subplots(1, len(picks), figsize=(4 * len(picks), 3.4))
    for ax, (v, a, z, c) in zip(axs, picks, strict=True):
        t = np.array([v, a, z, T0])
        tn = np.concatenate([t, th_net[0, 4:]])
        x = np.stack([u + T0, np.full(u.size, c)], 1)
        ref = analytic_logp(np.tile(t, (u.size, 1)), x)
        ax.plot(u, ref, "k-", label="analytic")
        ax.plot(u, np.asarray(plain(np.tile(tn, (u.size, 1)), x)), "C0--", label="network")
        if spliced is not None:
            ax.plot(u, np.asarray(spliced(np.tile(tn, (u.size, 1)), x)), "C3:", lw=2, label="spliced")
        ax.set_title(f"v={v:g}, a={a:g}, z={z:g}, c={c:+.0f}", fontsize=10)
        ax.set_xlabel("u = rt - t (s)")
        ax.set_ylim(max(ref.min(), -150) - 10, ref.max() + 5)
    axs[0].set_ylabel("log p(u, c)")
    axs[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=80)


if __name__ == "__main__":
    main()
