"""The pytensor op around a network's JAX log-likelihood, shared by the hssm and PyMC integrations."""

from __future__ import annotations


def make_logp_op(net, censored: tuple | None = None):
    """Build a pytensor Op ``op(data, *params) -> (n,)`` for a network, usable by every PyMC sampler.

    Forward and vector-Jacobian product are jitted JAX functions; under the JAX linker
    (numpyro, blackjax) the un-jitted function is inlined into the sampler's graph. With
    ``censored = (n_missing, n, deadlines)`` the data has a third column, the deadline, and its
    first ``n_missing`` rows (``rt = -999``) give ``log P(rt > deadline | theta)``
    (:func:`hssm_nre.net.survival.make_hssm_censored_logp`).
    """
    import jax
    import jax.numpy as jnp
    from hssm.distribution_utils.jax import make_jax_logp_ops

    from hssm_nre.net.logp import make_hssm_logp
    from hssm_nre.net.survival import make_hssm_censored_logp

    if censored is None:
        logp = make_hssm_logp(net, len(net.params))
    else:
        logp = make_hssm_censored_logp(net, len(net.params), censored)

    def vjp(data, *params, gz):
        out, pull = jax.vjp(lambda *p: logp(data, *p), *params)
        return pull(jnp.asarray(gz, out.dtype))  # pytensor may send a float64 cotangent

    return make_jax_logp_ops(jax.jit(logp), jax.jit(vjp), logp)
