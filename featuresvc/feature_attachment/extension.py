"""``extensions.attachment`` in feature JSON (spec 3.1, 3.3), and the clean-up of attachments
when features go (the write path's events).

Read: a list of Attachment objects, or null when the feature has none; one query per page
of features. Write: NGW's full replacement list (see service.replace_lists), validated by
the loader (messages name the feature) and applied after the features are stored.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from ..feature_layer.model import Layer
from . import service


class AttachmentExtension:
    identity = "attachment"

    def load(self, value: Any) -> list[service.ItemSpec]:
        """Shape check while the request is parsed; raises ValueError with the reason."""
        return service.parse_list(value)

    def read(self, conn: Connection, layer: Layer, fids: list[int]) -> dict[int, Any]:
        return service.read_lists(conn, layer, fids)

    def write(self, conn: Connection, layer: Layer,
              items: list[tuple[int, list[service.ItemSpec]]]) -> None:
        service.replace_lists(conn, layer, items)

    def forget(self, conn: Connection, layer: Layer, fids: list[int] | None) -> None:
        service.forget_features(conn, layer, fids)
