"""In-process checks of pieces without an HTTP surface of their own yet: the extension
registry (attachments and descriptions plug in later) and the field order rules."""

from __future__ import annotations

import orjson
import pytest

from featuresvc import registry
from featuresvc.feature_layer.dumper import FeatureDumper
from featuresvc.feature_layer.fields import plan
from featuresvc.feature_layer.loader import FeatureLoader, WriteOptions
from featuresvc.feature_layer.model import Field, Layer
from featuresvc.feature_layer.query import FeatureQuery
from featuresvc.vector_layer.store import layer_table

FIELDS = (Field(id=1, keyname="a", display_name="a", datatype="STRING"),)


def make_layer() -> Layer:
    return Layer(resource_id=1, cls="vector_layer", srs_id=3857, geometry_type="NONE",
                 fields=FIELDS, table=layer_table(1, "NONE", None, FIELDS))


class Notes:
    identity = "note"

    def __init__(self):
        self.written = []

    def read(self, conn, layer, fids):
        return {fid: f"note {fid}" for fid in fids if fid % 2}

    def write(self, conn, layer, items):
        self.written.extend(items)


@pytest.fixture
def notes():
    """The only extension, in a registry of the test's own (whatever this process set up)."""
    reg = registry.Registry()
    ext = Notes()
    reg.add_feature_extension(ext)
    with registry.using(reg):
        yield ext


def test_registered_extension_is_read(notes):
    rows = [(1, "x"), (2, "y")]
    dumped = FeatureDumper(make_layer(), FeatureQuery()).features(object(), rows)
    assert [f["extensions"] for f in dumped] == [{"note": "note 1"}, {"note": None}]
    only = FeatureDumper(make_layer(), FeatureQuery(extensions=["other"])).features(
        object(), rows)
    assert only[0]["extensions"] == {}
    none = FeatureDumper(make_layer(), FeatureQuery(extensions=[])).features(object(), rows)
    assert "extensions" not in none[0]
    chunks = b"".join(FeatureDumper(make_layer(), FeatureQuery()).json_array([rows], object()))
    assert orjson.loads(chunks)[0]["extensions"] == {"note": "note 1"}


def test_loader_keeps_registered_extension_values(notes):
    loader = FeatureLoader(None, make_layer(), WriteOptions(), batch=True)
    changes = loader.load([{"fields": {"a": "x"}, "extensions": {"note": "n", "junk": 1}},
                           {"fields": {}, "extensions": [1, 2]}, {"id": 5, "extensions": {
                               "note": "m"}}, {"id": 5, "extensions": {"note": "z"}}])
    assert changes.creates.extensions == {0: {"note": "n"}}
    assert changes.updates.extensions == {0: {"note": "z"}}
    assert changes.order == [("create", 0), ("create", 1), ("update", 5), ("update", 5)]


def field(fid: int, key: str) -> Field:
    return Field(id=fid, keyname=key, display_name=key, datatype="STRING")


@pytest.mark.parametrize("listed, expected", [
    ([4, 2], "adbcef"), ([1], "abcdef"), ([6, 1], "fabcde"), ([3, 5], "abcdef"),
    ([5, 3], "abecdf"), ([], "abcdef"),
])
def test_order_rules(listed, expected):
    existing = [field(i + 1, k) for i, k in enumerate("abcdef")]
    result = plan(existing, [{"id": i} for i in listed], location="$",
                  check_lookup=lambda _id: None)
    assert "".join(f.keyname for f in result.fields) == expected
    assert [f.position for f in result.fields] == list(range(6))
