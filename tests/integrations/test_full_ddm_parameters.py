"""ratio `full_ddm` (ssm-simulators' sz, st) and hssm's blackbox `full_ddm` (HDDM's sz / a, 2 st).

Same data, same parameter meaning after the conversion: the shipped network and hssm's own
likelihood agree within 0.1 nats per trial on average (docs/models.md).
"""

import numpy as np
import pytest

from hssm_nre.simulation import simulate_trials
from hssm_nre.store.hub import load_network

# v, a, z, t, sz, sv, st in ssm-simulators' (and the ratio network's) meaning
THETAS = [
    (0.8, 1.0, 0.5, 0.4, 0.1, 0.5, 0.1),
    (-0.5, 1.6, 0.4, 0.7, 0.15, 1.0, 0.2),
    (1.5, 0.8, 0.6, 0.3, 0.05, 0.2, 0.05),
]


def hssm_blackbox(theta, x):
    """hssm's blackbox full_ddm at the same parameters, converted to its meaning."""
    from hssm.likelihoods.blackbox import logp_full_ddm

    v, a, z, t, sz, sv, st = theta
    return np.asarray(logp_full_ddm(np.asarray(x, np.float64), v, a, z, t, sz / a, sv, 2 * st), np.float64)


@pytest.mark.parametrize("theta", THETAS)
def test_ratio_and_blackbox_full_ddm_agree_after_the_conversion(theta):
    net = load_network("full_ddm")
    rng = np.random.default_rng(7)
    x, ok = simulate_trials("full_ddm", np.tile(theta, (400, 1)), rng)
    x = x[ok]
    ours = np.asarray(net.logp(np.tile(theta, (len(x), 1)), x), np.float64)
    theirs = hssm_blackbox(theta, x)
    gap = float(np.mean(np.abs(ours - theirs)))
    assert gap < 0.1, (theta, gap)
    # without the conversion (hssm's numbers read as ours) the two disagree far more
    v, a, z, t, sz, sv, st = theta
    unconverted = hssm_blackbox((v, a, z, t, sz * a, sv, st / 2), x)
    assert np.mean(np.abs(ours - unconverted)) > gap


def test_a_ratio_full_ddm_model_says_what_sz_and_st_mean(caplog):
    import logging

    import hssm
    import pandas as pd

    x, ok = simulate_trials("full_ddm", np.tile(THETAS[0], (50, 1)), np.random.default_rng(0))
    data = pd.DataFrame({"rt": x[ok, 0], "response": x[ok, 1].astype(int)})
    with caplog.at_level(logging.INFO, logger="hssm"):
        hssm.HSSM(data, model="full_ddm", loglik_kind="ratio")
    notes = [r.getMessage() for r in caplog.records if "ssm-simulators' sz and st" in r.getMessage()]
    assert len(notes) == 1 and "(sz / a, 2 st)" in notes[0]
