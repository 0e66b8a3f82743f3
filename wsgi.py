"""WSGI entry point: ``gunicorn wsgi:app`` (settings from FEATURESVC_* / FEATURESVC_CONFIG)."""

from featuresvc.app import create_app

app = create_app()
