"""Per-trial error of networks against a reference at each validation set's truth.

    python benchmarks/accuracy/truth_error.py runs/wb_050/m0 runs/wb_logbeta/m0 weibull --reference pyddm

On each of the model's validation sets (1000 trials simulated as the validation report does,
seed 100 + i, with the first network) the per-trial log-likelihood of each network minus the
reference's at the true parameters: its root mean square and its sum over the trials. A quick
screen of candidate members before a validation (seconds per set; PyDDM's solve dominates).
"""

import argparse
import sys
from pathlib import Path

import numpy as np

from hssm_nre.models import get_model
from hssm_nre.store.hub import load_network
from hssm_nre.validation.references import get_reference
from hssm_nre.validation.sampling import simulate_dataset

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: common.py
from common import emit  # noqa: E402


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("networks", nargs="+", help="network dirs or shipped names; the last item is the model")
    ap.add_argument("--reference", required=True)
    ap.add_argument("--sets", type=int, default=4)
    ap.add_argument("--trials", type=int, default=1000)
    ap.add_argument("--out")
    a = ap.parse_args(argv)
    *networks, model = a.networks
    if not networks:
        ap.error("give at least one network and then the model")
    spec = get_model(model)
    ref = get_reference(model, a.reference)
    nets = [load_network(n) for n in networks]
    lines = [
        f"# Per-trial error against the {a.reference} reference at the truth ({model})",
        "",
        f"`python benchmarks/accuracy/truth_error.py {' '.join(a.networks)} --reference {a.reference}"
        f" --sets {a.sets} --trials {a.trials}`: RMSE / sum over {a.trials} trials of network minus"
        " reference log-likelihood, in nats.",
        "",
        "| set | " + " | ".join(f"`{n}`" for n in networks) + " |",
        "|---" * (len(networks) + 1) + "|",
    ]
    for i, th in enumerate(spec.validation_sets[: a.sets]):
        x = simulate_dataset(nets[0], th, a.trials, seed=100 + i)[["rt", "response"]].to_numpy(np.float64)
        truth = np.array([th[p] for p in spec.params])
        r = ref.logp(truth, x)
        cells = []
        for net in nets:
            d = (
                np.asarray(
                    net.logp(np.tile(truth, (len(x), 1)).astype(np.float32), x.astype(np.float32)), float
                )
                - r
            )
            cells.append(f"{np.sqrt(np.mean(d**2)):.4f} / {d.sum():+.2f}")
        lines.append(f"| {i} | " + " | ".join(cells) + " |")
    emit(lines, Path(a.out) if a.out else None)


if __name__ == "__main__":
    main()
