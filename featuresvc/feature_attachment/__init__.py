"""Feature attachments (NGW ``feature_attachment``): files attached to features.

:func:`setup` adds the ``attachment`` feature extension (attachments go with their
features) and the resource section hook (they go with their layer, and count in its
volume)."""

from __future__ import annotations

from ..registry import Registry


def setup(registry: Registry) -> None:
    from .extension import AttachmentExtension
    from .section import AttachmentSection

    registry.add_section(AttachmentSection())
    registry.add_feature_extension(AttachmentExtension())
