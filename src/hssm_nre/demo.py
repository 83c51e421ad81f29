"""The README's main job: ratio vs analytical likelihood on one DDM regression.

A DDM regression fitted with the shipped ratio network and with hssm's analytic
likelihood, on the same simulated data, printed side by side.

Run with ``make demo`` or ``python -m hssm_nre.demo [--trials N] [--draws N]``.
"""

from __future__ import annotations

import argparse

import pandas as pd

from hssm_nre.validation.cases import TRUE, regression_include, simulate_regression_data


def main(argv: list[str] | None = None) -> pd.DataFrame:
    """Fit both likelihoods and print the comparison table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--trials", type=int, default=500)
    ap.add_argument("--draws", type=int, default=500)
    ap.add_argument("--chains", type=int, default=2)
    ap.add_argument(
        "--cores",
        type=int,
        default=None,
        help="CPU devices for JAX, so the chains run side by side (default: every core, at most 8)",
    )
    ap.add_argument(
        "--no-warmup",
        dest="warmup",
        action="store_false",
        help="time the first fit in the process too (it also pays for JAX's one-time set-up)",
    )
    args = ap.parse_args(argv)

    from hssm_nre.cores import use_cpu_cores

    cores = use_cpu_cores(args.cores)  # before `import hssm`, which starts JAX

    import hssm

    import hssm_nre  # noqa: F401  (registers loglik_kind="ratio")
    from hssm_nre.store.hub import load_network
    from hssm_nre.validation.metrics import markdown_table
    from hssm_nre.validation.sampling import compare_posteriors, fit_side_by_side, nuts_steps

    net = load_network("ddm")
    print(f"network: {net!r}")
    import jax

    how = "set here" if cores else "as found"
    print(f"JAX CPU devices: {jax.local_device_count()} ({how}); chains: {args.chains}")
    data = simulate_regression_data(args.trials)
    include = regression_include()
    fits = fit_side_by_side(data, net, include, args.draws, args.chains, warmup=args.warmup)
    results = {k: (idata, seconds) for k, (idata, seconds, _) in fits.items()}
    compiling = {k: sum(phases.values()) for k, (_, _, phases) in fits.items()}
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
    sampling = {k: results[k][1] - compiling[k] for k in results}
    print(
        f"of which JAX tracing and compiling: ratio {compiling['ratio']:.1f} s, analytical "
        f"{compiling['analytical']:.1f} s; the sampling alone: ratio/analytical = "
        f"{sampling['ratio'] / sampling['analytical']:.2f}"
    )
    steps = ", ".join(f"{k} {nuts_steps(results[k][0]):.1f}" for k in ("ratio", "analytical"))
    print(f"NUTS gradient evaluations per draw after tuning: {steps}")
    print(f"hssm {hssm.__version__}, hssm-nre {hssm_nre.__version__}")
    return table


if __name__ == "__main__":
    main()
