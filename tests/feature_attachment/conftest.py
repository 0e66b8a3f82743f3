from __future__ import annotations

import pytest

from ..feature_layer.helpers import make_layer
from .helpers import new_feature


@pytest.fixture
def layer(admin, group):
    """A POINT layer (EPSG:3857) with one STRING field ``s``."""
    return make_layer(admin, group, fields=[("s", "STRING")])


@pytest.fixture
def fid(admin, layer):
    return new_feature(admin, layer)
