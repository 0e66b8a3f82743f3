"""Lookup tables as GDAL >= 3.11 sees them: coded field domains, read by the NGW driver of the
GDAL 3.12 library bundled in pyogrio's wheel (called through ctypes: pyogrio itself has no
field-domain API)."""

from __future__ import annotations

import ctypes
import glob
import os
import uuid

import pytest

from ..conftest import ADMIN_PASSWORD

GDAL_OF_VECTOR = 0x04
OFDT_CODED = 0


def _libgdal() -> ctypes.CDLL:
    pyogrio = pytest.importorskip("pyogrio")
    libs = glob.glob(os.path.join(os.path.dirname(pyogrio.__file__), "..", "pyogrio.libs",
                                  "libgdal-*.so*"))
    if not libs:
        pytest.skip("pyogrio's wheel bundles no libgdal here")
    lib = ctypes.CDLL(libs[0])
    lib.GDALVersionInfo.restype = ctypes.c_char_p
    lib.GDALOpenEx.restype = ctypes.c_void_p
    lib.GDALOpenEx.argtypes = [ctypes.c_char_p, ctypes.c_uint, ctypes.c_void_p,
                               ctypes.c_void_p, ctypes.c_void_p]
    lib.GDALDatasetGetFieldDomainNames.restype = ctypes.POINTER(ctypes.c_char_p)
    lib.GDALDatasetGetFieldDomainNames.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    lib.GDALDatasetGetFieldDomain.restype = ctypes.c_void_p
    lib.GDALDatasetGetFieldDomain.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.OGR_FldDomain_GetDomainType.argtypes = [ctypes.c_void_p]
    lib.OGR_CodedFldDomain_GetEnumeration.restype = ctypes.c_void_p
    lib.OGR_CodedFldDomain_GetEnumeration.argtypes = [ctypes.c_void_p]
    lib.GDALDatasetGetLayerByName.restype = ctypes.c_void_p
    lib.GDALDatasetGetLayerByName.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.OGR_L_GetLayerDefn.restype = ctypes.c_void_p
    lib.OGR_L_GetLayerDefn.argtypes = [ctypes.c_void_p]
    lib.OGR_FD_GetFieldIndex.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.OGR_FD_GetFieldDefn.restype = ctypes.c_void_p
    lib.OGR_FD_GetFieldDefn.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.OGR_Fld_GetDomainName.restype = ctypes.c_char_p
    lib.OGR_Fld_GetDomainName.argtypes = [ctypes.c_void_p]
    lib.CSLDestroy.argtypes = [ctypes.c_void_p]
    lib.GDALClose.argtypes = [ctypes.c_void_p]
    lib.CPLSetConfigOption.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    lib.GDALAllRegister()
    return lib


class _CodedValue(ctypes.Structure):
    _fields_ = [("pszCode", ctypes.c_char_p), ("pszValue", ctypes.c_char_p)]


def _strings(ptr) -> list[str]:
    out, i = [], 0
    while ptr and ptr[i]:
        out.append(ptr[i].decode())
        i += 1
    return out


def test_lookup_tables_are_coded_field_domains(server, admin):
    lib = _libgdal()
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
        names = _strings(names_ptr)
        lib.CSLDestroy(names_ptr)
        assert name in names, names
        # All codes numeric: also exposed as Integer domains (GDAL's own convention).
        assert f"{name} (number)" in names, names
        domain = lib.GDALDatasetGetFieldDomain(ds, name.encode())
        assert lib.OGR_FldDomain_GetDomainType(domain) == OFDT_CODED
        values = ctypes.cast(lib.OGR_CodedFldDomain_GetEnumeration(domain),
                             ctypes.POINTER(_CodedValue))
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
