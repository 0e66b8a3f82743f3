"""Layers from real files of every common format, checked through the feature API."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from .helpers import create_from, features, layer_doc, points, upload, write, zip_dir


def _wkt(feature) -> shapely.Geometry:
    return shapely.from_wkt(feature["geom"])


def test_geojson_types_and_reprojection(admin, group, tmp_path):
    n = 4
    fields = {
        "i32": np.array([1, 2, 3, -4], dtype="int32"),
        "i64": np.array([1, 2, 2**40, 4], dtype="int64"),
        "r": np.array([0.5, 1.5, 2.5, 3.5]),
        "s": np.array(["a", "ё", None, "d"], dtype=object),
        "d": np.array(["2024-01-01", "2024-02-29", "2024-03-03", "2024-04-04"],
                      dtype="datetime64[D]"),
    }
    path = write(tmp_path / "pts.geojson", points(n), fields, driver="GeoJSON")
    meta = upload(admin, "pts.geojson", path.read_bytes())
    lid = create_from(admin, group, meta)["id"]
    doc = layer_doc(admin, lid)
    assert doc["geometry_type"] == "POINT" and doc["srs"] == {"id": 3857}
    assert doc["fields"] == {"i32": "INTEGER", "i64": "BIGINT", "r": "REAL", "s": "STRING",
                             "d": "DATE"}
    feats = features(admin, lid, srs=4326)
    assert [f["fields"]["i64"] for f in feats] == [1, 2, 2**40, 4]
    assert [f["fields"]["s"] for f in feats] == ["a", "ё", None, "d"]
    assert feats[1]["fields"]["d"] == "2024-02-29"
    got = shapely.get_coordinates([_wkt(f) for f in feats])
    assert np.allclose(got, shapely.get_coordinates(points(n)), atol=1e-6)
