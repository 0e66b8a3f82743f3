"""File import benchmark: `featuresvc import` of a 1M-point GeoPackage against raw COPY.

    .venv/bin/python bench/import_1m.py [--count 1000000] [--srs 4326]

It prepares its own database (`featuresvc_bench_import` in the private cluster under
`.benchdata/`, or FEATURESVC_DATABASE_URL's server), writes a GeoPackage of COUNT points with
5 attributes (pyogrio), and measures in the same run:
  (a) `featuresvc import FILE --parent 0 --srs SRS` (a subprocess: wall time, features/s,
      peak RSS of the importing process),
  (b) raw psycopg binary COPY of the same rows (already in memory, EWKB) into an equivalent
      table with its primary key and GiST index,
  (c) the same COPY into a table with the primary key only, then CREATE INDEX (the bulk-load
      strategy the import uses).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psycopg
import shapely
from psycopg.types import TypeInfo
from pyogrio import raw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from featuresvc.bootstrap import prepare  # noqa: E402
from featuresvc.config import load_settings  # noqa: E402

PASSWORD = "bench-admin-pw"


def make_gpkg(path: Path, count: int) -> None:
    rnd = np.random.default_rng(1)
    geoms = shapely.to_wkb(shapely.points(rnd.uniform(-179, 179, count),
                                          rnd.uniform(-85, 85, count)))
    names = np.array([f"feature {i}" for i in range(count)], dtype=object)
    fields = [names, (np.arange(count) % 100000).astype("int32"), rnd.random(count) * 1000,
              np.datetime64("2024-01-01T00:00:00") + np.arange(count).astype(
                  "timedelta64[s]") * 7, (np.arange(count) % 2).astype(bool)]
    raw.write(str(path), geoms, fields, ["name", "cnt", "val", "ts", "flag"], driver="GPKG",
              crs="EPSG:4326", geometry_type="Point", layer="points")


def run_import(path: Path, url_db: str, data_dir: Path, srs: int) -> tuple[float, int, str]:
    """Run the CLI; wall time, the CLI process's own peak RSS (KiB, from wait4), summary."""
    env = {**os.environ, "FEATURESVC_DATABASE_URL": url_db, "FEATURESVC_DATA_DIR": str(data_dir)}
    env.pop("FEATURESVC_CONFIG", None)
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([sys.executable, "-m", "featuresvc.cli", "import", str(path),
                                 "--parent", "0", "--srs", str(srs), "--name", "bench import"],
                                env=env, stdout=subprocess.DEVNULL, stderr=err, text=True)
        _pid, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        summary = err.read().strip()
    if proc.returncode != 0:
        raise SystemExit(summary)
    return elapsed, usage.ru_maxrss, summary


def read_rows(path: Path, srid: int) -> list[tuple]:
    """The same data as tuples ready for COPY (outside the timed part)."""
    _meta, _fids, geoms, fields = raw.read(str(path), layer="points")
    ewkb = shapely.to_wkb(shapely.set_srid(shapely.from_wkb(geoms), srid), include_srid=True)
    ts = fields[3].astype("datetime64[us]").tolist()
    return list(zip(ewkb.tolist(), fields[0].tolist(), fields[1].tolist(),
                    fields[2].tolist(), ts, fields[4].tolist(), strict=True))


def raw_copy(conn: psycopg.Connection, rows: list[tuple], srid: int, *,
             index_after: bool) -> float:
    geometry = TypeInfo.fetch(conn, "geometry")
    with conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_raw")
        cur.execute(f"CREATE TABLE bench_raw (id serial PRIMARY KEY, "
                    f"geom geometry(Point, {srid}), name text, cnt int, val float8, "
                    f"ts timestamp, flag boolean)")
        if not index_after:
            cur.execute("CREATE INDEX bench_raw_geom ON bench_raw USING gist (geom)")
        conn.commit()
        start = time.perf_counter()
        with cur.copy("COPY bench_raw (geom, name, cnt, val, ts, flag) FROM STDIN "
                      "(FORMAT BINARY)") as copy:
            copy.set_types([geometry.oid, "text", "int4", "float8", "timestamp", "bool"])
            for row in rows:
                copy.write_row(row)
        if index_after:
            cur.execute("CREATE INDEX bench_raw_geom ON bench_raw USING gist (geom)")
        conn.commit()
        return time.perf_counter() - start


class _Bytes(psycopg.adapt.Dumper):
    format = psycopg.pq.Format.BINARY

    def dump(self, obj: bytes) -> bytes:
        return obj


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--srs", type=int, default=4326, help="SRS of the new layer")
    parser.add_argument("--generate", metavar="PATH", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        make_gpkg(Path(args.generate), args.count)
        return

    data_dir = Path(os.environ.get("FEATURESVC_BENCH_DATA_DIR", ROOT / ".benchdata"))
    settings = load_settings(env={"FEATURESVC_DATA_DIR": str(data_dir),
                                  "FEATURESVC_ADMIN_PASSWORD": PASSWORD,
                                  **{k: v for k, v in os.environ.items()
                                     if k == "FEATURESVC_DATABASE_URL"}})
    url_db = prepare(settings, database="featuresvc_bench_import", recreate=True, quiet=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "points.gpkg"
        start = time.perf_counter()
        # In a child process: a fork of a big parent would count the parent's pages in the
        # importer's peak RSS (ru_maxrss covers the time before exec).
        subprocess.run([sys.executable, __file__, "--generate", str(path), "--count",
                        str(args.count)], check=True)
        print(f"generated {path.name}: {args.count:,} points, "
              f"{path.stat().st_size / 2**20:.0f} MiB in {time.perf_counter() - start:.1f} s")
        ours, peak_kib, summary = run_import(path, url_db, data_dir, args.srs)
        rows = read_rows(path, args.srs)
    with psycopg.connect(url_db.replace("postgresql+psycopg", "postgresql")) as conn:
        conn.adapters.register_dumper(bytes, type("G", (_Bytes,), {
            "oid": TypeInfo.fetch(conn, "geometry").oid}))
        with_gist = raw_copy(conn, rows, args.srs, index_after=False)
        index_after = raw_copy(conn, rows, args.srs, index_after=True)
        with conn.cursor() as cur:
            cur.execute("DROP TABLE bench_raw")
    n = args.count
    print(f"import: {summary}")
    print(f"{'path':<52}{'seconds':>9}{'features/s':>12}{'ratio':>8}")
    print(f"{'(a) featuresvc import (read+convert+COPY+index)':<52}{ours:>9.1f}"
          f"{n / ours:>12,.0f}{'':>8}")
    for label, secs in (("(b) raw COPY, PK + GiST during COPY", with_gist),
                        ("(c) raw COPY, PK, GiST built after", index_after)):
        print(f"{label:<52}{secs:>9.1f}{n / secs:>12,.0f}{secs / ours:>8.0%}")
    print(f"peak RSS of the import process: {peak_kib / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
