"""The validation report: Markdown plus figures, written by ``hssm-nre validate``.

Everything in it is measured when the report is written, with the functions of
:mod:`hssm_nre.validation.metrics`; rerun the command to reproduce it.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd

from hssm_nre.store.artifact import Network
from hssm_nre.store.hub import load_network
from hssm_nre.validation.cases import PARAMETER_SETS, _regression_case
from hssm_nre.validation.metrics import (
    coverage_table,
    logratio_gap,
    markdown_table,
    normalization_error,
    score_bias,
)
from hssm_nre.validation.plots import overlay_draws, plot_landscape, plot_overlay, plot_ranks
from hssm_nre.validation.sampling import (
    calibration,
    compare_posteriors,
    fit_hssm,
    simulate_dataset,
)

__all__ = ["run_validation"]


def training_summary(net: Network) -> str:
    """Describe the steps, simulations and time of a network (each member of an ensemble)."""
    parts = net.member_cards
    each = [f"{p['training']['steps']:,} steps on {p['training']['n_train']:,} simulations" for p in parts]
    total = f"trained in {net.card.get('total_seconds', '?')} s (simulation included)"
    if len(parts) == 1:
        return f"{each[0]}, {total}"
    seeds = ", ".join(str(p["training"]["seed"]) for p in parts)
    return f"mixture of {len(parts)} networks (seeds {seeds}): " + "; ".join(each) + f"; {total}"


def calibration_or_reuse(net: Network, csv: Path, png: Path, reuse: bool, **kw) -> pd.DataFrame:
    """Run :func:`~hssm_nre.validation.sampling.calibration` (``kw``), or with ``reuse`` read an earlier run.

    An earlier run is reused only when its sidecar ``.json`` names the same weights (sha256)
    and settings, so a calibration of another network is never reported as this one's.
    The calibration can thus run in its own process (``hssm-nre validate ... --reuse`` later
    writes the report from it).
    """
    meta = {
        "network": net.name,
        "weights_sha256": net.card.get("weights_sha256"),
        **{k: (v if not isinstance(v, dict) else {p: list(b) for p, b in v.items()}) for k, v in kw.items()},
    }
    side = csv.with_suffix(".json")
    if reuse and csv.exists() and side.exists() and json.loads(side.read_text()) == meta:
        return pd.read_csv(csv)
    cal = calibration(net, progress=False, **kw)
    cal.to_csv(csv, index=False)
    side.write_text(json.dumps(meta, indent=2) + "\n")
    plot_ranks(cal, png)
    return cal


def run_validation(
    model: str | Network,
    reference: str = "analytic",
    out: str | Path = "docs/validation",
    quick: bool = False,
    trials: tuple[int, ...] = (500, 2000),
    n_calibration: int = 100,
    reuse: bool = False,
) -> Path:
    """Run every validation step and write ``<out>/<model>.md``, figures and CSV files.

    Returns the report's path. ``quick`` shrinks every budget (a smoke run); ``reuse`` takes
    the posterior comparison from an earlier run's ``<model>_posteriors.csv`` (and figures).
    """
    net = load_network(model)
    if reference != "analytic" or net.model != "ddm":
        raise ValueError(
            f"reference {reference!r} for model {net.model!r} is not available; "
            "the analytic reference covers the ddm"
        )
    t_start = time.perf_counter()
    out = Path(out)
    fig_dir = out / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    stem = net.model
    lines = [
        f"# Validation of `{net.name}` against hssm's analytic DDM",
        "",
        f"Reproduce: `hssm-nre validate {net.model} --reference analytic"
        + (" --quick" if quick else "")
        + "`. Network: "
        + f"{net.card['method']['loss']}; {training_summary(net)}.",
        "",
    ]
    gap = logratio_gap(net, n_x=5 if quick else 20)
    metrics = {"logratio_gap_median_sd": gap["median_sd"], "logratio_gap_max_sd": gap["max_sd"]}
    lines += [
        "## 1. Network minus exact log-likelihood at fixed observations",
        "",
        "For each of 20 simulated observations, 2000 parameter vectors from the box, kept where "
        "the exact log-likelihood is within 10 nats of its maximum.",
        "",
        f"* SD over theta of (network - exact): median over observations **{gap['median_sd']:.3f}** "
        f"nats, max {gap['max_sd']:.3f}",
        f"* median |mean of (network - exact)|: {gap['median_abs_mean']:.3f} nats "
        "(0 for an exactly normalized network)",
    ]
    if net.normalized:
        ne = normalization_error(net, n_theta=10 if quick else 50)
        metrics["normalization_max_abs_error"] = ne["max_abs_error"]
        lines.append(
            f"* normalization, worst |sum over choices of the integral over rt - 1| over "
            f"{10 if quick else 50} random box parameters: **{ne['max_abs_error']:.4f}** "
            f"(median {ne['median_abs_error']:.4f})"
        )
    plot_landscape(net, fig_dir / f"{stem}_landscape.png")
    lines += ["", f"![landscape](figures/{stem}_landscape.png)", ""]

    n_sb = 2 if quick else 24
    sb = score_bias(net, n_sets=n_sb, n_mc=4000 if quick else 40_000, seed=1)
    sb.to_csv(out / f"{stem}_score_bias.csv", index=False)
    a = sb.bias_over_sd.abs()
    metrics |= {
        "mle_shift_over_sd_2000_median": float(a.median()),
        "mle_shift_over_sd_2000_p90": float(a.quantile(0.9)),
        "mle_shift_over_sd_2000_max": float(a.max()),
    }
    per_param = sb.groupby("param", sort=False).bias_over_sd.agg(
        median=lambda s: float(np.median(np.abs(s))), max=lambda s: float(np.max(np.abs(s)))
    )
    lines += [
        "## 1b. Shift of the maximum-likelihood estimate, in posterior SDs at 2000 trials",
        "",
        f"{n_sb} parameter vectors drawn uniformly from v [-2, 2], a [0.5, 2], z [0.3, 0.7], "
        "t [0.1, 0.5] (none of them tuned on): at each, `I^-1 E[grad(network - exact)]` over "
        f"{4000 if quick else 40_000:,} simulated trials, divided by the posterior SD at 2000 trials "
        "(`validate.score_bias`). This is the posterior-mean error a 2000-trial fit would show, "
        "without the sampling noise of a fit (Monte Carlo SE median "
        f"{sb.mc_se.median():.3f}).",
        "",
        f"* |shift| / SD: median **{a.median():.3f}**, 90th percentile {a.quantile(0.9):.3f}, "
        f"max {a.max():.3f}",
        "",
        markdown_table(per_param.reset_index()),
        "",
    ]

    sets = PARAMETER_SETS["ddm"][: 2 if quick else None]
    trials = (200,) if quick else trials
    kw = {"draws": 200, "tune": 200} if quick else {}
    rows = []
    names = list(net.params)
    csv = out / f"{stem}_posteriors.csv"
    for n_tr in () if reuse and csv.exists() else trials:
        for i, th in enumerate(sets):
            data = simulate_dataset(net, th, n_tr, seed=100 + i)
            ir, t_r = fit_hssm(data, "ratio", net, **kw)
            ie, t_e = fit_hssm(data, "analytical", net, **kw)
            cmp_ = compare_posteriors(ir, ie, names, t_r, t_e)
            if i == 0:
                plot_overlay(
                    ir, ie, names, th, fig_dir / f"{stem}_overlay_{n_tr}.png", f"{n_tr} trials, {th}"
                )
            for _, r in cmp_.table.iterrows():
                rows.append({"data": f"set {i}", "trials": n_tr, **r.to_dict(), "c2st": cmp_.c2st})
    n_reg = 200 if quick else 1000
    if reuse and csv.exists():
        df = pd.read_csv(csv)
    else:
        data, include, truth = _regression_case(n_reg, seed=7)
        reg_names = ["v_Intercept", "v_x", "a", "z", "t"]
        ir, t_r = fit_hssm(data, "ratio", net, include=include, **kw)
        ie, t_e = fit_hssm(data, "analytical", net, include=include, **kw)
        cmp_ = compare_posteriors(ir, ie, reg_names, t_r, t_e)
        plot_overlay(
            ir,
            ie,
            reg_names,
            truth,
            fig_dir / f"{stem}_overlay_regression.png",
            f"regression v ~ 1 + x, {n_reg} trials",
        )
        for _, r in cmp_.table.iterrows():
            rows.append({"data": "regression", "trials": n_reg, **r.to_dict(), "c2st": cmp_.c2st})
        df = pd.DataFrame(rows)
        df.to_csv(csv, index=False)
    c2st_1000 = df.loc[df.trials >= 1000].drop_duplicates(["data", "trials"])["c2st"]
    metrics |= {
        "posterior_abs_diff_over_sd_median": float(df.abs_diff_over_sd.median()),
        "posterior_abs_diff_over_sd_max": float(df.abs_diff_over_sd.max()),
        "sd_ratio_min": float(df.sd_ratio_over_exact.min()),
        "sd_ratio_max": float(df.sd_ratio_over_exact.max()),
        "c2st_median": float(df.drop_duplicates(["data", "trials"]).c2st.median()),
        "c2st_max_at_1000_plus_trials": float(c2st_1000.max()) if len(c2st_1000) else None,
    }
    lines += [
        "## 2. Posteriors: ratio vs analytic on the same data and priors",
        "",
        "numpyro NUTS (dense mass matrix, 2 chains x 500 draws), uniform priors on the training box,"
        " no lapse. Data simulated with the package's bridge-corrected simulator.",
        "",
        f"* |mean difference| / analytic SD: median **{metrics['posterior_abs_diff_over_sd_median']:.3f}**,"
        f" max **{metrics['posterior_abs_diff_over_sd_max']:.3f}**",
        f"* SD ratio (ratio / analytic): [{metrics['sd_ratio_min']:.2f}, {metrics['sd_ratio_max']:.2f}]",
        f"* C2ST accuracy (0.5 = indistinguishable): median {metrics['c2st_median']:.3f}"
        + (
            f", max at >= 1000 trials {metrics['c2st_max_at_1000_plus_trials']:.3f}" if len(c2st_1000) else ""
        ),
        "",
        markdown_table(df),
        "",
    ]
    lines += [f"![overlay](figures/{stem}_overlay_{n}.png)" for n in trials]
    lines += [f"![overlay](figures/{stem}_overlay_regression.png)", ""]

    n_cal = 5 if quick else n_calibration
    lines += ["## 3. Calibration", ""]
    if n_cal == 0:
        lines += ["Not run for this report (`--calibration 0`).", ""]
    else:
        cal = calibration_or_reuse(
            net,
            out / f"{stem}_calibration.csv",
            fig_dir / f"{stem}_sbc.png",
            reuse,
            n_datasets=n_cal,
            n_trials=200,
            draws=200 if quick else 300,
        )
        cov = coverage_table(cal)
        metrics["coverage_90_min"] = float(cov["coverage_90"].min())
        lines += [
            f"Simulation-based calibration on {n_cal} data sets of 200 trials, parameters drawn "
            "uniformly from v [-2, 2], a [0.5, 2], z [0.3, 0.7], t [0.1, 0.5] (the same prior in "
            "inference), numpyro NUTS on the network likelihood.",
            "",
            markdown_table(cov),
            "",
            f"![sbc](figures/{stem}_sbc.png)",
            "",
        ]
    lines.append(f"Report written in {time.perf_counter() - t_start:.0f} s.")
    path = out / f"{stem}.md"
    path.write_text("\n".join(lines) + "\n")
    (out / f"{stem}_metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    return path


def record_in_card(
    model: str | Network, report: str | Path, reference: str = "analytic", command: str | None = None
) -> Path:
    """Copy the metrics of a validation report into the network's card and re-save it."""
    from hssm_nre.store.artifact import save

    net = load_network(model)
    report = Path(report)
    metrics = json.loads((report.parent / f"{report.stem}_metrics.json").read_text())
    if command is None:  # the report's own "Reproduce: `...`" line, options included
        found = re.search(r"^Reproduce: `([^`]+)`", report.read_text(), re.MULTILINE)
        command = found.group(1) if found else None
    net.card["validation"] = {
        **metrics,
        "reference": "hssm analytic DDM" if (reference == "analytic" and net.model == "ddm") else reference,
        "command": command or f"hssm-nre validate {net.model} --reference {reference}",
        "report": str(report),
    }
    if net.path is None:
        raise ValueError("the network has no directory to save its card to")
    return save(net, net.path)


def run_reference_validation(
    model: str | Network,
    reference: str,
    out: str | Path = "docs/validation",
    n_sets: int = 3,
    n_trials: int = 1000,
    draws: int = 300,
    n_calibration: int = 0,
    quick: bool = False,
    reuse: bool = False,
) -> Path:
    """Validate a network of any registry model and write ``<out>/<model>.md``.

    ``reference`` is a kind of :func:`hssm_nre.validation.references.get_reference` (``analytic``,
    ``blackbox``, ``pyddm``) or ``none`` (posterior recovery of the true values only). Steps:
    normalization; posteriors on ``n_sets`` of :data:`~hssm_nre.validation.cases.EXTENDED_SETS` at
    ``n_trials`` trials, network vs reference by importance reweighting
    (:func:`~hssm_nre.validation.sampling.reweighted_comparison`); optional simulation-based
    calibration on ``n_calibration`` data sets. ``reuse`` reads the posterior comparison and
    the calibration of an earlier run from ``<out>/<model>_posteriors.csv`` and
    ``_calibration.csv`` (and keeps its figures) instead of recomputing them.
    """
    from hssm_nre.validation.cases import CALIBRATION_PRIOR, EXTENDED_SETS
    from hssm_nre.validation.references import get_reference
    from hssm_nre.validation.sampling import posterior_recovery, reweighted_comparison

    net = load_network(model)
    ref = None if reference == "none" else get_reference(net.model, reference)
    t_start = time.perf_counter()
    out = Path(out)
    fig_dir = out / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    stem = net.model
    if quick:
        n_sets, n_trials, draws, n_calibration = 1, 200, 100, min(n_calibration, 3)
    target = model if isinstance(model, str) else net.model
    cmd = f"hssm-nre validate {target} --reference {reference}" + (" --quick" if quick else "")
    if n_calibration:
        cmd += f" --calibration {n_calibration}"
    lines = [
        f"# Validation of `{net.name}`"
        + (f" against {ref.description}" if ref else " (no reference likelihood: recovery and calibration)"),
        "",
        f"Reproduce: `{cmd}`. Network: {net.card['method']['loss']}; {training_summary(net)}.",
        "",
    ]
    metrics: dict = {}
    if net.normalized:
        ne = normalization_error(net, n_theta=10 if quick else 50)
        metrics["normalization_max_abs_error"] = ne["max_abs_error"]
        lines += [
            "## 1. Normalization",
            "",
            f"Worst |sum over choices of the integral over rt - 1| over {10 if quick else 50} random box "
            f"parameters: **{ne['max_abs_error']:.4f}** (median {ne['median_abs_error']:.4f}).",
            "",
        ]
    names = list(net.params)
    rows, ess = [], []
    post_csv, cal_csv = out / f"{stem}_posteriors.csv", out / f"{stem}_calibration.csv"
    reused = reuse and post_csv.exists()
    for i, th in enumerate([] if reused else EXTENDED_SETS[net.model][:n_sets]):
        data = simulate_dataset(net, th, n_trials, seed=100 + i)
        x = data[["rt", "response"]].to_numpy(np.float64)
        if ref is not None:
            rw = reweighted_comparison(net, ref, x, draws=draws, n_ref=draws, seed=i, truth=th)
            ess.append(rw.ess_fraction)
            tab = rw.table.assign(ess_fraction=rw.ess_fraction)
            if i == 0:
                overlay_draws(
                    rw.draws,
                    rw.draws,
                    names,
                    th,
                    fig_dir / f"{stem}_overlay.png",
                    f"{n_trials} trials, {th}",
                    labels=("ratio", f"{reference} (reweighted)"),
                    b_weights=np.exp(rw.log_weights - rw.log_weights.max()),
                )
        else:
            tab = posterior_recovery(net, x, th, draws, seed=i)
        rows += [{"data": f"set {i}", **r} for r in tab.to_dict("records")]
    if reused:
        df = pd.read_csv(post_csv)
        n_sets = df["data"].nunique()
        if ref is not None:
            ess = list(df.groupby("data").ess_fraction.first())
    else:
        df = pd.DataFrame(rows)
        df.to_csv(post_csv, index=False)
    if ref is not None:
        metrics |= {
            "posterior_abs_diff_over_sd_median": float(df.abs_diff_over_sd.median()),
            "posterior_abs_diff_over_sd_max": float(df.abs_diff_over_sd.max()),
            "sd_ratio_min": float(df.sd_ratio_over_ref.min()),
            "sd_ratio_max": float(df.sd_ratio_over_ref.max()),
            "ess_fraction_min": float(min(ess)),
        }
        lines += [
            "## 2. Posteriors: network vs reference on the same data and priors",
            "",
            f"{n_sets} parameter sets, {n_trials} trials each (simulated with the package's simulator), "
            "uniform priors on the training box. numpyro NUTS on the network "
            f"(2 chains x {draws} draws); {draws} of the draws reweighted by "
            "exp(sum reference - sum network) give the reference posterior "
            "(`validate.reweighted_comparison`). `ess_fraction`: effective share of the weights "
            "(1: the reference adds nothing; small: the posteriors differ).",
            "",
            "* |mean difference| / reference SD: median "
            f"**{metrics['posterior_abs_diff_over_sd_median']:.3f}**, "
            f"max **{metrics['posterior_abs_diff_over_sd_max']:.3f}**",
            "* SD ratio (network / reference): "
            f"[{metrics['sd_ratio_min']:.2f}, {metrics['sd_ratio_max']:.2f}]",
            f"* weight ESS share: min {metrics['ess_fraction_min']:.2f}",
            "",
            markdown_table(df),
            "",
            f"![overlay](figures/{stem}_overlay.png)",
            "",
        ]
    else:
        metrics |= {
            "recovery_abs_z_median": float(df.abs_z.median()),
            "recovery_abs_z_max": float(df.abs_z.max()),
        }
        lines += [
            "## 2. Posterior recovery",
            "",
            f"{n_sets} parameter sets, {n_trials} trials each, uniform priors on the training box, numpyro "
            f"NUTS (2 chains x {draws} draws): |posterior mean - truth| / posterior SD (about 0.8 on "
            "average, rarely above 2.5, for a calibrated posterior).",
            "",
            f"* |z|: median **{metrics['recovery_abs_z_median']:.3f}**, "
            f"max {metrics['recovery_abs_z_max']:.3f}",
            "",
            markdown_table(df),
            "",
        ]
    lines += ["## 3. Calibration", ""]
    if n_calibration:
        prior = CALIBRATION_PRIOR.get(net.model) or net.box
        cal = calibration_or_reuse(
            net,
            cal_csv,
            fig_dir / f"{stem}_sbc.png",
            reuse,
            n_datasets=n_calibration,
            n_trials=200,
            draws=300,
            prior=prior,
        )
        cov = coverage_table(cal)
        metrics["coverage_90_min"] = float(cov["coverage_90"].min())
        metrics["coverage_90_max"] = float(cov["coverage_90"].max())
        lines += [
            f"Simulation-based calibration on {n_calibration} data sets of 200 trials, parameters drawn "
            f"uniformly from {prior}, the same prior in inference, numpyro NUTS on the network.",
            "",
            markdown_table(cov),
            "",
            f"![sbc](figures/{stem}_sbc.png)",
            "",
        ]
    else:
        lines += ["Not run for this report (`--calibration 0`).", ""]
    lines.append(f"Report written in {time.perf_counter() - t_start:.0f} s.")
    path = out / f"{stem}.md"
    path.write_text("\n".join(lines) + "\n")
    (out / f"{stem}_metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    return path
