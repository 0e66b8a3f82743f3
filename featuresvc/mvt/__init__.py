"""Vector tiles (spec 11): ``/api/component/feature_layer/mvt``, built by PostGIS.

:func:`setup` subscribes the change counter to the feature write path, so any process that
writes features (server or command line) keeps tile ETags honest.
"""

from __future__ import annotations

from ..registry import Registry


def setup(registry: Registry) -> None:
    from .stamp import on_write

    registry.add_write_listener(on_write)
