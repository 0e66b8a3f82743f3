"""GDAL confined to the file it is given: allow-listed drivers, no network, no /vsi chains.

Some GDAL drivers read *other* files or URLs named inside the file (OGR_VRT's
``SrcDataSource``, WFS, /vsisparse/, ...), and GDAL picks the driver from the content, not
the name. pyogrio has no allowed-drivers parameter, so the process is hardened through
pyogrio's own bundled libgdal (ctypes on the same shared object):

* every driver outside :data:`KEEP_DRIVERS` is deregistered and listed in ``GDAL_SKIP`` (so a
  later ``GDALAllRegister`` does not bring it back); the export writer's drivers stay;
* every /vsi handler except /vsizip/, /vsigzip/ and /vsimem/ is removed (a /vsicurl/... path
  then names a missing local file), ``CPLHTTPFetch`` is answered by a callback that refuses,
  and PROJ's network is off;
* :func:`identify` names the driver GDAL would use before a file is opened, and only
  :data:`READ_DRIVERS` are accepted.

:func:`harden` runs once per process that opens user files (gunicorn workers at start, the
import CLI, and lazily before the first open).
"""

from __future__ import annotations

import ctypes
import glob
import os
import threading

import pyogrio

from .exceptions import GuardError

#: Drivers that read the given file itself (and, for a shapefile or MapInfo table, its
#: same-named sidecar files). Nothing else opens a user file.
READ_DRIVERS = ("GPKG", "GeoJSON", "GeoJSONSeq", "ESRI Shapefile", "CSV", "XLSX", "ODS",
                "KML", "LIBKML", "GPX", "GML", "MapInfo File", "FlatGeobuf", "DXF")
#: Drivers the export writer needs in the same process (all are read drivers too).
EXPORT_DRIVERS = ("GPKG", "GeoJSON", "ESRI Shapefile", "CSV", "MapInfo File", "KML", "DXF",
                  "GPX")
KEEP_DRIVERS = tuple(dict.fromkeys(READ_DRIVERS + EXPORT_DRIVERS))
#: Virtual file systems that only transform the path they are given.
KEEP_VSI = ("/vsizip/", "/vsigzip/", "/vsimem/")
#: Config options set before anything is opened (process-wide).
CONFIG = {
    "GDAL_HTTP_PROXY": "127.0.0.1:9",  # last line behind the fetch callback
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_MAX_RETRY": "0",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".featuresvc-none",
    "GML_SKIP_RESOLVE_ELEMS": "ALL",
    "GML_DOWNLOAD_WFS_SCHEMA": "NO",
    "OGR_SQLITE_ALLOW_EXTERNAL_ACCESS": "NO",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "PROJ_NETWORK": "OFF",
}
GDAL_OF_VECTOR = 0x04

_P, _S = ctypes.c_void_p, ctypes.c_char_p
#: CPLHTTPResult (cpl_http.h): filled by the refusing fetch callback.
_FIELDS = [("nStatus", ctypes.c_int), ("pszContentType", _P), ("pabyData", _P),
           ("nDataLen", ctypes.c_int), ("nDataAlloc", ctypes.c_int),
           ("nMimePartCount", ctypes.c_int), ("pasMimePart", _P), ("papszHeaders", _P),
           ("pszErrBuf", _P)]


class _HTTPResult(ctypes.Structure):
    _fields_ = _FIELDS


_FETCH = ctypes.CFUNCTYPE(_P, _S, _P, _P, _P, _P, _P, _P)
_lock = threading.Lock()
_state: dict = {}


def _library() -> ctypes.CDLL:
    libs = glob.glob(os.path.join(os.path.dirname(pyogrio.__file__), "..", "pyogrio.libs",
                                  "libgdal-*.so*"))
    if not libs:
        raise GuardError("pyogrio's bundled libgdal was not found.")
    lib = ctypes.CDLL(libs[0])
    for name, restype, argtypes in (
            ("GDALGetDriverCount", ctypes.c_int, []),
            ("GDALGetDriver", _P, [ctypes.c_int]),
            ("GDALGetDriverShortName", _S, [_P]),
            ("GDALDeregisterDriver", None, [_P]),
            ("GDALIdentifyDriverEx", _P, [_S, ctypes.c_uint, _P, _P]),
            ("VSIGetFileSystemsPrefixes", ctypes.POINTER(_S), []),
            ("VSIRemovePluginHandler", ctypes.c_int, [_S]),
            ("CSLDestroy", None, [_P]),
            ("CPLHTTPSetFetchCallback", ctypes.c_int, [_FETCH, _P]),
            ("CPLCalloc", _P, [ctypes.c_size_t, ctypes.c_size_t]),
            ("CPLStrdup", _P, [_S]),
            ("OSRSetPROJEnableNetwork", None, [ctypes.c_int]),
            ("OSRGetPROJEnableNetwork", ctypes.c_int, [])):
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes
    return lib


def _driver_names(lib: ctypes.CDLL) -> list[str]:
    return [lib.GDALGetDriverShortName(lib.GDALGetDriver(i)).decode()
            for i in range(lib.GDALGetDriverCount())]


def _refuse_fetch(lib: ctypes.CDLL):
    """A CPLHTTPFetch replacement: every URL fails without a connection being made."""

    def fetch(url, *_args):
        result = ctypes.cast(lib.CPLCalloc(1, ctypes.sizeof(_HTTPResult)),
                             ctypes.POINTER(_HTTPResult))
        result.contents.nStatus = 1
        result.contents.pszErrBuf = lib.CPLStrdup(b"network access is disabled")
        return ctypes.cast(result, _P).value

    return _FETCH(fetch)


def harden() -> None:
    """Apply the confinement to this process (idempotent, thread-safe)."""
    if _state.get("done"):
        return
    with _lock:
        if _state.get("done"):
            return
        lib = _library()
        pyogrio.set_gdal_config_options(CONFIG)
        os.environ["PROJ_NETWORK"] = "OFF"
        lib.OSRSetPROJEnableNetwork(0)
        callback = _refuse_fetch(lib)
        lib.CPLHTTPSetFetchCallback(callback, None)
        prefixes = lib.VSIGetFileSystemsPrefixes()
        names, i = [], 0
        while prefixes[i]:
            names.append(prefixes[i].decode())
            i += 1
        lib.CSLDestroy(ctypes.cast(prefixes, _P))
        for prefix in names:
            if prefix not in KEEP_VSI:
                lib.VSIRemovePluginHandler(prefix.encode())
        drop = [n for n in _driver_names(lib) if n not in KEEP_DRIVERS]
        # GDAL_SKIP is space-separated; driver names with spaces are all kept ones.
        pyogrio.set_gdal_config_options({"GDAL_SKIP": " ".join(drop)})
        for index in reversed(range(lib.GDALGetDriverCount())):
            driver = lib.GDALGetDriver(index)
            if lib.GDALGetDriverShortName(driver).decode() not in KEEP_DRIVERS:
                lib.GDALDeregisterDriver(driver)
        _state.update(done=True, lib=lib, callback=callback)


def identify(path: str) -> str | None:
    """The short name of the vector driver GDAL would open ``path`` with, or None."""
    harden()
    lib = _state["lib"]
    driver = lib.GDALIdentifyDriverEx(path.encode(), GDAL_OF_VECTOR, None, None)
    return lib.GDALGetDriverShortName(driver).decode() if driver else None


def registered_drivers() -> list[str]:
    """What this process can still open or write (after :func:`harden`)."""
    harden()
    return _driver_names(_state["lib"])
