"""The ``hssm-nre`` command line."""

from __future__ import annotations

import functools
from dataclasses import replace
from pathlib import Path

import typer

# What bad input raises (ArtifactError and DownloadError are ValueErrors): one line, no traceback.
EXPECTED_ERRORS = (ValueError, TypeError)


def _one_line_errors(command):
    """Turn the expected errors of ``command`` into ``error: <message>`` on stderr and an exit code.

    ``typer.BadParameter`` (a usage error) exits with 2, the others with 1; anything else is a
    bug and keeps its traceback.
    """

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (typer.BadParameter, *EXPECTED_ERRORS) as err:
            text = " ".join(line.strip() for line in str(err).splitlines() if line.strip())
            typer.echo(f"error: {text or type(err).__name__}", err=True)
            raise typer.Exit(2 if isinstance(err, typer.BadParameter) else 1) from None

    return run


class _App(typer.Typer):
    """A Typer app whose every command reports expected errors in one line (see above)."""

    def command(self, *args, **kwargs):
        register = super().command(*args, **kwargs)
        return lambda f: register(_one_line_errors(f))


app = _App(help="Neural ratio likelihoods for HSSM: train, validate, list networks.", no_args_is_help=True)

# Budgets of the shipped networks: `hssm-nre train MODEL` rebuilds them.
DEFAULT_BUDGETS = {
    "n": 2_000_000,
    "time_budget_s": 1600.0,
}
# The budgets each shipped network was trained with: `hssm-nre train MODEL` without options
# rebuilds it. Budgets are in optimizer steps, so the learning-rate schedule does not depend
# on the machine's speed.
RECIPE_020 = {
    "n": 2_000_000,
    "max_t": 100.0,
    "time_features": ("log", "linear", "inverse"),
    "max_steps": 40_000,
    "epochs": 100,
    "time_budget": 100_000.0,
    "version": "0.2.0",
}
RECIPES: dict[str, dict] = {
    # ddm 0.3.0: decision times to 100 s (at 20 s, 2.4 % of the trials at a = 2.5, v = 0 were
    # dropped, which biased a and t in slow data), linear and inverse time features, and a step
    # budget (the 74,200 steps of 0.2.0) instead of a time budget.
    # ddm 0.4.0: two such networks (seeds 0 and 1) averaged as a mixture of densities, which
    # cut the MLE shift's p90 from 0.40 to 0.29 SD (benchmarks/ddm_ensemble.py).
    "ddm": {
        "max_t": 100.0,
        "time_features": ("log", "linear", "inverse"),
        "max_steps": 74_200,
        "epochs": 40,
        "time_budget": 100_000.0,
        "members": 2,
        "version": "0.4.0",
    },
    **{m: {"n": 1_500_000, "max_steps": 20_000, "epochs": 100, "time_budget": 100_000.0} for m in ("levy",)},
    # 0.2.0 of the extended models: the DDM 0.3.0 changes (decision times to 100 s, time
    # features) and twice the steps. ornstein first: at 20 s its slow corner (a strong pull to
    # the middle, g near 1, and a wide boundary) lost 96 % of its trials and integrated to 0.92
    # there; by 100 s 16 % of them finish.
    # ornstein 0.3.0: the same with the normalization penalty (weight 1); against PyDDM the
    # posterior error fell from median 0.108 / max 0.492 SD to 0.103 / 0.324, SD ratios from
    # 0.77-1.11 to 0.85-1.05.
    "ornstein": {**RECIPE_020, "norm_weight": 1.0, "version": "0.3.0"},
    # angle and weibull 0.2.0 add the edge-heavy proposal (a quarter of the draws): the worst
    # vertex of the box integrates to 0.0075 (angle 0.1.0: 0.046) and 0.112 (weibull 0.1.0: 0.208)
    # from one.
    # angle and weibull 0.3.0: the same with the normalization penalty (weight 1, as full_ddm
    # 0.2.0). Against PyDDM the posterior error's median fell from 0.266 to 0.179 (angle) and
    # 0.201 to 0.178 (weibull); weibull's worst vertex from 0.112 to 0.086 from one. With seed 1
    # and the penalty's default cap both diverged (docs/method.md); seed 0 is the recipe.
    # angle and weibull 0.4.0: two such networks (seeds 0 and 1) with the penalty capped at
    # f <= 3, where seed 1 trains (with the default cap of 8 it diverged), averaged as a mixture
    # of densities. Against PyDDM angle's posterior error fell from median 0.179 / max 0.702 SD
    # (0.3.0) to 0.159 / 0.479, SD ratios 0.89-1.09 to 0.86-1.06; weibull's worst vertex from
    # 0.086 to 0.044 from one, its posterior error's median from 0.178 to 0.159.
    **{
        m: {
            **RECIPE_020,
            "edge_share": 0.25,
            "norm_weight": 1.0,
            "norm_clip": 3.0,
            "members": 2,
            "version": "0.4.0",
        }
        for m in ("angle", "weibull")
    },
    # ddm_sdv 0.2.0: the same recipe as angle 0.2.0; against the analytic density its
    # posterior error fell from median 0.226 / max 0.566 SD (0.1.0) to 0.188 / 0.269.
    "ddm_sdv": {**RECIPE_020, "edge_share": 0.25},
    # full_ddm 0.2.0: the same with the normalization penalty (weight 1); against hssm's
    # blackbox likelihood its posterior error fell from median 0.323 / max 0.874 SD (0.1.0) to
    # 0.183 / 0.597.
    # full_ddm 0.3.0: two such networks (seeds 0 and 1; seed 0 is 0.2.0) as a mixture of
    # densities; the posterior error fell to median 0.116 / max 0.359 SD, SD ratios from
    # 0.86-1.42 to 0.92-1.18.
    "full_ddm": {**RECIPE_020, "edge_share": 0.25, "norm_weight": 1.0, "members": 2, "version": "0.3.0"},
}


@app.command()
def train(
    model: str = typer.Argument(..., help="Registry model name, e.g. ddm, angle."),
    out: Path = typer.Option(None, help="Output directory (default: networks/<model>)."),
    n: int = typer.Option(
        None, help="Simulated trials (one per parameter draw) (default: the model's recipe)."
    ),
    seed: int = typer.Option(0, help="Seed of simulation and training."),
    dt: float = typer.Option(1e-3, help="Simulator step (s); bridge-corrected."),
    max_t: float = typer.Option(
        None, help="Longest simulated decision time (s), slower trials dropped (default: recipe, else 20)."
    ),
    method: str = typer.Option(None, help="'nce' (normalized) or 'cnre' (plain ratio)."),
    hidden: str = typer.Option("128,128,128,128", help="Hidden layer widths."),
    epochs: int = typer.Option(None, help="Maximum epochs (default: the model's recipe, else 40)."),
    nu: int = typer.Option(2, help="NCE reference draws per simulated trial."),
    q_hidden: str = typer.Option("128,128,128", help="Hidden widths of the learned reference head."),
    q_components: int = typer.Option(8, help="Mixture components per choice of the reference head."),
    batch_size: int = typer.Option(1024, help="Batch size."),
    time_features: str = typer.Option(
        None,
        help="Time features, from log,linear,inverse,boundary (default: recipe, else log).",
    ),
    base: str = typer.Option(
        "none", help="'ddm': learn the correction to the analytic DDM density (models extending the DDM)."
    ),
    time_budget: float = typer.Option(
        None, help="Training time budget in seconds (default: the model's recipe, else 1600)."
    ),
    max_steps: int = typer.Option(None, help="Budget in optimizer steps (reproducible) (default: recipe)."),
    version: str = typer.Option(None, help="Version written in the card (default: recipe, else 0.1.0)."),
    members: int = typer.Option(
        None, help="Networks averaged (seeds seed, seed + 1, ...) (default: the model's recipe, else 1)."
    ),
    edge_share: float = typer.Option(
        None, help="Share of parameter draws from the box's edge-heavy law (default: recipe, else 0)."
    ),
    norm_weight: float = typer.Option(
        None, help="Weight of the NCE normalization penalty (default: recipe, else 0)."
    ),
    norm_clip: float = typer.Option(
        None, help="Cap on the log-ratio inside the penalty (default: recipe, else 8)."
    ),
) -> None:
    """Simulate training data and train a ratio network for a registry MODEL."""
    from .registry import get_model
    from .simulation import SimConfig

    spec = get_model(model)
    recipe = RECIPES.get(spec.name, {})
    # Options left out are None and take the recipe's value; a given 0 is an error, not "unset".
    for option, value in (
        ("--n", n),
        ("--epochs", epochs),
        ("--max-steps", max_steps),
        ("--time-budget", time_budget),
        ("--max-t", max_t),
        ("--members", members),
        ("--batch-size", batch_size),
        ("--nu", nu),
        ("--q-components", q_components),
    ):
        if value is not None and not value > 0:
            raise typer.BadParameter(f"{option} must be positive, got {value}; leave it out for the default")
    if version is not None and not version.strip():
        raise typer.BadParameter(
            "--version is empty; give one such as 0.1.0, or leave it out for the recipe's"
        )
    if time_features is not None and not time_features.strip():
        raise typer.BadParameter(
            "--time-features is empty; give a comma-separated list that starts with log, e.g. "
            "log,linear,inverse, or leave it out for the recipe's"
        )
    widths, q_widths = _widths("--hidden", hidden), _widths("--q-hidden", q_hidden)
    out = Path("networks") / spec.name if out is None else out
    if out.exists() and not out.is_dir():
        raise typer.BadParameter(f"--out {str(out)!r} is a file; give a directory")
    if method not in (None, "nce", "cnre"):  # also TrainConfig's check, made before importing JAX
        raise typer.BadParameter(
            f"--method must be nce or cnre, got {method!r}; leave it out for nce where the model allows it"
        )
    if method == "cnre" and norm_weight is None and recipe.get("norm_weight", 0.0) > 0:
        raise typer.BadParameter(
            f"the {spec.name} recipe's normalization penalty (norm_weight {recipe['norm_weight']}) needs "
            "method 'nce'; add --norm-weight 0 to train a plain ratio (--method cnre)"
        )

    from .training import TrainConfig  # imports JAX: after the checks above, which fail faster
    from .training import train as _train

    n = recipe.get("n", DEFAULT_BUDGETS["n"]) if n is None else n
    epochs = recipe.get("epochs", 40) if epochs is None else epochs
    time_budget = (
        recipe.get("time_budget", DEFAULT_BUDGETS["time_budget_s"]) if time_budget is None else time_budget
    )
    max_steps = recipe.get("max_steps") if max_steps is None else max_steps
    max_t = recipe.get("max_t", SimConfig.max_t) if max_t is None else max_t
    version = recipe.get("version", "0.1.0") if version is None else version
    members = recipe.get("members", 1) if members is None else members
    if time_features is None:
        time_features = recipe.get("time_features", TrainConfig.time_features)
    else:
        time_features = tuple(f.strip() for f in time_features.split(","))
    if norm_weight is None:  # 0 is a valid weight, so not `or`
        norm_weight = recipe.get("norm_weight", TrainConfig.norm_weight)
    if norm_clip is None:
        norm_clip = recipe.get("norm_clip", TrainConfig.norm_clip)
    if edge_share is None:
        edge_share = recipe.get("edge_share", 0.0)

    # Every setting is checked here, before the (long) simulation of the first member.
    sim = SimConfig(n=n, seed=seed, dt=dt, max_t=max_t, edge_share=edge_share)
    cfg = TrainConfig(
        method=method,
        hidden=widths,
        max_epochs=epochs,
        nu=nu,
        q_hidden=q_widths,
        q_components=q_components,
        batch_size=batch_size,
        base=base,
        time_features=time_features,
        seed=seed,
        time_budget_s=time_budget,
        max_steps=max_steps,
        norm_weight=norm_weight,
        norm_clip=norm_clip,
    )
    _check_fits_model(spec, sim, cfg)

    def one(s: int, where: Path | None):
        return _train(spec, replace(sim, seed=s), replace(cfg, seed=s), out=where, version=version)

    if members == 1:
        net = one(seed, out)
    else:  # seeds seed, seed + 1, ...: each member has its own simulations and initialization
        net = _save_ensemble([one(seed + k, None) for k in range(members)], out, version)
    for k, part in enumerate(net.member_cards):
        t = part["training"]
        typer.echo(
            f"member {k}: {t['steps']} steps, best val loss {t['best_val_loss']:.4f} ({t['stop_reason']})"
        )
    typer.echo(f"saved {net.name} to {out}: total {net.card['total_seconds']} s")


def _widths(option: str, text: str) -> tuple[int, ...]:
    """Hidden layer widths from ``"128,128"``."""
    try:
        widths = tuple(int(h) for h in text.split(","))
    except ValueError:
        widths = ()
    if not widths or min(widths) < 1:
        raise typer.BadParameter(
            f"{option} must be comma-separated positive layer widths such as 128,128; got {text!r}"
        )
    return widths


def _check_fits_model(spec, sim, cfg) -> None:
    """Make up front the checks that training makes only after simulating."""
    from .training import _resolve_method

    method = _resolve_method(spec, cfg)  # method and base against the model
    if "boundary" in cfg.time_features and (spec.boundary is None or method != "nce"):
        raise typer.BadParameter(
            f"the 'boundary' time feature needs a model with a collapsing boundary (angle, weibull) "
            f"and method 'nce'; {spec.name!r} has boundary {spec.boundary!r}, method {method!r}. "
            "Drop boundary from --time-features"
        )
    n_train = sim.n - max(int(cfg.val_fraction * sim.n), 1)
    if n_train < cfg.batch_size:
        raise typer.BadParameter(
            f"--n {sim.n} leaves {n_train} training simulations, fewer than one batch "
            f"(--batch-size {cfg.batch_size}); raise --n or lower --batch-size"
        )


def _save_ensemble(nets, out: Path, version: str):
    from .artifact import ensemble, save
    from .training import plot_history

    net = ensemble(nets, version=version)
    save(net, out)
    plot_history(net, Path(out) / "loss.png")
    return net


@app.command("ensemble")
def ensemble_(
    networks: list[Path] = typer.Argument(..., help="Network directories of one model (two or more)."),
    out: Path = typer.Option(..., help="Output directory of the ensemble."),
    version: str = typer.Option(..., help="Version written in the card."),
) -> None:
    """Combine trained networks of one model into an equal-weight mixture of their densities."""
    from .artifact import load

    net = _save_ensemble([load(p) for p in networks], out, version)
    typer.echo(f"saved {net.name} ({net.n_members} members) to {out}: total {net.card['total_seconds']} s")


@app.command("list")
def list_(
    cache_dir: Path = typer.Option(None, help="Cache directory (default: $HSSM_NRE_CACHE or user cache)."),
) -> None:
    """List the registry models, then the shipped, cached and published networks."""
    from .download import list_networks
    from .hub import shipped_networks
    from .registry import MODELS

    shipped = shipped_networks()
    for name, spec in sorted(MODELS.items()):
        net = shipped.get(name)
        tag = f"shipped {net}" if net else "no network yet"
        typer.echo(f"{name:10s} {','.join(spec.params):28s} {tag}")
    rows = list_networks(cache_dir)
    typer.echo("\nnetworks:" if rows else "\nnetworks: none shipped, cached or published")
    for row in rows:
        metrics = ", ".join(f"{k}={_fmt(v)}" for k, v in sorted(row["metrics"].items()))
        ref = f"{row['name']}@{row['version']}"
        typer.echo(f"{ref:24s} {row['where']:8s} {row['location']}" + (f"  [{metrics}]" if metrics else ""))


def _fmt(v) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


@app.command()
def pull(
    name: str = typer.Argument(..., help="NAME or NAME@VERSION of a published network."),
    cache_dir: Path = typer.Option(None, help="Cache directory (default: $HSSM_NRE_CACHE or user cache)."),
    base_url: str = typer.Option(None, help="Where the files are served (default: the manifest's)."),
    offline: bool = typer.Option(None, "--offline/--online", help="Use the cache only (or force online)."),
    timeout: float = typer.Option(30.0, help="Seconds to wait for the server."),
) -> None:
    """Download a published network into the cache (verified by sha256) and print its directory."""
    from .download import pull as _pull

    path = _pull(name, cache_dir=cache_dir, base_url=base_url, offline=offline, timeout=timeout)
    typer.echo(str(path))


@app.command()
def publish(
    directory: Path = typer.Argument(..., help="A trained network directory."),
    out: Path = typer.Option(..., help="Output directory: <out>/<name>/<version>/ + manifest-entry.json."),
    base_url: str = typer.Option(None, help="Where <out> will be served (default: the manifest's)."),
) -> None:
    """Lay out a trained network for upload and write its manifest entry (sha256, size, metrics)."""
    from .download import publish as _publish

    entry = _publish(directory, out, base_url=base_url)
    for name, versions in entry["networks"].items():
        for version in versions:
            typer.echo(f"published {name}@{version} to {out / name / version}")
    typer.echo(f"manifest entry: {out / 'manifest-entry.json'} (upload {out} under {entry['base_url']})")


@app.command()
def validate(
    model: str = typer.Argument(..., help="Model name (uses its shipped network) or a network dir."),
    reference: str = typer.Option(
        None,
        help="Reference likelihood: 'analytic' (ddm, ddm_sdv), 'blackbox' (full_ddm), "
        "'pyddm' (ddm, angle, weibull, ornstein) or 'none' (recovery and calibration only) "
        "(default: the first of these that covers the model, else none).",
    ),
    out: Path = typer.Option(Path("docs/validation"), help="Report directory."),
    quick: bool = typer.Option(False, help="Small budgets (a smoke run)."),
    reuse: bool = typer.Option(
        False, help="Reuse the posterior comparison (and calibration) of an earlier run."
    ),
    calibration: int = typer.Option(
        100, help="Data sets for simulation-based calibration (0: skip); default 0 beyond the DDM report."
    ),
    sets: int = typer.Option(3, help="Parameter sets of the reweighting comparison (models other than ddm)."),
    write_card: bool = typer.Option(False, help="Record the metrics in the network's card (re-saved)."),
) -> None:
    """Validate a network against a reference likelihood and write a Markdown report."""
    from .references import REFERENCES

    covers = "; ".join(f"{k!r} covers {', '.join(ms)}" for k, ms in REFERENCES.items())
    if reference is not None and reference not in (*REFERENCES, "none"):
        kinds = ", ".join(repr(k) for k in (*REFERENCES, "none"))
        raise typer.BadParameter(
            f"--reference must be one of {kinds}, got {reference!r} ({covers}; 'none': any model, "
            "recovery and calibration only)"
        )
    if calibration < 0 or sets < 1:
        raise typer.BadParameter(f"need --calibration >= 0 and --sets >= 1, got {calibration} and {sets}")
    from .hub import load_network  # the heavy imports (hssm, PyMC) after the checks above
    from .report import record_in_card, run_reference_validation, run_validation

    name = load_network(model).model
    fits = [k for k, ms in REFERENCES.items() if name in ms]
    if reference is None:
        reference = fits[0] if fits else "none"
    elif reference != "none" and name not in REFERENCES[reference]:
        use = " or ".join(f"--reference {k}" for k in fits)
        raise typer.BadParameter(
            f"reference {reference!r} does not cover model {name!r} (it covers "
            f"{', '.join(REFERENCES[reference])}); use "
            + (f"{use}, or --reference none" if fits else "--reference none")
            + " (recovery and calibration only)"
        )
    if name == "ddm" and reference == "analytic":
        path = run_validation(
            model, reference=reference, out=out, quick=quick, reuse=reuse, n_calibration=calibration
        )
    else:
        path = run_reference_validation(
            model, reference, out=out, n_sets=sets, n_calibration=calibration, quick=quick, reuse=reuse
        )
    typer.echo(f"report written to {path}")
    if write_card:
        saved = record_in_card(model, path, reference)
        typer.echo(f"metrics recorded in {saved / 'card.json'}")


if __name__ == "__main__":  # pragma: no cover
    app()
