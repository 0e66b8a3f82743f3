"""Vector tiles (spec 11): ``/api/component/feature_layer/mvt``, built by PostGIS.

Importing the package subscribes the change counter to the feature write path, so any
process that writes features (server or command line) keeps tile ETags honest.
"""

from . import stamp as _stamp  # noqa: F401
