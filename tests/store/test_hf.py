"""Networks on a Hugging Face Hub repository, against a local hub endpoint on 127.0.0.1 (no internet).

The local server answers what ``huggingface_hub.hf_hub_download`` asks for: ``HEAD`` then ``GET``
``/<owner>/<name>/resolve/<revision>/<file>``, with the ``X-Repo-Commit`` and ``ETag`` headers of
the hub, and 404s carrying the hub's ``X-Error-Code`` (``RepoNotFound``, ``RevisionNotFound``,
``EntryNotFound``).
"""

import hashlib
import http.server
import json
import re
import shutil
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hssm_nre.cli import app
from hssm_nre.store import hf
from hssm_nre.store.artifact import CARD, WEIGHTS, load
from hssm_nre.store.download import (
    HashMismatchError,
    ManifestError,
    NotFoundError,
    list_networks,
    load_manifest,
    publish,
    pull,
)
from hssm_nre.store.shipped import shipped_networks, shipped_path

REPO = "my-lab/ddm"
PINNED = "0123456789abcdef0123456789abcdef01234567"
MOVED = "fedcba9876543210fedcba9876543210fedcba98"  # a later commit: what a branch would now point at


class _Hub(http.server.BaseHTTPRequestHandler):
    def _answer(self, body: bool):
        self.server.hits.append((self.command, self.path))
        m = re.fullmatch(r"/([^/]+/[^/]+)/resolve/([^/]+)/([^?]+)", self.path.split("?")[0])
        repo, rev, fname = m.groups() if m else (None, None, None)
        files = self.server.repos.get((repo, rev))
        if files is None or fname not in files:
            code = (
                "EntryNotFound"
                if files is not None
                else "RevisionNotFound"
                if any(r == repo for r, _ in self.server.repos)
                else "RepoNotFound"
            )
            self.send_response(404)
            self.send_header("X-Error-Code", code)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = files[fname]
        self.send_response(200)
        self.send_header("X-Repo-Commit", rev)
        self.send_header("ETag", f'"{hashlib.sha256(data).hexdigest()}"')
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data)

    def do_HEAD(self):
        self._answer(False)

    def do_GET(self):
        self._answer(True)

    def log_message(self, *args):
        pass


@pytest.fixture
def hub():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hub)
    srv.repos, srv.hits = {}, []
    srv.url = f"http://127.0.0.1:{srv.server_address[1]}"
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join(5)


@pytest.fixture
def published(tmp_path, hub, monkeypatch):
    """The shipped ddm laid out for the hub (no token: nothing uploaded), then 'uploaded' at PINNED."""
    for var in ("HSSM_NRE_OFFLINE", "HSSM_NRE_MANIFEST", "HF_ENDPOINT", "HF_HUB_OFFLINE"):
        monkeypatch.delenv(var, raising=False)
    out = tmp_path / "upload"
    entry = publish(shipped_path("ddm"), out, hub="my-lab/ddm")
    version = json.loads((shipped_path("ddm") / CARD).read_text())["version"]
    folder = out / "ddm" / version
    files = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    hub.repos[(REPO, PINNED)] = files
    tampered = dict(files, **{WEIGHTS: files[WEIGHTS][:-1] + bytes([files[WEIGHTS][-1] ^ 1])})
    hub.repos[(REPO, MOVED)] = tampered
    item = entry["networks"]["ddm"][version]
    item["hub"]["revision"] = PINNED  # what `--token` writes after the upload
    return {"entry": entry, "version": version, "folder": folder, "cache": tmp_path / "cache", "item": item}


def test_pull_by_pinned_revision(published, hub):
    version = published["version"]
    path = pull(f"ddm@{version}", manifest=published["entry"], cache_dir=published["cache"], endpoint=hub.url)
    assert path == published["cache"] / "ddm" / version
    assert load(path) == load(shipped_path("ddm"))
    gets = [p for m, p in hub.hits if m == "GET"]
    assert sorted(gets) == [f"/{REPO}/resolve/{PINNED}/{f}" for f in (CARD, WEIGHTS)]
    hub.hits.clear()  # cached now: a second pull asks nothing
    assert pull(f"ddm@{version}", manifest=published["entry"], cache_dir=published["cache"], endpoint=hub.url)
    assert hub.hits == []


def test_hf_endpoint_environment_variable_is_honoured(published, hub, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    version = published["version"]
    assert load(pull(f"ddm@{version}", manifest=published["entry"], cache_dir=published["cache"]))
    assert hub.hits and all(f"/resolve/{PINNED}/" in p for _, p in hub.hits)


def test_a_tampered_file_is_refused_and_nothing_lands(published, hub):
    published["item"]["hub"]["revision"] = MOVED  # the weights there differ in one bit
    version = published["version"]
    with pytest.raises(HashMismatchError, match="does not match its pinned sha256"):
        pull(f"ddm@{version}", manifest=published["entry"], cache_dir=published["cache"], endpoint=hub.url)
    cache = published["cache"]
    assert not cache.exists() or not [p for p in cache.rglob("*") if p.is_file()]


@pytest.mark.parametrize("revision", [None, "main", "v0.4.0", "0123abc"])
def test_an_unpinned_revision_is_refused_before_any_request(published, hub, revision):
    published["item"]["hub"]["revision"] = revision
    version = published["version"]
    with pytest.raises(ManifestError, match="not pinned"):
        pull(f"ddm@{version}", manifest=published["entry"], cache_dir=published["cache"], endpoint=hub.url)
    assert hub.hits == []


@pytest.mark.parametrize(
    ("repo", "revision"), [("my-lab/ddm", "a" * 40), ("other-lab/ddm", PINNED)], ids=["revision", "repo"]
)
def test_a_missing_repository_or_revision_is_a_clear_404(published, hub, repo, revision):
    published["item"]["hub"].update(repo_id=repo, revision=revision)
    with pytest.raises(NotFoundError, match=f"{repo}/resolve/{revision}/.*not on the hub"):
        pull(
            f"ddm@{published['version']}",
            manifest=published["entry"],
            cache_dir=published["cache"],
            endpoint=hub.url,
        )


@pytest.mark.parametrize("repo", ["../ddm", "my-lab/../x", "/abs/ddm", "my-lab/ddm/extra", "ddm"])
def test_an_unsafe_repository_is_refused(published, hub, repo):
    published["item"]["hub"]["repo_id"] = repo
    with pytest.raises(ManifestError, match="invalid Hugging Face repository"):
        pull(
            f"ddm@{published['version']}",
            manifest=published["entry"],
            cache_dir=published["cache"],
            endpoint=hub.url,
        )
    assert hub.hits == []


def test_the_model_card_is_generated_from_our_card(published):
    net = load(shipped_path("ddm"))
    readme = (published["folder"] / "README.md").read_text()
    assert readme.startswith("---\nlibrary_name: hssm-nre\n")
    assert f"# {net.name}" in readme
    for p, (lo, hi) in net.box.items():  # the training box
        assert f"| `{p}` | {lo:g} | {hi:g} |" in readme
    val = net.card["validation"]
    assert f"| c2st_median | {val['c2st_median']:.4g} |" in readme  # the metrics
    assert val["report"] in readme and val["command"] in readme  # the validation report
    assert net.card["weights_sha256"] in readme
    assert f'hssm_nre.pull("ddm@{published["version"]}")' in readme
    assert {p.name for p in published["folder"].iterdir()} == {CARD, WEIGHTS, "README.md"}
    assert published["item"]["files"][WEIGHTS]["sha256"] == net.card["weights_sha256"]


def test_publish_without_a_token_leaves_the_revision_unpinned(tmp_path):
    entry = publish(shipped_path("ddm"), tmp_path, hub=REPO)
    (item,) = entry["networks"]["ddm"].values()
    assert item["hub"] == {"repo_id": REPO, "revision": None}
    assert json.loads((tmp_path / "manifest-entry.json").read_text()) == entry


def test_publish_with_a_token_uploads_and_pins_the_commit(tmp_path, monkeypatch):
    calls = {}

    class FakeApi:  # huggingface_hub.HfApi, recorded (the real upload is not exercised here)
        def __init__(self, endpoint, token):
            calls["init"] = (endpoint, token)

        def create_repo(self, repo_id, exist_ok):
            calls["create"] = (repo_id, exist_ok)

        def upload_folder(self, repo_id, folder_path, commit_message):
            calls["upload"] = (repo_id, sorted(p.name for p in Path(folder_path).iterdir()))
            return type("CommitInfo", (), {"oid": PINNED})()

    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "HfApi", FakeApi)
    entry = publish(shipped_path("ddm"), tmp_path, hub=REPO, token="hf_x", endpoint="http://127.0.0.1:9")
    (item,) = entry["networks"]["ddm"].values()
    assert item["hub"] == {"repo_id": REPO, "revision": PINNED}
    assert calls["init"] == ("http://127.0.0.1:9", "hf_x") and calls["create"] == (REPO, True)
    assert calls["upload"] == (REPO, sorted([CARD, WEIGHTS, "README.md"]))


def test_cli_publish_hub_then_pull(tmp_path, hub, monkeypatch):
    for var in ("HSSM_NRE_OFFLINE", "HF_ENDPOINT", "HF_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    out = tmp_path / "up"
    res = CliRunner().invoke(app, ["publish", str(shipped_path("ddm")), "--out", str(out), "--hub", REPO])
    assert res.exit_code == 0, res.output
    assert "README.md" in res.output and "no token" in res.output
    entry = json.loads((out / "manifest-entry.json").read_text())
    ((version, item),) = entry["networks"]["ddm"].items()
    folder = out / "ddm" / version
    hub.repos[(REPO, PINNED)] = {p.name: p.read_bytes() for p in folder.iterdir()}
    item["hub"]["revision"] = PINNED
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(entry))
    monkeypatch.setenv("HSSM_NRE_MANIFEST", str(manifest))
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    res = CliRunner().invoke(app, ["pull", f"ddm@{version}", "--cache-dir", str(tmp_path / "c")])
    assert res.exit_code == 0, res.output
    assert load(Path(res.output.strip().splitlines()[-1])) == load(shipped_path("ddm"))
    rows = [r for r in list_networks(tmp_path / "c") if r["where"] == "remote"]
    assert rows[0]["location"] == f"{hub.url}/{REPO}@{PINNED}"


def test_the_shipped_manifest_names_a_hub_repository_for_every_shipped_network():
    man = load_manifest()
    assert set(man["hub"]["repos"]) == set(shipped_networks())
    assert man["hub"]["endpoint"] == "https://huggingface.co"
    assert all(hf.check_repo_id(r, "") == r for r in man["hub"]["repos"].values())


def test_a_manifest_with_an_unsafe_hub_repo_is_refused(tmp_path):
    man = {"schema_version": 1, "base_url": "https://x", "networks": {}, "hub": {"repos": {"ddm": "../x"}}}
    with pytest.raises(ManifestError, match="invalid Hugging Face repository"):
        load_manifest(man)


def test_copying_the_upload_folder_over_itself_is_harmless(tmp_path):
    shutil.copytree(shipped_path("ddm"), tmp_path / "ddm")
    net = load(tmp_path / "ddm")
    hf.write_upload_folder(net, tmp_path / "ddm", REPO)
    assert load(tmp_path / "ddm") == net and (tmp_path / "ddm" / "README.md").is_file()
