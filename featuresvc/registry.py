"""The component registry and every component's blueprint: the whole API surface, and what
each component plugs into the others, read top-down here.

Nothing registers at import time: :func:`setup_components` runs each component's
``setup(registry)`` in :func:`components` order (``create_app`` and the commands that need
the registrations call it). Lookups read :data:`current`, one attribute, so hot paths do no
extra work; a test that wants a registry of its own builds one and runs under :func:`using`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask
    from flask_smorest import Blueprint
    from sqlalchemy import Engine

    from .feature_layer.extension import Extension
    from .feature_layer.layers import Provider
    from .feature_layer.write import Listener
    from .resource.classes import ResourceClass
    from .resource.exports import ExportHandler
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

#: The registry lookups read; empty until :func:`setup_components` (or :func:`using`).
current = Registry()
_built: Registry | None = None


def components() -> list[Setup]:
    """Every component's set-up, in the order their registrations must run."""
    from . import (
        export,
        feature_attachment,
        feature_description,
        feature_layer,
        file_bucket,
        lookup_table,
        mvt,
        resmeta,
        resource,
        vector_layer,
    )

    # Section order matters: class sections before feature_layer's, so that on create a
    # vector layer's table exists before feature_layer.fields adds columns to it.
    return [resource.setup, feature_attachment.setup, feature_description.setup,
            file_bucket.setup, lookup_table.setup, resmeta.setup, vector_layer.setup,
            feature_layer.setup, export.setup, mvt.setup]


def build(setups: list[Setup] | None = None) -> Registry:
    """A new registry filled by ``setups`` (default: every component)."""
    registry = Registry()
    for setup in components() if setups is None else setups:
        setup(registry)
    return registry


def setup_components() -> Registry:
    """The process's registry, built and made current on the first call (app factory,
    commands); later calls return the same one."""
    global _built, current
    if _built is None:
        _built = current = build()
    return _built


@contextmanager
def using(registry: Registry) -> Iterator[Registry]:
    """Make ``registry`` current for a block: tests that need a registry of their own."""
    global current
    previous, current = current, registry
    try:
        yield registry
    finally:
        current = previous


def blueprints() -> list[Blueprint]:
    from .auth.api import bp as auth
    from .export.api import bp as feature_export
    from .feature_attachment.api import bp as feature_attachment
    from .feature_description.api import bp as feature_description
    from .feature_layer.api import bp as feature_layer
    from .feature_layer.api_layer import bp as feature_layer_extra
    from .file_bucket.api import bp as file_bucket
    from .file_upload.api import bp as file_upload
    from .layer_import.api import bp as layer_import
    from .mvt.api import bp as feature_layer_mvt
    from .pyramid.api import bp as pyramid
    from .resource.api import bp as resource
    from .resource.api_export import bp as resource_export
    from .spatial_ref_sys.api import bp as spatial_ref_sys

    return [pyramid, auth, resource, resource_export, spatial_ref_sys, feature_layer,
            feature_layer_extra, feature_attachment, feature_description, feature_export,
            feature_layer_mvt, file_upload, file_bucket, layer_import]


def init_components(app: Flask, engine: Engine) -> None:
    """Component hooks that need the engine."""
    from .spatial_ref_sys.service import install_postgis_cache_guard

    # PostGIS caches custom SRS definitions per backend: drop stale pooled connections.
    install_postgis_cache_guard(engine)
