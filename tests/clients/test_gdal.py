"""Real GDAL clients against the real server: Debian's GDAL 3.6 (the older NGW driver, through
/usr/bin/python3 and ogr2ogr) and PyPI's pyogrio (GDAL 3.12, the newer driver)."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import numpy as np
import pytest
import shapely

from ..conftest import ADMIN_PASSWORD

HERE = Path(__file__).resolve().parent
SYSTEM_PYTHON = "/usr/bin/python3"


def _has_osgeo() -> bool:
    if not Path(SYSTEM_PYTHON).exists():
        return False
    return subprocess.run([SYSTEM_PYTHON, "-c", "from osgeo import ogr"]).returncode == 0


@pytest.mark.skipif(not _has_osgeo(), reason="Debian python3-gdal is not installed")
def test_gdal36_driver_flow(server, tmp_path):
    proc = subprocess.run(
        [SYSTEM_PYTHON, str(HERE / "gdal36_flow.py"), server.url, "administrator",
         ADMIN_PASSWORD, str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "GDAL 3.6 flow OK" in proc.stdout


@pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="gdal-bin is not installed")
def test_ogr2ogr_cli_roundtrip(server, admin, tmp_path):
    group = admin.ok("POST", "/api/resource/", 201, json={"resource": {
        "cls": "resource_group", "parent": {"id": 0}, "display_name": "ogr2ogr_" +
        uuid.uuid4().hex[:8]}})["id"]
    src = tmp_path / "lines.csv"
    src.write_text("WKT,name,len\n" + "".join(
        f'"LINESTRING ({i} 0,{i} {i + 1})",line {i},{i * 1.5}\n' for i in range(30)))
    userpwd = f"USERPWD=administrator:{ADMIN_PASSWORD}"
    subprocess.run(["ogr2ogr", "-f", "NGW", "-update", "-doo", userpwd,
                    f"NGW:{server.url}/resource/{group}", str(src), "-nln", "lines",
                    "-a_srs", "EPSG:3857", "-nlt", "LINESTRING",
                    "-oo", "GEOM_POSSIBLE_NAMES=WKT", "-oo", "KEEP_GEOM_COLUMNS=NO"],
                   check=True, capture_output=True, timeout=120)
    out = tmp_path / "out.gpkg"
    layers = admin.ok("GET", f"/api/resource/?parent={group}")
    layer_id = layers[0]["resource"]["id"]
    subprocess.run(["ogr2ogr", "-f", "GPKG", str(out), "-oo", userpwd,
                    f"NGW:{server.url}/resource/{layer_id}"], check=True, capture_output=True,
                   timeout=120)
    info = subprocess.run(["ogrinfo", "-so", "-al", str(out)], check=True, capture_output=True,
                          text=True).stdout
    assert "Feature Count: 30" in info
    assert "Line String" in info


GEOMETRIES = {
    "Point": "POINT (1 2)", "LineString": "LINESTRING (1 2,3 4)",
    "Polygon": "POLYGON ((0 0,0 1,1 1,0 0))", "MultiPoint": "MULTIPOINT ((1 2),(3 4))",
    "MultiLineString": "MULTILINESTRING ((1 2,3 4))",
    "MultiPolygon": "MULTIPOLYGON (((0 0,0 1,1 1,0 0)))",
    "Point Z": "POINT Z (1 2 3)", "LineString Z": "LINESTRING Z (1 2 3,4 5 6)",
    "Polygon Z": "POLYGON Z ((0 0 1,0 1 1,1 1 1,0 0 1))", "MultiPoint Z": "MULTIPOINT Z ((1 2 3))",
    "MultiLineString Z": "MULTILINESTRING Z ((1 2 3,4 5 6))",
    "MultiPolygon Z": "MULTIPOLYGON Z (((0 0 1,0 1 1,1 1 1,0 0 1)))",
}


def test_pyogrio_driver_flow(server, admin):
    pyogrio = pytest.importorskip("pyogrio")
    from pyogrio import raw

    pyogrio.set_gdal_config_options({"NGW_USERPWD": f"administrator:{ADMIN_PASSWORD}"})
    name = "pyogrio_" + uuid.uuid4().hex[:8]
    n = 40
    geoms = shapely.to_wkb(shapely.points(np.arange(n, dtype=float), np.arange(n) * 2.0))
    stamps = np.array([f"2024-05-{1 + i % 28:02d}T13:05:{i % 60:02d}" for i in range(n)],
                      dtype="datetime64[ms]")
    field_data = [np.arange(n, dtype=np.int32), np.arange(n, dtype=np.int64) + 10**10,
                  np.arange(n) + 0.25, np.array([f"s{i}" for i in range(n)], dtype=object),
                  stamps]
    fields = ["ival", "bval", "rval", "sval", "tval"]
    raw.write(f"NGW:{server.url}/resource/0/{name}", geoms, field_data, fields, driver="NGW",
              layer="points", geometry_type="Point", crs="EPSG:3857",
              dataset_options={"BATCH_SIZE": "10"})
    groups = admin.ok("GET", f"/api/resource/search/?display_name={name}")
    group_id = groups[0]["resource"]["id"]
    path = f"NGW:{server.url}/resource/{group_id}"

    # The newer driver sends fields in feature_layer.fields with datatypes.
    layer_id = admin.ok("GET", f"/api/resource/?parent={group_id}")[0]["resource"]["id"]
    doc = admin.ok("GET", f"/api/resource/{layer_id}")
    assert [(f["keyname"], f["datatype"]) for f in doc["feature_layer"]["fields"]] == [
        ("ival", "INTEGER"), ("bval", "BIGINT"), ("rval", "REAL"), ("sval", "STRING"),
        ("tval", "DATETIME")]

    # Paged read (PAGE_SIZE) of everything, values intact.
    meta, _, geometry, data = raw.read(path, layer="points", PAGE_SIZE="7")
    assert len(geometry) == n
    assert list(meta["fields"]) == fields
    order = np.argsort(data[0])
    assert list(data[0][order]) == list(range(n))
    assert list(data[1][order]) == [10**10 + i for i in range(n)]
    assert list(data[4][order]) == list(stamps)
    # Attribute and spatial filters (translated to fld_* and intersects=), projection, no geom.
    for where, expected in (("ival >= 30 AND rval < 35", range(30, 35)),
                            ("ival = 3", [3]), ("ival <> 3 AND ival < 5", [0, 1, 2, 4]),
                            ("ival > 37", [38, 39]), ("ival <= 1", [0, 1]),
                            ("sval LIKE 's1%'", [1, *range(10, 20)]),
                            ("sval ILIKE 'S3_'", range(30, 40))):
        _, _, geometry, data = raw.read(path, layer="points", where=where, columns=["sval"],
                                        read_geometry=False)
        assert geometry is None
        assert sorted(data[0], key=lambda s: int(s[1:])) == [f"s{i}" for i in expected], where
    _, _, geometry, _ = raw.read(path, layer="points", bbox=(9.5, 0, 20.5, 1000))
    assert sorted(shapely.get_x(shapely.from_wkb(geometry))) == list(range(10, 21))

    # Layers of every geometry type. pyogrio cannot append to an NGW dataset (it checks the
    # path on the local disk, then creates), so each goes into a new subgroup.
    for gtype, wkt in GEOMETRIES.items():
        layer = "g_" + gtype.lower().replace(" ", "")
        sub = f"NGW:{server.url}/resource/{group_id}/{layer}"
        raw.write(sub, shapely.to_wkb(np.array([shapely.from_wkt(wkt)] * 3)),
                  [np.arange(3, dtype=np.int32)], ["k"], driver="NGW", layer=layer,
                  geometry_type=gtype, crs="EPSG:3857")
        sub_id = admin.ok("GET", f"/api/resource/search/?parent={group_id}&display_name={layer}"
                          )[0]["resource"]["id"]
        _, _, geometry, data = raw.read(f"NGW:{server.url}/resource/{sub_id}", layer=layer)
        got = shapely.from_wkb(geometry)
        assert len(got) == 3 and all(shapely.equals(g, shapely.from_wkt(wkt)) for g in got), gtype
        assert all(shapely.has_z(g) == gtype.endswith(" Z") for g in got), gtype
    assert len(admin.ok("GET", f"/api/resource/?parent={group_id}")) == 1 + len(GEOMETRIES)

    # (pyogrio opens datasets read-only for reading and cannot update or delete features;
    # those flows are covered with GDAL 3.6's osgeo bindings above.)
    admin.ok("DELETE", f"/api/resource/{group_id}")
