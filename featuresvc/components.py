"""The composition root: every component's set-up in its declared order, and every
blueprint, so the whole API surface and what plugs into what read top-down here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import registry
from .registry import Registry, Setup

if TYPE_CHECKING:
    from flask import Flask
    from flask_smorest import Blueprint
    from sqlalchemy import Engine

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


def build() -> Registry:
    """A new registry holding every component's registrations."""
    return registry.build(components())


def setup_components() -> Registry:
    """The process's registry, built and installed on the first call (app factory,
    commands); later calls return the same one."""
    global _built
    if _built is None:
        _built = build()
        registry.install(_built)
    return _built


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
