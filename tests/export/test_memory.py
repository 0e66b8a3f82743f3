"""Exports stream: a few hundred thousand features exported with a bounded worker peak RSS
(VmHWM of the one worker of a server started for this module; performance.md's target is
< 200 MB for 1M features, see bench/export_memory.md for that figure).

Set EXPORT_MEMORY_FEATURES to change the size (default 300,000).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pyogrio
import pytest
import requests
import sqlalchemy as sa

from ..conftest import ADMIN_PASSWORD, ROOT, _free_port
from ..feature_layer.helpers import make_layer
from ..util import Client, make_group

COUNT = int(os.environ.get("EXPORT_MEMORY_FEATURES", "300000"))
LIMIT_KB = 200 * 1024


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(p) for p in text.split()]


def hwm_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))


@pytest.fixture(scope="module")
def lone(server, test_settings, tmp_path_factory):
    """A one-worker server on the test database: its worker's VmHWM is ours alone."""
    port = _free_port()
    env = {**os.environ, "FEATURESVC_DATA_DIR": str(test_settings.data_path),
           "FEATURESVC_DATABASE_URL": server.database_url,
           "FEATURESVC_ADMIN_PASSWORD": ADMIN_PASSWORD, "FEATURESVC_WORKERS": "1",
           "FEATURESVC_THREADS": "2"}
    log = tmp_path_factory.mktemp("lone") / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "featuresvc.cli", "serve", "--port",
                                 str(port)], env=env, stdout=out, stderr=subprocess.STDOUT,
                                cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while not _ready(url):
        assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)
    yield url, proc
    proc.terminate()
    proc.wait(timeout=30)


def _ready(url: str) -> bool:
    try:
        return requests.get(url + "/api/component/pyramid/ping", timeout=2).ok
    except requests.ConnectionError:
        return False


@pytest.fixture(scope="module")
def big_layer(admin, server):
    """COUNT points with five attributes, inserted in SQL (the feature API is not measured)."""
    lid = make_layer(admin, make_group(admin, 0), fields=[
        ("name", "STRING"), ("n", "INTEGER"), ("big", "BIGINT"), ("r", "REAL"),
        ("at", "DATETIME")])
    fields = {f["keyname"]: f["id"] for f in
              admin.ok("GET", f"/api/resource/{lid}")["feature_layer"]["fields"]}
    engine = sa.create_engine(server.database_url)
    with engine.begin() as conn:
        conn.execute(sa.text(
            f"INSERT INTO vector_layer.layer_{lid} (geom, fld_{fields['name']}, "
            f"fld_{fields['n']}, fld_{fields['big']}, fld_{fields['r']}, fld_{fields['at']}) "
            "SELECT ST_SetSRID(ST_MakePoint(g * 10.0, (g % 1000) * 10.0), 3857), "
            "'feature name ' || g, g, g::bigint * 1000000, g * 0.5, "
            "timestamp '2024-01-01' + g * interval '1 second' "
            "FROM generate_series(1, :n) AS g"), {"n": COUNT})
    engine.dispose()
    return lid


@pytest.mark.parametrize("fmt, ext", [("GPKG", "gpkg"), ("CSV", "csv")])
def test_export_memory_is_bounded(lone, big_layer, tmp_path, fmt, ext):
    url, proc = lone
    client = Client(url, auth=("administrator", ADMIN_PASSWORD))
    (worker,) = _children(proc.pid)
    start = time.monotonic()
    path = tmp_path / f"big.{ext}"
    with client.get(f"/api/resource/{big_layer}/export",
                    params={"format": fmt, "zipped": "false"}, stream=True) as resp:
        assert resp.status_code == 200, resp.text
        with path.open("wb") as out:
            for chunk in resp.iter_content(1 << 20):
                out.write(chunk)
    elapsed = time.monotonic() - start
    peak = hwm_kb(worker)
    print(f"\n{fmt}: {COUNT} features in {elapsed:.1f} s ({COUNT / elapsed:,.0f}/s), "
          f"worker VmHWM {peak / 1024:.0f} MB, file {path.stat().st_size / 2**20:.0f} MB")
    assert pyogrio.read_info(path, force_feature_count=True)["features"] == COUNT
    assert peak < LIMIT_KB
    assert not list(Path("/tmp").glob(f"featuresvc-export-*/{big_layer}.*"))


def test_geojson_streams(lone, big_layer):
    url, proc = lone
    client = Client(url, auth=("administrator", ADMIN_PASSWORD))
    (worker,) = _children(proc.pid)
    size = 0
    with client.get(f"/api/resource/{big_layer}/geojson", stream=True) as resp:
        assert resp.status_code == 200
        for chunk in resp.iter_content(1 << 20):
            size += len(chunk)
    peak = hwm_kb(worker)
    print(f"\ngeojson: {size / 2**20:.0f} MB streamed, worker VmHWM {peak / 1024:.0f} MB")
    assert size > COUNT * 100 and peak < LIMIT_KB
