"""Feature descriptions (NGW ``feature_description``): one HTML text per feature, read and
written as ``extensions.description`` and exported / imported in bulk. :func:`setup` adds
the extension (descriptions go with their features) and the section hook (and with their
layer)."""

from __future__ import annotations

from ..registry import Registry


def setup(registry: Registry) -> None:
    from .extension import DescriptionExtension, DescriptionSection

    registry.add_feature_extension(DescriptionExtension())
    registry.add_section(DescriptionSection())
