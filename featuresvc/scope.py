"""Who the work in progress is for and under which settings: an API request or a command.

Services given a :class:`featuresvc.resource.sections.Context` take both from it. The file
components (stored files, uploads, archive limits) are reached through shared paths that carry
only a connection (feature extensions, section delete hooks, write listeners), so they read the
scope instead: the route wrapper opens one around every API view, a command opens its own.
Nothing here knows about Flask, so the same services run under both.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from .auth.identity import Identity
from .config import Settings


@dataclass(frozen=True)
class Scope:
    settings: Settings
    #: The caller; None for work on nobody's behalf, which may use any upload.
    caller: Identity | None = None


_current: ContextVar[Scope | None] = ContextVar("featuresvc_scope", default=None)


@contextmanager
def opened(scope: Scope) -> Iterator[Scope]:
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)


def current() -> Scope:
    scope = _current.get()
    if scope is None:
        raise RuntimeError("No scope is open: services run inside an API view or a command.")
    return scope


def current_or_none() -> Scope | None:
    return _current.get()
