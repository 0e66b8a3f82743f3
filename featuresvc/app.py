"""The application factory."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, request
from flask_smorest import Api

from . import __version__, bodylimit, components, db, envelope, http
from .auth import api_csrf as csrf
from .config import Settings, load_settings
from .errors import InternalServerError
from .proxy import TrustedProxies

DOCS_BLUEPRINT = "api-docs"


def create_app(config: dict[str, Any] | None = None, settings: Settings | None = None) -> Flask:
    """Build the app: defaults < INI file < FEATURESVC_* env < ``config`` mapping."""
    settings = settings or load_settings(overrides=config)
    app = Flask("featuresvc", static_folder=None)
    app.config.update(
        FEATURESVC=settings,
        API_TITLE="featuresvc",
        API_VERSION=__version__,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL="https://cdn.jsdelivr.net/npm/swagger-ui-dist/",
        MAX_CONTENT_LENGTH=None,
    )
    app.url_map.strict_slashes = False
    app.json.sort_keys = False
    logging.getLogger("featuresvc").setLevel(settings.log_level.upper())

    components.setup_components()
    db.init_app(app, settings)
    components.init_components(app, app.extensions[db.EXTENSION])
    api = Api(app, spec_kwargs={"info": {"description": "NextGIS Web compatible feature API"}})
    for bp in components.blueprints():
        api.register_blueprint(bp)
    envelope.init_app(app)  # after Api, so its handlers replace flask-smorest's
    app.before_request(_require_declared_access)
    app.before_request(http.refuse_nul_in_query)
    app.before_request(csrf.protect)
    bodylimit.init_app(app)  # after envelope: its 413 handler is the more specific one
    if settings.trusted_proxy_networks:
        app.wsgi_app = TrustedProxies(app.wsgi_app, settings.trusted_proxy_networks)
    return app


def _require_declared_access() -> None:
    """Fail closed: an API endpoint without a declared permission is never served."""
    if request.endpoint is None or request.endpoint.startswith(DOCS_BLUEPRINT + "."):
        return
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "access", None) is None:
        raise InternalServerError(f"Endpoint {request.endpoint} declares no permission.")
