"""Model x metric table of every shipped network, from the cards and the validation reports.

    python benchmarks/tables/validation_table.py        # writes docs/validation/index.md

Each report is produced by the command in its first lines (also in the card:
`validation.command`), e.g. `hssm-nre validate angle --reference pyddm --calibration 30 --write-card`.
"""

import json
from pathlib import Path

from hssm_nre.store.hub import load_network
from hssm_nre.store.shipped import shipped_networks

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "validation" / "index.md"
BARS = {"median": 0.2, "max": 0.5, "sd_ratio": (0.8, 1.25), "normalization": 0.05, "normalization_ddm": 0.02}
BARS_TEXT = (
    "accuracy bars (set for the DDM, applied to every model): |mean difference| / SD median <= 0.2 "
    "and max <= 0.5, SD ratio in [0.8, 1.25], normalization error <= 0.05 (DDM 0.02)"
)
PASS, FAIL = "✅", "❌"


def fmt(v, digits=3):
    return "-" if v is None else (f"{v:.{digits}f}" if isinstance(v, float) else str(v))


def metric(v, digits=3):
    """Format a posterior metric; a huge one means the reweighting collapsed onto one draw."""
    return "failed" if isinstance(v, float) and v > 1e3 else fmt(v, digits)


def mark(ok: bool | None) -> str:
    return "" if ok is None else f" {PASS if ok else FAIL}"


def verdict(model: str, m: dict) -> str:
    """Which bars a network meets: all, or the ones it misses."""
    med, mx = m.get("posterior_abs_diff_over_sd_median"), m.get("posterior_abs_diff_over_sd_max")
    if med is None:
        return "no reference: recovery and calibration only"
    lo, hi = m.get("sd_ratio_min"), m.get("sd_ratio_max")
    norm = m.get("normalization_max_abs_error")
    norm_bar = BARS["normalization_ddm"] if model == "ddm" else BARS["normalization"]
    missed = [
        f"max {mx:.3f} > {BARS['max']}" if mx > BARS["max"] else None,
        f"median {med:.3f} > {BARS['median']}" if med > BARS["median"] else None,
        f"SD ratio {lo:.2f}-{hi:.2f}"
        if lo is not None and not BARS["sd_ratio"][0] <= lo <= hi <= BARS["sd_ratio"][1]
        else None,
        f"normalization {norm:.4f}" if norm is not None and norm > norm_bar else None,
    ]
    missed = [x for x in missed if x]
    return f"{PASS} all" if not missed else f"{FAIL} " + "; ".join(missed)


def row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def main():
    accuracy = [
        row(
            [
                "model",
                "reference",
                "mean diff / SD: median, max",
                "SD ratio",
                "normalization",
                "90% coverage",
                "meets the bars",
            ]
        ),
        "|---|---|---|---|---|---|---|",
    ]
    details = [
        row(
            [
                "model",
                "network",
                "training (s)",
                "simulations",
                "steps",
                "weight ESS min",
                "C2ST max",
                "recovery z median",
            ]
        ),
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in sorted(shipped_networks()):
        net = load_network(name)
        c = net.card
        v = c.get("validation", {})
        parts = net.member_cards  # an ensemble: every member's simulations
        mfile = ROOT / "docs" / "validation" / f"{net.model}_metrics.json"
        m = json.loads(mfile.read_text()) if mfile.exists() else {}
        cov = (
            f"{m['coverage_90_min']:.2f}-{m.get('coverage_90_max', float('nan')):.2f}"
            if "coverage_90_min" in m and "coverage_90_max" in m
            else fmt(m.get("coverage_90_min"), 2)
        )
        med, mx = m.get("posterior_abs_diff_over_sd_median"), m.get("posterior_abs_diff_over_sd_max")
        lo, hi = m.get("sd_ratio_min"), m.get("sd_ratio_max")
        norm = m.get("normalization_max_abs_error")
        norm_bar = BARS["normalization_ddm"] if net.model == "ddm" else BARS["normalization"]
        gap = (
            "-"
            if med is None
            else f"{metric(med)}{mark(med <= BARS['median'])}, {metric(mx)}{mark(mx <= BARS['max'])}"
        )
        sd_ok = None if lo is None else BARS["sd_ratio"][0] <= lo <= hi <= BARS["sd_ratio"][1]
        sd = "-" if lo is None else f"{metric(lo, 2)}-{metric(hi, 2)}{mark(sd_ok)}"
        accuracy.append(
            row(
                [
                    f"[{net.model}]({net.model}.md)",
                    v.get("reference", "-"),
                    gap,
                    sd,
                    fmt(norm, 4) + ("" if norm is None else mark(norm <= norm_bar)),
                    cov,
                    verdict(net.model, m),
                ]
            )
        )
        details.append(
            row(
                [
                    net.model,
                    f"`{net.name}`",
                    fmt(c.get("total_seconds"), 0),
                    f"{sum(p['simulation']['n_requested'] for p in parts):,}",
                    (f"{len(parts)} x " if len(parts) > 1 else "") + f"{c['training']['steps']:,}",
                    fmt(m.get("ess_fraction_min"), 2),
                    fmt(m.get("c2st_max_at_1000_plus_trials")),
                    fmt(m.get("recovery_abs_z_median")),
                ]
            )
        )
    text = [
        "# Validation summary: every shipped network",
        "",
        "Produced by `python benchmarks/tables/validation_table.py` from the network cards and the reports "
        "(each report starts with the command that reproduces it). References: `analytic` (closed "
        "forms), `blackbox` (hssm's HDDM full_ddm likelihood), `pyddm` (Fokker-Planck solution), "
        "`none` (levy: recovery and calibration only). Posterior comparisons of the DDM are NUTS "
        "against NUTS (6 sets x {500, 2000} trials + a regression); the others reweight the "
        "network's NUTS draws by the reference likelihood (3 sets x 1000 trials), which also "
        "says how far apart the two posteriors are (`weight ESS min`: 1 = identical).",
        "",
        f"The {BARS_TEXT}: {PASS} met, {FAIL} missed. Each network's rt density against its "
        "simulator's histogram and the reference: [Densities vs simulator](densities.md).",
        "",
        "## Accuracy against the reference",
        "",
        *accuracy,
        "",
        "## Training and further diagnostics",
        "",
        "Training times are on the 2-core development machine, one core per job with other jobs "
        "running beside it (an ensemble: the sum over its members). `weight ESS min`: the smallest "
        "share of effective draws when the network's posterior is reweighted to the reference's "
        "(1 = identical posteriors); `C2ST max`: a classifier's accuracy at telling the two "
        "posteriors' draws apart (0.5 = indistinguishable); `recovery z median`: for levy, "
        "|posterior mean - truth| / SD.",
        "",
        *details,
        "",
        "`failed` (if shown): in at least one data set the importance weights collapsed onto one draw "
        "(weight ESS share 1/300), so the reference posterior could not be estimated there. The "
        "normalization error integrates from the earliest onset to the simulator's `max_t` (in the "
        "card) over 50 random box parameters; `benchmarks/results/normalization.md` adds 200 random "
        "parameters and every vertex of each box, where some networks are worse. `levy` has no "
        "reference likelihood: its "
        "`recovery z med` is the median |posterior mean - truth| / SD over 3 sets x 1000 trials.",
        "",
    ]
    OUT.write_text("\n".join(text))
    print(OUT.read_text())


if __name__ == "__main__":
    main()
