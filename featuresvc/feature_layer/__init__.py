"""Feature layers (NGW ``feature_layer``): features, fields, filters and the one write path,
for every resource class that provides a layer."""

from __future__ import annotations

from ..registry import Registry


def setup(registry: Registry) -> None:
    """The ``feature_layer`` section; set up after the class sections (see
    :func:`featuresvc.components.components`): on create the layer's table must exist before
    ``feature_layer.fields`` adds columns to it."""
    from .section import FeatureLayerSection

    registry.add_section(FeatureLayerSection())
