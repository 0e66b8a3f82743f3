"""Bad input gives 422 saying which and why, and leaves nothing behind."""

from __future__ import annotations

import numpy as np
import pytest

from ..file_upload.helpers import make_zip
from .helpers import create_from, points, upload, write, zip_dir


def _children(admin, group) -> int:
    return len(admin.ok("GET", f"/api/resource/?parent={group}"))


def _expect(admin, group, meta, message: str, **section) -> dict:
    before = _children(admin, group)
    body = create_from(admin, group, meta, 422, **section)
    assert message in body["message"], body
    assert body["exception"].startswith("featuresvc.")
    assert _children(admin, group) == before  # nothing half-imported stays
    return body


def test_unreadable_file(admin, group):
    meta = upload(admin, "broken.geojson", b"{this is not json")
    body = _expect(admin, group, meta, "GDAL library failed to open the file")
    assert "GeoPackage" in body["detail"]
    _expect(admin, group, upload(admin, "noise.bin", bytes(range(256)) * 10),
            "GDAL library failed to open the file")


def test_zip_without_shapefile(admin, group):
    meta = upload(admin, "docs.zip", make_zip({"readme.txt": b"hello"}))
    _expect(admin, group, meta, "The ZIP archive contains no shapefile")
    meta = upload(admin, "bad.zip", b"PK\x03\x04 truncated")
    _expect(admin, group, meta, "not a valid ZIP archive")


@pytest.mark.filterwarnings("ignore:.crs. was not provided")
def test_no_crs(admin, group, tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    write(folder / "p.shp", points(2), {"a": np.array([1, 2], dtype="int32")},
          driver="ESRI Shapefile", crs=None)  # GDAL warns: that is the point
    assert not (folder / "p.prj").exists()
    meta = upload(admin, "p.zip", zip_dir(folder))
    _expect(admin, group, meta, "Layer doesn't contain coordinate system information.")


def test_layers(admin, group, tmp_path):
    path = tmp_path / "two.gpkg"
    write(path, points(1), {}, driver="GPKG", layer="one")
    write(path, points(1), {}, driver="GPKG", layer="two")
    meta = upload(admin, "two.gpkg", path.read_bytes())
    _expect(admin, group, meta, "Dataset contains more than one layer.")
    body = _expect(admin, group, meta, "Layer 'three' not found", source_layer="three")
    assert body["data"]["layers"] == ["one", "two"]


@pytest.mark.parametrize(("section", "message"), [
    ({"fix_errors": "MAYBE"}, "Unknown 'fix_errors' value"),
    ({"cast_geometry_type": "CIRCLE"}, "Unknown 'cast_geometry_type' value"),
    ({"cast_is_multi": "yes"}, "Unknown 'cast_is_multi' value"),
    ({"fid_source": "RANDOM"}, "Unknown 'fid_source' value"),
    ({"skip_errors": 1}, "Unknown 'skip_errors' value"),
    ({"source_layer": 5}, "Expected a layer name"),
    ({"fields": [{"keyname": "a", "datatype": "STRING"}]}, "can't be used together"),
    ({"srs": {"id": 12345}}, "12345"),
])
def test_bad_options(admin, group, tmp_path, section, message):
    path = write(tmp_path / "a.geojson", points(1), {}, driver="GeoJSON")
    _expect(admin, group, upload(admin, "a.geojson", path.read_bytes()), message, **section)


def test_unknown_upload(admin, group):
    body = create_from(admin, group, {"id": "0" * 32}, 422)
    assert body["exception"].endswith("FileUploadNotFound")
    body = admin.ok("POST", "/api/component/vector_layer/inspect", 422, json={"id": "0" * 32})
    assert body["exception"].endswith("FileUploadNotFound")
    admin.ok("POST", "/api/component/vector_layer/inspect", 422, json={})


def test_geometry_does_not_fit(admin, group, tmp_path):
    path = write(tmp_path / "mixed.gpkg", points(2), {}, driver="GPKG")
    meta = upload(admin, "mixed.gpkg", path.read_bytes())
    _expect(admin, group, meta, "Feature #1 has unsuitable geometry type POINT",
            cast_geometry_type="POLYGON")
    import shapely

    far = write(tmp_path / "far.geojson", [shapely.Point(0, 100)], {}, driver="GeoJSON")
    body = _expect(admin, group, upload(admin, "far.geojson", far.read_bytes()),
                   "Feature #1 has coordinates that can't be reprojected",
                   srs={"id": 3857})
    assert body["detail"].startswith("* Feature #1")


def test_many_errors_listed_up_to_ten(admin, group, tmp_path):
    import json

    line = {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": line, "properties": {}} for _ in range(25)]}
    meta = upload(admin, "lines.geojson", json.dumps(fc).encode())
    body = _expect(admin, group, meta, "Feature #1 has unsuitable geometry type",
                   cast_geometry_type="POINT")
    assert len(body["data"]["errors"]) == 10
