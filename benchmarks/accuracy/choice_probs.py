"""Response probabilities of a ddm_seq2_no_bias network against the exact ones.

    python benchmarks/accuracy/choice_probs.py runs/seq2_030/m2 --thetas 200 \
        --out benchmarks/results/seq2_choice_probs.md

The exact probability of response ``2 c1 + c2`` is the product of the two stages' DDM choice
probabilities (``P(upper) = 1 / (1 + exp(-2 a v))`` at the model's fixed z = 0.5; the first stage
has drift ``vh``, the second ``vl1`` after the lower boundary and ``vl2`` after the upper one).
The network's is its density integrated over decision time
(:func:`hssm_nre.validation.metrics.decision_densities`, the grid of ``normalization_error``).
Reported: the model's validation sets one by one, and over ``--thetas`` random box parameters the
error of each response's probability, absolute and relative to the exact one. A shift of a
posterior that follows one rare response's share shows up here as a relative error of that share.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

from hssm_nre.models import get_model
from hssm_nre.net.logp import make_logp
from hssm_nre.store.hub import load_network
from hssm_nre.validation.metrics import decision_densities

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: common.py
from common import emit  # noqa: E402

MODEL = "ddm_seq2_no_bias"


def exact_shares(theta) -> np.ndarray:
    """Exact probabilities of responses 0..3 at ``(vh, vl1, vl2, a, t)``."""
    vh, vl1, vl2, a, _ = theta

    def up(v):
        return 1.0 / (1.0 + np.exp(-2.0 * a * v))

    first = np.array([1 - up(vh), 1 - up(vh), up(vh), up(vh)])
    second = np.array([1 - up(vl1), up(vl1), 1 - up(vl2), up(vl2)])
    return first * second


def network_shares(net, theta, logp, u) -> np.ndarray:
    _, dens = decision_densities(net, np.asarray(theta, np.float64), u, logp)
    return np.array([np.trapezoid(dens[c], u) for c in net.choices])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("network", help="a ddm_seq2_no_bias network (directory, name or name@version)")
    ap.add_argument("--thetas", type=int, default=200, help="random box parameters")
    ap.add_argument("--grid", type=int, default=4000, help="decision-time nodes (log-spaced)")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    net = load_network(args.network)
    if net.model != MODEL:
        raise SystemExit(f"{args.network} is a {net.model} network; this check is for {MODEL}")
    logp = make_logp(net)
    u_max = float(net.card.get("simulation", {}).get("max_t") or 60.0)
    u = np.exp(np.linspace(np.log(1e-4), np.log(u_max), args.grid))
    spec = get_model(MODEL)
    command = " ".join(["python benchmarks/accuracy/choice_probs.py", *sys.argv[1:]])
    lines = [
        f"# Response probabilities: {net.name}@{net.card['version']} vs exact",
        "",
        f"`{command}`",
        "",
        "| set | theta (vh, vl1, vl2, a, t) | response | exact | network | network / exact |",
        "|---|---|---|---|---|---|",
    ]
    for i, named in enumerate(spec.validation_sets):
        theta = [named[p] for p in spec.params]
        ex, nw = exact_shares(theta), network_shares(net, theta, logp, u)
        for r in range(4):
            head = f"| {i} | {', '.join(f'{v:g}' for v in theta)} |" if r == 0 else "| | |"
            lines.append(f"{head} {r} | {ex[r]:.4f} | {nw[r]:.4f} | {nw[r] / ex[r]:.3f} |")
    rng = np.random.default_rng(0)
    box = np.asarray(spec.box, np.float64)
    rows = rng.uniform(box[:, 0], box[:, 1], size=(args.thetas, len(box)))
    ex = np.array([exact_shares(th) for th in rows])
    nw = np.array([network_shares(net, th, logp, u) for th in rows])
    err = nw - ex
    rel = nw / ex - 1.0
    common = ex > 0.02  # relative errors of shares above 2 %
    lines += [
        "",
        f"Over {args.thetas} random box parameters (seed 0), per response:",
        "",
        "| response | median \\|P error\\| | max \\|P error\\| | median \\|relative error\\|, share > 0.02 | "
        "max \\|relative error\\|, share > 0.02 | worst theta (relative) |",
        "|---|---|---|---|---|---|",
    ]
    for r in range(4):
        sel = common[:, r]
        worst = rows[sel][np.argmax(np.abs(rel[sel, r]))]
        lines.append(
            f"| {r} | {np.median(np.abs(err[:, r])):.4f} | {np.max(np.abs(err[:, r])):.4f} | "
            f"{np.median(np.abs(rel[sel, r])):.3f} | {np.max(np.abs(rel[sel, r])):.3f} | "
            + ", ".join(f"{v:.2f}" for v in worst)
            + " |"
        )
    emit(lines, args.out)


if __name__ == "__main__":
    main()
