"""The validation report: Markdown plus figures, written by ``hssm-nre validate``.

Everything in it is measured when the report is written, with the functions of
:mod:`hssm_nre.validation.metrics` and :mod:`hssm_nre.validation.sampling`; rerun the command
to reproduce it.

There is one writer, :func:`write_report`: the title, the ``Reproduce`` line with the training
summary, then a list of *sections*, then the timing; it writes ``<out>/<model>.md`` and
``<model>_metrics.json``. A section is a function ``(Report) -> list[str]`` that measures,
draws its figures, records its metrics in ``Report.metrics`` and returns its Markdown lines.
The two kinds of report differ only in their sections:

* :func:`ddm_sections` (``run_validation``, the DDM against hssm's analytic likelihood):
  network minus exact log-likelihood (with the normalization), the MLE shift, hssm posteriors
  ratio vs analytic, calibration;
* :func:`reference_sections` (``run_reference_validation``, any model): normalization,
  posteriors reweighted to a reference likelihood (or recovery of the truth without one),
  calibration.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from hssm_nre.models import MODELS
from hssm_nre.store.artifact import Network
from hssm_nre.store.hub import load_network
from hssm_nre.validation.calibration import calibration
from hssm_nre.validation.cases import CALIBRATION_PRIOR, PARAMETER_SETS, _regression_case
from hssm_nre.validation.distributed import Cluster
from hssm_nre.validation.metrics import (
    IDENTIFIED_SD_SHARE,
    coverage_table,
    identified,
    logratio_gap,
    markdown_table,
    normalization_error,
    score_bias,
    score_prior,
)
from hssm_nre.validation.plots import overlay_draws, plot_landscape, plot_overlay, plot_ranks
from hssm_nre.validation.references import Reference, get_reference
from hssm_nre.validation.sampling import (
    compare_posteriors,
    fit_hssm,
    posterior_recovery,
    reweighted_comparison,
    simulate_dataset,
)

# One line per report section as it starts (`hssm-nre validate` prints these to stderr).
progress_log = logging.getLogger("hssm_nre.validation")

__all__ = [
    "Report",
    "ddm_sections",
    "record_in_card",
    "reference_sections",
    "run_reference_validation",
    "run_validation",
    "write_report",
]

DDM_BOX_TEXT = "v [-2, 2], a [0.5, 2], z [0.3, 0.7], t [0.1, 0.5]"


@dataclass
class Report:
    """What the sections of one report share: the network, where files go, budgets, metrics."""

    net: Network
    out: Path
    quick: bool = False
    reuse: bool = False
    metrics: dict = field(default_factory=dict)
    cluster: Cluster = Cluster()  # where the calibration's fits run

    @property
    def stem(self) -> str:
        """File-name stem of the report: the model name."""
        return self.net.model

    def file(self, suffix: str) -> Path:
        """``<out>/<model><suffix>`` (``.md``, ``_posteriors.csv``, ...)."""
        return self.out / f"{self.stem}{suffix}"

    def figure(self, name: str) -> Path:
        """Return the path ``<out>/figures/<model>_<name>.png`` of figure ``name``."""
        return self.out / "figures" / f"{self.stem}_{name}.png"

    def link(self, alt: str, name: str) -> str:
        """Return the Markdown image of :meth:`figure` ``name``, relative to the report."""
        return f"![{alt}](figures/{self.stem}_{name}.png)"


Section = Callable[[Report], list[str]]


def training_summary(net: Network) -> str:
    """Describe the steps, simulations and time of a network (each member of an ensemble)."""
    t = net.card.get("training", {})
    if t.get("method") == "distill":
        teacher = t["teacher"]
        return (
            f"distilled from {teacher['name']}@{teacher['version']} (a mixture of {teacher['members']}) "
            f"into hidden {t['hidden']}, reference head {t['q_hidden']}: {t['steps']:,} steps on "
            f"{t['n_pairs']:,} teacher pairs (no simulation) in {t['train_seconds']} s; "
            f"{net.card.get('total_seconds', '?')} s with the teacher's training"
        )
    parts = net.member_cards
    each = [f"{p['training']['steps']:,} steps on {p['training']['n_train']:,} simulations" for p in parts]
    total = f"trained in {net.card.get('total_seconds', '?')} s (simulation included)"
    if len(parts) == 1:
        return f"{each[0]}, {total}"
    seeds = ", ".join(str(p["training"]["seed"]) for p in parts)
    return f"mixture of {len(parts)} networks (seeds {seeds}): " + "; ".join(each) + f"; {total}"


def reproduce_command(
    target: str, reference: str, quick: bool = False, n_calibration: int = 0, chains: int = 2
) -> str:
    """Return the ``hssm-nre validate`` command line that reproduces a report."""
    cmd = f"hssm-nre validate {target} --reference {reference}" + (" --quick" if quick else "")
    cmd += f" --chains {chains}" if chains != 2 else ""
    return cmd + (f" --calibration {n_calibration}" if n_calibration else "")


def write_report(
    net: Network,
    out: str | Path,
    title: str,
    command: str,
    sections: list[Section],
    quick: bool = False,
    reuse: bool = False,
    cluster: Cluster | None = None,
) -> Path:
    """Write ``<out>/<model>.md`` (header, ``sections`` in turn, timing) and its metrics JSON.

    The header is ``# title`` and ``Reproduce: `command`. Network: ...`` (the line
    :func:`record_in_card` reads back). Returns the report's path. ``cluster``: where the
    calibration's fits run (default: in this process).
    """
    t_start = time.perf_counter()
    rep = Report(net, Path(out), quick=quick, reuse=reuse, cluster=cluster or Cluster())
    (rep.out / "figures").mkdir(parents=True, exist_ok=True)
    lines = [
        f"# {title}",
        "",
        f"Reproduce: `{command}`. Network: {net.card['method']['loss']}; {training_summary(net)}.",
        "",
        *density_figure_lines(rep),
    ]
    for k, section in enumerate(sections, 1):
        name = getattr(section, "__name__", None) or getattr(getattr(section, "func", None), "__name__", "")
        progress_log.info(
            "[%d/%d] %s (%.0f s so far)",
            k,
            len(sections),
            name.removesuffix("_section").replace("_", " ") or "section",
            time.perf_counter() - t_start,
        )
        lines += section(rep)
    lines.append(f"Report written in {time.perf_counter() - t_start:.0f} s.")
    path = rep.file(".md")
    path.write_text("\n".join(lines) + "\n")
    rep.file("_metrics.json").write_text(json.dumps(rep.metrics, indent=2) + "\n")
    return path


# ---------------------------------------------------------------- shared steps


def density_figure_lines(rep: Report) -> list[str]:
    """Embed ``figures/<model>_density.png`` when it is there (none: no lines).

    The figure, the network's rt density against a histogram of its simulator, is made by
    ``benchmarks/accuracy/density_figures.py`` (it needs 50,000 simulated trials, not a
    validation run); a report rewritten next to it keeps the link.
    """
    if not rep.figure("density").is_file():
        return []
    return [
        "The network's rt density against a histogram of its simulator (the reference dashed, where "
        "there is one), at the first parameter set of the validation "
        "(`python benchmarks/accuracy/density_figures.py`):",
        "",
        rep.link(f"{rep.stem}: network density against the simulator", "density"),
        "",
    ]


def with_density_figure(text: str, stem: str, folder: Path) -> str:
    """Return a report's ``text`` with the density figure of ``folder`` after its Reproduce line.

    For a report written elsewhere (``hssm-nre validate DIR --out runs/val/...``) and moved into
    ``folder`` (``hssm-nre ship``), where ``figures/<stem>_density.png`` already is; unchanged
    when the figure is missing or already embedded.
    """
    from types import SimpleNamespace

    rep = Report(net=SimpleNamespace(model=stem), out=Path(folder))
    lines = density_figure_lines(rep)
    found = re.search(r"^Reproduce: .*\n\n", text, re.MULTILINE)
    if not lines or found is None or f"(figures/{stem}_density.png)" in text:
        return text
    return text[: found.end()] + "\n".join(lines) + "\n" + text[found.end() :]


def normalization_text(rep: Report) -> str:
    """Measure the normalization (recorded in the metrics); the sentence that reports it."""
    n_theta = 10 if rep.quick else 50
    ne = normalization_error(rep.net, n_theta=n_theta)
    rep.metrics["normalization_max_abs_error"] = ne["max_abs_error"]
    return (
        f"|sum over choices of the integral over rt - 1| over {n_theta} random box parameters: "
        f"**{ne['max_abs_error']:.4f}** (median {ne['median_abs_error']:.4f})"
    )


def posterior_table(rep: Report, compute: Callable[[], list[dict]]) -> tuple[pd.DataFrame, bool]:
    """Return the posterior comparison: ``compute()``'s rows, saved to ``<model>_posteriors.csv``.

    With ``reuse`` and that file present, the file is read instead (second value: ``True``).
    """
    csv = rep.file("_posteriors.csv")
    if rep.reuse and csv.exists():
        return pd.read_csv(csv), True
    df = pd.DataFrame(compute())
    df.to_csv(csv, index=False)
    return df, False


def posterior_gap(rep: Report, df: pd.DataFrame, sd_ratio: str, versus: str, ratio: str) -> list[str]:
    """Record the mean-difference and SD-ratio metrics of ``df``; their two bullet lines."""
    m = rep.metrics
    m |= {
        "posterior_abs_diff_over_sd_median": float(df.abs_diff_over_sd.median()),
        "posterior_abs_diff_over_sd_max": float(df.abs_diff_over_sd.max()),
        "sd_ratio_min": float(df[sd_ratio].min()),
        "sd_ratio_max": float(df[sd_ratio].max()),
    }
    return [
        f"* |mean difference| / {versus} SD: median **{m['posterior_abs_diff_over_sd_median']:.3f}**, "
        f"max **{m['posterior_abs_diff_over_sd_max']:.3f}**",
        f"* SD ratio ({ratio}): [{m['sd_ratio_min']:.2f}, {m['sd_ratio_max']:.2f}]",
    ]


def calibration_or_reuse(
    net: Network, csv: Path, png: Path, reuse: bool, cluster: Cluster | None = None, **kw
) -> pd.DataFrame:
    """Run :func:`~hssm_nre.validation.calibration.calibration` (``kw``), or with ``reuse`` read a past run.

    An earlier run is reused only when its sidecar ``.json`` names the same weights (sha256)
    and settings, so a calibration of another network is never reported as this one's.
    The calibration can thus run in its own process (``hssm-nre validate ... --reuse`` later
    writes the report from it). ``cluster`` says where the fits run (it does not change them).
    """
    meta = {
        "network": net.name,
        "weights_sha256": net.card.get("weights_sha256"),
        **{k: (v if not isinstance(v, dict) else {p: list(b) for p, b in v.items()}) for k, v in kw.items()},
    }
    side = csv.with_suffix(".json")
    if reuse and csv.exists() and side.exists() and json.loads(side.read_text()) == meta:
        return pd.read_csv(csv)
    cal = calibration(net, progress=False, cluster=cluster, **kw)
    cal.to_csv(csv, index=False)
    side.write_text(json.dumps(meta, indent=2) + "\n")
    plot_ranks(cal, png)
    return cal


def calibration_section(
    rep: Report, n_datasets: int, prior_text: str, stats: tuple[str, ...] = ("min",), **kw
) -> list[str]:
    """Section 3: simulation-based calibration on ``n_datasets`` data sets of 200 trials (0: skipped).

    ``kw`` goes to :func:`calibration_or_reuse` (``draws``, ``prior``); ``prior_text`` describes
    the prior in the text; ``stats`` are the ``coverage_90_<stat>`` metrics recorded.
    """
    lines = ["## 3. Calibration", ""]
    if not n_datasets:
        return lines + ["Not run for this report (`--calibration 0`).", ""]
    cal = calibration_or_reuse(
        rep.net,
        rep.file("_calibration.csv"),
        rep.figure("sbc"),
        rep.reuse,
        cluster=rep.cluster,
        n_datasets=n_datasets,
        n_trials=200,
        **kw,
    )
    cov = coverage_table(cal)
    for stat in stats:
        rep.metrics[f"coverage_90_{stat}"] = float(getattr(cov["coverage_90"], stat)())
    return lines + [
        f"Simulation-based calibration on {n_datasets} data sets of 200 trials, parameters drawn "
        f"uniformly from {prior_text}",
        "",
        markdown_table(cov),
        "",
        rep.link("sbc", "sbc"),
        "",
    ]


# ---------------------------------------------------------------- the DDM report's sections


def ddm_gap_section(rep: Report) -> list[str]:
    """Section 1: network minus the exact log-likelihood at fixed observations, the landscape."""
    gap = logratio_gap(rep.net, n_x=5 if rep.quick else 20)
    rep.metrics |= {"logratio_gap_median_sd": gap["median_sd"], "logratio_gap_max_sd": gap["max_sd"]}
    lines = [
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
    if rep.net.normalized:
        lines.append(f"* normalization, worst {normalization_text(rep)}")
    plot_landscape(rep.net, rep.figure("landscape"))
    return lines + ["", rep.link("landscape", "landscape"), ""]


def score_bias_section(rep: Report, n_trials: int, prior_text: str, prior: dict | None = None) -> list[str]:
    """Section 1b: the shift of the maximum-likelihood estimate, in posterior SDs at ``n_trials``."""
    n_sets, n_mc = (2, 4000) if rep.quick else (24, 40_000)
    prior = prior or score_prior(rep.net.model)
    sb = score_bias(rep.net, n_sets=n_sets, n_mc=n_mc, n_trials=n_trials, seed=1, prior=prior)
    sb.to_csv(rep.file("_score_bias.csv"), index=False)
    kept = sb[sb.set.map(identified(sb, prior))]
    a = kept.bias_over_sd.abs()
    rep.metrics |= {
        f"mle_shift_over_sd_{n_trials}_median": float(a.median()),
        f"mle_shift_over_sd_{n_trials}_p90": float(a.quantile(0.9)),
        f"mle_shift_over_sd_{n_trials}_max": float(a.max()),
    }
    n_kept = kept.set.nunique()
    per_param = kept.groupby("param", sort=False).bias_over_sd.agg(
        median=lambda s: float(np.median(np.abs(s))), max=lambda s: float(np.max(np.abs(s)))
    )
    left_out = (
        []
        if n_kept == n_sets
        else [
            f"* {n_sets - n_kept} of the {n_sets} vectors are left out: there some parameter's posterior "
            f"SD at {n_trials} trials exceeds {IDENTIFIED_SD_SHARE:g} of its prior width, so the "
            "posterior is not Gaussian and the linear shift does not describe a fit "
            f"(all {n_sets}: median {sb.bias_over_sd.abs().median():.3f}; every row is in the csv)",
        ]
    )
    return [
        f"## 1b. Shift of the maximum-likelihood estimate, in posterior SDs at {n_trials} trials",
        "",
        f"{n_sets} parameter vectors drawn uniformly from {prior_text} (none of them tuned on): "
        "at each, `I^-1 E[grad(network - exact)]` over "
        f"{n_mc:,} simulated trials, divided by the posterior SD at {n_trials} trials "
        f"(`validate.score_bias`). This is the posterior-mean error a {n_trials}-trial fit would show, "
        "without the sampling noise of a fit (Monte Carlo SE median "
        f"{kept.mc_se.median():.3f}).",
        "",
        f"* |shift| / SD: median **{a.median():.3f}**, 90th percentile {a.quantile(0.9):.3f}, "
        f"max {a.max():.3f} ({n_kept} vectors)",
        *left_out,
        "",
        markdown_table(per_param.reset_index()),
        "",
    ]


def ddm_score_bias_section(rep: Report) -> list[str]:
    """Section 1b of the DDM report: the MLE shift at 2000 trials."""
    return score_bias_section(rep, 2000, DDM_BOX_TEXT)


def lba_score_bias_section(rep: Report, n_trials: int) -> list[str]:
    """Section 1b of an LBA model's reference report: the MLE shift against the exact LBA."""
    prior = score_prior(rep.net.model)
    text = ", ".join(f"{p} [{lo:.3g}, {hi:.3g}]" for p, (lo, hi) in prior.items())
    return score_bias_section(rep, n_trials, f"{text} (the box less a tenth of each width; b > A)", prior)


def _comparison_rows(cmp_, data: str, n_trials: int) -> list[dict]:
    return [
        {"data": data, "trials": n_trials, **r.to_dict(), "c2st": cmp_.c2st} for _, r in cmp_.table.iterrows()
    ]


def _hssm_pair(rep: Report, data: pd.DataFrame, names: list[str], **kw):
    """Fit ``data`` with hssm, ratio and analytical likelihood; both fits and their comparison."""
    ir, t_r = fit_hssm(data, "ratio", rep.net, **kw)
    ie, t_e = fit_hssm(data, "analytical", rep.net, **kw)
    return ir, ie, compare_posteriors(ir, ie, names, t_r, t_e)


def ddm_posterior_rows(rep: Report, trials: tuple[int, ...], kw: dict) -> list[dict]:
    """Compare hssm fits, ratio vs analytical, on the DDM parameter sets and the regression case."""
    names, rows = list(rep.net.params), []
    for n_tr in trials:
        for i, th in enumerate(PARAMETER_SETS["ddm"][: 2 if rep.quick else None]):
            data = simulate_dataset(rep.net, th, n_tr, seed=100 + i)
            ir, ie, cmp_ = _hssm_pair(rep, data, names, **kw)
            if i == 0:
                plot_overlay(ir, ie, names, th, rep.figure(f"overlay_{n_tr}"), f"{n_tr} trials, {th}")
            rows += _comparison_rows(cmp_, f"set {i}", n_tr)
    n_reg = 200 if rep.quick else 1000
    data, include, truth = _regression_case(n_reg, seed=7)
    reg_names = ["v_Intercept", "v_x", "a", "z", "t"]
    ir, ie, cmp_ = _hssm_pair(rep, data, reg_names, include=include, **kw)
    title = f"regression v ~ 1 + x, {n_reg} trials"
    plot_overlay(ir, ie, reg_names, truth, rep.figure("overlay_regression"), title)
    return rows + _comparison_rows(cmp_, "regression", n_reg)


def ddm_posterior_section(rep: Report, trials: tuple[int, ...] = (500, 2000)) -> list[str]:
    """Section 2: hssm posteriors, ratio vs analytic, on the same data and priors (C2ST included)."""
    trials = (200,) if rep.quick else trials
    kw = {"draws": 200, "tune": 200} if rep.quick else {}
    df, _ = posterior_table(rep, lambda: ddm_posterior_rows(rep, trials, kw))
    bullets = posterior_gap(rep, df, "sd_ratio_over_exact", "analytic", "ratio / analytic")
    c2st_1000 = df.loc[df.trials >= 1000].drop_duplicates(["data", "trials"])["c2st"]
    m = rep.metrics
    m |= {
        "c2st_median": float(df.drop_duplicates(["data", "trials"]).c2st.median()),
        "c2st_max_at_1000_plus_trials": float(c2st_1000.max()) if len(c2st_1000) else None,
    }
    return [
        "## 2. Posteriors: ratio vs analytic on the same data and priors",
        "",
        "numpyro NUTS (dense mass matrix, 2 chains x 500 draws), uniform priors on the training box,"
        " no lapse. Data simulated with the package's bridge-corrected simulator.",
        "",
        *bullets,
        f"* C2ST accuracy (0.5 = indistinguishable): median {m['c2st_median']:.3f}"
        + (f", max at >= 1000 trials {m['c2st_max_at_1000_plus_trials']:.3f}" if len(c2st_1000) else ""),
        "",
        markdown_table(df),
        "",
        *[rep.link("overlay", f"overlay_{n}") for n in trials],
        rep.link("overlay", "overlay_regression"),
        "",
    ]


def ddm_calibration_section(rep: Report, n_calibration: int = 100) -> list[str]:
    """Section 3 of the DDM report: calibration on the box (5 data sets when ``quick``)."""
    return calibration_section(
        rep,
        5 if rep.quick else n_calibration,
        f"{DDM_BOX_TEXT} (the same prior in inference), numpyro NUTS on the network likelihood.",
        draws=200 if rep.quick else 300,
    )


def ddm_sections(trials: tuple[int, ...] = (500, 2000), n_calibration: int = 100) -> list[Section]:
    """Return the sections of the DDM-vs-analytic report (gap, MLE shift, hssm posteriors, calibration)."""
    return [
        ddm_gap_section,
        ddm_score_bias_section,
        partial(ddm_posterior_section, trials=trials),
        partial(ddm_calibration_section, n_calibration=n_calibration),
    ]


# ---------------------------------------------------------------- the reference report's sections


def normalization_section(rep: Report) -> list[str]:
    """Section 1 of the reference report: the normalization (nothing for an unnormalized network)."""
    if not rep.net.normalized:
        return []
    return ["## 1. Normalization", "", f"Worst {normalization_text(rep)}.", ""]


def extended_rows(rep: Report, n_sets: int, n_trials: int, measure: Callable) -> list[dict]:
    """``measure(i, theta, x)`` tables on the first ``n_sets`` of the model's validation sets."""
    spec = MODELS.get(rep.net.model)
    sets = spec.validation_sets if spec is not None else ()
    if not sets:
        raise ValueError(
            f"model {rep.net.model!r} has no validation parameter sets; give its ModelSpec "
            "validation_sets (hssm_nre.models) to compare it with a reference"
        )
    rows = []
    t0 = time.perf_counter()
    for i, th in enumerate(sets[:n_sets]):
        progress_log.info(
            "  set %d of %d (%.0f s into the section)",
            i + 1,
            min(n_sets, len(sets)),
            time.perf_counter() - t0,
        )
        data = simulate_dataset(rep.net, th, n_trials, seed=100 + i)
        x = data[["rt", "response"]].to_numpy(np.float64)
        rows += [{"data": f"set {i}", **r} for r in measure(i, th, x).to_dict("records")]
    return rows


def reweighted_section(
    rep: Report, ref: Reference, reference: str, n_sets: int, n_trials: int, draws: int, chains: int = 2
) -> list[str]:
    """Section 2: network posteriors vs the reference's, by importance reweighting."""
    names = list(rep.net.params)

    def measure(i, th, x):
        rw = reweighted_comparison(rep.net, ref, x, draws=draws, chains=chains, n_ref=draws, seed=i, truth=th)
        if i == 0:
            overlay_draws(
                rw.draws,
                rw.draws,
                names,
                th,
                rep.figure("overlay"),
                f"{n_trials} trials, {th}",
                labels=("ratio", f"{reference} (reweighted)"),
                b_weights=np.exp(rw.log_weights - rw.log_weights.max()),
            )
        return rw.table.assign(ess_fraction=rw.ess_fraction)

    df, reused = posterior_table(rep, lambda: extended_rows(rep, n_sets, n_trials, measure))
    n_sets = df["data"].nunique() if reused else n_sets
    bullets = posterior_gap(rep, df, "sd_ratio_over_ref", "reference", "network / reference")
    rep.metrics["ess_fraction_min"] = float(df.groupby("data").ess_fraction.first().min())
    return [
        "## 2. Posteriors: network vs reference on the same data and priors",
        "",
        f"{n_sets} parameter sets, {n_trials} trials each (simulated with the package's simulator), "
        "uniform priors on the training box. numpyro NUTS on the network "
        f"({chains} chains x {draws} draws); {draws} of the draws reweighted by "
        "exp(sum reference - sum network) give the reference posterior "
        "(`validate.reweighted_comparison`). `ess_fraction`: effective share of the weights "
        "(1: the reference adds nothing; small: the posteriors differ).",
        "",
        *bullets,
        f"* weight ESS share: min {rep.metrics['ess_fraction_min']:.2f}",
        "",
        markdown_table(df),
        "",
        rep.link("overlay", "overlay"),
        "",
    ]


def recovery_section(rep: Report, n_sets: int, n_trials: int, draws: int) -> list[str]:
    """Section 2 without a reference: recovery of the true values, |mean - truth| / SD."""

    def measure(i, th, x):
        return posterior_recovery(rep.net, x, th, draws, seed=i)

    df, reused = posterior_table(rep, lambda: extended_rows(rep, n_sets, n_trials, measure))
    n_sets = df["data"].nunique() if reused else n_sets
    m = rep.metrics
    m |= {"recovery_abs_z_median": float(df.abs_z.median()), "recovery_abs_z_max": float(df.abs_z.max())}
    return [
        "## 2. Posterior recovery",
        "",
        f"{n_sets} parameter sets, {n_trials} trials each, uniform priors on the training box, numpyro "
        f"NUTS (2 chains x {draws} draws): |posterior mean - truth| / posterior SD (about 0.8 on "
        "average, rarely above 2.5, for a calibrated posterior).",
        "",
        f"* |z|: median **{m['recovery_abs_z_median']:.3f}**, max {m['recovery_abs_z_max']:.3f}",
        "",
        markdown_table(df),
        "",
    ]


def reference_sections(
    ref: Reference | None,
    reference: str,
    n_sets: int,
    n_trials: int,
    draws: int,
    n_calibration: int,
    prior: dict[str, tuple[float, float]],
    chains: int = 2,
) -> list[Section]:
    """Return the sections of the reference report (normalization, posteriors or recovery, calibration)."""
    if ref is not None:
        posteriors = partial(
            reweighted_section,
            ref=ref,
            reference=reference,
            n_sets=n_sets,
            n_trials=n_trials,
            draws=draws,
            chains=chains,
        )
    else:
        posteriors = partial(recovery_section, n_sets=n_sets, n_trials=n_trials, draws=draws)
    calibrate = partial(
        calibration_section,
        n_datasets=n_calibration,
        prior_text=f"{prior}, the same prior in inference, numpyro NUTS on the network.",
        stats=("min", "max"),
        draws=300,
        prior=prior,
    )
    sections = [normalization_section, posteriors, calibrate]
    spec = MODELS.get(ref.model) if ref is not None else None
    if spec is not None and spec.simulator == "lba":  # score_bias has the exact LBA in JAX
        sections.insert(1, partial(lba_score_bias_section, n_trials=n_trials))
    return sections


# ---------------------------------------------------------------- entry points


def run_validation(
    model: str | Network,
    reference: str = "analytic",
    out: str | Path = "docs/validation",
    quick: bool = False,
    trials: tuple[int, ...] = (500, 2000),
    n_calibration: int = 100,
    reuse: bool = False,
    cluster: Cluster | None = None,
) -> Path:
    """Run every validation step of the DDM against hssm's analytic likelihood; write ``<out>/ddm.md``.

    Also figures and CSV files. Returns the report's path. ``quick`` shrinks every budget (a
    smoke run, with 5 calibration data sets); ``reuse`` takes the posterior comparison from an
    earlier run's ``<model>_posteriors.csv`` (and figures), and the calibration from an earlier
    ``_calibration.csv`` of the same network and settings. ``cluster``: where the calibration's
    fits run (:class:`~hssm_nre.validation.distributed.Cluster`; default in this process).
    """
    net = load_network(model)
    if reference != "analytic" or net.model != "ddm":
        raise ValueError(
            f"reference {reference!r} for model {net.model!r} is not available; "
            "the analytic reference covers the ddm"
        )
    return write_report(
        net,
        out,
        f"Validation of `{net.name}` against hssm's analytic DDM",
        reproduce_command(net.model, "analytic", quick),
        ddm_sections(trials, n_calibration),
        quick=quick,
        reuse=reuse,
        cluster=cluster,
    )


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
    cluster: Cluster | None = None,
    chains: int = 2,
) -> Path:
    """Validate a network of any registry model and write ``<out>/<model>.md``.

    ``reference`` is a kind of :func:`hssm_nre.validation.references.get_reference` (``analytic``,
    ``blackbox``, ``pyddm``) or ``none`` (posterior recovery of the true values only). Steps:
    normalization; posteriors on ``n_sets`` of :data:`~hssm_nre.validation.cases.EXTENDED_SETS` at
    ``n_trials`` trials, network vs reference by importance reweighting
    (:func:`~hssm_nre.validation.sampling.reweighted_comparison`); optional simulation-based
    calibration on ``n_calibration`` data sets. ``reuse`` reads the posterior comparison and
    the calibration of an earlier run from ``<out>/<model>_posteriors.csv`` and
    ``_calibration.csv`` (and keeps its figures) instead of recomputing them. ``cluster``: where
    the calibration's fits run (default: in this process). ``chains``: NUTS chains of each
    posterior comparison (more represent a posterior in separate modes better; the same
    ``draws`` of them are reweighted).
    """
    if chains < 1:
        raise ValueError(f"chains must be at least 1, got {chains}")
    net = load_network(model)
    ref = None if reference == "none" else get_reference(net.model, reference)
    if quick:
        n_sets, n_trials, draws, n_calibration = 1, 200, 100, min(n_calibration, 3)
    target = model if isinstance(model, str) else net.model
    title = f"Validation of `{net.name}`" + (
        f" against {ref.description}" if ref else " (no reference likelihood: recovery and calibration)"
    )
    prior = CALIBRATION_PRIOR.get(net.model) or net.box
    return write_report(
        net,
        out,
        title,
        reproduce_command(target, reference, quick, n_calibration, chains),
        reference_sections(ref, reference, n_sets, n_trials, draws, n_calibration, prior, chains),
        quick=quick,
        reuse=reuse,
        cluster=cluster,
    )


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
