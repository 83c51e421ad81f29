"""Closed-form base densities p_0(x | theta): with a base, the network's output is the correction.

With ``base = "ddm"`` in the card, ``log p = f + log p_0`` where ``p_0`` is the analytic DDM
density at the model's ``v, a, z``; the learned mixture of :mod:`.noise` is then only the NCE noise.
"""

from __future__ import annotations

import jax.numpy as jnp

from hssm_nre.net.features import (
    Transform,
    choice_sign,
    time_of,
)

__all__ = ["BASES", "base_logpdf"]


# ---------------------------------------------------------------------------
# Closed-form base densities p_0(x | theta). With a base, the network's output is the
# correction: log p = f + log p_0. The learned mixture above is then only the NCE noise.

BASES = ("none", "ddm")
BASE_PARAMS = ("v", "a", "z")


def base_logpdf(base: str, tr: Transform, index: tuple[int, ...], theta, x):
    """``log p_0(x | theta)``: the analytic DDM density at the model's ``(v, a, z)``.

    ``index`` gives the columns of ``v, a, z`` in ``theta``. The decision time is counted
    from the earliest onset (``rt - t``, or ``rt - (t - st)``), so ``p_0`` is a normalized
    density on the model's support; a model that extends the DDM leaves the network only
    what its extra parameters change.
    """
    if base != "ddm":
        raise ValueError(f"unknown base density {base!r}; choose from {BASES}")
    from hssm_nre.net.ddm_density import ddm_logp_jax

    v, a, z = (theta[..., i] for i in index)
    th = jnp.stack([v, a, z, jnp.zeros_like(v)], axis=-1)
    u = time_of(tr, theta, x)
    return ddm_logp_jax(th, jnp.stack([u, choice_sign(tr, x[..., 1]).astype(u.dtype)], axis=-1))
