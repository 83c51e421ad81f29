"""Simulation-based calibration: many independent NUTS fits, here or on a Dask cluster.

The data sets are simulated in the calling process (so a seed gives the same data sets
wherever the fits run); each fit is a picklable :class:`CalibrationFit` that names its network
and carries its data, run by :func:`calibration_fit` in this process or on the workers of a
:class:`~hssm_nre.validation.distributed.Cluster`. A process keeps one network and one compiled
fit per (network, prior, draws, trials) and reuses them for every fit it runs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hssm_nre.simulation import simulate_trials
from hssm_nre.store.artifact import Network
from hssm_nre.validation.cases import CALIBRATION_PRIOR, VALIDATION_MAX_T
from hssm_nre.validation.distributed import Cluster, map_tasks, process_memory
from hssm_nre.validation.sampling import _onset_indices, _start_inside, nuts_sampler

__all__ = ["CalibrationFit", "calibration", "calibration_fit", "compiled_fit"]

# per process: networks by key, compiled fits by (key, prior, draws, trials shape)
_NETWORKS: dict[str, Network] = {}
_SAMPLERS: dict[tuple, object] = {}
# share of the kernel's map limit past which a process drops its compiled samplers
MAPS_SHARE = 0.5


@dataclass(frozen=True)
class CalibrationFit:
    """One calibration fit, picklable: the network by name / directory, the data as arrays.

    ``key`` identifies the network's weights (their sha256); a worker that loads
    ``network`` (a ``name@version``) or ``path`` (a directory, tried first when it exists there)
    checks it. ``prior`` is ``((low, high), ...)`` in the network's parameter order.
    """

    network: str
    path: str | None
    key: str
    prior: tuple[tuple[float, float], ...]
    draws: int
    dataset: int
    seed: int
    truth: np.ndarray
    x: np.ndarray


def _network_key(net: Network) -> str:
    return net.card.get("weights_sha256") or f"in-memory:{id(net)}"


def _load(task: CalibrationFit) -> Network:
    net = _NETWORKS.get(task.key)
    if net is None:
        from hssm_nre.store.hub import load_network

        source = task.path if task.path and Path(task.path).is_dir() else task.network
        net = load_network(source)
        if _network_key(net) != task.key:
            raise ValueError(
                f"network {source!r} on this worker has weights {_network_key(net)}, expected {task.key}; "
                f"install the same version of {task.network} on every worker (or pass a directory they share)"
            )
        _NETWORKS[task.key] = net
    return net


def compiled_fit(net: Network, prior: tuple[tuple[float, float], ...], draws: int):
    """Return one jitted NUTS fit ``fit(key, x, z0) -> (theta draws (draws, P), finite start)``.

    NUTS with a dense mass matrix (numpyro's ``hmc`` kernels), ``draws`` warmup then ``draws``
    kept iterations, under a uniform prior on ``prior``, sampled on numpyro's unconstrained scale
    (``theta = lo + (hi - lo) * sigmoid(z)``); ``z0`` is the unconstrained start. The warmup,
    the adaptation and the sampling are one XLA program, compiled once per data shape and then
    reused by every fit: building a ``numpyro.infer.MCMC`` run per fit instead compiles its
    initialization again each time (about 650 new memory maps a fit in a long-lived process).
    """
    import jax
    import jax.numpy as jnp
    from numpyro.infer.hmc import hmc

    from hssm_nre.net.logp import make_logp

    logp = make_logp(net)
    lo, hi = (jnp.asarray(b, jnp.float32) for b in np.array(prior, np.float32).T)
    n_par = len(prior)

    def theta_of(z):
        return lo + (hi - lo) * jax.nn.sigmoid(z)

    def potential(z, x):
        theta = theta_of(z)
        ll = jnp.sum(logp(jnp.broadcast_to(theta, (x.shape[0], n_par)), x))
        log_jac = jnp.sum(jnp.log(hi - lo) + jax.nn.log_sigmoid(z) + jax.nn.log_sigmoid(-z))
        return -(ll + log_jac)

    init_kernel, sample_kernel = hmc(potential_fn_gen=lambda x: lambda z: potential(z, x), algo="NUTS")

    @jax.jit
    def fit(key, x, z0):
        state = init_kernel(z0, draws, dense_mass=True, model_args=(x,), rng_key=key)

        def step(st, _):
            st = sample_kernel(st, model_args=(x,))
            return st, st.z

        state, _ = jax.lax.scan(step, state, None, length=draws)  # warmup: adapts step size and mass
        _, zs = jax.lax.scan(step, state, None, length=draws)
        return theta_of(zs), jnp.isfinite(potential(z0, x))

    return fit


def _fallback_draws(net: Network, task: CalibrationFit, prior: dict, lo, hi, onset_i) -> np.ndarray:
    """Draw with a fresh numpyro MCMC from the start inside the prior (compiles anew; rare failed starts)."""
    import jax
    import jax.numpy as jnp

    fresh, _, _ = nuts_sampler(net, prior, task.draws, start=_start_inside(task.x, lo, hi, *onset_i))
    fresh.run(jax.random.key(task.seed), jnp.asarray(task.x, jnp.float32))
    return np.asarray(fresh.get_samples()["theta"])


def calibration_fit(task: CalibrationFit) -> dict:
    """Run one calibration fit; return its rows, seconds and this process's memory afterwards.

    The fit (:func:`compiled_fit`) is compiled once per process for the network, prior, draws
    and number of trials, then reused. If the process's memory maps still pass
    :data:`MAPS_SHARE` of the kernel's limit, its compiled code is dropped
    (``jax.clear_caches()``) before it returns.
    """
    import jax
    import jax.numpy as jnp

    t0 = time.perf_counter()
    net = _load(task)
    prior = dict(zip(net.params, task.prior, strict=True))
    lo, hi = np.array(task.prior, np.float32).T
    onset_i = _onset_indices(net)
    spec = (task.key, task.prior, task.draws, task.x.shape)
    if spec not in _SAMPLERS:
        _SAMPLERS[spec] = compiled_fit(net, task.prior, task.draws)
    frac = (_start_inside(task.x, lo, hi, *onset_i) - lo) / (hi - lo)
    # float32 throughout, whatever the process's mode: `import hssm` turns on JAX's float64 mode,
    # under which numpyro's float64 momenta and the network's float32 positions cannot be mixed
    with jax.enable_x64(False):
        z0 = jnp.asarray(np.log(frac / (1 - frac)), jnp.float32)
        post, finite = _SAMPLERS[spec](jax.random.key(task.seed), jnp.asarray(task.x, jnp.float32), z0)
    post = np.asarray(post)
    try:
        if not bool(finite):
            post = _fallback_draws(net, task, prior, lo, hi, onset_i)
    except RuntimeError:  # NUTS found no finite starting point: counted, not hidden
        rows = [
            {"dataset": task.dataset, "param": "failed"}
            | dict.fromkeys(("truth", "rank", "mean", "sd"), np.nan)
        ]
    else:
        rows = [
            {
                "dataset": task.dataset,
                "param": p,
                "truth": float(task.truth[j]),
                "rank": float(np.mean(post[:, j] < task.truth[j])),
                "mean": float(post[:, j].mean()),
                "sd": float(post[:, j].std()),
            }
            for j, p in enumerate(net.params)
        ]
    mem = process_memory()
    if mem["maps"] > MAPS_SHARE * mem["max_map_count"]:
        _SAMPLERS.clear()
        jax.clear_caches()
    return {"dataset": task.dataset, "rows": rows, "seconds": time.perf_counter() - t0, **mem}


def calibration_tasks(
    net: Network, n_datasets: int, n_trials: int, draws: int, seed: int, prior: dict[str, tuple[float, float]]
) -> list[CalibrationFit]:
    """Simulate the data sets (parameters uniform on ``prior``) and return one task per data set.

    A data set with fewer than ``n_trials`` finished trials is skipped (fixed shapes compile once).
    """
    names = list(net.params)
    bounds = tuple((float(prior[p][0]), float(prior[p][1])) for p in names)
    lo, hi = np.array(bounds, np.float32).T
    rng = np.random.default_rng(seed)
    tasks = []
    for i in range(n_datasets):
        truth = rng.uniform(lo, hi)
        x, ok = simulate_trials(net.model, np.tile(truth, (n_trials, 1)), rng, max_t=VALIDATION_MAX_T)
        x = x[ok][:n_trials]
        if len(x) < n_trials:
            continue
        path = str(net.path) if net.path is not None else None
        tasks.append(
            CalibrationFit(net.name, path, _network_key(net), bounds, draws, i, seed * 100_003 + i, truth, x)
        )
    return tasks


def calibration(
    net: Network,
    n_datasets: int = 100,
    n_trials: int = 200,
    draws: int = 400,
    seed: int = 0,
    prior: dict[str, tuple[float, float]] | None = None,
    progress: bool = True,
    cluster: Cluster | None = None,
) -> pd.DataFrame:
    """Simulation-based calibration with numpyro NUTS on the network's likelihood.

    Parameters are drawn from a uniform ``prior`` (inside the training box), a data set of
    ``n_trials`` is simulated, and the same prior is used for inference. For a calibrated
    posterior the rank of the true value among the posterior draws is uniform, and a
    central ``q`` interval covers the truth in a share ``q`` of data sets. The fits run where
    ``cluster`` says (default: one after another in this process); the same ``seed`` gives
    the same data sets and NUTS keys wherever they run.

    Returns one row per data set and parameter: the true value, its normalized rank in
    ``[0, 1]`` and the posterior mean and SD. ``.attrs["fits"]`` has one row per fit: its
    seconds and the process that ran it (``pid``), with that process's memory maps and
    resident MiB afterwards.

    Examples
    --------
    >>> from hssm_nre.store.hub import load_network
    >>> cal = calibration(load_network("ddm"), n_datasets=2, draws=50, progress=False)  # doctest: +SKIP
    >>> cal = calibration(load_network("ddm"), cluster=Cluster(workers=2))  # doctest: +SKIP
    """
    from hssm_nre.progress import progress_bar

    cluster = cluster or Cluster()
    if not cluster.sequential and net.path is None:
        raise ValueError(
            f"network {net.name} has no directory, so workers cannot load it; save it first "
            "(hssm_nre.store.artifact.save(net, directory)) or use a published name"
        )
    if cluster.sequential:  # this process is the worker: use the network as given
        _NETWORKS[_network_key(net)] = net
    prior = prior or CALIBRATION_PRIOR.get(net.model) or net.box
    tasks = calibration_tasks(net, n_datasets, n_trials, draws, seed, prior)
    with progress_bar(progress) as bar:
        bar_task = bar.add_task("calibration", total=len(tasks), info=cluster.describe())
        results = map_tasks(calibration_fit, tasks, cluster, done=lambda: bar.advance(bar_task))
    cal = pd.DataFrame([row for r in results for row in r["rows"]])
    cal.attrs["fits"] = pd.DataFrame([{k: v for k, v in r.items() if k != "rows"} for r in results])
    return cal
