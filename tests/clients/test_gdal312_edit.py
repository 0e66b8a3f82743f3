"""GDAL 3.12's NGW driver (pyogrio's libgdal) editing a layer: update, delete (by fid and with
DELETE FROM … WHERE), a 404 on a deleted fid, resmeta type round trip, rename, delete group."""

from __future__ import annotations

import ctypes
import uuid

import numpy as np
import pytest
import shapely

from ..conftest import ADMIN_PASSWORD
from .gdal312 import GDAL_OF_UPDATE, GDAL_OF_VECTOR, libgdal


def test_gdal312_edit_flow(server, admin):
    pyogrio = pytest.importorskip("pyogrio")
    lib = libgdal()
    userpwd = f"administrator:{ADMIN_PASSWORD}"
    pyogrio.set_gdal_config_options({"NGW_USERPWD": userpwd})
    lib.CPLSetConfigOption(b"NGW_USERPWD", userpwd.encode())
    name = "gdal312_" + uuid.uuid4().hex[:8]
    n = 20
    pyogrio.raw.write(
        f"NGW:{server.url}/resource/0/{name}",
        shapely.to_wkb(shapely.points(np.arange(n, dtype=float), np.zeros(n))),
        [np.arange(n, dtype=np.int32), np.array([f"s{i}" for i in range(n)], dtype=object)],
        ["ival", "sval"], driver="NGW", layer="pts", geometry_type="Point", crs="EPSG:3857")
    group = admin.ok("GET", f"/api/resource/search/?display_name={name}")[0]["resource"]["id"]
    layer_id = admin.ok("GET", f"/api/resource/?parent={group}")[0]["resource"]["id"]
    fids = [f["id"] for f in admin.ok("GET", f"/api/resource/{layer_id}/feature/?order_by=ival")]
    path = f"NGW:{server.url}/resource/{group}".encode()

    ds = lib.GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_UPDATE, None, None, None)
    assert ds, lib.CPLGetLastErrorMsg()
    try:
        lyr = lib.GDALDatasetGetLayerByName(ds, b"pts")
        sval = lib.OGR_FD_GetFieldIndex(lib.OGR_L_GetLayerDefn(lyr), b"sval")
        feature = lib.OGR_L_GetFeature(lyr, fids[0])
        lib.OGR_F_SetFieldString(feature, sval, b"updated by 3.12")
        assert lib.OGR_L_SetFeature(lyr, feature) == 0, lib.CPLGetLastErrorMsg()
        lib.OGR_F_Destroy(feature)
        assert lib.OGR_L_DeleteFeature(lyr, fids[1]) == 0, lib.CPLGetLastErrorMsg()
        result = lib.GDALDatasetExecuteSQL(ds, b"DELETE FROM pts WHERE ival >= 15", None, None)
        if result:
            lib.GDALDatasetReleaseResultSet(ds, result)
        for key, value in ((b"test_int.d", b"777"), (b"test_float.f", b"777.555"),
                           (b"test_string", b"metadata test")):
            assert lib.GDALSetMetadataItem(ds, key, value, b"NGW") == 0
    finally:
        lib.GDALClose(ds)

    # The server answers 404 for the deleted fid, and a fresh read no longer lists it.
    assert admin.get(f"/api/resource/{layer_id}/feature/{fids[1]}").status_code == 404
    no_cache = (ctypes.c_char_p * 2)(b"CACHE_EXPIRES=0", None)
    ds = lib.GDALOpenEx(path, GDAL_OF_VECTOR, None, no_cache, None)
    try:
        lyr = lib.GDALDatasetGetLayerByName(ds, b"pts")
        seen = []
        while feature := lib.OGR_L_GetNextFeature(lyr):
            seen.append(lib.OGR_F_GetFID(feature))
            lib.OGR_F_Destroy(feature)
    finally:
        lib.GDALClose(ds)
    assert fids[1] not in seen and fids[0] in seen and len(seen) == 14

    got = admin.ok("GET", f"/api/resource/{layer_id}/feature/{fids[0]}")
    assert got["fields"]["sval"] == "updated by 3.12"
    assert admin.get(f"/api/resource/{layer_id}/feature/{fids[1]}").status_code == 404
    left = admin.ok("GET", f"/api/resource/{layer_id}/feature/?order_by=ival")
    assert [f["fields"]["ival"] for f in left] == [0, *range(2, 15)]
    items = admin.ok("GET", f"/api/resource/{group}")["resmeta"]["items"]
    assert items["test_int"] == 777 and isinstance(items["test_int"], int)
    assert items["test_float"] == 777.555 and items["test_string"] == "metadata test"

    driver = lib.GDALGetDriverByName(b"NGW")
    assert lib.GDALRenameDataset(driver, b"renamed_pts",
                                 f"NGW:{server.url}/resource/{layer_id}".encode()) == 0, \
        lib.CPLGetLastErrorMsg()
    assert admin.ok("GET", f"/api/resource/{layer_id}")["resource"]["display_name"] == \
        "renamed_pts"
    assert lib.GDALDeleteDataset(driver, path) == 0, lib.CPLGetLastErrorMsg()
    assert admin.get(f"/api/resource/{group}").status_code == 404
    assert admin.get(f"/api/resource/{layer_id}").status_code == 404
    lib.CPLSetConfigOption(b"NGW_USERPWD", None)
