"""featuresvc: a NextGIS Web compatible feature service on Flask and PostGIS."""

__version__ = "0.1.0"

#: NGW version reported to clients (spec Decision 5: GDAL <= 3.10 needs minor >= 1).
NGW_COMPAT_VERSION = "4.9.0"
