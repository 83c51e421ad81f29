"""`train(..., workers=2)`: the members in two processes, the same networks as one after another."""

import numpy as np
import pytest

from hssm_nre.models import ModelSpec
from hssm_nre.simulation import SimConfig
from hssm_nre.training.config import TrainConfig
from hssm_nre.training.loop import train

SIM = SimConfig(n=20_000, chunk=20_000, n_jobs=1, seed=3)
CFG = TrainConfig(hidden=(32, 32), q_hidden=(32, 32), q_components=3, max_epochs=1, batch_size=512, seed=3)


def test_two_workers_train_the_members_of_one_after_another(tmp_path):
    kw = {"members": 2, "version": "0.0.0+test", "progress": False}
    side = train("ddm", SIM, CFG, workers=2, out=tmp_path / "side", **kw)
    seq = train("ddm", SIM, CFG, workers=1, **kw)
    assert side.n_members == seq.n_members == 2
    for a, b in zip(side.member_cards, seq.member_cards, strict=True):
        assert a["training"]["seed"] == b["training"]["seed"]
        assert a["simulation"]["seed"] == b["simulation"]["seed"]
        # same data and seeds; the thread count (and, once hssm is imported, JAX's x64 mode in
        # this process but not in the workers) changes the arithmetic: close, not equal
        assert a["training"]["best_val_loss"] == pytest.approx(b["training"]["best_val_loss"], abs=0.05)
    assert [c["training"]["seed"] for c in side.member_cards] == [3, 4]
    theta = np.array([[0.5, 1.0, 0.5, 0.3]])
    x = np.array([[0.6, 1.0], [0.9, -1.0]])
    np.testing.assert_allclose(side.logp(theta, x), seq.logp(theta, x), atol=0.5)
    assert (tmp_path / "side" / "card.json").is_file()


def test_workers_need_a_registry_model_and_a_positive_count():
    custom = ModelSpec.custom(
        "gauss", ["mu"], {"mu": (-1.0, 1.0)}, simulator=lambda th, rng: th + rng.normal(size=th.shape)
    )
    with pytest.raises(ValueError, match="workers must be at least 1"):
        train("ddm", SIM, CFG, members=2, workers=0, progress=False)
    with pytest.raises(ValueError, match="custom ModelSpec"):  # before anything is simulated
        train(custom, SIM, CFG, members=2, workers=2, progress=False)
