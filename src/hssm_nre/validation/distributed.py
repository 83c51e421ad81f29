"""Independent fits in this process, on a local Dask cluster, or on a running Dask scheduler.

Calibration and recovery runs are hundreds of independent posterior fits. :class:`Cluster`
says where they run and :func:`map_tasks` runs a picklable function over picklable tasks
there, returning the results in task order:

* ``Cluster()`` (the default): one after another in this process;
* ``Cluster(workers=4)``: a :class:`distributed.LocalCluster` of 4 worker processes with one
  thread each, started and closed around the run;
* ``Cluster(scheduler="tcp://host:8786")``: the workers of a running ``dask scheduler``
  (start them with ``dask worker tcp://host:8786 --nthreads 1``).

Dask is the optional ``cluster`` extra (``pip install "hssm-nre[cluster]"``). A task must not
carry JAX objects: it names its network (and its weights' sha256) and carries its data as
NumPy arrays; each worker process builds and compiles what it needs once and reuses it for
every task it runs (see :func:`hssm_nre.validation.calibration.calibration_fit`), so a
long-lived worker does not pile up compiled code and memory maps. :func:`process_memory`
reports a process's map count and resident memory, which the tasks return so that growth
would show.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from hssm_nre.extras import explain_missing

__all__ = ["Cluster", "map_tasks", "process_memory"]


@dataclass(frozen=True)
class Cluster:
    """Where independent fits run (see the module docstring).

    Parameters
    ----------
    workers
        Worker processes of a local Dask cluster (one thread each); 0 runs every task in this
        process, one after another.
    scheduler
        Address of a running Dask scheduler (``"tcp://host:8786"``); ``workers`` is then
        ignored (the cluster has its own).

    Examples
    --------
    >>> Cluster().sequential
    True
    >>> Cluster(workers=2).describe()
    'a local Dask cluster of 2 worker processes'
    """

    workers: int = 0
    scheduler: str | None = None

    def __post_init__(self) -> None:
        if self.workers < 0:
            raise ValueError(f"workers must be >= 0 (0: in this process), got {self.workers}")
        if self.scheduler is not None and not self.scheduler.strip():
            raise ValueError("scheduler must be an address such as 'tcp://host:8786', got an empty string")

    @property
    def sequential(self) -> bool:
        """True when tasks run one after another in this process."""
        return self.scheduler is None and self.workers == 0

    def describe(self) -> str:
        """Return where the tasks run, in words."""
        if self.scheduler is not None:
            return f"the Dask scheduler at {self.scheduler}"
        if self.workers:
            return f"a local Dask cluster of {self.workers} worker processes"
        return "this process, one fit after another"


def process_memory() -> dict[str, float]:
    """Memory maps and resident memory (MiB) of this process (Linux ``/proc``; NaN elsewhere).

    XLA maps memory for every compiled executable; a process that keeps compiling reaches the
    kernel's ``vm.max_map_count`` (65,530 by default) and crashes. ``max_map_count`` is that limit.

    Examples
    --------
    >>> sorted(process_memory())
    ['maps', 'max_map_count', 'pid', 'rss_mib']
    """
    out = {
        "pid": float(os.getpid()),
        "maps": float("nan"),
        "rss_mib": float("nan"),
        "max_map_count": float("nan"),
    }
    try:
        with open("/proc/self/maps", "rb") as f:
            out["maps"] = float(sum(1 for _ in f))
        with open("/proc/self/statm") as f:
            out["rss_mib"] = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        with open("/proc/sys/vm/max_map_count") as f:
            out["max_map_count"] = float(f.read())
    except (OSError, ValueError):
        pass
    return out


@contextmanager
def _client(cluster: Cluster) -> Iterator[object]:
    try:
        from distributed import Client, LocalCluster
    except ModuleNotFoundError as err:
        raise (explain_missing(err, f"running fits on {cluster.describe()}") or err) from err
    if cluster.scheduler is not None:
        with Client(cluster.scheduler) as client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=cluster.workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        ) as local,
        Client(local) as client,
    ):
        yield client


def map_tasks(
    fn: Callable, tasks: Iterable, cluster: Cluster | None = None, done: Callable[[], None] | None = None
) -> list:
    """Return ``[fn(task) for task in tasks]``, computed where ``cluster`` says.

    ``fn`` must be importable by name (a module-level function) and every task picklable;
    ``done()`` is called after each finished task (a progress bar's advance). A task that
    raises raises here.

    Examples
    --------
    >>> map_tasks(abs, [-1, 2, -3])
    [1, 2, 3]
    """
    cluster = cluster or Cluster()
    tasks = list(tasks)
    if cluster.sequential:
        results = []
        for task in tasks:
            results.append(fn(task))
            if done:
                done()
        return results
    with _client(cluster) as client:
        from distributed import as_completed

        futures = client.map(fn, tasks, pure=False)
        for _ in as_completed(futures):
            if done:
                done()
        return client.gather(futures)
