from __future__ import annotations

import pytest

from ..util import make_group
from .helpers import point_layer


@pytest.fixture(scope="module")
def folder(admin):
    return make_group(admin, 0)


@pytest.fixture(scope="module")
def points(admin, folder):
    """A POINT layer in EPSG:3857 with a field of every datatype and three features."""
    return point_layer(admin, folder)
