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


def test_pyogrio_driver_flow(server, admin):
    pyogrio = pytest.importorskip("pyogrio")
    from pyogrio import raw

    pyogrio.set_gdal_config_options({"NGW_USERPWD": f"administrator:{ADMIN_PASSWORD}"})
    name = "pyogrio_" + uuid.uuid4().hex[:8]
    n = 40
    geoms = shapely.to_wkb(shapely.points(np.arange(n, dtype=float), np.arange(n) * 2.0))
    field_data = [np.arange(n, dtype=np.int32), np.arange(n, dtype=np.int64) + 10**10,
                  np.arange(n) + 0.25, np.array([f"s{i}" for i in range(n)], dtype=object)]
    fields = ["ival", "bval", "rval", "sval"]
    raw.write(f"NGW:{server.url}/resource/0/{name}", geoms, field_data, fields, driver="NGW",
              layer="points", geometry_type="Point", crs="EPSG:3857",
              layer_options={"OVERWRITE": "NO"}, dataset_options={"BATCH_SIZE": "10"})
    groups = admin.ok("GET", f"/api/resource/search/?display_name={name}")
    group_id = groups[0]["resource"]["id"]
    path = f"NGW:{server.url}/resource/{group_id}"
    meta, _, geometry, data = raw.read(path, layer="points")
    assert len(geometry) == n
    assert list(meta["fields"]) == fields
    order = np.argsort(data[0])
    assert list(data[0][order]) == list(range(n))
    assert list(data[1][order]) == [10**10 + i for i in range(n)]
    # Attribute and spatial filters (translated to fld_* and intersects=), projection, no geom.
    _, _, geometry, data = raw.read(path, layer="points", where="ival >= 30 AND rval < 35",
                                    columns=["sval"], read_geometry=False)
    assert geometry is None and sorted(data[0]) == [f"s{i}" for i in range(30, 35)]
    _, _, geometry, _ = raw.read(path, layer="points", bbox=(9.5, 0, 20.5, 1000))
    assert sorted(shapely.get_x(shapely.from_wkb(geometry))) == list(range(10, 21))
    admin.ok("DELETE", f"/api/resource/{group_id}")
