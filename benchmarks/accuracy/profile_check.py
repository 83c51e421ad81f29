"""One parameter's log-likelihood profile: networks against a reference, and where the gap comes from.

    python benchmarks/accuracy/profile_check.py runs/wb_050/net weibull --reference pyddm --set 2 \
        --param beta --values 4 5 5.5 6 6.5 6.99 --at v=0.33,a=0.78,z=0.584,t=0.198,alpha=3.5 \
        --fine 0.001 0.0005 0.00025 --out benchmarks/results/weibull_beta_profile.md

On one validation set's trials (simulated as the validation report does: 1000 trials, seed
100 + set) the summed log-likelihood is computed along ``--param`` with the other parameters
held at ``--at`` (default: the set's truth), for each network and for the reference, relative to
the last value. Where the likelihood is flat in a parameter (e.g. a boundary that collapses only
after the data), a small per-trial error that leans one way adds up over the trials and moves the
posterior by whole SDs; the profile shows it without sampling. ``--fine`` recomputes a PyDDM
reference on finer grids (its ``fine`` step), so a gap the reference's grid makes is told apart
from the network's. Last, the gap between the first network and the reference at the first and
last value, split by rt quantile and response: which trials carry it.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

from hssm_nre.models import get_model
from hssm_nre.store.hub import load_network
from hssm_nre.validation.references import _pyddm, get_reference
from hssm_nre.validation.sampling import simulate_dataset

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: common.py
from common import emit  # noqa: E402


def parse_at(text: str | None) -> dict[str, float]:
    """``"v=0.3,a=1"`` -> ``{"v": 0.3, "a": 1.0}``."""
    if not text:
        return {}
    return {k: float(v) for k, v in (item.split("=") for item in text.split(","))}


def per_trial(logp, names, point: dict, param: str, value: float, x: np.ndarray) -> np.ndarray:
    theta = np.array([value if p == param else point[p] for p in names], np.float64)
    return np.asarray(logp(theta, x), np.float64)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("networks", nargs="+", help="network dirs or shipped names; the last item is the model")
    ap.add_argument("--reference", required=True)
    ap.add_argument("--set", type=int, default=0, help="validation set (its trials: seed 100 + set)")
    ap.add_argument("--trials", type=int, default=1000)
    ap.add_argument("--param", required=True)
    ap.add_argument("--values", type=float, nargs="+", required=True)
    ap.add_argument("--at", help="the other parameters, e.g. v=0.3,a=1 (default: the set's truth)")
    ap.add_argument("--fine", type=float, nargs="*", default=(), help="PyDDM steps that refine the reference")
    ap.add_argument("--out")
    a = ap.parse_args(argv)
    *networks, model = a.networks
    if not networks:
        ap.error("give at least one network and then the model")
    spec = get_model(model)
    truth = dict(spec.validation_sets[a.set])
    point = {**truth, **parse_at(a.at)}
    nets = [load_network(n) for n in networks]
    x = simulate_dataset(nets[0], truth, a.trials, seed=100 + a.set)[["rt", "response"]].to_numpy(np.float64)
    names = list(spec.params)

    def net_logp(net):
        return lambda th, xx: net.logp(
            np.tile(th, (len(xx), 1)).astype(np.float32), np.asarray(xx, np.float32)
        )

    curves = {f"`{n}` ({net.name})": net_logp(net) for n, net in zip(networks, nets, strict=True)}
    ref = get_reference(model, a.reference)
    curves[f"reference: {ref.description}"] = ref.logp
    for step in a.fine:
        curves[f"reference, PyDDM step {step}"] = _pyddm(model, 0.005, 0.005, fine=step).logp
    per = {k: [per_trial(f, names, point, a.param, v, x) for v in a.values] for k, f in curves.items()}
    held = ", ".join(f"{k} {v:g}" for k, v in point.items() if k != a.param)
    lines = [
        f"# `{a.param}` profile of {model}, validation set {a.set}",
        "",
        f"`python benchmarks/accuracy/profile_check.py {' '.join(a.networks)} --reference {a.reference}"
        f" --set {a.set} --param {a.param} --values {' '.join(f'{v:g}' for v in a.values)}"
        + (f" --at {a.at}" if a.at else "")
        + (f" --fine {' '.join(f'{s:g}' for s in a.fine)}" if a.fine else "")
        + "`",
        "",
        f"{a.trials} trials of set {a.set} ({', '.join(f'{k} {v:g}' for k, v in truth.items())}; seed"
        f" {100 + a.set}); summed log-likelihood along `{a.param}` with {held}, relative to its value at"
        f" {a.param} = {a.values[-1]:g}:",
        "",
        f"| likelihood | {' | '.join(f'{v:g}' for v in a.values)} |",
        "|---" * (len(a.values) + 1) + "|",
    ]
    for k, rows in per.items():
        sums = [float(r.sum()) for r in rows]
        lines.append(f"| {k} | " + " | ".join(f"{s - sums[-1]:+.3f}" for s in sums) + " |")
    first, refk = next(iter(per)), f"reference: {ref.description}"
    tilt_net = per[first][0] - per[first][-1]
    tilt_ref = per[refk][0] - per[refk][-1]
    edges = np.quantile(x[:, 0], [0, 0.25, 0.5, 0.75, 0.9, 0.97, 1.0])
    lines += [
        "",
        f"Which trials carry the gap: ll({a.param} = {a.values[0]:g}) - ll({a.param} = {a.values[-1]:g})"
        " summed"
        f" by rt quantile and response, {first} against the reference:",
        "",
        "| rt (s) | response | trials | network | reference | network - reference |",
        "|---|---|---|---|---|---|",
    ]
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        for c in spec.choices:
            s = (x[:, 0] >= lo) & (x[:, 0] <= hi) & (x[:, 1] == c)
            lines.append(
                f"| {lo:.2f}-{hi:.2f} | {c:g} | {int(s.sum())} | {tilt_net[s].sum():+.3f} |"
                f" {tilt_ref[s].sum():+.3f} | {tilt_net[s].sum() - tilt_ref[s].sum():+.3f} |"
            )
    emit(lines, Path(a.out) if a.out else None)


if __name__ == "__main__":
    main()
