"""Shared fixtures of the network tests."""

import pytest

from hssm_nre.simulation import SimConfig, simulate
from hssm_nre.training.config import TrainConfig
from hssm_nre.training.loop import fit


def _tiny_fit(model: str, seed: int, out, **settings):
    data = simulate(model, SimConfig(n=20_000, chunk=20_000, n_jobs=1, seed=seed), progress=False)
    cfg = TrainConfig(
        **{"hidden": (32, 32), "q_hidden": (32, 32), "q_components": 3, "max_epochs": 1, "batch_size": 512}
        | settings
    )
    return fit(model, data, cfg, out=out, progress=False)


@pytest.fixture(scope="session")
def tiny_fit():
    """``tiny_fit(model, seed, out)``: 20,000 simulations, one epoch of a 2 x 32 MLP (plumbing only)."""
    return _tiny_fit
