"""The export formats (spec 3.4): request name -> GDAL driver, file extension, options.

Options follow NextGIS Web's table: CSV writes WKT in a ``GEOM`` column with a ``.csvt``
beside it and a UTF-8 BOM; ``CSV_MSEXCEL`` is the same with ``SEPARATOR=SEMICOLON``, which
is what Excel expects in locales whose decimal separator is a comma (it then opens the file
by double click, BOM-detected as UTF-8). KML, KMZ and GPX are always EPSG:4326; GeoJSON and
CSV default to it.

Deliberate differences from NGW: KML and KMZ are written with GDAL's streaming ``KML``
driver (NGW uses ``LIBKML``, which builds the whole document in memory before writing it);
a KMZ is that KML zipped as ``doc.kml``, which is what a KMZ is.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Format:
    name: str
    driver: str
    extension: str
    mime: str = "application/octet-stream"
    #: False: several files (.shp/.dbf/...), always delivered zipped.
    single_file: bool = True
    #: "only": always EPSG:4326; "prefer": EPSG:4326 unless ``srs`` is given.
    lonlat: str | None = None
    layer_options: dict[str, str] = field(default_factory=dict)
    dataset_options: dict[str, str] = field(default_factory=dict)
    #: The feature id can be stored as the format's own feature id (GPKG fid, GeoJSON id).
    fid_support: bool = False
    #: Attribute columns can be written (DXF has a fixed schema).
    attributes: bool = True
    #: Geometry types the format can hold (None: all); features need a geometry.
    geometry_types: tuple[str, ...] | None = None
    #: The format cannot hold a feature without geometry: such features are skipped.
    needs_geometry: bool = False
    #: A layer creation option taking the ``encoding`` parameter (DBF / MapInfo).
    encoding_option: str | None = None
    #: Written as KML, then packed as ``doc.kml`` into a zip with this extension.
    kmz: bool = False


_CSV = {"GEOMETRY": "AS_WKT", "CREATE_CSVT": "YES", "GEOMETRY_NAME": "GEOM", "WRITE_BOM": "YES"}
_GPX_TYPES = ("POINT", "POINTZ", "LINESTRING", "LINESTRINGZ", "MULTILINESTRING",
              "MULTILINESTRINGZ")

FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("GPKG", "GPKG", "gpkg", "application/geopackage+vnd.sqlite3", fid_support=True),
    Format("GeoJSON", "GeoJSON", "geojson", "application/json", lonlat="prefer",
           fid_support=True),
    Format("ESRI Shapefile", "ESRI Shapefile", "shp", single_file=False,
           encoding_option="ENCODING"),
    Format("CSV", "CSV", "csv", "text/csv", lonlat="prefer",
           layer_options={**_CSV, "SEPARATOR": "COMMA"}),
    Format("CSV_MSEXCEL", "CSV", "csv", "text/csv", lonlat="prefer",
           layer_options={**_CSV, "SEPARATOR": "SEMICOLON"}),
    Format("MapInfo File (TAB)", "MapInfo File", "tab", single_file=False,
           encoding_option="ENCODING"),
    Format("MapInfo File (MIF/MID)", "MapInfo File", "mif", single_file=False,
           dataset_options={"FORMAT": "MIF"}, encoding_option="ENCODING"),
    Format("KML", "KML", "kml", "application/vnd.google-earth.kml+xml", lonlat="only"),
    Format("KMZ", "KML", "kmz", "application/vnd.google-earth.kmz", lonlat="only", kmz=True),
    Format("DXF", "DXF", "dxf", "application/dxf", attributes=False, needs_geometry=True),
    Format("GPX", "GPX", "gpx", "application/gpx+xml", lonlat="only",
           dataset_options={"GPX_USE_EXTENSIONS": "YES"}, geometry_types=_GPX_TYPES,
           needs_geometry=True),
)}


def names() -> list[str]:
    return list(FORMATS)
