"""The recipes of the shipped networks, as data: ``hssm-nre train MODEL`` without options rebuilds one.

Budgets are in optimizer steps, so the learning-rate schedule does not depend on the machine's
speed. The history of each recipe (what changed between versions and what it measured) is in
CHANGELOG.md and the network's validation report.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported in recipe(): reading RECIPES (the CLI does) needs no JAX
    from hssm_nre.simulation import SimConfig
    from hssm_nre.training.config import TrainConfig
    from hssm_nre.training.distill import DistillConfig

__all__ = ["DEFAULT_BUDGETS", "RECIPES", "Recipe", "local_version", "recipe"]

LOCAL_PREFIX = "0.0.0+local."


def local_version(now=None) -> str:
    """Return the version of a network trained without ``--version``: ``0.0.0+local.<date>.<time>``.

    A rebuilt network is not the shipped or published one it was rebuilt after (other
    machine, other numbers), so it never carries that id unless asked to with ``version=``
    (``--version``); ``hssm-nre ship`` refuses such local versions.

    Examples
    --------
    >>> import datetime
    >>> local_version(datetime.datetime(2026, 12, 4, 19, 5, 7, tzinfo=datetime.UTC))
    '0.0.0+local.20261204.190507'
    """
    import datetime

    now = now or datetime.datetime.now(datetime.UTC)
    return f"{LOCAL_PREFIX}{now:%Y%m%d.%H%M%S}"


# The budgets of a registry model without an entry in RECIPES (and of every entry's missing keys).
DEFAULT_BUDGETS = {
    "n": 2_000_000,
    "epochs": 40,
    "time_budget": 1600.0,
    "version": "0.1.0",
    "members": 1,
}
# The budgets each shipped network was trained with: `hssm-nre train MODEL` without options
# rebuilds it. Budgets are in optimizer steps, so the learning-rate schedule does not depend
# on the machine's speed.
RECIPE_020 = {
    "n": 2_000_000,
    "max_t": 100.0,
    "time_features": ("log", "linear", "inverse"),
    "max_steps": 40_000,
    "epochs": 100,
    "time_budget": 100_000.0,
    "version": "0.2.0",
}
RECIPES: dict[str, dict] = {
    # ddm 0.3.0: decision times to 100 s (at 20 s, 2.4 % of the trials at a = 2.5, v = 0 were
    # dropped, which biased a and t in slow data), linear and inverse time features, and a step
    # budget (the 74,200 steps of 0.2.0) instead of a time budget.
    # ddm 0.4.0: two such networks (seeds 0 and 1) averaged as a mixture of densities, which
    # cut the MLE shift's p90 from 0.40 to 0.29 SD (benchmarks/accuracy/ddm_ensemble.py).
    # ddm 0.5.0 (not shipped): 0.4.0 with a ratio network of two 64-wide layers; the same MLE
    # shifts on random parameters, but a little worse in the slow tail (set 3 of the report:
    # max |mean diff| / SD 0.493, over the DDM's 0.45).
    # ddm 0.6.0: 0.4.0 with a ratio network of three 64-wide layers instead of four 128-wide
    # ones (the head unchanged): the same MLE shifts member by member and as a mixture, the slow
    # set's included, at a sixth of the ratio network's arithmetic (benchmarks/results/ddm_width.md).
    "ddm": {
        "hidden": (64, 64, 64),
        "max_t": 100.0,
        "time_features": ("log", "linear", "inverse"),
        "max_steps": 74_200,
        "epochs": 40,
        "time_budget": 100_000.0,
        "members": 2,
        "version": "0.6.0",
    },
    **{m: {"n": 1_500_000, "max_steps": 20_000, "epochs": 100, "time_budget": 100_000.0} for m in ("levy",)},
    # 0.2.0 of the extended models: the DDM 0.3.0 changes (decision times to 100 s, time
    # features) and twice the steps. ornstein first: at 20 s its slow corner (a strong pull to
    # the middle, g near 1, and a wide boundary) lost 96 % of its trials and integrated to 0.92
    # there; by 100 s 16 % of them finish.
    # ornstein 0.3.0: the same with the normalization penalty (weight 1); against PyDDM the
    # posterior error fell from median 0.108 / max 0.492 SD to 0.103 / 0.324, SD ratios from
    # 0.77-1.11 to 0.85-1.05.
    "ornstein": {**RECIPE_020, "norm_weight": 1.0, "version": "0.3.0"},
    # angle and weibull 0.2.0 add the edge-heavy proposal (a quarter of the draws): the worst
    # vertex of the box integrates to 0.0075 (angle 0.1.0: 0.046) and 0.112 (weibull 0.1.0: 0.208)
    # from one.
    # angle and weibull 0.3.0: the same with the normalization penalty (weight 1, as full_ddm
    # 0.2.0). Against PyDDM the posterior error's median fell from 0.266 to 0.179 (angle) and
    # 0.201 to 0.178 (weibull); weibull's worst vertex from 0.112 to 0.086 from one. With seed 1
    # and the penalty's default cap both diverged (docs/method.md); seed 0 is the recipe.
    # angle and weibull 0.4.0: two such networks (seeds 0 and 1) with the penalty capped at
    # f <= 3, where seed 1 trains (with the default cap of 8 it diverged), averaged as a mixture
    # of densities. Against PyDDM angle's posterior error fell from median 0.179 / max 0.702 SD
    # (0.3.0) to 0.159 / 0.479, SD ratios 0.89-1.09 to 0.86-1.06; weibull's worst vertex from
    # 0.086 to 0.044 from one, its posterior error's median from 0.178 to 0.159.
    # weibull 0.5.0 (an experiment, not the recipe): 0.4.0 with 8,000,000 simulations per member;
    # against PyDDM median 0.197, max 0.782, SD ratios 0.73-1.19, so not shipped. Every member of
    # 0.4.0 and 0.5.0 tilts the likelihood by about 2 nats along beta where PyDDM is flat
    # (benchmarks/results/weibull.md): a recipe's bias, not a seed's noise. One member with
    # beta fed as its logarithm (log_params=("beta",)) is within 0.24 nats of PyDDM there, at
    # equal or better per-trial error.
    # weibull 0.6.0: 0.5.0 with beta fed as its logarithm, two members (seeds 0 and 1). Against
    # PyDDM the posterior error fell to median 0.124 / max 0.321 SD, SD ratios 0.87-1.21,
    # normalization 0.0034 (0.4.0: 0.159 / 0.667, 0.67-1.25): every bar met.
    # weibull 0.8.0 (not shipped): 0.6.0 with four 64-wide layers; the same validation losses,
    # but against PyDDM median 0.206, max 0.541 SD (benchmarks/results/narrow_networks.md).
    # weibull 0.9.0 (not shipped): 0.8.0's members and a third (seed 2), a mixture of three;
    # against PyDDM median 0.130, max 0.538 SD (set 0's t, along the boundary's trade-off).
    # weibull 0.10.0 (not shipped): 0.6.0 with five 64-wide layers; median 0.203, max 0.503 SD,
    # SD ratios 0.95-1.30.
    # weibull 0.11.0 (not shipped): 0.6.0 with four 96-wide layers (best validation losses 2.8765 /
    # 2.8769); its validation was stopped unfinished, so it is untested; 0.11.0 is used up.
    # angle 0.5.0: 0.4.0 with a fed as its logarithm (log_params), two members (seeds 0 and 1).
    # Both 0.4.0 members leaned towards narrow boundaries (4.1 and 9.4 nats along a at a
    # validation set's truth, benchmarks/results/angle_a_profile.md); against PyDDM the
    # posterior error fell from median 0.159 / max 0.479 SD to 0.067 / 0.279, SD ratios from
    # 0.86-1.06 to 0.93-1.05, normalization 0.0040.
    # angle 0.6.0 (not shipped): 0.5.0 with ratio networks of three 64-wide layers (as ddm 0.6.0):
    # the same validation losses, but a and theta shifted together against PyDDM (median 0.159,
    # max 0.395 SD).
    # angle 0.7.0: four 64-wide layers instead of four 128-wide ones, a quarter of the ratio
    # network's arithmetic (about 1.2x HSSM's LAN at 500 trials instead of 2.7x). Against PyDDM
    # median 0.133 / max 0.264 SD, SD ratios 0.93-1.10 (0.5.0: 0.067 / 0.279, 0.93-1.05).
    "angle": {
        **RECIPE_020,
        "hidden": (64, 64, 64, 64),
        "log_params": ("a",),
        "edge_share": 0.25,
        "norm_weight": 1.0,
        "norm_clip": 3.0,
        "members": 2,
        "version": "0.7.0",
    },
    "weibull": {
        **RECIPE_020,
        "n": 8_000_000,
        "log_params": ("beta",),
        "edge_share": 0.25,
        "norm_weight": 1.0,
        "norm_clip": 3.0,
        "members": 2,
        "version": "0.6.0",
    },
    # ddm_sdv 0.2.0: the same recipe as angle 0.2.0; against the analytic density its
    # posterior error fell from median 0.226 / max 0.566 SD (0.1.0) to 0.188 / 0.269.
    "ddm_sdv": {**RECIPE_020, "edge_share": 0.25},
    # full_ddm 0.2.0: the same with the normalization penalty (weight 1); against hssm's
    # blackbox likelihood its posterior error fell from median 0.323 / max 0.874 SD (0.1.0) to
    # 0.183 / 0.597.
    # full_ddm 0.3.0: two such networks (seeds 0 and 1; seed 0 is 0.2.0) as a mixture of
    # densities; the posterior error fell to median 0.116 / max 0.359 SD, SD ratios from
    # 0.86-1.42 to 0.92-1.18.
    # full_ddm 0.4.0: 0.3.0 with ratio networks of three 64-wide layers instead of four 128-wide
    # ones (as ddm 0.6.0); the same validation losses member by member (3.1747 / 3.1814), 738 s
    # per member with simulation on one core. Against the blackbox likelihood median 0.105 / max
    # 0.444 SD (the max: sz of set 2, whose posterior is nearly its prior), SD ratios 0.90-1.11.
    "full_ddm": {
        **RECIPE_020,
        "hidden": (64, 64, 64),
        "edge_share": 0.25,
        "norm_weight": 1.0,
        "members": 2,
        "version": "0.4.0",
    },
    # lba3 0.1.0 (issue 33): the first multi-choice network, no non-decision time (the network
    # sees the rt itself), three choices without a mirror, the exact LBA sampler; the angle
    # recipe's time features, edge-heavy proposal and normalization penalty, one member, and a
    # CPU budget of 45 minutes on one core (the schedule follows whichever of the step and the
    # time budget runs out first; the card records the steps it took).
    # lba3 0.2.0: 0.1.0 (not shipped, benchmarks/results/lba3.md) missed the posterior bars and
    # its density grew again beyond 1000 s, where the "linear" time feature extrapolated; 0.2.0
    # drops that feature (log and inverse time only, so far beyond the data the learned
    # reference's log-normal tail decays faster than the network can grow) and averages two
    # members (seeds 0 and 1), as the angle and DDM recipes do. It met the normalization and SD
    # ratio bars but not the posterior-mean ones (median 0.75 SD), so it is not shipped either.
    # lba3 0.3.0: 0.2.0 with every parameter fed as its logarithm. The errors of 0.1.0 and 0.2.0
    # lie along the LBA's near-symmetry (A, b and the drifts scaled together, broken only by the
    # fixed s = 0.1), which is a straight line in log parameters: one direction of the first
    # layer instead of a curve the MLP has to build. MLE shift at 1000 trials (median over the
    # identified random vectors, benchmarks/accuracy/score_check.py): 0.58 (0.2.0: 0.67).
    # lba3 0.4.0: 0.3.0 with 8,000,000 simulated trials instead of 2,000,000, the same 50,000
    # steps: the members' shifts differ from seed to seed and shrink with the data (median 0.25
    # for the mixture), so the error is the finite sample's (benchmarks/results/lba3.md).
    "lba3": {
        "n": 8_000_000,
        "time_features": ("log", "inverse"),
        "log_params": ("A", "b", "v0", "v1", "v2"),
        "members": 2,
        "edge_share": 0.25,
        "norm_weight": 1.0,
        "norm_clip": 3.0,
        "max_steps": 50_000,
        "epochs": 100,
        "time_budget": 2_700.0,
        "version": "0.4.0",
    },
    # gamma_drift 0.1.0 (issue 33): a DDM whose drift adds a gamma-shaped bump, mirrored in
    # (v, z, c); the angle 0.4.0 recipe. Not shipped: its likelihood rated narrow bumps at the
    # box's edge (scale near 0.01) 23-27 nats above what PyDDM gives them, a mode of its own
    # (benchmarks/accuracy/mle_check.py, benchmarks/results/gamma_drift.md).
    # gamma_drift 0.2.0: the same with the "drift" time feature (the evidence the bump has added
    # by each decision time). The made-up mode is gone on one set and 8.7 nats on another (from
    # 26.9 and 22.9); not validated, not shipped.
    # gamma_drift 0.3.0: 0.2.0 with `scale` fed as its logarithm (the box spans two decades and
    # the remaining error is at narrow bumps, scale 0.02-0.05) and 4,000,000 simulations instead
    # of 2,000,000 (the same 40,000 steps). Maxima -0.0 / -0.3 / 7.8 / 2.2 nats above PyDDM;
    # validated: posterior median 0.317, max 0.918, SD ratios 0.73-1.98; not shipped.
    "gamma_drift": {
        **RECIPE_020,
        "n": 4_000_000,
        "time_features": ("log", "linear", "inverse", "drift"),
        "log_params": ("scale",),
        "edge_share": 0.25,
        "norm_weight": 1.0,
        "norm_clip": 3.0,
        "members": 2,
        "version": "0.3.0",
    },
    # race_no_bias_angle_4 0.1.0 (issue 33): four accumulators racing to a collapsing boundary,
    # no mirror; the angle 0.4.0 recipe with the "boundary" time feature (the share of the
    # boundary left, which reaches zero where every accumulator must have finished).
    "race_no_bias_angle_4": {
        **RECIPE_020,
        "time_features": ("log", "linear", "inverse", "boundary"),
        "edge_share": 0.25,
        "norm_weight": 1.0,
        "norm_clip": 3.0,
        "members": 2,
        "version": "0.1.0",
    },
    # ddm_seq2_no_bias 0.1.0 (issue 33): two diffusions in sequence, four responses, no mirror;
    # the angle 0.4.0 recipe (decision times to 100 s, log / linear / inverse time features,
    # edge-heavy proposal, normalization penalty capped at 3, two members).
    "ddm_seq2_no_bias": {
        **RECIPE_020,
        "edge_share": 0.25,
        "norm_weight": 1.0,
        "norm_clip": 3.0,
        "members": 2,
        "version": "0.1.0",
    },
}


@dataclass(frozen=True)
class Recipe:
    """Everything that rebuilds a network: simulation and training settings, version, members.

    Members ``k = 0, 1, ...`` use the seeds ``seed + k`` of both configs and are averaged as a
    mixture of densities (:func:`hssm_nre.store.artifact.ensemble`). With ``distill``, that
    network (version ``teacher_version``) is the teacher of a compact student
    (:func:`hssm_nre.training.distill.distill`, version ``version``), which is the result.
    """

    sim: SimConfig
    train: TrainConfig
    version: str
    members: int
    distill: DistillConfig | None = None
    teacher_version: str | None = None


_SIM_KEYS = {"n", "dt", "max_t", "edge_share"}
_RENAMED = {"epochs": "max_epochs", "time_budget": "time_budget_s"}


def recipe(model: str, *, seed: int = 0, **overrides) -> Recipe:
    """Resolve the recipe of ``model`` (its shipped network's), with ``overrides`` that are not ``None``.

    ``hssm-nre train MODEL`` and :func:`hssm_nre.train` both resolve their settings here, so
    both rebuild the shipped network by default.

    Parameters
    ----------
    model
        Registry model name (a model without an entry gets :data:`DEFAULT_BUDGETS`).
    seed
        Seed of the first member's simulation and training.
    **overrides
        ``n``, ``dt``, ``max_t``, ``edge_share`` (simulation); ``version``, ``members``; ``epochs``,
        ``time_budget`` and any :class:`~hssm_nre.training.config.TrainConfig` field (training).
        ``None`` means "the recipe's value".

    Examples
    --------
    >>> r = recipe("ddm")
    >>> r.version, r.members, r.train.max_steps
    ('0.6.0', 2, 74200)
    """
    from hssm_nre.simulation import SimConfig
    from hssm_nre.training.config import TrainConfig

    given = {k: v for k, v in overrides.items() if v is not None}
    train_fields = {f.name for f in fields(TrainConfig)}
    unknown = (
        set(given)
        - _SIM_KEYS
        - train_fields
        - set(_RENAMED)
        - {"version", "members", "distill", "teacher_version"}
    )
    if unknown:
        raise TypeError(f"recipe() got unknown settings {sorted(unknown)}; see its docstring for the names")
    merged = {**DEFAULT_BUDGETS, **RECIPES.get(model, {}), **given}
    sim = SimConfig(seed=seed, **{k: merged[k] for k in _SIM_KEYS if k in merged})
    cfg = {_RENAMED.get(k, k): v for k, v in merged.items() if _RENAMED.get(k, k) in train_fields}
    members = int(merged["members"])
    if members < 1:
        raise ValueError(f"members must be at least 1, got {members}")
    cfg = TrainConfig(seed=seed, **cfg)
    student = None
    if merged.get("distill"):
        from hssm_nre.training.distill import DistillConfig

        student = DistillConfig(**{"seed": seed, **merged["distill"]})
    return Recipe(
        sim=sim,
        train=cfg,
        version=str(merged["version"]),
        members=members,
        distill=student,
        teacher_version=merged.get("teacher_version") if student else None,
    )
