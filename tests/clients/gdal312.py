"""ctypes access to the GDAL 3.12 library bundled in pyogrio's wheel (the newer NGW driver):
pyogrio itself only creates and reads datasets, so updates, deletes, metadata, renames and
field domains are driven through GDAL's C API."""

from __future__ import annotations

import ctypes
import glob
import os

import pytest

GDAL_OF_UPDATE = 0x01
GDAL_OF_VECTOR = 0x04

_P, _S, _I, _L = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_longlong
_SIGNATURES = {
    "GDALVersionInfo": (_S, [_S]),
    "GDALOpenEx": (_P, [_S, ctypes.c_uint, _P, _P, _P]),
    "GDALClose": (None, [_P]),
    "GDALGetDriverByName": (_P, [_S]),
    "GDALRenameDataset": (_I, [_P, _S, _S]),
    "GDALDeleteDataset": (_I, [_P, _S]),
    "GDALSetMetadataItem": (_I, [_P, _S, _S, _S]),
    "GDALGetMetadataItem": (_S, [_P, _S, _S]),
    "GDALDatasetGetLayerByName": (_P, [_P, _S]),
    "GDALDatasetExecuteSQL": (_P, [_P, _S, _P, _S]),
    "GDALDatasetReleaseResultSet": (None, [_P, _P]),
    "GDALDatasetGetFieldDomainNames": (ctypes.POINTER(_S), [_P, _P]),
    "GDALDatasetGetFieldDomain": (_P, [_P, _S]),
    "OGR_FldDomain_GetDomainType": (_I, [_P]),
    "OGR_CodedFldDomain_GetEnumeration": (_P, [_P]),
    "OGR_L_GetLayerDefn": (_P, [_P]),
    "OGR_L_GetFeature": (_P, [_P, _L]),
    "OGR_L_SetFeature": (_I, [_P, _P]),
    "OGR_L_DeleteFeature": (_I, [_P, _L]),
    "OGR_L_GetFeatureCount": (_L, [_P, _I]),
    "OGR_L_GetNextFeature": (_P, [_P]),
    "OGR_F_GetFID": (_L, [_P]),
    "OGR_L_SyncToDisk": (_I, [_P]),
    "OGR_FD_GetFieldIndex": (_I, [_P, _S]),
    "OGR_FD_GetFieldDefn": (_P, [_P, _I]),
    "OGR_Fld_GetDomainName": (_S, [_P]),
    "OGR_F_SetFieldString": (None, [_P, _I, _S]),
    "OGR_F_GetFieldAsString": (_S, [_P, _I]),
    "OGR_F_Destroy": (None, [_P]),
    "CSLDestroy": (None, [_P]),
    "CPLSetConfigOption": (None, [_S, _S]),
    "CPLGetLastErrorMsg": (_S, []),
    "CPLPushErrorHandler": (None, [_P]),
}


def libgdal() -> ctypes.CDLL:
    """pyogrio's libgdal with the signatures above; skips the test when it is missing."""
    pyogrio = pytest.importorskip("pyogrio")
    libs = glob.glob(os.path.join(os.path.dirname(pyogrio.__file__), "..", "pyogrio.libs",
                                  "libgdal-*.so*"))
    if not libs:
        pytest.skip("pyogrio's wheel bundles no libgdal here")
    lib = ctypes.CDLL(libs[0])
    for name, (restype, argtypes) in _SIGNATURES.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes
    lib.GDALAllRegister()
    lib.CPLPushErrorHandler(ctypes.cast(lib.CPLQuietErrorHandler, _P))
    return lib


def strings(ptr) -> list[str]:
    out, i = [], 0
    while ptr and ptr[i]:
        out.append(ptr[i].decode())
        i += 1
    return out


class CodedValue(ctypes.Structure):
    _fields_ = [("pszCode", _S), ("pszValue", _S)]
