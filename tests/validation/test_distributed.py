"""Independent fits in this process and on a local Dask cluster (2 workers, tiny fits)."""

import os
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from hssm_nre.cli import app
from hssm_nre.store.hub import load_network
from hssm_nre.validation.calibration import calibration
from hssm_nre.validation.distributed import Cluster, map_tasks, process_memory

TINY = {"n_datasets": 6, "n_trials": 40, "draws": 30, "seed": 3, "progress": False}


def test_map_tasks_in_this_process_keeps_order_and_counts():
    done = []
    assert map_tasks(abs, [-3, 1, -2], done=lambda: done.append(1)) == [3, 1, 2]
    assert len(done) == 3


@pytest.mark.parametrize(
    ("kw", "fragment"),
    [({"workers": -1}, "workers must be >= 0"), ({"scheduler": " "}, "tcp://host:8786")],
)
def test_cluster_rejects_bad_settings(kw, fragment):
    with pytest.raises(ValueError, match=fragment):
        Cluster(**kw)


@pytest.mark.parametrize(
    ("cluster", "words"),
    [
        (Cluster(), "this process"),
        (Cluster(workers=3), "3 worker processes"),
        (Cluster(workers=3, scheduler="tcp://h:8786"), "tcp://h:8786"),
    ],
)
def test_cluster_says_where_fits_run(cluster, words):
    assert words in cluster.describe()


def test_missing_dask_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ModuleNotFoundError
    with pytest.raises(ModuleNotFoundError, match=r'pip install "hssm-nre\[cluster\]"'):
        map_tasks(abs, [1], Cluster(workers=2))


def test_process_memory_counts_this_process():
    mem = process_memory()
    assert mem["pid"] == os.getpid()
    if sys.platform == "linux":
        assert mem["maps"] > 0 and mem["rss_mib"] > 0 and mem["max_map_count"] > 0


@pytest.mark.parametrize("value", ["-1", "x"])
def test_validate_rejects_bad_workers(value, tmp_path, monkeypatch):
    import hssm_nre.validation.report

    monkeypatch.setattr(hssm_nre.validation.report, "run_validation", lambda *a, **k: 1 / 0)
    res = CliRunner().invoke(app, ["validate", "ddm", "--workers", value, "--out", str(tmp_path)])
    assert res.exit_code != 0 and "--workers" in res.output


def test_validate_passes_the_cluster_to_the_report(tmp_path, monkeypatch):
    import hssm_nre.validation.report

    seen = {}

    def fake(target, **kw):
        seen.update(kw)
        return tmp_path / "ddm.md"

    monkeypatch.setattr(hssm_nre.validation.report, "run_validation", fake)
    args = ["validate", "ddm", "--workers", "3", "--scheduler", "tcp://h:8786", "--out", str(tmp_path)]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert seen["cluster"] == Cluster(workers=3, scheduler="tcp://h:8786")


@pytest.fixture(scope="module")
def both_ways():
    """The same tiny calibration in this process and on a local cluster of 2 workers."""
    net = load_network("ddm")
    return calibration(net, **TINY), calibration(net, cluster=Cluster(workers=2), **TINY)


def test_local_cluster_gives_the_sequential_results(both_ways):
    here, there = both_ways
    assert len(here) == len(there) > 0 and (here.param != "failed").all()
    for col in ("dataset", "param"):
        assert (here[col].to_numpy() == there[col].to_numpy()).all()
    for col in ("truth", "rank", "mean", "sd"):
        np.testing.assert_allclose(here[col], there[col], rtol=1e-4, atol=1e-4)


def test_local_cluster_runs_fits_in_worker_processes(both_ways):
    here, there = both_ways
    assert set(here.attrs["fits"].pid) == {os.getpid()}
    workers = set(there.attrs["fits"].pid)
    assert os.getpid() not in workers and len(workers) <= 2


@pytest.mark.parametrize("where", [0, 1])
def test_a_process_compiles_once_and_its_memory_maps_stay_flat(both_ways, where):
    fits = both_ways[where].attrs["fits"]
    for _, per_process in fits.groupby("pid"):
        # after its first fit (which compiles, and in a long-lived process such as the whole test
        # suite's may pass half the map limit and drop the caches) a process's maps stay flat
        later = per_process.iloc[1:]
        if len(later) > 1:
            assert later.maps.max() - later.maps.min() <= 20, per_process
    assert any(len(p) > 2 for _, p in fits.groupby("pid"))  # some process ran several fits
