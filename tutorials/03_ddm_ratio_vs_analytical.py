# %% [markdown]
# # 3. The DDM: ratio vs analytical, side by side
#
# The DDM has an exact likelihood, so we can see how close
# the shipped ratio network gets: the same simulated data (a regression ``v ~ 1 + x``) and
# the same priors, fitted with ``loglik_kind="ratio"`` and with hssm's
# ``loglik_kind="analytical"``; posterior means, SDs, a C2ST and overlaid marginals.
#
# Run: ``python tutorials/03_ddm_ratio_vs_analytical.py [--quick]``.

# %%
import argparse
from pathlib import Path

import hssm_nre  # noqa: F401  (registers loglik_kind="ratio")
from hssm_nre.scripts import script_argv
from hssm_nre.store.hub import load_network
from hssm_nre.validation.cases import TRUE, regression_include, simulate_regression_data
from hssm_nre.validation.metrics import markdown_table
from hssm_nre.validation.plots import plot_overlay
from hssm_nre.validation.sampling import compare_posteriors, fit_hssm


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default="docs/tutorials/figures")
    args = ap.parse_args(script_argv(temp_out=True) if argv is None else argv)
    net = load_network("ddm")
    n, draws = (200, 200) if args.quick else (1000, 1000)
    data = simulate_regression_data(n, seed=3)
    fits = {
        k: fit_hssm(data, k, net, include=regression_include(), draws=draws, tune=draws)
        for k in ("ratio", "analytical")
    }
    names = ["v_Intercept", "v_x", "a", "z", "t"]
    cmp_ = compare_posteriors(
        fits["ratio"][0], fits["analytical"][0], names, fits["ratio"][1], fits["analytical"][1]
    )
    print(markdown_table(cmp_.table))
    print(
        f"C2ST {cmp_.c2st:.3f}; sampling time ratio {cmp_.seconds_ratio:.1f} s, "
        f"analytical {cmp_.seconds_exact:.1f} s"
    )
    Path(args.out).mkdir(parents=True, exist_ok=True)
    plot_overlay(
        fits["ratio"][0],
        fits["analytical"][0],
        names,
        TRUE,
        Path(args.out) / "ddm_ratio_vs_analytical.png",
        f"DDM regression, {n} trials",
    )
    return cmp_


# %%
if __name__ == "__main__":  # also in a notebook kernel
    result = main()
