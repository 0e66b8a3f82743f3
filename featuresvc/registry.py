"""Every component's blueprint, in one list: the whole API surface reads top-down here."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Blueprint
from sqlalchemy import Engine


def blueprints() -> list[Blueprint]:
    # Importing a component registers its resource classes and document sections.
    from .auth.api import bp as auth
    from .export.api import bp as feature_export
    from .feature_attachment.api import bp as feature_attachment
    from .feature_description.api import bp as feature_description
    from .feature_layer.api import bp as feature_layer
    from .feature_layer.api_layer import bp as feature_layer_extra
    from .file_bucket.api import bp as file_bucket
    from .file_upload.api import bp as file_upload
    from .layer_import.api import bp as layer_import
    from .lookup_table import section as _lookup_table  # noqa: F401
    from .mvt.api import bp as feature_layer_mvt
    from .pyramid.api import bp as pyramid
    from .resmeta import section as _resmeta  # noqa: F401
    from .resource.api import bp as resource
    from .resource.api_export import bp as resource_export
    from .spatial_ref_sys.api import bp as spatial_ref_sys

    # isort: off
    # Section order matters: class sections first, so that on create a vector layer's
    # table exists before feature_layer.fields adds columns to it.
    from .vector_layer import section as _vector_layer  # noqa: F401
    from .feature_layer import section as _feature_layer  # noqa: F401
    # isort: on

    return [pyramid, auth, resource, resource_export, spatial_ref_sys, feature_layer,
            feature_layer_extra, feature_attachment, feature_description, feature_export,
            feature_layer_mvt, file_upload, file_bucket, layer_import]


def init_components(app: Flask, engine: Engine) -> None:
    """Component hooks that need the engine."""
    from .spatial_ref_sys.service import install_postgis_cache_guard

    # PostGIS caches custom SRS definitions per backend: drop stale pooled connections.
    install_postgis_cache_guard(engine)
