"""Feature extensions (``extensions.attachment``, ``extensions.description``): a registry the
dumper and the write path consult by name. Components add theirs in their ``setup``; none
is built in.

Reads: with ``extensions`` absent every registered extension is returned (its value, or
None); a list selects some; an empty value removes the key. Writes: keys of registered
extensions are checked by their optional ``load`` hook while the body is parsed and handed
to ``write`` after the features are stored; other keys are ignored (GDAL sends arbitrary
JSON there).
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import Connection

from .. import registry
from .model import Layer


class Extension(Protocol):
    identity: str

    def read(self, conn: Connection, layer: Layer, fids: list[int]) -> dict[int, Any]:
        """Values for these features (missing ids read as None)."""

    def write(self, conn: Connection, layer: Layer, items: list[tuple[int, Any]]) -> None:
        """Store ``(fid, value)`` pairs sent in feature writes."""

    def forget(self, conn: Connection, layer: Layer, fids: list[int] | None) -> None:
        """Drop the values of deleted features (``None``: the layer was emptied); called by
        the write path in the deleting transaction."""

    # Optional: ``load(value) -> value`` checks (and may normalise) a value while the
    # request is parsed; a ValueError becomes a 422 naming the feature.


def registered() -> list[Extension]:
    return list(registry.current.feature_extensions.values())


def get(identity: str) -> Extension | None:
    return registry.current.feature_extensions.get(identity)


def forget_deleted(conn: Connection, layer: Layer, fids: list[int] | None) -> None:
    for ext in registry.current.feature_extensions.values():
        forget = getattr(ext, "forget", None)  # extensions that store nothing have none
        if forget is not None:
            forget(conn, layer, fids)


def select(names: list[str] | None) -> list[Extension] | None:
    """Extensions to read for a request's ``extensions`` parameter; None = omit the key."""
    if names is None:
        return registered()
    if not names:
        return None
    known = registry.current.feature_extensions
    return [known[n] for n in names if n in known]
