"""Download of published networks, against a local HTTP server (no internet)."""

import http.server
import json
import logging
import os
import threading
import time
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from hssm_nre.net.features import Transform
from hssm_nre.store.artifact import CARD, WEIGHTS, Network, load, save, sha256_file
from hssm_nre.store.download import (
    DownloadError,
    DownloadTimeoutError,
    HashMismatchError,
    NotFoundError,
    OfflineError,
    UnknownNetworkError,
    get_cache_dir,
    list_networks,
    publish,
    pull,
)

NAME, VERSION = "tiny", "0.1.0"


# ----------------------------------------------------------------------- test server


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves a directory; ``server.behaviour[path]`` = ("404" | "truncate" | "truncate-nolength"
    | "slow", seconds) changes the answer for one path, and ("file", path) answers with a file;
    a key ``"*/<file name>"`` matches every path ending in that file name."""

    def do_GET(self):
        self.server.hits.append(self.path)
        anywhere = "*/" + self.path.rsplit("/", 1)[-1]
        mode, arg = self.server.behaviour.get(self.path) or self.server.behaviour.get(anywhere, (None, None))
        if mode == "file":
            body = Path(arg).read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if mode == "slow":
            self.server.stop.wait(arg)
        elif mode == "404":
            self.send_error(404)
            return
        elif mode in ("truncate", "truncate-nolength"):
            body = Path(self.translate_path(self.path)).read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            if mode == "truncate":
                self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            return
        super().do_GET()

    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    block_on_close = False

    def handle_error(self, request, client_address):
        pass  # the client hung up (timeout test)


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    srv = _Server(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
    srv.behaviour, srv.hits, srv.stop, srv.root = {}, [], threading.Event(), root
    srv.url = f"http://127.0.0.1:{srv.server_address[1]}"
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv
    srv.stop.set()
    srv.shutdown()
    srv.server_close()
    thread.join(5)


# ---------------------------------------------------------------- artifact, manifest


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    """A small real network (random weights, no training)."""
    rng = np.random.default_rng(0)
    weights = {
        "W0": rng.normal(size=(5, 8)).astype(np.float32),
        "b0": np.zeros(8, np.float32),
        "W1": rng.normal(size=(8, 1)).astype(np.float32),
        "b1": np.zeros(1, np.float32),
        # The reference density q of a normalized network: per choice, a 2-component mixture.
        "ref_logpi": np.log(np.full(2, 0.5, np.float32)),
        "ref_logw": np.log(np.full((2, 2), 0.5, np.float32)),
        "ref_mu": np.zeros((2, 2), np.float32),
        "ref_sigma": np.ones((2, 2), np.float32),
    }
    card = {
        "name": NAME,
        "version": VERSION,
        "model": {
            "name": "ddm",
            "params": ["v", "a", "z", "t"],
            "box": [[-3, 3], [0.3, 2.5], [0.1, 0.9], [0, 2]],
            "choices": [-1, 1],
            "ndt": "t",
            "obs_dim": 2,
        },
        "method": {"name": "nce", "normalized": True},
        "transform": Transform(
            param_index=(0, 1, 2), center=(0.0, 1.4, 0.5), scale=(3.0, 1.1, 0.4), ndt_index=3
        ).to_dict(),
        "validation": {"max_abs_gap": 0.05},
    }
    return save(Network(weights=weights, card=card), tmp_path_factory.mktemp("tiny") / "net")


@pytest.fixture
def env(tmp_path, monkeypatch, server, tiny_dir):
    """Publish the tiny network onto the server; manifest and cache in tmp dirs."""
    for var in ("HSSM_NRE_BASE_URL", "HSSM_NRE_OFFLINE", "HSSM_NRE_MANIFEST"):
        monkeypatch.delenv(var, raising=False)
    entry = publish(tiny_dir, server.root, base_url=server.url)
    manifest = server.root / "manifest-entry.json"
    monkeypatch.setenv("HSSM_NRE_MANIFEST", str(manifest))
    cache = tmp_path / "cache"
    monkeypatch.setenv("HSSM_NRE_CACHE", str(cache))
    return {"entry": entry, "cache": cache, "manifest": manifest, "server": server}


def _cached_files(cache):
    return sorted(p.relative_to(cache) for p in cache.rglob("*") if p.is_file()) if cache.exists() else []


def _served(server, fname):
    return f"/{NAME}/{VERSION}/{fname}"


# -------------------------------------------------------------------------- publish


def test_publish_writes_tree_and_entry(env, tiny_dir):
    entry, root = env["entry"], env["server"].root
    v = entry["networks"][NAME][VERSION]
    assert entry["schema_version"] == 1 and entry["base_url"] == env["server"].url
    for fname in (CARD, WEIGHTS):
        assert v["files"][fname]["sha256"] == sha256_file(tiny_dir / fname)
        assert v["files"][fname]["size"] == (root / NAME / VERSION / fname).stat().st_size
    assert v["metrics"] == {"max_abs_gap": 0.05}
    assert json.loads(env["manifest"].read_text()) == entry


# ----------------------------------------------------------------------------- pull


def test_pull_success_verifies_and_loads(env):
    path = pull(f"{NAME}@{VERSION}", progress=False)
    assert path == env["cache"] / NAME / VERSION
    files = env["entry"]["networks"][NAME][VERSION]["files"]
    assert {f: sha256_file(path / f) for f in files} == {f: v["sha256"] for f, v in files.items()}
    net = load(path)
    assert net.name == f"{NAME}@{VERSION}" and net.weights["W0"].shape == (5, 8)
    assert _cached_files(env["cache"]) == [Path(NAME, VERSION, CARD), Path(NAME, VERSION, WEIGHTS)]
    # A second pull uses the cache: no new request.
    hits = len(env["server"].hits)
    assert pull(NAME, progress=False) == path  # no version: newest in the manifest
    assert len(env["server"].hits) == hits


def test_load_network_name_at_version_downloads(env):
    from hssm_nre.store.hub import load_network

    net = load_network(f"{NAME}@{VERSION}")
    assert net.path == env["cache"] / NAME / VERSION and net.normalized


def test_pull_404_names_url(env):
    env["server"].behaviour[_served(env["server"], WEIGHTS)] = ("404", None)
    with pytest.raises(NotFoundError, match="404") as info:
        pull(NAME, VERSION, progress=False)
    assert f"{env['server'].url}/{NAME}/{VERSION}/{WEIGHTS}" in str(info.value)
    assert _cached_files(env["cache"]) == []


@pytest.mark.parametrize(
    ("mode", "err", "pattern"),
    [
        # With a Content-Length the client sees the cut; without it, the sha256 check does.
        ("truncate", DownloadError, "was interrupted"),
        ("truncate-nolength", HashMismatchError, "does not match its pinned sha256"),
    ],
)
def test_pull_truncated_body_lands_nothing(env, mode, err, pattern):
    env["server"].behaviour[_served(env["server"], WEIGHTS)] = (mode, None)
    with pytest.raises(err, match=pattern) as info:
        pull(NAME, VERSION, progress=False)
    assert f"/{NAME}/{VERSION}/{WEIGHTS}" in str(info.value)
    assert _cached_files(env["cache"]) == []
    assert not any(p.name.endswith(".part") for p in env["cache"].rglob("*"))


def test_pull_wrong_hash_lands_nothing(env):
    served = env["server"].root / NAME / VERSION / WEIGHTS
    data = bytearray(served.read_bytes())
    data[-1] ^= 0xFF
    served.write_bytes(bytes(data))
    expected = env["entry"]["networks"][NAME][VERSION]["files"][WEIGHTS]["sha256"]
    with pytest.raises(HashMismatchError) as info:
        pull(NAME, VERSION, progress=False)
    msg = str(info.value)
    assert f"{env['server'].url}/{NAME}/{VERSION}/{WEIGHTS}" in msg
    assert expected in msg and sha256_file(served) in msg
    assert _cached_files(env["cache"]) == []


def test_pull_timeout(env):
    env["server"].behaviour[_served(env["server"], CARD)] = ("slow", 10)
    t0 = time.perf_counter()
    with pytest.raises(DownloadTimeoutError, match="timeout of 1 s") as info:
        pull(NAME, VERSION, progress=False, timeout=1)
    assert time.perf_counter() - t0 < 5
    assert f"/{NAME}/{VERSION}/{CARD}" in str(info.value)
    assert _cached_files(env["cache"]) == []


def test_concurrent_pulls_both_succeed(env):
    # Slow answers make the two downloads overlap.
    for fname in (CARD, WEIGHTS):
        env["server"].behaviour[_served(env["server"], fname)] = ("slow", 0.3)
    results, errors = [], []
    barrier = threading.Barrier(2)

    def work():
        barrier.wait()
        try:
            results.append(pull(NAME, VERSION, progress=False))
        except Exception as err:
            errors.append(err)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert results == [env["cache"] / NAME / VERSION] * 2
    assert env["server"].hits.count(_served(env["server"], WEIGHTS)) == 2  # both really downloaded
    assert _cached_files(env["cache"]) == [Path(NAME, VERSION, CARD), Path(NAME, VERSION, WEIGHTS)]
    load(results[0])


def test_offline_with_cache_uses_it_without_network(env, monkeypatch, caplog):
    path = pull(NAME, VERSION, progress=False)
    import pooch

    def no_network(*args, **kwargs):
        raise AssertionError("offline pull touched the network")

    monkeypatch.setattr(pooch.HTTPDownloader, "__call__", no_network)
    monkeypatch.setenv("HSSM_NRE_OFFLINE", "1")
    hits = len(env["server"].hits)
    with caplog.at_level(logging.INFO, logger="hssm_nre.store.download"):
        assert pull(NAME, VERSION, progress=False) == path
    assert len(env["server"].hits) == hits
    assert any("offline" in r.getMessage() and "cached" in r.getMessage() for r in caplog.records)


def test_offline_without_cache_is_clear(env):
    with pytest.raises(OfflineError) as info:
        pull(NAME, VERSION, offline=True, progress=False)
    msg = str(info.value)
    assert f"{NAME}@{VERSION}" in msg and str(env["cache"]) in msg
    assert "go online" in msg and "directory" in msg
    assert env["server"].hits == []


def test_pull_from_url_with_sha256(env, tmp_path):
    files = env["entry"]["networks"][NAME][VERSION]["files"]
    url = f"{env['server'].url}/{NAME}/{VERSION}/"
    empty = {"schema_version": 1, "base_url": "http://127.0.0.1:9", "networks": {}}
    sha = {f: v["sha256"] for f, v in files.items()}
    path = pull("other@9", url=url, sha256=sha, manifest=empty, cache_dir=tmp_path / "a", progress=False)
    assert path == tmp_path / "a" / "other" / "9" and load(path).name == f"{NAME}@{VERSION}"
    # A manifest-style entry works too.
    entry = env["entry"]["networks"][NAME][VERSION]
    path = pull("other", "9", url=url, sha256=entry, cache_dir=tmp_path / "b", progress=False)
    assert load(path).weights.keys() == {
        "W0",
        "b0",
        "W1",
        "b1",
        "ref_logpi",
        "ref_logw",
        "ref_mu",
        "ref_sigma",
    }
    with pytest.raises(TypeError, match="sha256"):
        pull("other@9", url=url, progress=False)
    with pytest.raises(HashMismatchError):
        pull("other@9", url=url, sha256={**sha, CARD: "0" * 64}, cache_dir=tmp_path / "c", progress=False)
    assert _cached_files(tmp_path / "c") == []


def test_unknown_name_and_version(env):
    with pytest.raises(UnknownNetworkError, match="Did you mean 'tiny'"):
        pull("tinny", progress=False)
    with pytest.raises(UnknownNetworkError, match=r"available: \['0.1.0'\]"):
        pull(f"{NAME}@9.9.9", progress=False)
    assert env["server"].hits == []


def test_cache_dir_precedence(env, tmp_path, monkeypatch):
    import platformdirs

    assert get_cache_dir(tmp_path / "arg") == tmp_path / "arg"
    assert get_cache_dir() == env["cache"]
    monkeypatch.delenv("HSSM_NRE_CACHE")
    assert get_cache_dir() == Path(platformdirs.user_cache_dir("hssm-nre"))
    monkeypatch.setenv("HSSM_NRE_CACHE", str(env["cache"]))
    path = pull(NAME, VERSION, cache_dir=tmp_path / "arg", progress=False)
    assert path == tmp_path / "arg" / NAME / VERSION and not env["cache"].exists()


def test_list_networks_shows_cached_and_remote(env):
    rows = [r for r in list_networks() if r["name"] == NAME]
    assert [r["where"] for r in rows] == ["remote"]
    assert rows[0]["metrics"] == {"max_abs_gap": 0.05}
    pull(NAME, VERSION, progress=False)
    rows = [r for r in list_networks() if r["name"] == NAME]
    assert [(r["where"], r["version"]) for r in rows] == [("cached", VERSION), ("remote", VERSION)]
    assert rows[0]["location"] == str(env["cache"] / NAME / VERSION)


def test_manifest_naming_another_network_lands_nothing(env, tmp_path):
    import shutil

    root = env["server"].root
    shutil.copytree(root / NAME / VERSION, root / "impostor" / VERSION)
    manifest = json.loads(env["manifest"].read_text())
    manifest["networks"]["impostor"] = manifest["networks"][NAME]
    with pytest.raises(DownloadError, match="manifest is wrong"):
        pull("impostor", VERSION, manifest=manifest, progress=False)
    assert _cached_files(env["cache"]) == []


def test_cli_pull_and_list(env):
    from typer.testing import CliRunner

    from hssm_nre.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["pull", f"{NAME}@{VERSION}", "--offline"])
    assert res.exit_code == 1 and "offline" in res.output
    res = runner.invoke(app, ["pull", f"{NAME}@{VERSION}"])
    assert res.exit_code == 0, res.output
    assert res.output.strip().endswith(str(env["cache"] / NAME / VERSION))
    res = runner.invoke(app, ["list"])
    assert res.exit_code == 0 and f"{NAME}@{VERSION}" in res.output and "cached" in res.output
    res = runner.invoke(app, ["info", f"{NAME}@{VERSION}"])  # metrics moved from `list` to `info`
    assert res.exit_code == 0, res.output
    assert "max_abs_gap" in res.output and "0.05" in res.output


def test_cli_publish(tiny_dir, tmp_path):
    from typer.testing import CliRunner

    from hssm_nre.cli import app

    out = tmp_path / "dist"
    res = CliRunner().invoke(
        app, ["publish", str(tiny_dir), "--out", str(out), "--base-url", "https://x.org/n"]
    )
    assert res.exit_code == 0, res.output
    entry = json.loads((out / "manifest-entry.json").read_text())
    assert entry["base_url"] == "https://x.org/n"
    assert (out / NAME / VERSION / WEIGHTS).read_bytes() == (tiny_dir / WEIGHTS).read_bytes()
    res = CliRunner().invoke(app, ["publish", str(tmp_path / "nowhere"), "--out", str(out)])
    assert res.exit_code == 1 and "does not exist" in res.output


# ------------------------------------------------------------------ bad names, paths


def _hostile(env, tmp_path, version, name=NAME):
    """A manifest listing ``name@version`` and a server answering with a network whose card
    claims that name and version, so only the name check stands between it and the disk."""
    import copy

    net = load(Path(env["server"].root) / NAME / VERSION)
    card = copy.deepcopy(net.card)
    card["name"], card["version"] = name, version
    evil = save(Network(weights=net.weights, card=card), tmp_path / "evil")
    for fname in (CARD, WEIGHTS):
        env["server"].behaviour[f"*/{fname}"] = ("file", evil / fname)
    files = {f: {"sha256": sha256_file(evil / f), "size": (evil / f).stat().st_size} for f in (CARD, WEIGHTS)}
    return {
        "schema_version": 1,
        "base_url": env["server"].url,
        "networks": {name: {version: {"files": files}}},
    }


def _nothing_outside(env, tmp_path, *targets):
    for target in targets:
        for fname in (CARD, WEIGHTS):
            assert not (Path(target) / fname).exists(), target
    assert not (tmp_path / "victim").exists()


@pytest.mark.parametrize("version", ["../../victim", "ABS"])
def test_pull_refuses_manifest_version_outside_cache(env, tmp_path, version):
    if version == "ABS":
        version = str(tmp_path / "abs_victim")
    manifest = _hostile(env, tmp_path, version)
    with pytest.raises(DownloadError, match="invalid network version") as info:
        pull(NAME, manifest=manifest, progress=False)  # no version: the manifest's newest
    assert repr(version) in str(info.value) and "manifest" in str(info.value)
    _nothing_outside(env, tmp_path, env["cache"] / NAME / version, tmp_path / "victim", version)
    assert env["server"].hits == [] and _cached_files(env["cache"]) == []


def test_pull_refuses_manifest_name_outside_cache(env, tmp_path):
    manifest = json.loads(env["manifest"].read_text())
    manifest["networks"]["../x"] = manifest["networks"][NAME]
    with pytest.raises(DownloadError, match=r"invalid network name '\.\./x' in the manifest dict"):
        pull(NAME, manifest=manifest, progress=False)
    with pytest.raises(ValueError, match=r"invalid network name '\.\./x'"):
        pull("../x", VERSION, progress=False)
    _nothing_outside(env, tmp_path, env["cache"].parent / "x" / VERSION)
    assert env["server"].hits == [] and _cached_files(env["cache"]) == []


def test_pull_checks_the_target_is_inside_the_cache(env, tmp_path, monkeypatch):
    # Defence in depth: even if a bad version got past the name check, nothing lands outside.
    import hssm_nre.store.download as download

    monkeypatch.setattr(download, "_check_part", lambda part, *args, **kwargs: part)
    manifest = _hostile(env, tmp_path, "../../victim")
    with pytest.raises(DownloadError, match="outside the cache"):
        pull(NAME, manifest=manifest, progress=False)
    _nothing_outside(env, tmp_path, tmp_path / "victim")
    assert env["server"].hits == []


@pytest.mark.parametrize("version", ["../x", "..", "0.1 beta", "a\\b"])
def test_publish_refuses_a_card_with_a_bad_version(tiny_dir, tmp_path, version):
    import copy

    net = load(tiny_dir)
    card = copy.deepcopy(net.card)
    card["version"] = version
    src = save(Network(weights=net.weights, card=card), tmp_path / "src")
    out = tmp_path / "out" / "dist"
    with pytest.raises(DownloadError, match=r"invalid network version .* in the card of"):
        publish(src, out)
    assert not out.exists() and not (tmp_path / "out" / "x").exists()


# ----------------------------------------------------------------------- cache errors


def test_pull_cache_dir_is_a_file(env, tmp_path):
    cache = tmp_path / "cachefile"
    cache.write_text("not a directory")
    with pytest.raises(DownloadError, match="is a file, not a directory") as info:
        pull(NAME, VERSION, cache_dir=cache, progress=False)
    msg = str(info.value)
    assert str(cache) in msg and "cache_dir=" in msg and "HSSM_NRE_CACHE" in msg
    assert env["server"].hits == []


def test_pull_cache_version_path_is_a_file(env):
    target = env["cache"] / NAME / VERSION
    target.parent.mkdir(parents=True)
    target.write_text("in the way")
    with pytest.raises(DownloadError, match="is a file, not a directory") as info:
        pull(NAME, VERSION, progress=False)
    msg = str(info.value)
    assert str(target) in msg and "cache_dir=" in msg and "HSSM_NRE_CACHE" in msg
    assert env["server"].hits == [] and target.read_text() == "in the way"


def test_pull_cache_not_writable_simulated(env, monkeypatch):
    def denied(*args, dir=None, **kwargs):
        raise PermissionError(13, "Permission denied", str(dir))

    monkeypatch.setattr("hssm_nre.store.download.tempfile.mkdtemp", denied)
    with pytest.raises(DownloadError, match="cannot write to the cache") as info:
        pull(NAME, VERSION, progress=False)
    msg = str(info.value)
    assert str(env["cache"]) in msg and "cache_dir=" in msg and "HSSM_NRE_CACHE" in msg
    assert env["server"].hits == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores file modes")
def test_pull_cache_not_writable(env):
    env["cache"].mkdir()
    env["cache"].chmod(0o500)
    try:
        with pytest.raises(DownloadError, match="cannot write to the cache") as info:
            pull(NAME, VERSION, progress=False)
    finally:
        env["cache"].chmod(0o700)
    assert str(env["cache"]) in str(info.value) and "cache_dir=" in str(info.value)
    assert env["server"].hits == []


# --------------------------------------------------------------------------- URLs


@pytest.mark.parametrize("where", ["argument", "env", "manifest"])
def test_pull_file_base_url_is_refused(env, tmp_path, monkeypatch, where):
    local = (tmp_path / "local").as_uri()
    kwargs = {}
    if where == "argument":
        kwargs["base_url"] = local
    elif where == "env":
        monkeypatch.setenv("HSSM_NRE_BASE_URL", local)
    else:
        manifest = json.loads(env["manifest"].read_text())
        manifest["base_url"] = local
        kwargs["manifest"] = manifest
    with pytest.raises(DownloadError, match="only http:// and https:// base URLs are supported") as info:
        pull(NAME, VERSION, progress=False, **kwargs)
    msg = str(info.value)
    assert local in msg and "network directory" in msg
    assert env["server"].hits == [] and _cached_files(env["cache"]) == []


def test_pull_file_url_is_refused(env, tmp_path):
    sha = {f: v["sha256"] for f, v in env["entry"]["networks"][NAME][VERSION]["files"].items()}
    url = (tmp_path / "local").as_uri()
    with pytest.raises(DownloadError, match="only http:// and https:// URLs are supported") as info:
        pull("other@9", url=url, sha256=sha, progress=False)
    assert url in str(info.value) and "network directory" in str(info.value)
    assert _cached_files(env["cache"]) == []
