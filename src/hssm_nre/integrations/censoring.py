"""Deadlines and missing responses for ``loglik_kind="ratio"`` (hssm's ``missing_data`` / ``deadline``).

hssm codes a trial without a response as ``rt = -999`` and, with ``deadline=True``, turns
every trial with ``rt >= deadline`` into one. For its approximate likelihoods it then asks
a second network (an OPN) for ``log P(rt > deadline | theta)``. A normalized ratio network is
itself a density over reaction time and choice, so the ratio kind reads that probability
from the same network (:mod:`hssm_nre.net.survival`); no second network is involved.

Supported: ``missing_data=True`` (or ``-999.0``) together with ``deadline=True`` (or the
name of the deadline column), with a normalized network. Refused, with the reason: a
plain (unnormalized) network, ``missing_data`` without a deadline (a diffusion model responds
eventually, so a missing response has no probability under it without a deadline),
``deadline`` without ``missing_data`` (hssm's own convention needs both), a missing-data code
other than ``-999`` and a ``loglik_missing_data`` (the network gives it).
"""

from __future__ import annotations

import numpy as np

from hssm_nre.net.survival import MISSING_RT

__all__ = ["MISSING_RT", "censoring_of", "check_censoring_args", "observed_rows"]


def censoring_of(arguments: dict) -> str | None:
    """Return the deadline column's name when ``arguments`` ask for censored trials, else None.

    Raises ``ValueError`` for the combinations the ratio kind does not serve (see the module).
    """
    missing = arguments.get("missing_data", False)
    deadline = arguments.get("deadline", False)
    if (missing is False or missing is None) and not deadline:
        return None
    if not deadline:
        raise ValueError(
            "missing_data=True without a deadline is not supported by loglik_kind='ratio': a "
            "diffusion model responds eventually, so a missing response has no probability under "
            "the network unless a deadline cut it off. Pass deadline=True with a 'deadline' column "
            "(the time after which no response was recorded), or drop the missing trials."
        )
    if missing is False or missing is None:
        raise ValueError(
            "deadline=True needs missing_data=True as well (hssm's convention: trials with no "
            "response before the deadline are coded rt = -999 and censored). Pass both."
        )
    if not isinstance(missing, bool) and float(missing) != MISSING_RT:
        raise ValueError(
            f"missing_data={missing!r}: with a deadline hssm only recognizes rt = -999 as a missed "
            "response. Recode the missed trials' rt to -999 and pass missing_data=True."
        )
    if arguments.get("loglik_missing_data") is not None:
        raise ValueError(
            "loglik_missing_data is not used by loglik_kind='ratio': P(rt > deadline | theta) comes "
            "from the normalized network itself (quadrature over its density). Leave it out."
        )
    return deadline if isinstance(deadline, str) else "deadline"


def check_censoring_args(data, arguments: dict, net) -> str | None:
    """Check the censoring arguments and the deadline column; return the column's name (or None)."""
    import pandas as pd

    column = censoring_of(arguments)
    if column is None:
        return None
    if not net.normalized:
        raise ValueError(
            f"{net.name} is a plain ratio network (unnormalized): it cannot give P(rt > deadline | "
            "theta) for censored trials. Use a normalized network (card method.normalized = true, "
            "e.g. the shipped 'ddm') with missing_data / deadline."
        )
    if net.info.model.ndt is None or net.transform.x_kind != "rt_choice":
        raise ValueError(f"{net.name} has no reaction time to censor; missing_data / deadline need one")
    if isinstance(data, pd.DataFrame) and column not in data.columns:
        raise ValueError(
            f"deadline={arguments.get('deadline')!r} but data has no column {column!r}; add the "
            "per-trial deadline (seconds) as that column."
        )
    dl = np.asarray(data[column], dtype=float)
    if not np.all(np.isfinite(dl) & (dl > 0)):
        rows = np.flatnonzero(~(np.isfinite(dl) & (dl > 0)))[:5].tolist()
        raise ValueError(
            f"the deadline column {column!r} must hold positive seconds on every trial; rows {rows} "
            "do not. Fix or drop them."
        )
    return column


def observed_rows(data, column: str | None) -> np.ndarray:
    """Flag the trials with a response: ``rt != -999`` and (with a deadline) ``rt < deadline``."""
    rt = np.asarray(data["rt"], dtype=float)
    keep = rt != MISSING_RT
    if column is not None:
        keep &= rt < np.asarray(data[column], dtype=float)
    return keep
