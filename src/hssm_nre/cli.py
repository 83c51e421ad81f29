"""The ``hssm-nre`` command line."""

from __future__ import annotations

import functools
from pathlib import Path

import typer

from hssm_nre.training.recipes import RECIPES

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
        except ModuleNotFoundError as err:  # an optional dependency (hssm_nre.extras)
            from hssm_nre.extras import explain_missing

            better = explain_missing(err, f"hssm-nre {command.__name__.rstrip('_')}")
            if better is None:
                raise
            typer.echo(f"error: {better}", err=True)
            raise typer.Exit(1) from None

    return run


class _App(typer.Typer):
    """A Typer app whose every command reports expected errors in one line (see above)."""

    def command(self, *args, **kwargs):
        register = super().command(*args, **kwargs)
        return lambda f: register(_one_line_errors(f))


app = _App(help="Neural ratio likelihoods for HSSM: train, validate, list networks.", no_args_is_help=True)


def _print_version(value: bool) -> None:
    if value:
        import hssm_nre

        typer.echo(f"hssm-nre {hssm_nre.__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Neural ratio likelihoods for HSSM: train, validate, list networks."""


@app.command()
def train(
    model: str = typer.Argument(..., help="Registry model name, e.g. ddm, angle."),
    out: Path = typer.Option(
        None, help="Output directory (default: networks/MODEL under the current directory)."
    ),
    n: int = typer.Option(
        None, help="Simulated trials (one per parameter draw) (default: the model's recipe)."
    ),
    seed: int = typer.Option(0, help="Seed of simulation and training."),
    dt: float = typer.Option(1e-3, help="Simulator step (s); bridge-corrected."),
    max_t: float = typer.Option(
        None, help="Longest simulated decision time (s), slower trials dropped (default: recipe, else 20)."
    ),
    method: str = typer.Option(None, help="'nce' (normalized) or 'cnre' (plain ratio)."),
    hidden: str = typer.Option(
        None,
        help="Hidden layer widths of the ratio network (default: the model's recipe, else 128,128,128,128).",
    ),
    epochs: int = typer.Option(None, help="Maximum epochs (default: the model's recipe, else 40)."),
    nu: int = typer.Option(2, help="NCE reference draws per simulated trial."),
    q_hidden: str = typer.Option(
        None,
        help="Hidden widths of the learned reference head (default: the model's recipe, else 128,128,128).",
    ),
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
    version: str = typer.Option(
        None,
        help="Version written in the card (default: 0.0.0+local.<UTC timestamp>, never a shipped "
        "or published id; give one, e.g. 0.5.0, to ship or publish the network).",
    ),
    members: int = typer.Option(
        None, help="Networks averaged (seeds seed, seed + 1, ...) (default: the model's recipe, else 1)."
    ),
    workers: int = typer.Option(
        1,
        help="Train the members side by side in this many processes, one core each (e.g. 2 on a "
        "2-core machine: a two-member recipe in about one member's time).",
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
    log_params: str = typer.Option(
        None,
        help="Positive parameters fed to the network as their logarithm, comma-separated, e.g. beta "
        "(default: recipe; an empty string: none).",
    ),
    hide_params: str = typer.Option(
        None,
        help="Boundary shape parameters the network sees only through the boundary time features, "
        "e.g. alpha,beta (default: recipe; an empty string: none).",
    ),
    ema: float = typer.Option(
        None, help="Decay of a moving average of the weights, e.g. 0.9995 (default: recipe, else 0: none)."
    ),
    distill: bool = typer.Option(
        True,
        "--distill/--no-distill",
        help="When the recipe has one, distill the trained network into its compact student "
        "(`hssm-nre distill`; the trained network is saved to OUT-teacher).",
    ),
) -> None:
    """Simulate training data and train a ratio network for a registry MODEL."""
    from hssm_nre.models import get_model

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
        ("--workers", workers),
        ("--batch-size", batch_size),
        ("--nu", nu),
        ("--q-components", q_components),
    ):
        if value is not None and not value > 0:
            raise typer.BadParameter(f"{option} must be positive, got {value}; leave it out for the default")
    if version is not None and not version.strip():
        raise typer.BadParameter(
            "--version is empty; give one such as 0.5.0, or leave it out for a local 0.0.0+local.<timestamp>"
        )
    if time_features is not None and not time_features.strip():
        raise typer.BadParameter(
            "--time-features is empty; give a comma-separated list that starts with log, e.g. "
            "log,linear,inverse, or leave it out for the recipe's"
        )
    widths, q_widths = _widths("--hidden", hidden), _widths("--q-hidden", q_hidden)
    out = Path("networks") / spec.name if out is None else out  # relative to the working directory
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

    from hssm_nre.training.loop import train as _train
    from hssm_nre.training.recipes import local_version
    from hssm_nre.training.recipes import recipe as resolve_recipe

    if time_features is not None:
        time_features = tuple(f.strip() for f in time_features.split(","))
    log_params, hide_params = (
        None if v is None else tuple(p.strip() for p in v.split(",") if p.strip())
        for v in (log_params, hide_params)
    )
    # Every setting is checked here, before the (long) simulation of the first member.
    rec = resolve_recipe(
        spec.name,
        seed=seed,
        n=n,
        dt=dt,
        max_t=max_t,
        edge_share=edge_share,
        version=version or local_version(),
        members=members,
        method=method,
        hidden=widths,
        epochs=epochs,
        nu=nu,
        q_hidden=q_widths,
        q_components=q_components,
        batch_size=batch_size,
        base=base,
        time_features=time_features,
        time_budget=time_budget,
        max_steps=max_steps,
        norm_weight=norm_weight,
        norm_clip=norm_clip,
        log_params=log_params,
        hide_params=hide_params,
        ema=ema,
    )
    sim, cfg, version, members = rec.sim, rec.train, rec.version, rec.members
    _check_fits_model(spec, sim, cfg)

    student = rec.distill if distill else None
    net = _train(
        spec,
        sim,
        cfg,
        out=out,
        version=version,
        members=members,
        distill=student,
        teacher_version=rec.teacher_version,
        workers=workers,
    )
    for k, part in enumerate(net.member_cards):
        t = part["training"]
        typer.echo(
            f"member {k}: {t['steps']} steps, best val loss {t['best_val_loss']:.4f} ({t['stop_reason']})"
        )
    typer.echo(f"saved {net.name} to {out.absolute()}: total {net.card['total_seconds']} s")


def _widths(option: str, text: str | None) -> tuple[int, ...] | None:
    """Hidden layer widths from ``"128,128"`` (``None``: the recipe's)."""
    if text is None:
        return None
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
    from hssm_nre.training.config import _resolve_method

    method = _resolve_method(spec, cfg)  # method and base against the model
    if "boundary" in cfg.time_features and (spec.boundary is None or method != "nce"):
        raise typer.BadParameter(
            f"the 'boundary' time feature needs a model with a collapsing boundary (angle, weibull) "
            f"and method 'nce'; {spec.name!r} has boundary {spec.boundary!r}, method {method!r}. "
            "Drop boundary from --time-features"
        )
    from hssm_nre.training.loop import param_inputs

    try:
        param_inputs(spec, method, cfg.time_features, cfg.log_params, cfg.hide_params)
    except ValueError as err:
        raise typer.BadParameter(f"{err}; see --log-params / --hide-params") from err
    n_train = sim.n - max(int(cfg.val_fraction * sim.n), 1)
    if n_train < cfg.batch_size:
        raise typer.BadParameter(
            f"--n {sim.n} leaves {n_train} training simulations, fewer than one batch "
            f"(--batch-size {cfg.batch_size}); raise --n or lower --batch-size"
        )


def _save_ensemble(nets, out: Path, version: str):
    from hssm_nre.store.artifact import ensemble, save
    from hssm_nre.training.loop import plot_history

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
    from hssm_nre.store.artifact import load

    net = _save_ensemble([load(p) for p in networks], out, version)
    typer.echo(f"saved {net.name} ({net.n_members} members) to {out}: total {net.card['total_seconds']} s")


@app.command()
def distill(
    teacher: str = typer.Argument(..., help="Network to reproduce: model name, name@version or directory."),
    out: Path = typer.Option(..., help="Output directory of the student."),
    version: str = typer.Option(..., help="Version written in the student's card (never a shipped id)."),
    hidden: str = typer.Option("64,64,64", help="Hidden widths of the student's ratio network."),
    q_hidden: str = typer.Option("32,32", help="Hidden widths of the student's reference head."),
    steps: int = typer.Option(20_000, help="Optimizer steps."),
    n_theta: int = typer.Option(200_000, help="Parameter vectors drawn in the box (8 trials each)."),
    seed: int = typer.Option(0, help="Seed of the pairs, initialization and batches."),
) -> None:
    """Train a compact network that reproduces TEACHER's log-density (no simulation needed)."""
    if min(steps, n_theta) < 1:
        raise typer.BadParameter(f"--steps and --n-theta must be positive, got {steps} and {n_theta}")
    widths, q_widths = _widths("--hidden", hidden), _widths("--q-hidden", q_hidden)
    if out.exists() and not out.is_dir():
        raise typer.BadParameter(f"--out {str(out)!r} is a file; give a directory")
    from hssm_nre.store.hub import load_network
    from hssm_nre.training.distill import DistillConfig
    from hssm_nre.training.distill import distill as _distill

    cfg = DistillConfig(hidden=widths, q_hidden=q_widths, steps=steps, n_theta=n_theta, seed=seed)
    net = _distill(load_network(teacher), cfg, version=version, out=out)
    t = net.card["training"]
    typer.echo(
        f"saved {net.name} to {out}: {t['n_pairs']:,} pairs, RMSE vs teacher "
        f"{t['val_rmse_nats']:.4f} nats, {t['train_seconds']} s"
    )


@app.command("list")
def list_(
    cache_dir: Path = typer.Option(None, help="Cache directory (default: $HSSM_NRE_CACHE or user cache)."),
) -> None:
    """List the registry models, then the shipped, cached and published networks."""
    from hssm_nre.models import MODELS
    from hssm_nre.store.download import list_networks
    from hssm_nre.store.shipped import shipped_networks

    shipped = shipped_networks()
    typer.echo(f"{'model':10s} {'shipped':9s} training box (the network's; priors are truncated to it)")
    for name, spec in sorted(MODELS.items()):
        card = _shipped_card(shipped[name]) if name in shipped else None
        if card is None:
            box = ", ".join(f"{p} [{lo:g}, {hi:g}]" for p, (lo, hi) in spec.box_dict().items())
            typer.echo(f"{name:10s} {'-':9s} {box} (no network yet: `hssm-nre train {name}`)")
            continue
        model = card["model"]
        box = ", ".join(
            f"{p} [{lo:g}, {hi:g}]" for p, (lo, hi) in zip(model["params"], model["box"], strict=True)
        )
        typer.echo(f"{name:10s} {str(card.get('version')):9s} {box}")
    rows = list_networks(cache_dir)
    typer.echo("\nnetworks:" if rows else "\nnetworks: none shipped, cached or published")
    for row in rows:
        ref = f"{row['name']}@{row['version']}"
        checked = row["metrics"].get("reference")
        note = f"  (validated against {checked})" if checked else ""
        typer.echo(f"{ref:24s} {row['where']:8s} {row['location']}{note}")
    if rows:
        typer.echo(
            "\n`hssm-nre info NAME` shows a network's card: sha256, training, validation metrics, report"
        )


def _fmt(v) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def _shipped_card(dirname: str) -> dict | None:
    import json

    from hssm_nre.store.shipped import shipped_path

    try:
        card = json.loads((shipped_path(dirname) / "card.json").read_text())
    except (OSError, ValueError):
        return None
    return card if isinstance(card, dict) and isinstance(card.get("model"), dict) else None


@app.command()
def info(
    network: str = typer.Argument(..., help="A shipped name (ddm), NAME@VERSION or a network directory."),
) -> None:
    """Summarize a network's card: version, sha256, parameters and box, training, validation, report."""
    from hssm_nre.store.hub import load_network

    net = load_network(network)  # verifies the card and the sha256 of the weights
    card = net.card
    method = card.get("method") or {}
    kind = "normalized density (NCE)" if net.normalized else "plain ratio (CNRE): no LOO, no lapse"
    lines = [
        net.name,
        f"  directory   {net.path}",
        f"  sha256      {card.get('weights_sha256')} (weights.safetensors, verified)",
        f"  kind        {kind}; {net.n_members} member(s); method {method.get('name')}",
        f"  choices     {list(net.choices)}",
        "  parameters  " + ", ".join(f"{p} [{lo:g}, {hi:g}]" for p, (lo, hi) in net.box.items()),
    ]
    sim, training = card.get("simulation") or {}, card.get("training") or {}
    if sim or training:
        lines.append(
            f"  training    {sim.get('n', '?')} simulations (dt {sim.get('dt', '?')}, max_t "
            f"{sim.get('max_t', '?')} s), {training.get('steps', '?')} steps, "
            f"{card.get('total_seconds', '?')} s in all"
        )
    validation = dict(card.get("validation") or {})
    report, reference = validation.pop("report", None), validation.pop("reference", None)
    command = validation.pop("command", None)
    if validation:
        lines.append(f"  validation  against {reference or '?'} ({command or 'hssm-nre validate'}):")
        lines += [f"    {k:34s} {_fmt(v)}" for k, v in sorted(validation.items())]
    else:
        lines.append(f"  validation  none recorded (`hssm-nre validate {network}`)")
    if report:
        lines.append(f"  report      {report}")
    typer.echo("\n".join(lines))


@app.command()
def pull(
    name: str = typer.Argument(..., help="NAME or NAME@VERSION of a published network."),
    cache_dir: Path = typer.Option(None, help="Cache directory (default: $HSSM_NRE_CACHE or user cache)."),
    base_url: str = typer.Option(None, help="Where the files are served (default: the manifest's)."),
    offline: bool = typer.Option(None, "--offline/--online", help="Use the cache only (or force online)."),
    timeout: float = typer.Option(30.0, help="Seconds to wait for the server."),
) -> None:
    """Download a published network into the cache (verified by sha256) and print its directory."""
    from hssm_nre.store.download import UnknownNetworkError, list_networks
    from hssm_nre.store.download import pull as _pull

    try:
        path = _pull(name, cache_dir=cache_dir, base_url=base_url, offline=offline, timeout=timeout)
    except UnknownNetworkError as err:  # a shipped name: say which versions exist
        import json

        from hssm_nre.store.hub import unknown_version
        from hssm_nre.store.shipped import shipped_networks, shipped_path

        base, _, version = name.partition("@")
        if base not in shipped_networks():
            raise
        shipped = str(json.loads((shipped_path(base) / "card.json").read_text()).get("version"))
        if not version or version == shipped:
            raise ValueError(
                f"{base}@{shipped} is shipped with the package, nothing to download: pass "
                f"loglik={base!r} (or 'hssm-nre info {base}')"
            ) from err
        raise unknown_version(base, version, shipped, list_networks(cache_dir)) from err
    typer.echo(str(path))


@app.command()
def publish(
    directory: Path = typer.Argument(..., help="A trained network directory."),
    out: Path = typer.Option(..., help="Output directory: <out>/<name>/<version>/ + manifest-entry.json."),
    base_url: str = typer.Option(None, help="Where <out> will be served (default: the manifest's)."),
    hub: str = typer.Option(
        None, help="A Hugging Face Hub repository OWNER/NAME: write its upload folder with a model card."
    ),
    token: str = typer.Option(
        None, envvar="HF_TOKEN", help="With --hub: upload with this token ($HF_TOKEN) and pin the commit."
    ),
) -> None:
    """Lay out a trained network for upload and write its manifest entry (sha256, size, metrics)."""
    from hssm_nre.store.download import publish as _publish

    entry = _publish(directory, out, base_url=base_url, hub=hub, token=token)
    for name, versions in entry["networks"].items():
        for version, item in versions.items():
            typer.echo(f"published {name}@{version} to {out / name / version}")
            if hub is None:
                continue
            typer.echo(
                f"upload folder for {hub}: {out / name / version} (card.json, weights.safetensors, README.md)"
            )
            revision = item["hub"]["revision"]
            if revision:
                typer.echo(f"uploaded to {hub} at commit {revision} (pinned in the manifest entry)")
            else:
                typer.echo(
                    "no token: nothing uploaded. Upload the folder (e.g. `hf upload REPO FOLDER .`) and "
                    'write the commit id it prints as "revision" in the entry, or rerun with --token '
                    "(or $HF_TOKEN)"
                )
    if hub is None:
        typer.echo(f"manifest entry: {out / 'manifest-entry.json'} (upload {out} under {entry['base_url']})")
    else:
        typer.echo(f"manifest entry: {out / 'manifest-entry.json'}")


@app.command()
def export(
    network: str = typer.Argument(..., help="A shipped name, NAME@VERSION or a network directory."),
    onnx: Path = typer.Option(..., "--onnx", help="The ONNX file to write (hssm's approx_differentiable)."),
) -> None:
    """Write a network as a single-trial ONNX graph for plain hssm (loglik_kind="approx_differentiable")."""
    import json

    import onnx as onnx_lib

    from hssm_nre.integrations.onnx_export import export_onnx

    path = export_onnx(network, onnx)
    meta = {p.key: p.value for p in onnx_lib.load(str(path), load_external_data=False).metadata_props}
    typer.echo(f"wrote {meta['hssm_nre.network']} to {path} (input: {', '.join(json.loads(meta['input']))})")
    typer.echo(
        f'use: hssm.HSSM(data, model="{meta["model"]}", loglik="{path}", '
        f'loglik_kind="approx_differentiable", include=[... bounds {meta["bounds"]} ...])'
    )


def _reference_kinds() -> str:
    """Name the reference kinds and the models each covers, from the registry (for ``--help``)."""
    from hssm_nre.models import MODELS

    kinds: dict[str, list[str]] = {}
    for name, spec in MODELS.items():
        for kind in spec.references:
            kinds.setdefault(kind, []).append(name)
    return ", ".join(f"'{kind}' ({', '.join(names)})" for kind, names in kinds.items())


@app.command()
def validate(
    model: str = typer.Argument(..., help="Model name (uses its shipped network) or a network dir."),
    reference: str = typer.Option(
        None,
        help=f"Reference likelihood: {_reference_kinds()} or 'none' (recovery and calibration "
        "only) (default: the first of these that covers the model, else none).",
    ),
    out: Path = typer.Option(
        Path("docs/validation"), help="Report directory, relative to the current directory."
    ),
    quick: bool = typer.Option(False, help="Small budgets (a smoke run)."),
    reuse: bool = typer.Option(
        False, help="Reuse the posterior comparison (and calibration) of an earlier run."
    ),
    calibration: int = typer.Option(
        100, help="Data sets for simulation-based calibration (0: skip); default 0 beyond the DDM report."
    ),
    sets: int = typer.Option(3, help="Parameter sets of the reweighting comparison (models other than ddm)."),
    chains: int = typer.Option(
        2,
        help="NUTS chains of each posterior comparison (models other than ddm); more represent a "
        "posterior in separate modes better.",
    ),
    write_card: bool = typer.Option(False, help="Record the metrics in the network's card (re-saved)."),
    workers: int = typer.Option(
        0,
        help="Run the calibration's fits on a local Dask cluster of this many worker processes "
        '(0: one after another in this process). Needs pip install "hssm-nre\\[cluster]".',
    ),
    scheduler: str = typer.Option(
        None,
        help="Run the calibration's fits on a running Dask scheduler, e.g. tcp://host:8786 "
        "(its workers need hssm-nre and the same network).",
    ),
) -> None:
    """Validate a network against a reference likelihood and write a Markdown report."""
    from hssm_nre.cores import use_cpu_cores

    use_cpu_cores(warn=False)  # chains side by side, when JAX has not started yet
    from hssm_nre.validation.references import REFERENCES

    covers = "; ".join(f"{k!r} covers {', '.join(ms)}" for k, ms in REFERENCES.items())
    if reference is not None and reference not in (*REFERENCES, "none"):
        kinds = ", ".join(repr(k) for k in (*REFERENCES, "none"))
        raise typer.BadParameter(
            f"--reference must be one of {kinds}, got {reference!r} ({covers}; 'none': any model, "
            "recovery and calibration only)"
        )
    if calibration < 0 or sets < 1 or workers < 0 or chains < 1:
        raise typer.BadParameter(
            f"need --calibration >= 0, --sets >= 1, --workers >= 0 and --chains >= 1, "
            f"got {calibration}, {sets}, {workers} and {chains}"
        )
    from hssm_nre.validation.distributed import Cluster

    cluster = Cluster(workers=workers, scheduler=scheduler)
    import logging

    from hssm_nre.store.hub import load_network
    from hssm_nre.validation.report import (
        progress_log,
        record_in_card,
        run_reference_validation,
        run_validation,
    )

    if not progress_log.handlers:  # each report section as it starts, on stderr
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("validate %(message)s"))
        progress_log.addHandler(handler)
        progress_log.setLevel(logging.INFO)

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
        if chains != 2:
            raise typer.BadParameter(
                "--chains applies to the reweighting comparison of the other models; the DDM report "
                "against the analytic likelihood samples both posteriors with its own settings"
            )
        path = run_validation(
            model,
            reference=reference,
            out=out,
            quick=quick,
            reuse=reuse,
            n_calibration=calibration,
            cluster=cluster,
        )
    else:
        path = run_reference_validation(
            model,
            reference,
            out=out,
            n_sets=sets,
            n_calibration=calibration,
            quick=quick,
            reuse=reuse,
            cluster=cluster,
            chains=chains,
        )
    typer.echo(f"report written to {Path(path).absolute()}")
    if write_card:
        saved = record_in_card(model, path, reference)
        typer.echo(f"metrics recorded in {saved / 'card.json'}")


def _repo_root() -> Path:
    """Return the source checkout the package is imported from (``<root>/src/hssm_nre``)."""
    import hssm_nre

    root = Path(hssm_nre.__file__).resolve().parents[2]
    if not (root / "pyproject.toml").is_file() or not (root / "src" / "hssm_nre").is_dir():
        raise ValueError(
            f"hssm_nre is not imported from a source checkout ({Path(hssm_nre.__file__).parent}); "
            "pass --networks-dir and --docs-dir"
        )
    return root


def _report_files(report: Path, model: str) -> list[tuple[Path, Path]]:
    """``(source, path relative to the docs directory)`` of a report, its ``<model>_*`` files and figures.

    Files of a registry model whose name extends ``model`` (``ddm_sdv_*`` beside ``ddm_*``) are not
    this report's.
    """
    from hssm_nre.models import MODELS

    longer = tuple(f"{m}_" for m in MODELS if m != model and m.startswith(f"{model}_"))
    longer += tuple(f"{m}." for m in MODELS if m != model and m.startswith(f"{model}_"))
    files = [(report, Path(report.name))]
    for folder, rel in ((report.parent, Path()), (report.parent / "figures", Path("figures"))):
        if folder.is_dir():
            files += [
                (p, rel / p.name)
                for p in sorted(folder.glob(f"{model}_*"))
                if p.is_file() and not p.name.startswith(longer)
            ]
    return files


def _same_network(new_dir: Path, old_dir: Path) -> bool:
    """Whether two network directories hold the same weights and card (validation aside)."""
    import json

    import numpy as np
    from safetensors.numpy import load_file

    from hssm_nre.store.artifact import CARD, WEIGHTS, sha256_file

    def card(d: Path) -> dict:
        c = json.loads((d / CARD).read_text())
        return {k: v for k, v in c.items() if k not in ("validation", "weights_sha256", "schema_version")}

    if card(new_dir) != card(old_dir):
        return False
    if sha256_file(new_dir / WEIGHTS) == sha256_file(old_dir / WEIGHTS):
        return True
    new, old = load_file(str(new_dir / WEIGHTS)), load_file(str(old_dir / WEIGHTS))
    return new.keys() == old.keys() and all(np.array_equal(new[k], old[k]) for k in new)


def ship_network(
    network_dir: Path,
    report: Path | None = None,
    networks_dir: Path | None = None,
    docs_dir: Path | None = None,
) -> tuple[str, list[Path]]:
    """Ship a trained, validated network (``hssm-nre ship``).

    The network goes into ``networks_dir/<model>/``, its report into ``docs_dir``, and the
    report's metrics into the shipped card.
    Everything is checked and written into temporary directories first, then moved into place.
    Returns what was shipped (and what to do next) and the paths written.

    Raises
    ------
    ValueError
        When the network does not load, its report is missing or is another network's (or a
        ``--quick`` smoke run), or the version shipped for the model is this version with other
        weights (a changed network needs a new version id).
    """
    import json
    import os
    import re
    import shutil
    import tempfile

    from hssm_nre.store.artifact import CARD, WEIGHTS, load, save
    from hssm_nre.validation.report import record_in_card, with_density_figure

    net = load(network_dir)  # ArtifactError (a ValueError) when it does not load
    model, version = net.model, net.card["version"]
    from hssm_nre.training.recipes import LOCAL_PREFIX

    if str(version).startswith(LOCAL_PREFIX):
        raise ValueError(
            f"{network_dir} holds {net.name}, a local build (trained without --version): a shipped "
            f"network needs a release version; train it with `hssm-nre train {model} --version X.Y.Z`"
        )
    if net.card["name"] != model:
        raise ValueError(
            f"{network_dir} holds {net.name}, a network of model {model!r}: a shipped network is named "
            f"after its model; train it with `hssm-nre train {model}`"
        )
    root = None if networks_dir and docs_dir else _repo_root()
    networks_dir = Path(networks_dir or root / "src" / "hssm_nre" / "networks")
    docs_dir = Path(docs_dir or root / "docs" / "validation")
    report = Path(report or Path("runs") / "val" / model / f"{model}.md")
    if not report.is_file():
        raise ValueError(
            f"no validation report {str(report)!r}: validate the network first (`hssm-nre validate "
            f"{network_dir} --out {report.parent}`) or pass --report"
        )
    metrics = report.parent / f"{report.stem}_metrics.json"
    if report.stem != model or not metrics.is_file():
        raise ValueError(
            f"{report} is not a report of model {model!r} as `hssm-nre validate` writes it "
            f"(<out>/{model}.md beside <out>/{model}_metrics.json)"
        )
    text = report.read_text()
    header = re.match(r"# Validation of `([^`]+)`", text)
    if header is None or header.group(1) != net.name:
        raise ValueError(
            f"{report} validates {header.group(1) if header else 'an unnamed network'}, not {net.name} "
            f"in {network_dir}; validate this network"
        )
    found = re.search(r"^Reproduce: `hssm-nre validate (\S+)([^`]*)`", text, re.MULTILINE)
    reference = re.search(r"--reference (\S+)", found.group(2)) if found else None
    if reference is None:
        raise ValueError(f"{report} has no line 'Reproduce: `hssm-nre validate ... --reference ...`'")
    if "--quick" in found.group(2).split():
        raise ValueError(f"{report} is a --quick smoke run; validate without --quick before shipping")
    command = f"hssm-nre validate {model}{found.group(2)}"  # the shipped name, not the training directory
    text = text[: found.start(1)] + model + text[found.end(1) :]

    dest = networks_dir / model
    shipped = None
    if (dest / CARD).is_file():
        try:
            shipped = json.loads((dest / CARD).read_text())["version"]
        except (ValueError, KeyError, TypeError) as err:
            raise ValueError(f"cannot read the version of the shipped {dest / CARD} ({err}); fix it") from err
        if shipped == version and not ((dest / WEIGHTS).is_file() and _same_network(Path(network_dir), dest)):
            raise ValueError(
                f"{model}@{version} is shipped already with other weights or settings; a changed network "
                f"needs a new version id (e.g. `hssm-nre train {model} --version NEW`)"
            )
    files = _report_files(report, model)

    networks_dir.mkdir(parents=True, exist_ok=True)
    docs_dir.mkdir(parents=True, exist_ok=True)
    # Staged one level down, so that no half-written network is ever listed as shipped.
    stage_root = Path(tempfile.mkdtemp(prefix=f".{model}.ship-", dir=networks_dir))
    stage_net = stage_root / model
    stage_net.mkdir()
    stage_docs = Path(tempfile.mkdtemp(prefix=f".{model}.ship-", dir=docs_dir))
    written: list[Path] = []
    try:
        for name in (CARD, WEIGHTS, "loss.png"):
            if (Path(network_dir) / name).is_file():
                shutil.copy2(Path(network_dir) / name, stage_net / name)
        for src, rel in files:
            (stage_docs / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, stage_docs / rel)
        # the density figure is made beside the docs (benchmarks/accuracy/density_figures.py)
        (stage_docs / report.name).write_text(with_density_figure(text, model, docs_dir))
        staged = load(stage_net)
        record_in_card(staged, stage_docs / report.name, reference.group(1), command)
        final_report = (docs_dir / report.name).resolve()
        label = final_report.relative_to(root) if root and final_report.is_relative_to(root) else final_report
        staged.card["validation"]["report"] = str(label)
        save(staged, stage_net)
        load(stage_net)  # the shipped network loads

        for _, rel in files:
            (docs_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(stage_docs / rel, docs_dir / rel)
            written.append(docs_dir / rel)
        old = None
        if dest.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{model}.old-", dir=networks_dir))
            os.replace(dest, old / model)
        try:
            os.replace(stage_net, dest)
        except BaseException:
            if old is not None:
                os.replace(old / model, dest)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        written[:0] = sorted(dest.iterdir())
    finally:
        shutil.rmtree(stage_root, ignore_errors=True)
        shutil.rmtree(stage_docs, ignore_errors=True)
    summary = f"shipped {net.name}" + (f" (was {model}@{shipped})" if shipped not in (None, version) else "")
    tables = sorted(root.glob("benchmarks/**/validation_table.py")) if root else []
    if tables and docs_dir.resolve() == (root / "docs" / "validation").resolve():
        summary += f"; `python {tables[0].relative_to(root)}` rebuilds {docs_dir / 'index.md'}"
    return summary, written


@app.command()
def ship(
    network_dir: Path = typer.Argument(
        ..., help="A trained network directory (card.json, weights.safetensors)."
    ),
    report: Path = typer.Option(
        None,
        help="Its validation report MODEL.md, beside MODEL_metrics.json "
        "(default: runs/val/MODEL/MODEL.md, as `hssm-nre validate DIR --out runs/val/MODEL` writes).",
    ),
    networks_dir: Path = typer.Option(
        None, help="Where the package's networks are (default: src/hssm_nre/networks of this checkout)."
    ),
    docs_dir: Path = typer.Option(
        None, help="Where the validation reports are (default: docs/validation of this checkout)."
    ),
) -> None:
    """Ship a trained, validated network: copy it into the package, its report into the docs.

    The report's metrics are recorded in the shipped card. A changed network needs a new version.
    """
    summary, written = ship_network(network_dir, report, networks_dir, docs_dir)
    for path in written:
        typer.echo(f"wrote {path}")
    typer.echo(summary)


if __name__ == "__main__":  # pragma: no cover
    app()
