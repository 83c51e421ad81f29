"""The README's main job: ratio vs analytical likelihood on one DDM regression.

A DDM regression fitted with the shipped ratio network and with hssm's analytic
likelihood, on the same simulated data, printed side by side.

Run with ``make demo`` or ``python -m hssm_nre.demo [--trials N] [--draws N]``.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

TRUE = {"v_Intercept": 0.5, "v_x": 0.8, "a": 1.0, "z": 0.45, "t": 0.3}


def simulate_regression_data(n_trials: int, seed: int = 1) -> pd.DataFrame:
    """DDM trials whose drift depends on a covariate: v = 0.5 + 0.8 x."""
    from .simulation import simulate_trials

    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, n_trials)
    v = TRUE["v_Intercept"] + TRUE["v_x"] * x
    theta = np.column_stack(
        [
            v,
            np.full(n_trials, TRUE["a"]),
            np.full(n_trials, TRUE["z"]),
            np.full(n_trials, TRUE["t"]),
        ]
    )
    obs, ok = simulate_trials("ddm", theta, rng)
    return pd.DataFrame({"rt": obs[ok, 0], "response": obs[ok, 1].astype(int), "x": x[ok]})


def regression_include() -> list[dict]:
    """Return the demo's regression on v, with uniform priors on its coefficients."""
    return [
        {
            "name": "v",
            "formula": "v ~ 1 + x",
            "prior": {
                "Intercept": {"name": "Uniform", "lower": -1.5, "upper": 1.5},
                "x": {"name": "Uniform", "lower": -1.5, "upper": 1.5},
            },
        }
    ]


def main(argv: list[str] | None = None) -> pd.DataFrame:
    """Fit both likelihoods and print the comparison table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--trials", type=int, default=500)
    ap.add_argument("--draws", type=int, default=500)
    ap.add_argument("--chains", type=int, default=2)
    args = ap.parse_args(argv)

    import hssm

    import hssm_nre  # noqa: F401  (registers loglik_kind="ratio")
    from hssm_nre.hub import load_network
    from hssm_nre.validate import compare_posteriors, fit_hssm, markdown_table

    net = load_network("ddm")
    print(f"network: {net!r}")
    data = simulate_regression_data(args.trials)
    include = regression_include()
    kw = {"draws": args.draws, "tune": args.draws, "chains": args.chains}
    results = {}
    for kind in ("ratio", "analytical"):
        print(f"fitting {args.trials} trials with loglik_kind={kind!r} ...", flush=True)
        results[kind] = fit_hssm(data, kind, net, include=include, **kw)
    names = ["v_Intercept", "v_x", "a", "z", "t"]
    cmp_ = compare_posteriors(
        *(results[k][0] for k in ("ratio", "analytical")),
        names,
        results["ratio"][1],
        results["analytical"][1],
    )
    table = cmp_.table.assign(true=[TRUE[n] for n in names])
    print()
    print(markdown_table(table))
    print()
    print(
        f"sampling time: ratio {cmp_.seconds_ratio:.1f} s, analytical {cmp_.seconds_exact:.1f} s "
        f"(ratio/analytical = {cmp_.seconds_ratio / cmp_.seconds_exact:.2f}); "
        f"C2ST ratio vs analytical draws: {cmp_.c2st:.3f} (0.5 = indistinguishable)"
    )
    print(f"hssm {hssm.__version__}, hssm-nre {hssm_nre.__version__}")
    return table


if __name__ == "__main__":
    main()
