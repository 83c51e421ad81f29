# %% [markdown]
# # 6. Pulling a network and working offline
#
# Networks that do not ship in the wheel are pulled by name from a server listed in a
# manifest, verified by sha256 and cached. This tutorial plays both sides on your machine:
# it *publishes* a network (files + manifest entry), serves them over HTTP on 127.0.0.1,
# *pulls* it into a fresh cache, and then loads it again *offline*.
#
# Run: ``python tutorials/06_pull_and_offline.py``.

# %%
import functools
import http.server
import json
import tempfile
import threading
from pathlib import Path

import numpy as np

from hssm_nre import ModelSpec, SimConfig, TrainConfig, list_networks, load_network, publish, pull, train


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def small_network(workdir: Path) -> Path:
    spec = ModelSpec.custom(
        "normal",
        ["mu", "sigma"],
        {"mu": (-5, 5), "sigma": (0.1, 5)},
        lambda th, rng: th[:, :1] + th[:, 1:] * rng.standard_normal((len(th), 1)),
    )
    out = workdir / "trained"
    train(
        spec,
        SimConfig(n=20_000, n_jobs=1),
        TrainConfig(hidden=(16, 16), max_epochs=1, batch_size=256),
        out=out,
        name="normal-demo",
        version="1.0.0",
        progress=False,
    )
    return out


def main(argv=None):
    work = Path(tempfile.mkdtemp())
    # 1. publish: files laid out as <name>/<version>/<file>, plus a manifest entry
    site = work / "site"
    entry = publish(small_network(work), site)
    # 2. serve the site on 127.0.0.1 (a lab server or a mirror in real life)
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    manifest = work / "manifest.json"
    manifest.write_text(json.dumps({**entry, "base_url": base_url}))
    cache = work / "cache"
    # 3. pull: every file is checked against its sha256 before it lands in the cache
    path = pull("normal-demo@1.0.0", cache_dir=cache, manifest=manifest, progress=False)
    print("pulled to", path)
    print([(r["name"], r["version"], r["where"]) for r in list_networks(cache_dir=cache, manifest=manifest)])
    server.shutdown()
    server.server_close()
    # 4. offline: the cached copy is used, nothing touches the network
    again = pull("normal-demo@1.0.0", cache_dir=cache, manifest=manifest, offline=True)
    net = load_network(again)
    value = float(np.asarray(net.logp(np.array([[0.0, 1.0]]), np.array([[0.5]])))[0])
    print(f"offline: {net.name} loaded from {again}; log-ratio at mu=0, sigma=1, x=0.5: {value:.3f}")
    # 5. offline without a cached copy: one clear sentence
    try:
        pull("normal-demo@1.0.0", cache_dir=work / "empty-cache", manifest=manifest, offline=True)
    except Exception as err:  # noqa: BLE001 - shown to the reader
        print(f"{type(err).__name__}: {err}")
    return {"path": path, "offline_path": again, "value": value}


# %%
if __name__ == "__main__":  # also in a notebook kernel
    result = main()
