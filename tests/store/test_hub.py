"""How :func:`hssm_nre.store.hub.load_network` (``hssm.HSSM(..., loglik=...)``) answers bad lookups."""

import os
import shutil
from pathlib import Path

import pytest

from hssm_nre.store.artifact import CARD, WEIGHTS, ArtifactError
from hssm_nre.store.hub import load_network
from hssm_nre.store.shipped import shipped_path


@pytest.mark.parametrize(
    "source",
    [
        "ABS",
        "./my_nets/ddm",
        "my_nets/ddm",
        "~/hssm_nre_surely_missing/ddm",
        Path("my_nets/ddm"),
        Path("ddm_x"),
    ],
)
def test_missing_directory_says_so(source, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    if source == "ABS":
        source = str(tmp_path / "nope" / "ddm")
    with pytest.raises(ArtifactError, match="does not exist") as info:
        load_network(source)
    msg = str(info.value)
    assert str(Path(source).expanduser()) in msg
    assert CARD in msg and WEIGHTS in msg and "no shipped network" not in msg


def test_a_name_that_is_not_shipped_still_says_so():
    with pytest.raises(ValueError, match="no shipped network named 'nosuchmodel'"):
        load_network("nosuchmodel")


@pytest.mark.parametrize("source", [12345, 1.5, None, b"ddm", ["ddm"], object()])
def test_wrong_type_says_what_is_accepted(source):
    with pytest.raises(
        TypeError, match=r"a Network, a network directory .* 'name' or 'name@version'"
    ) as info:
        load_network(source)
    assert type(source).__name__ in str(info.value)


def test_wrong_type_through_hssm_loglik():
    from hssm_nre.integrations.hssm import _network_for

    with pytest.raises(TypeError, match="a Network, a network directory"):
        _network_for({"model": "ddm", "loglik": 12345})


def test_symlink_loop_says_so(tmp_path, monkeypatch):
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    with pytest.raises(ArtifactError, match="symlink loop") as info:
        load_network(loop)
    assert str(loop) in str(info.value)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ArtifactError, match="symlink loop"):
        load_network("loop")  # a bare name that is a looping symlink in the working directory


@pytest.mark.parametrize("relative", [False, True])
def test_a_file_asks_for_its_directory(tmp_path, monkeypatch, relative):
    net_dir = tmp_path / "net"
    shutil.copytree(shipped_path("ddm"), net_dir)
    source = str(net_dir / CARD)
    if relative:
        monkeypatch.chdir(net_dir)
        source = CARD
    with pytest.raises(ArtifactError, match="is a file, not a network directory") as info:
        load_network(source)
    msg = str(info.value)
    assert "pass the directory that holds card.json" in msg and str(net_dir) in msg


def test_home_relative_directory_loads(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    shutil.copytree(shipped_path("ddm"), tmp_path / "nets" / "ddm")
    net = load_network("~/nets/ddm")
    assert net.path == tmp_path / "nets" / "ddm" and os.path.isdir(net.path)


def test_a_folder_named_like_a_shipped_network_does_not_shadow_it(tmp_path, monkeypatch):
    """A bare shipped name is the shipped network; only './ddm' reads the folder."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ddm").mkdir()  # e.g. what `hssm-nre train ddm --out ddm` wrote, here left empty
    assert load_network("ddm").path == shipped_path("ddm")
    with pytest.raises(ArtifactError):
        load_network("./ddm")  # an explicit path is read as one (and this folder is no network)


def test_an_unknown_version_of_a_shipped_name_lists_the_available_ones(tmp_path, monkeypatch):
    from hssm_nre.store.download import UnknownNetworkError

    monkeypatch.setenv("HSSM_NRE_CACHE", str(tmp_path / "cache"))
    shipped = load_network("ddm").card["version"]
    with pytest.raises(UnknownNetworkError) as info:
        load_network("ddm@9.9.9")
    msg = str(info.value)
    assert "'ddm' has no version '9.9.9'" in msg and f"{shipped} (shipped)" in msg
    assert "Did you mean" not in msg and "no published network named" not in msg
