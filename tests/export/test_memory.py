"""Exports stream: a few hundred thousand features exported with bounded worker memory.

The worker's private (anonymous) resident memory is sampled while the export runs: that is
what would grow if features were buffered. VmHWM is printed too, but it also counts the
file-backed pages of shared libraries (libgdal, libarrow: 40-80 MB, shared by all workers),
whose residency depends on the kernel's page cache and read-ahead rather than on the export:
the same export peaked at 190 MB VmHWM in one checkout and 245 MB in a fresh clone, with the
same private memory. performance.md's target is < 200 MB for 1M features; see
bench/export_memory.md for those figures.

Set EXPORT_MEMORY_FEATURES to change the size (default 300,000).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
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


def status_kb(pid: int, key: str) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"{key}:\s+(\d+) kB", status).group(1))


def hwm_kb(pid: int) -> int:
    return status_kb(pid, "VmHWM")


class PeakPrivate:
    """Samples the worker's RssAnon every 10 ms; ``.peak`` and ``.before`` in kB."""

    def __init__(self, pid: int):
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self.before = status_kb(pid, "RssAnon")

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, status_kb(self.pid, "RssAnon"))
            time.sleep(0.01)

    def __enter__(self) -> PeakPrivate:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, status_kb(self.pid, "RssAnon"))


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
    with PeakPrivate(worker) as private, client.get(
            f"/api/resource/{big_layer}/export", params={"format": fmt, "zipped": "false"},
            stream=True) as resp:
        assert resp.status_code == 200, resp.text
        with path.open("wb") as out:
            for chunk in resp.iter_content(1 << 20):
                out.write(chunk)
    elapsed = time.monotonic() - start
    grew = (private.peak - private.before) / 1024
    print(f"\n{fmt}: {COUNT} features in {elapsed:.1f} s ({COUNT / elapsed:,.0f}/s), worker "
          f"private peak {private.peak / 1024:.0f} MB (+{grew:.0f}), "
          f"VmHWM {hwm_kb(worker) / 1024:.0f} MB, file {path.stat().st_size / 2**20:.0f} MB")
    assert pyogrio.read_info(path, force_feature_count=True)["features"] == COUNT
    assert private.peak < LIMIT_KB
    assert not list(Path("/tmp").glob(f"featuresvc-export-*/{big_layer}.*"))


def test_geojson_streams(lone, big_layer):
    url, proc = lone
    client = Client(url, auth=("administrator", ADMIN_PASSWORD))
    (worker,) = _children(proc.pid)
    size = 0
    with PeakPrivate(worker) as private, client.get(f"/api/resource/{big_layer}/geojson",
                                                    stream=True) as resp:
        assert resp.status_code == 200
        for chunk in resp.iter_content(1 << 20):
            size += len(chunk)
    print(f"\ngeojson: {size / 2**20:.0f} MB streamed, worker private peak "
          f"{private.peak / 1024:.0f} MB (+{(private.peak - private.before) / 1024:.0f}), "
          f"VmHWM {hwm_kb(worker) / 1024:.0f} MB")
    assert size > COUNT * 100 and private.peak < LIMIT_KB
