"""Every shipped network gives the log-likelihoods recorded in tests/golden (a refactor changes no number).

The values were recorded with ``python tests/golden/make_golden.py``; a network that ships a new
version needs them recorded again (the test says so).
"""

from pathlib import Path

import numpy as np
import pytest

from hssm_nre import load_network
from hssm_nre.store.shipped import shipped_networks

GOLDEN = np.load(Path(__file__).parent / "golden" / "shipped_logp.npz")
NAMES = sorted({k.split("/")[0] for k in GOLDEN.files})


def test_every_shipped_network_has_golden_values():
    assert NAMES == sorted(shipped_networks())


@pytest.mark.parametrize("name", NAMES)
def test_shipped_logp_matches_golden(name):
    net = load_network(name)
    recorded = str(GOLDEN[f"{name}/version"])
    assert net.card["version"] == recorded, (
        f"{name} ships {net.card['version']} but the golden values are of {recorded}: run "
        "`python tests/golden/make_golden.py` after checking the change is intended"
    )
    out = np.asarray(net.logp(GOLDEN[f"{name}/theta"], GOLDEN[f"{name}/x"]))
    want = GOLDEN[f"{name}/logp"]
    assert np.isfinite(want).all()
    # identical on the machine that recorded them; the tolerance (float32 rounding) covers a CPU
    # whose vector instructions make XLA sum in another order
    np.testing.assert_allclose(out, want, rtol=1e-6, atol=2e-5)
