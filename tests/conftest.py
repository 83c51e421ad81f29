import numpy as np
import pytest

from hssm_nre.simulation import SimConfig, simulate
from hssm_nre.training.config import TrainConfig
from hssm_nre.training.loop import fit


@pytest.fixture(scope="session")
def ddm_data():
    return simulate("ddm", SimConfig(n=40_000, chunk=20_000, n_jobs=1, seed=3), progress=False)


@pytest.fixture(scope="session")
def tiny_nce(ddm_data, tmp_path_factory):
    """A small normalized DDM network (seconds to train; not accurate, for plumbing)."""
    out = tmp_path_factory.mktemp("nce")
    return fit(
        "ddm",
        ddm_data,
        TrainConfig(
            method="nce",
            hidden=(32, 32),
            q_hidden=(32, 32),
            q_components=3,
            max_epochs=2,
            batch_size=512,
            nu=2,
        ),
        out=out,
        progress=False,
    )


@pytest.fixture(scope="session")
def tiny_marginal(ddm_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("marginal")
    cfg = TrainConfig(
        method="nce",
        reference="marginal",
        hidden=(32, 32),
        max_epochs=1,
        batch_size=512,
        nu=2,
        n_components=3,
    )
    return fit("ddm", ddm_data, cfg, out=out, progress=False)


@pytest.fixture(scope="session")
def tiny_cnre(ddm_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("cnre")
    return fit(
        "ddm",
        ddm_data,
        TrainConfig(method="cnre", hidden=(32, 32), max_epochs=1, batch_size=512, K=3),
        out=out,
        progress=False,
    )


@pytest.fixture
def rng():
    return np.random.default_rng(0)


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
