"""Feature layer exports (GPKG, CSV, Shapefile, ... through GDAL), over HTTP and from the
command line."""

from __future__ import annotations

from ..registry import Registry


def setup(registry: Registry) -> None:
    """A vector layer's ``GET /api/resource/{id}/export``."""
    from .api import export_feature_layer

    registry.add_export("vector_layer", export_feature_layer)
