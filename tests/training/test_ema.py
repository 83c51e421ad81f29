"""TrainConfig.ema: the weights kept are a moving average over the optimizer's steps."""

import numpy as np
import pytest

from hssm_nre.training.config import TrainConfig


def _max_change(a, b):
    return max(float(np.max(np.abs(a.weights[k] - b.weights[k]))) for k in a.weights if k in b.weights)


@pytest.fixture(scope="module")
def three_fits(tmp_path_factory, tiny_fit):
    out = tmp_path_factory.mktemp("ema")
    # two steps, the first at the warm-up's zero learning rate: the average after them is
    # d * init + (1 - d) * (the weights after the second step)
    settings = {"max_steps": 2}
    plain = tiny_fit("ddm", 0, out / "plain", **settings)
    half = tiny_fit("ddm", 0, out / "half", ema=0.5, **settings)
    still = tiny_fit("ddm", 0, out / "still", ema=0.999999, **settings)
    return plain, half, still


def test_ema_keeps_the_average_of_the_weights(three_fits):
    plain, half, still = three_fits
    assert plain.card["training"]["ema"] == 0.0 and half.card["training"]["ema"] == 0.5
    assert plain.card["training"]["steps"] == half.card["training"]["steps"] == 2
    moved = _max_change(plain, still)  # still ~ the initial weights; plain has taken one Adam step
    assert moved > 1e-4
    # the same optimizer path, so the 0.5 average lies halfway between the initial and the stepped weights
    for k in plain.weights:
        mid = 0.5 * (plain.weights[k] + still.weights[k])
        np.testing.assert_allclose(half.weights[k], mid, atol=1e-5 * max(1.0, moved), err_msg=k)


def test_ema_outside_zero_to_one_is_an_error():
    with pytest.raises(ValueError, match="ema must be in"):
        TrainConfig(ema=1.0)
    with pytest.raises(ValueError, match="ema must be in"):
        TrainConfig(ema=-0.1)
