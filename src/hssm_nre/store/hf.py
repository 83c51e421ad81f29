"""Networks on a Hugging Face Hub repository: pinned pulls, the model card, the upload folder.

A published version is a manifest entry (see :mod:`.download`) with a ``hub`` location::

    "ddm": {"0.6.0": {"hub": {"repo_id": "hssm-nre/ddm", "revision": "<40-hex commit id>"},
                      "files": {"card.json": {"sha256": ..., "size": ...},
                                "weights.safetensors": {"sha256": ..., "size": ...}},
                      "metrics": {...}}}

:func:`hssm_nre.store.download.pull` fetches ``card.json`` and ``weights.safetensors`` from the
repository root at exactly that commit with ``huggingface_hub.hf_hub_download`` (a branch or tag
name is refused by :func:`check_hub`: it can move) and checks every file against its sha256
before anything lands in the cache, as for any other download. The endpoint is ``endpoint=`` >
``$HF_ENDPOINT`` > the manifest's ``hub.endpoint`` > ``https://huggingface.co``.

:func:`write_upload_folder` lays out a trained network for a repository (``card.json``,
``weights.safetensors`` and a ``README.md`` model card made from the network's card by
:func:`model_card`); :func:`upload` sends it with ``huggingface_hub`` and returns the commit id
to pin.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

from hssm_nre.store.artifact import CARD, WEIGHTS, Network

__all__ = [
    "DEFAULT_ENDPOINT",
    "check_hub",
    "get_endpoint",
    "model_card",
    "upload",
    "write_upload_folder",
]

DEFAULT_ENDPOINT = "https://huggingface.co"
README = "README.md"
_REPO = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/[A-Za-z0-9][A-Za-z0-9_.-]{0,95}")
_COMMIT = re.compile(r"[0-9a-f]{40}")


def check_repo_id(repo_id: object, where: str, error: type[ValueError] = ValueError) -> str:
    """Return ``repo_id`` if it is ``owner/name`` of safe characters (no ``..``), else raise ``error``."""
    if not isinstance(repo_id, str) or not _REPO.fullmatch(repo_id) or ".." in repo_id:
        raise error(
            f"invalid Hugging Face repository {repo_id!r} {where}: expected 'owner/name' of letters, digits, "
            "'.', '_' or '-' (e.g. 'my-lab/ddm')"
        )
    return repo_id


def check_hub(hub: object, where: str, error: type[ValueError] = ValueError) -> dict:
    """Check a manifest entry's ``hub`` location: a safe repository and a pinned 40-hex commit id."""
    if not isinstance(hub, dict):
        raise error(f"the hub location {where} must be an object {{repo_id, revision}}, got {hub!r}")
    check_repo_id(hub.get("repo_id"), where, error)
    rev = hub.get("revision")
    if not isinstance(rev, str) or not _COMMIT.fullmatch(rev):
        raise error(
            f"the hub revision {rev!r} {where} is not pinned: expected the 40-hex commit id the upload "
            "returned (a branch or tag can move); republish with `hssm-nre publish DIR --hub REPO`"
        )
    return hub


def get_endpoint(endpoint: str | None = None, manifest: dict | None = None) -> str:
    """Return the hub: ``endpoint`` > ``$HF_ENDPOINT`` > the manifest's ``hub.endpoint`` > huggingface.co.

    Examples
    --------
    >>> get_endpoint("http://127.0.0.1:8000/")
    'http://127.0.0.1:8000'
    """
    url = endpoint or os.environ.get("HF_ENDPOINT") or ((manifest or {}).get("hub") or {}).get("endpoint")
    return str(url or DEFAULT_ENDPOINT).rstrip("/")


# ------------------------------------------------------------------------------ publish


def _fmt(v) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def model_card(net: Network, repo_id: str) -> str:
    """Write the ``README.md`` of a repository holding ``net``: metrics, training box, report, use.

    Everything comes from the network's card (``card.json``, uploaded beside it).

    Examples
    --------
    >>> from hssm_nre import load_network
    >>> text = model_card(load_network("ddm"), "my-lab/ddm")  # doctest: +SKIP
    >>> "## Training box" in text  # doctest: +SKIP
    True
    """
    card = net.card
    info = net.info
    val = card.get("validation") or {}
    tr, sim = card.get("training") or {}, card.get("simulation") or {}
    kind = "normalized log-likelihood" if net.normalized else "log-ratio (not normalized)"
    lines = [
        "---",
        "library_name: hssm-nre",
        "tags:",
        "- hssm",
        "- sequential-sampling-models",
        "- neural-ratio-estimation",
        "- likelihood",
        "---",
        "",
        f"# {net.name}: a neural likelihood for the `{info.model.name}` model",
        "",
        f"A pre-trained network for [HSSM](https://github.com/lnccbrown/HSSM) with `hssm-nre` "
        f'(`loglik_kind="ratio"`): the per-trial {kind} of (rt, response) given '
        f"{', '.join(f'`{p}`' for p in info.model.params)}.",
        "",
        "## Use",
        "",
        "```python",
        "import hssm, hssm_nre",
        f'path = hssm_nre.pull("{card["name"]}@{card["version"]}")  # pinned revision, sha256-checked',
        f'model = hssm.HSSM(data, model="{info.model.name}", loglik_kind="ratio", loglik=path)',
        "```",
        "",
        f"Files: `{CARD}` (this network's full record) and `{WEIGHTS}` "
        f"(sha256 `{card.get('weights_sha256', '?')}`).",
        "",
        "## Training box",
        "",
        "Outside this box the log-likelihood is -inf; priors must stay inside it.",
        "",
        "| parameter | low | high |",
        "|---|---|---|",
        *[f"| `{p}` | {lo:g} | {hi:g} |" for p, (lo, hi) in net.box.items()],
        "",
        f"Choices: {list(info.model.choices)}; non-decision time: `{info.model.ndt}`.",
        "",
        "## Training",
        "",
        f"- method: {card.get('method', {}).get('name')} ({card.get('method', {}).get('loss', '')})",
        f"- simulations: {sim.get('n', '?'):,} ({sim.get('simulator', '?')} simulator, "
        f"dt={sim.get('dt', '?')}, max_t={sim.get('max_t', '?')} s, seed {sim.get('seed', '?')})"
        if isinstance(sim.get("n"), int)
        else "- simulations: not recorded",
        f"- network: hidden {tr.get('hidden', '?')}, {tr.get('steps', '?')} optimizer steps, "
        f"{net.n_members} member(s)",
        f"- package versions: {json.dumps(card.get('versions') or {}, sort_keys=True)}",
        "",
        "## Validation",
        "",
    ]
    metrics = {k: v for k, v in val.items() if k not in ("command", "report", "reference")}
    if metrics:
        lines += [
            f"Reference: {val.get('reference', 'not recorded')}; "
            f"command: `{val.get('command', 'not recorded')}`.",
            "",
            "| metric | value |",
            "|---|---|",
            *[f"| {k} | {_fmt(v)} |" for k, v in sorted(metrics.items())],
            "",
            f"Validation report: {val.get('report', 'not recorded')} (in the hssm-nre repository).",
        ]
    else:
        lines.append("No validation metrics are recorded in this network's card.")
    return "\n".join(lines) + "\n"


def write_upload_folder(net: Network, folder: str | os.PathLike, repo_id: str) -> Path:
    """Write ``card.json``, ``weights.safetensors`` and the ``README.md`` model card into ``folder``."""
    if net.path is None:
        raise ValueError(f"{net.name} has no directory on disk; save it first (hssm_nre.save(net, DIR))")
    check_repo_id(repo_id, "(--hub)")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for fname in (CARD, WEIGHTS):
        if (net.path / fname).resolve() != (folder / fname).resolve():
            shutil.copyfile(net.path / fname, folder / fname)
    (folder / README).write_text(model_card(net, repo_id))
    return folder


def upload(folder: str | os.PathLike, repo_id: str, token: str, *, endpoint: str | None = None) -> str:
    """Upload an upload folder to ``repo_id`` (created if missing) and return the commit id to pin."""
    from huggingface_hub import HfApi

    api = HfApi(endpoint=get_endpoint(endpoint), token=token)
    api.create_repo(repo_id, exist_ok=True)
    info = api.upload_folder(repo_id=repo_id, folder_path=str(folder), commit_message="hssm-nre publish")
    return str(info.oid)
