"""Every allow-listed read driver still opens a real file; formats outside the list are
refused with 422 and the list of supported formats."""

from __future__ import annotations

import numpy as np
import pytest

from ..layer_import.helpers import points, upload, write, zip_dir
from .gdal_helpers import INSPECT, check_clean

pytestmark = pytest.mark.filterwarnings("ignore")
NAMES = {"name": np.array(["a", "b"], dtype=object)}

#: (GDAL driver used to write, upload name, drivers the server may report, zipped)
ALLOWED = [
    ("GPKG", "f.gpkg", {"GPKG"}, False),
    ("GeoJSON", "f.geojson", {"GeoJSON"}, False),
    ("GeoJSONSeq", "f.geojsonl", {"GeoJSONSeq"}, False),
    ("ESRI Shapefile", "f.shp", {"ESRI Shapefile"}, True),
    ("CSV", "f.csv", {"CSV"}, False),
    ("XLSX", "f.xlsx", {"XLSX"}, False),
    ("ODS", "f.ods", {"ODS"}, False),
    ("KML", "f.kml", {"KML", "LIBKML"}, False),
    ("LIBKML", "f.kml", {"KML", "LIBKML"}, False),
    ("GPX", "f.gpx", {"GPX"}, False),
    ("GML", "f.gml", {"GML"}, False),
    ("MapInfo File", "f.tab", {"MapInfo File"}, True),
    ("FlatGeobuf", "f.fgb", {"FlatGeobuf"}, False),
    ("DXF", "f.dxf", {"DXF"}, False),
]


@pytest.mark.parametrize("driver,name,reported,zipped", ALLOWED, ids=[a[0] for a in ALLOWED])
def test_allowed_driver_opens(admin, tmp_path, driver, name, reported, zipped):
    folder = tmp_path / "src"
    folder.mkdir()
    fields = {} if driver == "DXF" else NAMES
    kw = {"GEOMETRY": "AS_WKT"} if driver == "CSV" else {}
    if driver == "GPX":
        kw = {"geometry_type": "Point", "layer": "waypoints"}
    if driver in ("XLSX", "ODS"):  # no geometry column: coordinates in lon/lat columns
        write(folder / name, None, {**NAMES, "lon": np.array([30.0, 31.0]),
                                    "lat": np.array([50.0, 51.0])}, driver=driver)
    else:
        write(folder / name, points(2), fields, driver=driver, **kw)
    if zipped:
        data, upload_name = zip_dir(folder), name.replace(name[-4:], ".zip")
    else:
        data, upload_name = (folder / name).read_bytes(), name
    meta = upload(admin, upload_name, data)
    resp = admin.post(INSPECT, json={"id": meta["id"]})
    check_clean(resp)
    assert resp.status_code == 200, resp.text
    drivers = {d["driver"] for d in resp.json()["details"]}
    assert drivers and drivers <= reported, resp.text


#: Formats GDAL reads but this service refuses (they follow references or are not needed).
REFUSED = [
    ("SQLite", "f.sqlite"),
    ("OpenFileGDB", "f.gdb"),
    ("MapML", "f.mapml"),
    ("JML", "f.jml"),
    ("PGDUMP", "f.sql"),
]


@pytest.mark.parametrize("driver,name", REFUSED, ids=[r[0] for r in REFUSED])
def test_other_drivers_are_refused(admin, tmp_path, driver, name):
    path = tmp_path / name
    write(path, points(2), NAMES, driver=driver)
    if path.is_dir():
        data, name = zip_dir(path, prefix=name + "/"), name + ".zip"
    else:
        data = path.read_bytes()
    meta = upload(admin, name, data)
    resp = admin.post(INSPECT, json={"id": meta["id"]})
    check_clean(resp)
    assert resp.status_code == 422, resp.text
    assert "GeoPackage" in resp.json()["data"].get("formats", []) or \
        "ZIP" in resp.json()["message"], resp.text
