"""A ratio network as a PyMC distribution, for plain PyMC models and custom simulators.

The network's per-observation log-likelihood (or log-ratio) enters the model through a
pytensor Op backed by a jitted JAX function, so PyMC's NUTS, numpyro and blackjax all work, and
pytensor's ``floatX`` is left as the user set it.
"""

from __future__ import annotations

from hssm_nre.store.artifact import Network
from hssm_nre.store.hub import load_network

__all__ = ["RatioDistribution"]


def RatioDistribution(name: str, network: Network | str, observed, **params):  # noqa: N802
    """Add observations with a network likelihood to the current PyMC model.

    Parameters
    ----------
    name
        Name of the observed variable.
    network
        A :class:`~hssm_nre.store.artifact.Network`, a network directory or a shipped name.
    observed
        Array ``(n, obs_dim)`` (a 1-D array is read as ``(n, 1)``).
    **params
        One tensor per network parameter, by name: scalars or per-observation ``(n,)``
        arrays (e.g. a linear predictor).

    Returns
    -------
    The observed random variable; its log-likelihood is stored per observation.

    Examples
    --------
    >>> import pymc as pm  # doctest: +SKIP
    >>> with pm.Model():  # doctest: +SKIP
    ...     mu = pm.Uniform("mu", -5, 5)
    ...     sigma = pm.Uniform("sigma", 0.1, 5)
    ...     RatioDistribution("x", net, observed=x_obs, mu=mu, sigma=sigma)
    """
    import numpy as np
    import pymc as pm
    import pytensor.tensor as pt

    from hssm_nre.integrations.op import make_logp_op

    net = load_network(network)
    missing = [p for p in net.params if p not in params]
    extra = [p for p in params if p not in net.params]
    if missing or extra:
        raise ValueError(
            f"{net.name} takes parameters {list(net.params)}; missing {missing}, unexpected {extra}"
        )
    obs = np.asarray(observed, dtype=float)
    if obs.ndim == 1:
        obs = obs[:, None]
    dim = net.info.model.obs_dim
    if obs.ndim != 2 or obs.shape[1] != dim:
        raise ValueError(f"observed must have shape (n, {dim}) for {net.name}, got {obs.shape}")
    if not np.isfinite(obs).all():
        raise ValueError("observed contains NaN or infinite values; drop or fix them")
    op = make_logp_op(net)
    n = obs.shape[0]
    ordered = [pt.as_tensor_variable(params[p]) for p in net.params]

    def cols(theta):
        return [pt.broadcast_to(pt.flatten(t) if t.ndim else t, (n,)) for t in theta]

    if dim == 1:  # univariate: one scalar observation per row

        def logp1(value, *theta):
            return op(pt.reshape(value, (n, 1)), *cols(theta))

        return pm.CustomDist(name, *ordered, logp=logp1, observed=obs[:, 0], dtype="floatX")

    def logp(value, *theta):
        return op(value, *cols(theta))

    signature = ",".join(["()"] * len(ordered)) + "->(d)"
    return pm.CustomDist(
        name, *ordered, logp=logp, observed=obs, signature=signature, shape=obs.shape, dtype="floatX"
    )
