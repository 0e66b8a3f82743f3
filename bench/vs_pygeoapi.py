"""Single-feature GET and POST with 8 concurrent clients: featuresvc against pygeoapi serving
the very same PostGIS table, both under gunicorn with the same workers and threads.

    python3 -m venv /tmp/pga
    /tmp/pga/bin/pip install pygeoapi psycopg2-binary geoalchemy2 gunicorn
    .venv/bin/python bench/vs_pygeoapi.py --pygeoapi-venv /tmp/pga

pygeoapi (OGC API Features, PostgreSQL provider, editable) reads the layer table featuresvc
created (``vector_layer.layer_<id>``), so both answer from the same rows and indexes.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.feature_api import (  # noqa: E402
    PASSWORD,
    create_layer,
    feature_json,
    http_create,
    make_rows,
    start_server,
)
from featuresvc.bootstrap import prepare  # noqa: E402
from featuresvc.config import load_settings  # noqa: E402
from featuresvc.pgcluster import PrivateCluster  # noqa: E402

CONFIG = """
server:
  bind: {{host: 127.0.0.1, port: {port}}}
  url: http://127.0.0.1:{port}
  mimetype: application/json; charset=UTF-8
  encoding: utf-8
  languages: [en-US]
  limits: {{default_items: 10, max_items: 10000}}
  map:
    url: "https://tile.openstreetmap.org/{{z}}/{{x}}/{{y}}.png"
    attribution: osm
logging: {{level: ERROR}}
metadata:
  identification: {{title: bench, description: bench, keywords: [bench], keywords_type: theme,
                   terms_of_service: none, url: "http://example.org"}}
  license: {{name: CC-BY 4.0, url: "https://creativecommons.org/licenses/by/4.0/"}}
  provider: {{name: bench, url: "http://example.org"}}
  contact: {{name: bench, position: bench, address: x, city: x, stateorprovince: x,
            postalcode: x, country: x, phone: x, fax: x, email: x@example.org,
            url: "http://example.org", hours: x, instructions: x, role: pointOfContact}}
resources:
  bench:
    type: collection
    title: bench
    description: bench
    keywords: [bench]
    extents:
      spatial: {{bbox: [-180, -90, 180, 90], crs: "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}}
    providers:
      - type: feature
        name: PostgreSQL
        editable: true
        data: {{host: "{host}", port: {pg_port}, dbname: {dbname}, user: {user}, password: "",
               search_path: [vector_layer]}}
        id_field: id
        table: layer_{layer}
        geom_field: geom
        storage_crs: "http://www.opengis.net/def/crs/EPSG/0/3857"
"""


def start_pygeoapi(venv: Path, workdir: Path, port: int, workers: int, threads: int,
                   **config) -> subprocess.Popen:
    cfg = workdir / "config.yml"
    cfg.write_text(CONFIG.format(port=port, **config))
    env = {**os.environ, "PYGEOAPI_CONFIG": str(cfg), "PYGEOAPI_OPENAPI": str(workdir / "oa.yml")}
    subprocess.run([str(venv / "bin/pygeoapi"), "openapi", "generate", str(cfg),
                    "--output-file", str(workdir / "oa.yml")], env=env, check=True,
                   capture_output=True)
    proc = subprocess.Popen(
        [str(venv / "bin/gunicorn"), "-w", str(workers), "--threads", str(threads), "-k",
         "gthread", "-b", f"127.0.0.1:{port}", "pygeoapi.flask_app:APP"], env=env, cwd=workdir,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            if requests.get(f"http://127.0.0.1:{port}/collections/bench?f=json").ok:
                return proc
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("pygeoapi did not start")


def hammer(clients: int, jobs: list, call) -> float:
    """Requests per second for ``call(session, job)`` over ``jobs`` with ``clients`` threads."""
    parts = [jobs[i::clients] for i in range(clients)]

    def run(part):
        session = requests.Session()
        session.auth = ("administrator", PASSWORD)
        for job in part:
            resp = call(session, job)
            assert resp.status_code in (200, 201), (resp.status_code, resp.text[:200])

    with cf.ThreadPoolExecutor(clients) as pool:
        start = time.perf_counter()
        list(pool.map(run, parts))
        return len(jobs) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pygeoapi-venv", type=Path, required=True)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()

    data_dir = Path(os.environ.get("FEATURESVC_BENCH_DATA_DIR", ROOT / ".benchdata"))
    settings = load_settings(env={"FEATURESVC_DATA_DIR": str(data_dir),
                                  "FEATURESVC_ADMIN_PASSWORD": PASSWORD})
    url_db = prepare(settings, database="featuresvc_vs", recreate=True, quiet=True)
    cluster = PrivateCluster.from_settings(settings)
    ours_port, theirs_port = 18950, 18951
    ours = start_server(url_db, data_dir, args.workers, ours_port)
    theirs = None
    base = f"http://127.0.0.1:{ours_port}"
    try:
        session = requests.Session()
        session.auth = ("administrator", PASSWORD)
        layer = create_layer(session, base, "vs pygeoapi")
        _, ids = http_create(session, base, layer, make_rows(100_000, seed=3), 10_000)
        with tempfile.TemporaryDirectory() as tmp:
            theirs = start_pygeoapi(args.pygeoapi_venv, Path(tmp), theirs_port, args.workers,
                                    args.threads, host=cluster.socket_dir, pg_port=cluster.port,
                                    dbname="featuresvc_vs", user="featuresvc", layer=layer)
            pga = f"http://127.0.0.1:{theirs_port}/collections/bench/items"
            jobs = ids[:: max(1, len(ids) // args.requests)][: args.requests]
            results = {
                "GET featuresvc": hammer(args.clients, jobs, lambda s, fid: s.get(
                    f"{base}/api/resource/{layer}/feature/{fid}")),
                "GET pygeoapi": hammer(args.clients, jobs, lambda s, fid: s.get(
                    f"{pga}/{fid}?f=json")),
            }
            rows = make_rows(args.requests, seed=4)
            results["POST featuresvc"] = hammer(args.clients, rows, lambda s, row: s.post(
                f"{base}/api/resource/{layer}/feature/", data=orjson.dumps(feature_json(row)),
                headers={"Content-Type": "application/json"}))

            # pygeoapi sees the table's own column names (fld_<field id>); send the same five
            # attributes featuresvc gets, as a GeoJSON feature in CRS84.
            column = {f["keyname"]: f"fld_{f['id']}" for f in session.get(
                f"{base}/api/resource/{layer}").json()["feature_layer"]["fields"]}

            def geojson(row):
                x, y, name, cnt, val, ts, flag = row
                return orjson.dumps({"type": "Feature", "geometry": {
                    "type": "Point", "coordinates": [x / 1e6, y / 1e6]}, "properties": {
                        column["name"]: name, column["cnt"]: cnt, column["val"]: val,
                        column["ts"]: ts.isoformat(), column["flag"]: flag}})

            results["POST pygeoapi"] = hammer(args.clients, rows, lambda s, row: s.post(
                pga, data=geojson(row), headers={"Content-Type": "application/geo+json"}))
    finally:
        ours.terminate()
        if theirs is not None:
            theirs.terminate()
    print(f"single-feature requests, {args.clients} clients, {args.workers} workers x "
          f"{args.threads} threads each, same PostGIS table")
    for name, rate in results.items():
        print(f"{name:<18}{rate:>10,.0f} requests/s")


if __name__ == "__main__":
    main()
