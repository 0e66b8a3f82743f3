from __future__ import annotations

import pytest

from .helpers import make_layer


@pytest.fixture
def layer(admin, group):
    """A POINT layer in EPSG:3857 with one field of every datatype."""
    return make_layer(admin, group)
