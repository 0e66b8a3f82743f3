"""Vector layers (NGW ``vector_layer``): feature layers stored in their own PostGIS table."""

from __future__ import annotations

from ..registry import Registry


def setup(registry: Registry) -> None:
    """The class, its layer provider and section, and the veto on deleting an SRS a layer
    uses."""
    from .section import IDENTITY, VECTOR_LAYER, VectorLayerProvider, VectorLayerSection, srs_in_use

    registry.add_resource_class(VECTOR_LAYER)
    registry.add_layer_provider(IDENTITY, VectorLayerProvider())
    registry.add_srs_usage_check(srs_in_use)
    registry.add_section(VectorLayerSection())
