"""The component registry: what each component plugs into the others.

Nothing registers at import time: :func:`featuresvc.components.setup_components` runs each
component's ``setup(registry)`` in its declared order (``create_app`` and the commands that
need the registrations call it) and installs the result. Lookups read :data:`current`, one
attribute, so hot paths do no extra work; a test that wants a registry of its own builds one
and runs under :func:`using`. This module imports no component at run time, so every
component may import it without a cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .feature_layer.extension import Extension
    from .feature_layer.layers import Provider
    from .feature_layer.write import Listener
    from .resource.api_export import ExportHandler
    from .resource.classes import ResourceClass
    from .resource.sections import Section
    from .spatial_ref_sys.service import UsageCheck


@dataclass(eq=False)
class Registry:
    """What the components plug into each other. List order is call order: sections are
    read and written, extensions listed and listeners called in registration order."""

    resource_classes: dict[str, ResourceClass] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)
    feature_extensions: dict[str, Extension] = field(default_factory=dict)
    write_listeners: list[Listener] = field(default_factory=list)
    layer_providers: dict[str, Provider] = field(default_factory=dict)
    exports: dict[str, ExportHandler] = field(default_factory=dict)
    srs_usage_checks: list[UsageCheck] = field(default_factory=list)

    def add_resource_class(self, cls: ResourceClass) -> None:
        self.resource_classes[cls.identity] = cls

    def add_section(self, section: Section) -> None:
        self.sections.append(section)

    def add_feature_extension(self, ext: Extension) -> None:
        self.feature_extensions[ext.identity] = ext

    def add_write_listener(self, listener: Listener) -> None:
        """Called after each feature write, in its transaction (feature_layer.write)."""
        self.write_listeners.append(listener)

    def add_layer_provider(self, cls_identity: str, provider: Provider) -> None:
        self.layer_providers[cls_identity] = provider

    def add_export(self, cls_identity: str, handler: ExportHandler) -> None:
        """The handler of ``GET /api/resource/{id}/export`` for this class."""
        self.exports[cls_identity] = handler

    def add_srs_usage_check(self, check: UsageCheck) -> None:
        """Lets a component veto deleting an SRS it uses (spatial_ref_sys.service)."""
        self.srs_usage_checks.append(check)


Setup = Callable[[Registry], None]

#: The registry lookups read; empty until the components are set up (or :func:`using`).
current = Registry()


def build(setups: list[Setup]) -> Registry:
    """A new registry filled by ``setups`` (``featuresvc.components.build`` gives every
    component's)."""
    registry = Registry()
    for setup in setups:
        setup(registry)
    return registry


def install(registry: Registry) -> None:
    """Make ``registry`` the one lookups read (the process's, from the composition root)."""
    global current
    current = registry


@contextmanager
def using(registry: Registry) -> Iterator[Registry]:
    """Make ``registry`` current for a block: tests that need a registry of their own."""
    global current
    previous, current = current, registry
    try:
        yield registry
    finally:
        current = previous
