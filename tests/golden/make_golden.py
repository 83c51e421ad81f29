"""Record the shipped networks' log-likelihoods on fixed inputs: ``python tests/golden/make_golden.py``.

Run once before a change that must not alter numbers (e.g. the package restructuring); the test
``tests/test_golden.py`` then checks every shipped network against these values.
"""

from pathlib import Path

import numpy as np

from hssm_nre import load_network
from hssm_nre.store.shipped import shipped_networks

HERE = Path(__file__).parent


def inputs(net, n: int = 64, seed: int = 0):
    """Parameters inside the box (with rt above the onset) and observations, float32."""
    rng = np.random.default_rng(seed)
    lo, hi = np.array(list(net.box.values()), dtype=np.float64).T
    theta = lo + (hi - lo) * rng.uniform(0.02, 0.98, (n, len(lo)))
    params = list(net.params)
    onset = np.zeros(n)
    ndt, spread = net.card["model"].get("ndt"), net.card["model"].get("ndt_spread")
    if ndt:
        onset = theta[:, params.index(ndt)] - (theta[:, params.index(spread)] if spread else 0.0)
    rt = onset + rng.lognormal(-0.3, 0.8, n)
    resp = rng.choice(np.asarray(net.choices), n)
    return theta.astype(np.float32), np.column_stack([rt, resp]).astype(np.float32)


def main() -> None:
    out = {}
    for name in sorted(shipped_networks()):
        net = load_network(name)
        theta, x = inputs(net)
        out[f"{name}/theta"], out[f"{name}/x"] = theta, x
        out[f"{name}/logp"] = np.asarray(net.logp(theta, x))
        out[f"{name}/version"] = np.asarray(net.card["version"])
    np.savez(HERE / "shipped_logp.npz", **out)
    print(f"wrote {HERE / 'shipped_logp.npz'}: {sorted(shipped_networks())}")


if __name__ == "__main__":
    main()
