"""The GDAL 3.6 NGW driver (Debian's python3-gdal) against featuresvc: run by /usr/bin/python3.

    /usr/bin/python3 gdal36_flow.py BASE_URL LOGIN PASSWORD WORKDIR

Every step asserts; a non-zero exit fails the calling pytest test. The flow follows
clients.md section 1 (what the driver sends) and exercises what QGIS users do.
"""

import json
import sys
import uuid

from osgeo import gdal, ogr, osr

gdal.UseExceptions()
ogr.UseExceptions()

BASE, LOGIN, PASSWORD, WORKDIR = sys.argv[1:5]
USERPWD = f"{LOGIN}:{PASSWORD}"
gdal.SetConfigOption("NGW_USERPWD", USERPWD)
DRIVER = gdal.GetDriverByName("NGW")
OPEN = [f"USERPWD={USERPWD}"]

GEOMETRY_TYPES = {
    "POINT": (ogr.wkbPoint, "POINT (1 2)"),
    "LINESTRING": (ogr.wkbLineString, "LINESTRING (1 2,3 4)"),
    "POLYGON": (ogr.wkbPolygon, "POLYGON ((0 0,0 1,1 1,0 0))"),
    "MULTIPOINT": (ogr.wkbMultiPoint, "MULTIPOINT ((1 2),(3 4))"),
    "MULTILINESTRING": (ogr.wkbMultiLineString, "MULTILINESTRING ((1 2,3 4))"),
    "MULTIPOLYGON": (ogr.wkbMultiPolygon, "MULTIPOLYGON (((0 0,0 1,1 1,0 0)))"),
    "POINTZ": (ogr.wkbPoint25D, "POINT (1 2 3)"),
    "LINESTRINGZ": (ogr.wkbLineString25D, "LINESTRING (1 2 3,4 5 6)"),
    "POLYGONZ": (ogr.wkbPolygon25D, "POLYGON ((0 0 1,0 1 1,1 1 1,0 0 1))"),
    "MULTIPOINTZ": (ogr.wkbMultiPoint25D, "MULTIPOINT ((1 2 3))"),
    "MULTILINESTRINGZ": (ogr.wkbMultiLineString25D, "MULTILINESTRING ((1 2 3,4 5 6))"),
    "MULTIPOLYGONZ": (ogr.wkbMultiPolygon25D, "MULTIPOLYGON (((0 0 1,0 1 1,1 1 1,0 0 1)))"),
}
FIELDS = [("INTFIELD", ogr.OFTInteger), ("BIGFIELD", ogr.OFTInteger64),
          ("REALFIELD", ogr.OFTReal), ("STRFIELD", ogr.OFTString), ("DATEFIELD", ogr.OFTDate),
          ("TIMEFIELD", ogr.OFTTime), ("DTFIELD", ogr.OFTDateTime)]


def log(*args):
    print(*args, flush=True)


def srs3857():
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(3857)
    return srs


def fill(feature, i):
    feature.SetField("INTFIELD", i)
    feature.SetField("BIGFIELD", 5_000_000_000 + i)
    feature.SetField("REALFIELD", i + 0.5)
    feature.SetField("STRFIELD", f"value {i}" if i != 2 else "fo_o Ünïcode")
    feature.SetField("DATEFIELD", 2024, 5, 1 + i, 0, 0, 0, 0)
    feature.SetField("TIMEFIELD", 0, 0, 0, 13, 5, i, 0)
    feature.SetField("DTFIELD", 2024, 5, 1 + i, 13, 5, i, 0)


def check(feature, i):
    assert feature.GetField("INTFIELD") == i, feature.GetField("INTFIELD")
    assert feature.GetField("BIGFIELD") == 5_000_000_000 + i
    assert abs(feature.GetField("REALFIELD") - (i + 0.5)) < 1e-9
    assert feature.GetField("STRFIELD") == (f"value {i}" if i != 2 else "fo_o Ünïcode")
    assert feature.GetFieldAsDateTime("DATEFIELD")[:3] == [2024, 5, 1 + i]
    assert feature.GetFieldAsDateTime("TIMEFIELD")[3:6] == [13, 5, float(i)], \
        feature.GetFieldAsDateTime("TIMEFIELD")
    assert feature.GetFieldAsDateTime("DTFIELD")[:6] == [2024, 5, 1 + i, 13, 5, float(i)]


def create_group(parent, name):
    ds = DRIVER.Create(f"NGW:{BASE}/resource/{parent}/{name}", 0, 0, 0, gdal.GDT_Unknown,
                       options=[f"USERPWD={USERPWD}", "DESCRIPTION=made by GDAL 3.6"])
    assert ds is not None
    return ds


def main():
    group_name = "gdal36_" + uuid.uuid4().hex[:8]
    ds = create_group(0, group_name)
    group_id = int(ds.GetMetadataItem("id", ""))
    log("group", group_id)

    # Layers of every geometry type with fields of every type; features one by one.
    for name, (gtype, wkt) in GEOMETRY_TYPES.items():
        lyr = ds.CreateLayer(f"lyr_{name.lower()}", srs3857(), gtype)
        for fname, ftype in FIELDS:
            lyr.CreateField(ogr.FieldDefn(fname, ftype))
        for i in range(3):
            feature = ogr.Feature(lyr.GetLayerDefn())
            fill(feature, i)
            feature.SetGeometry(ogr.CreateGeometryFromWkt(wkt))
            lyr.CreateFeature(feature)
            assert feature.GetFID() > 0
    ds.SetMetadataItem("test_int.d", "777", "NGW")
    ds.SetMetadataItem("test_float.f", "777.555", "NGW")
    ds.SetMetadataItem("test_string", "metadata test", "NGW")
    ds = None

    # A batch layer.
    ds = gdal.OpenEx(f"NGW:{BASE}/resource/{group_id}", gdal.OF_VECTOR | gdal.OF_UPDATE,
                     open_options=OPEN + ["BATCH_SIZE=7"])
    lyr = ds.CreateLayer("batch_points", srs3857(), ogr.wkbPoint)
    for fname, ftype in FIELDS:
        lyr.CreateField(ogr.FieldDefn(fname, ftype))
    for i in range(50):
        feature = ogr.Feature(lyr.GetLayerDefn())
        fill(feature, i % 20)
        feature.SetGeometry(ogr.CreateGeometryFromWkt(f"POINT ({i} {i * 2})"))
        lyr.CreateFeature(feature)
    ds = None

    # Read back with paging; metadata round trip.
    ds = gdal.OpenEx(f"NGW:{BASE}/resource/{group_id}", gdal.OF_VECTOR,
                     open_options=OPEN + ["PAGE_SIZE=2"])
    meta = ds.GetMetadata("NGW")
    assert meta.get("test_int.d") == "777" and meta.get("test_string") == "metadata test", meta
    assert abs(float(meta["test_float.f"].replace(",", ".")) - 777.555) < 1e-9, meta
    assert ds.GetLayerCount() == len(GEOMETRY_TYPES) + 1, ds.GetLayerCount()
    for name, (gtype, wkt) in GEOMETRY_TYPES.items():
        lyr = ds.GetLayerByName(f"lyr_{name.lower()}")
        assert lyr.GetGeomType() == gtype, (name, lyr.GetGeomType())
        assert lyr.GetFeatureCount() == 3
        got = list(lyr)
        assert len(got) == 3, (name, len(got))
        for i, feature in enumerate(sorted(got, key=lambda f: f.GetFID())):
            check(feature, i)
            expected = ogr.CreateGeometryFromWkt(wkt)
            assert feature.GetGeometryRef().Equals(expected), \
                (name, feature.GetGeometryRef().ExportToWkt())

    lyr = ds.GetLayerByName("batch_points")
    assert lyr.GetFeatureCount() == 50
    assert len(list(lyr)) == 50

    # Attribute filters GDAL translates to fld_* (each op), checked against a client-side count.
    all_features = list(lyr)
    cases = {
        "INTFIELD = 3": lambda f: f["INTFIELD"] == 3,
        "INTFIELD <> 3": lambda f: f["INTFIELD"] != 3,
        "INTFIELD < 5": lambda f: f["INTFIELD"] < 5,
        "INTFIELD <= 5": lambda f: f["INTFIELD"] <= 5,
        "INTFIELD > 15": lambda f: f["INTFIELD"] > 15,
        "INTFIELD >= 15": lambda f: f["INTFIELD"] >= 15,
        "REALFIELD > 10.5": lambda f: f["REALFIELD"] > 10.5,
        "STRFIELD = 'value 4'": lambda f: f["STRFIELD"] == "value 4",
        "STRFIELD LIKE 'value 1%'": lambda f: f["STRFIELD"].startswith("value 1"),
        "STRFIELD ILIKE '%O_O%'": lambda f: "fo_o" in f["STRFIELD"].lower(),
        "INTFIELD > 2 AND REALFIELD < 8": lambda f: f["INTFIELD"] > 2 and f["REALFIELD"] < 8,
    }
    for where, predicate in cases.items():
        lyr.SetAttributeFilter(where)
        got = sorted(f.GetFID() for f in lyr)
        want = sorted(f.GetFID() for f in all_features if predicate(f))
        assert got == want, (where, got, want)
    lyr.SetAttributeFilter(None)

    # Spatial filter (intersects=) and ignored fields / geometry (fields=, geom=no).
    lyr.SetSpatialFilterRect(9.5, 19.5, 20.5, 41.5)
    got = sorted(int(f.GetGeometryRef().GetX()) for f in lyr)
    assert got == list(range(10, 21)), got
    lyr.SetSpatialFilter(None)
    lyr.SetIgnoredFields(["REALFIELD", "DTFIELD", "OGR_GEOMETRY"])
    lyr.SetAttributeFilter("REALFIELD > 18")
    got = list(lyr)
    assert len(got) == sum(1 for f in all_features if f["REALFIELD"] > 18), len(got)
    assert all(f.GetGeometryRef() is None for f in got)
    lyr.SetIgnoredFields([])
    lyr.SetAttributeFilter(None)
    ds = None

    # Update, delete, 404 on a deleted fid.
    ds = gdal.OpenEx(f"NGW:{BASE}/resource/{group_id}", gdal.OF_VECTOR | gdal.OF_UPDATE,
                     open_options=OPEN)
    lyr = ds.GetLayerByName("lyr_point")
    fids = sorted(f.GetFID() for f in lyr)
    feature = lyr.GetFeature(fids[0])
    feature.SetField("STRFIELD", "updated")
    feature.SetGeometry(ogr.CreateGeometryFromWkt("POINT (10 20)"))
    lyr.SetFeature(feature)
    lyr.DeleteFeature(fids[1])
    ds = None
    ds = gdal.OpenEx(f"NGW:{BASE}/resource/{group_id}", gdal.OF_VECTOR, open_options=OPEN)
    lyr = ds.GetLayerByName("lyr_point")
    updated = lyr.GetFeature(fids[0])  # keep the feature alive while using its geometry
    assert updated.GetField("STRFIELD") == "updated"
    assert updated.GetGeometryRef().ExportToWkt() == "POINT (10 20)"
    try:
        missing = lyr.GetFeature(fids[1])
    except RuntimeError:
        missing = None
    assert missing is None
    assert lyr.GetFeatureCount() == 2
    layer_id = int(lyr.GetMetadataItem("id", ""))
    ds = None

    # ogr2ogr a real multi-feature file into the server and back out.
    src = f"{WORKDIR}/source.geojson"
    features = [{"type": "Feature", "properties": {"name": f"n{i}", "num": i, "val": i / 4},
                 "geometry": {"type": "Point", "coordinates": [1000.0 * i, -500.0 * i]}}
                for i in range(25)]
    with open(src, "w") as fh:
        json.dump({"type": "FeatureCollection", "crs": {"type": "name", "properties": {
            "name": "urn:ogc:def:crs:EPSG::3857"}}, "features": features}, fh)
    gdal.VectorTranslate(f"NGW:{BASE}/resource/{group_id}", src, format="NGW",
                         accessMode="update", layerName="imported",
                         options=["-doo", f"USERPWD={USERPWD}"])
    ds = gdal.OpenEx(f"NGW:{BASE}/resource/{group_id}", gdal.OF_VECTOR, open_options=OPEN)
    imported_id = int(ds.GetLayerByName("imported").GetMetadataItem("id", ""))
    ds = None
    out = f"{WORKDIR}/roundtrip.geojson"
    gdal.VectorTranslate(out, f"NGW:{BASE}/resource/{imported_id}", format="GeoJSON",
                         options=["-oo", f"USERPWD={USERPWD}"])
    with open(out) as fh:
        back = json.load(fh)["features"]
    assert len(back) == 25, len(back)
    back.sort(key=lambda f: f["properties"]["num"])
    for original, copy in zip(features, back, strict=True):
        assert copy["properties"]["name"] == original["properties"]["name"]
        assert copy["properties"]["num"] == original["properties"]["num"]
        assert abs(copy["properties"]["val"] - original["properties"]["val"]) < 1e-9
        pairs = zip(copy["geometry"]["coordinates"], original["geometry"]["coordinates"],
                    strict=True)
        for a, b in pairs:
            assert abs(a - b) < 1e-6

    # Rename the layer, then delete the whole group.
    gdal.GetDriverByName("NGW").Rename("renamed_point", f"NGW:{BASE}/resource/{layer_id}")
    ds = gdal.OpenEx(f"NGW:{BASE}/resource/{group_id}", gdal.OF_VECTOR, open_options=OPEN)
    assert ds.GetLayerByName("renamed_point") is not None
    ds = None
    DRIVER.Delete(f"NGW:{BASE}/resource/{group_id}")
    try:
        gone = gdal.OpenEx(f"NGW:{BASE}/resource/{group_id}", gdal.OF_VECTOR, open_options=OPEN)
    except RuntimeError:
        gone = None
    assert gone is None
    log("GDAL 3.6 flow OK")


if __name__ == "__main__":
    main()
