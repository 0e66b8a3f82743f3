"""Lookup tables as GDAL >= 3.11 sees them: coded field domains, read by the NGW driver of the
GDAL 3.12 library bundled in pyogrio's wheel (called through ctypes: pyogrio itself has no
field-domain API)."""

from __future__ import annotations

import ctypes
import uuid

from ..clients.gdal312 import GDAL_OF_VECTOR, CodedValue, libgdal, strings
from ..conftest import ADMIN_PASSWORD

OFDT_CODED = 0


def test_lookup_tables_are_coded_field_domains(server, admin):
    lib = libgdal()
    assert lib.GDALVersionInfo(b"RELEASE_NAME").decode() >= "3.11"
    name = "species_" + uuid.uuid4().hex[:6]
    group = admin.ok("POST", "/api/resource/", 201, json={"resource": {
        "cls": "resource_group", "parent": {"id": 0}, "display_name": "domains_" + name}})["id"]
    table = admin.ok("POST", "/api/resource/", 201, json={
        "resource": {"cls": "lookup_table", "parent": {"id": group}, "display_name": name},
        "lookup_table": {"items": {"1": "Oak", "2": "Birch", "3": "Pine"}}})["id"]
    admin.ok("POST", "/api/resource/", 201, json={
        "resource": {"cls": "vector_layer", "parent": {"id": group}, "display_name": "trees"},
        "vector_layer": {"srs": {"id": 3857}, "geometry_type": "POINT"},
        "feature_layer": {"fields": [{"keyname": "kind", "datatype": "INTEGER",
                                      "lookup_table": {"id": table}}]}})

    lib.CPLSetConfigOption(b"NGW_USERPWD", f"administrator:{ADMIN_PASSWORD}".encode())
    ds = lib.GDALOpenEx(f"NGW:{server.url}/resource/{group}".encode(), GDAL_OF_VECTOR,
                        None, None, None)
    assert ds, "GDAL 3.12 could not open the group"
    try:
        names_ptr = lib.GDALDatasetGetFieldDomainNames(ds, None)
        names = strings(names_ptr)
        lib.CSLDestroy(names_ptr)
        assert name in names, names
        # All codes numeric: also exposed as Integer domains (GDAL's own convention).
        assert f"{name} (number)" in names, names
        domain = lib.GDALDatasetGetFieldDomain(ds, name.encode())
        assert lib.OGR_FldDomain_GetDomainType(domain) == OFDT_CODED
        values = ctypes.cast(lib.OGR_CodedFldDomain_GetEnumeration(domain),
                             ctypes.POINTER(CodedValue))
        pairs, i = {}, 0
        while values[i].pszCode:
            pairs[values[i].pszCode.decode()] = values[i].pszValue.decode()
            i += 1
        assert pairs == {"1": "Oak", "2": "Birch", "3": "Pine"}
        layer = lib.GDALDatasetGetLayerByName(ds, b"trees")
        defn = lib.OGR_L_GetLayerDefn(layer)
        field = lib.OGR_FD_GetFieldDefn(defn, lib.OGR_FD_GetFieldIndex(defn, b"kind"))
        assert lib.OGR_Fld_GetDomainName(field).decode().startswith(name)
    finally:
        lib.GDALClose(ds)
        lib.CPLSetConfigOption(b"NGW_USERPWD", None)
    admin.ok("DELETE", f"/api/resource/{group}")
