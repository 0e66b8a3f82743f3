"""Feature API benchmark: featuresvc over HTTP against raw psycopg, in the same run.

    .venv/bin/python bench/feature_api.py [--count 100000] [--batch 10000] [--workers 4]

It prepares its own database (`featuresvc_bench` in the private cluster under `.benchdata/`,
or FEATURESVC_DATABASE_URL's server), starts `featuresvc serve` with several workers, and
measures:
  (a) PATCH /feature/ creating COUNT points with 5 attributes in batches of BATCH,
  (b) PATCH /feature/ updating all of them,
  (c) GET /feature/?limit=BATCH pages over the whole layer,
  (d) single-feature POST and GET with 8 concurrent clients,
and the raw baseline for (a)-(c) straight through psycopg: COPY into an equivalent table,
COPY into a staging table + UPDATE ... FROM, SELECT + orjson. It prints features/s and ratios.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import os
import random
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import orjson
import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from featuresvc.bootstrap import prepare  # noqa: E402
from featuresvc.config import load_settings  # noqa: E402

PASSWORD = "bench-admin-pw"
FIELDS = [("name", "STRING"), ("cnt", "INTEGER"), ("val", "REAL"), ("ts", "DATETIME"),
          ("flag", "BOOLEAN")]
T0 = datetime(2024, 1, 1)


def make_rows(count: int, seed: int) -> list[tuple]:
    rnd = random.Random(seed)
    return [(rnd.uniform(-2e7, 2e7), rnd.uniform(-2e7, 2e7), f"feature {i} {seed}", i % 100000,
             rnd.random() * 1000, T0 + timedelta(seconds=i * 7 + seed), bool(i % 2))
            for i in range(count)]


def feature_json(row: tuple, fid: int | None = None) -> dict:
    x, y, name, cnt, val, ts, flag = row
    feature = {"geom": f"POINT ({x!r} {y!r})", "fields": {
        "name": name, "cnt": cnt, "val": val, "flag": flag,
        "ts": {"year": ts.year, "month": ts.month, "day": ts.day, "hour": ts.hour,
               "minute": ts.minute, "second": ts.second}}}
    if fid is not None:
        feature["id"] = fid
    return feature


# -- the server ------------------------------------------------------------------------------

def start_server(url_db: str, data_dir: Path, workers: int, port: int) -> subprocess.Popen:
    env = {**os.environ, "FEATURESVC_DATABASE_URL": url_db, "FEATURESVC_DATA_DIR": str(data_dir),
           "FEATURESVC_ADMIN_PASSWORD": PASSWORD, "FEATURESVC_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "featuresvc.cli", "serve", "--port", str(port),
         "--workers", str(workers)], env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/component/pyramid/ping").ok:
                return proc
        except requests.ConnectionError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start")


def create_layer(session: requests.Session, base: str, name: str) -> int:
    body = {"resource": {"cls": "vector_layer", "parent": {"id": 0}, "display_name": name},
            "vector_layer": {"srs": {"id": 3857}, "geometry_type": "POINT",
                             "fields": [{"keyname": k, "datatype": t} for k, t in FIELDS]}}
    resp = session.post(base + "/api/resource/", json=body)
    resp.raise_for_status()
    return resp.json()["id"]


def http_create(session, base, layer, rows, batch) -> tuple[float, list[int]]:
    ids: list[int] = []
    start = time.perf_counter()
    for i in range(0, len(rows), batch):
        body = orjson.dumps([feature_json(r) for r in rows[i:i + batch]])
        resp = session.patch(f"{base}/api/resource/{layer}/feature/", data=body,
                             headers={"Content-Type": "application/json"})
        resp.raise_for_status()
        ids.extend(f["id"] for f in orjson.loads(resp.content))
    return time.perf_counter() - start, ids


def http_update(session, base, layer, rows, ids, batch) -> float:
    start = time.perf_counter()
    for i in range(0, len(rows), batch):
        body = orjson.dumps([feature_json(r, fid) for r, fid in
                             zip(rows[i:i + batch], ids[i:i + batch], strict=True)])
        resp = session.patch(f"{base}/api/resource/{layer}/feature/", data=body,
                             headers={"Content-Type": "application/json"})
        resp.raise_for_status()
    return time.perf_counter() - start


def http_read(session, base, layer, count, batch) -> float:
    start = time.perf_counter()
    seen = 0
    for offset in range(0, count, batch):
        resp = session.get(f"{base}/api/resource/{layer}/feature/",
                           params={"limit": batch, "offset": offset})
        resp.raise_for_status()
        seen += len(orjson.loads(resp.content))
    assert seen == count, (seen, count)
    return time.perf_counter() - start


def http_single(base, layer, requests_per_client: int, clients: int) -> tuple[float, float]:
    rows = make_rows(requests_per_client * clients, seed=7)

    def post_worker(part):
        s = requests.Session()
        s.auth = ("administrator", PASSWORD)
        out = []
        for row in part:
            r = s.post(f"{base}/api/resource/{layer}/feature/", data=orjson.dumps(
                feature_json(row)), headers={"Content-Type": "application/json"})
            r.raise_for_status()
            out.append(r.json()["id"])
        return out

    def get_worker(part):
        s = requests.Session()
        s.auth = ("administrator", PASSWORD)
        for fid in part:
            s.get(f"{base}/api/resource/{layer}/feature/{fid}").raise_for_status()

    parts = [rows[i::clients] for i in range(clients)]
    with cf.ThreadPoolExecutor(clients) as pool:
        start = time.perf_counter()
        created = [fid for ids in pool.map(post_worker, parts) for fid in ids]
        post_s = time.perf_counter() - start
        start = time.perf_counter()
        list(pool.map(get_worker, [created[i::clients] for i in range(clients)]))
        get_s = time.perf_counter() - start
    return len(rows) / post_s, len(rows) / get_s


# -- the raw baseline --------------------------------------------------------------------------

BASE_DDL = """
DROP TABLE IF EXISTS bench_raw;
CREATE TABLE bench_raw (id bigserial PRIMARY KEY, geom geometry(Point, 3857), name text,
    cnt integer, val double precision, ts timestamp, flag boolean);
CREATE INDEX bench_raw_geom_idx ON bench_raw USING gist (geom);
"""


def raw_create(conn, rows) -> float:
    conn.execute(BASE_DDL)
    conn.commit()
    start = time.perf_counter()
    with conn.cursor() as cur, cur.copy(
            "COPY bench_raw (geom, name, cnt, val, ts, flag) FROM STDIN") as copy:
        for x, y, name, cnt, val, ts, flag in rows:
            copy.write_row((f"SRID=3857;POINT({x!r} {y!r})", name, cnt, val, ts, flag))
    conn.commit()
    return time.perf_counter() - start


def raw_update(conn, rows) -> float:
    start = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute("CREATE TEMP TABLE stage (id bigint, geom geometry, name text, cnt integer, "
                    "val double precision, ts timestamp, flag boolean) ON COMMIT DROP")
        with cur.copy("COPY stage FROM STDIN") as copy:
            for fid, (x, y, name, cnt, val, ts, flag) in enumerate(rows, start=1):
                copy.write_row((fid, f"SRID=3857;POINT({x!r} {y!r})", name, cnt, val, ts, flag))
        cur.execute("UPDATE bench_raw t SET geom = s.geom, name = s.name, cnt = s.cnt, "
                    "val = s.val, ts = s.ts, flag = s.flag FROM stage s WHERE t.id = s.id")
    conn.commit()
    return time.perf_counter() - start


def raw_read(conn, count, batch) -> float:
    start = time.perf_counter()
    seen = 0
    for offset in range(0, count, batch):
        rows = conn.execute(
            "SELECT id, ST_AsText(geom), name, cnt, val, ts, flag FROM bench_raw "
            "ORDER BY id LIMIT %s OFFSET %s", (batch, offset)).fetchall()
        payload = orjson.dumps([
            {"id": r[0], "geom": r[1], "fields": {
                "name": r[2], "cnt": r[3], "val": r[4], "flag": r[6],
                "ts": {"year": r[5].year, "month": r[5].month, "day": r[5].day,
                       "hour": r[5].hour, "minute": r[5].minute, "second": r[5].second}}}
            for r in rows])
        seen += len(rows)
        del payload
    assert seen == count
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--single", type=int, default=250, help="requests per client in (d)")
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()

    data_dir = Path(os.environ.get("FEATURESVC_BENCH_DATA_DIR", ROOT / ".benchdata"))
    settings = load_settings(env={"FEATURESVC_DATA_DIR": str(data_dir),
                                  "FEATURESVC_ADMIN_PASSWORD": PASSWORD,
                                  **{k: v for k, v in os.environ.items()
                                     if k == "FEATURESVC_DATABASE_URL"}})
    url_db = prepare(settings, database="featuresvc_bench", recreate=True, quiet=True)
    port = 18900 + os.getpid() % 100
    server = start_server(url_db, data_dir, args.workers, port)
    base = f"http://127.0.0.1:{port}"
    rows = make_rows(args.count, seed=1)
    new_rows = make_rows(args.count, seed=2)
    try:
        session = requests.Session()
        session.auth = ("administrator", PASSWORD)
        layer = create_layer(session, base, "bench")
        a_http, ids = http_create(session, base, layer, rows, args.batch)
        b_http = http_update(session, base, layer, new_rows, ids, args.batch)
        c_http = http_read(session, base, layer, args.count, args.batch)
        single_layer = create_layer(session, base, "bench single")
        post_rate, get_rate = http_single(base, single_layer, args.single, args.clients)
        with psycopg.connect(url_db.replace("postgresql+psycopg", "postgresql")) as conn:
            a_raw = raw_create(conn, rows)
            b_raw = raw_update(conn, new_rows)
            c_raw = raw_read(conn, args.count, args.batch)
    finally:
        server.terminate()
        server.wait()

    n = args.count
    print(f"featuresvc feature API benchmark: {n} points, batches of {args.batch}, "
          f"{args.workers} workers")
    print(f"{'step':<34}{'featuresvc/s':>14}{'raw/s':>12}{'ratio':>8}")
    for label, ours, raw in (("(a) PATCH create", a_http, a_raw),
                             ("(b) PATCH update", b_http, b_raw),
                             ("(c) GET pages", c_http, c_raw)):
        print(f"{label:<34}{n / ours:>14,.0f}{n / raw:>12,.0f}{raw / ours:>8.0%}")
    print(f"{'(d) single POST, ' + str(args.clients) + ' clients':<34}{post_rate:>14,.0f}")
    print(f"{'(d) single GET, ' + str(args.clients) + ' clients':<34}{get_rate:>14,.0f}")


if __name__ == "__main__":
    main()
