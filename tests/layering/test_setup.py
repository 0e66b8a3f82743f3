"""Component set-up is explicit: importing featuresvc registers nothing, and
``components.setup_components`` registers, in its declared order, what the app needs."""

from __future__ import annotations

import json
import subprocess
import sys

from featuresvc import components, registry

# Runs in a fresh interpreter: this test process may already have set up its registry.
SCRIPT = """
import dataclasses, importlib, json, pkgutil
import featuresvc
from featuresvc import components, registry

def contents(reg):
    return {f.name: [getattr(v, "identity", None) or getattr(v, "__qualname__", None)
                     or type(v).__name__ for v in getattr(reg, f.name)]
            if isinstance(getattr(reg, f.name), list) else sorted(getattr(reg, f.name))
            for f in dataclasses.fields(reg)}

names = [m.name for m in pkgutil.walk_packages(featuresvc.__path__, "featuresvc.")]
for name in names:
    importlib.import_module(name)
imported = contents(registry.current)
first = components.setup_components()
print(json.dumps({"modules": names, "imported": imported, "set_up": contents(first),
                  "current": registry.current is first,
                  "idempotent": components.setup_components() is first}))
"""


def run_fresh() -> dict:
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         check=True, timeout=120)
    return json.loads(out.stdout.splitlines()[-1])


def test_import_registers_nothing_and_setup_registers_everything():
    result = run_fresh()
    assert "featuresvc.app" in result["modules"] and "featuresvc.mvt.stamp" in result["modules"]
    assert all(not values for values in result["imported"].values()), result["imported"]
    assert result["current"] and result["idempotent"]
    assert result["set_up"] == {
        "resource_classes": ["file_bucket", "lookup_table", "resource_group", "vector_layer"],
        # Class sections before feature_layer's: its fields need the layer's table.
        "sections": ["feature_attachment", "feature_description", "file_bucket",
                     "lookup_table", "resmeta", "vector_layer", "feature_layer"],
        "feature_extensions": ["attachment", "description"],
        "write_listeners": ["on_write"],
        "layer_providers": ["vector_layer"],
        "exports": ["file_bucket", "vector_layer"],
        "srs_usage_checks": ["srs_in_use"],
    }


def test_build_gives_a_registry_of_its_own():
    built = components.build()
    assert built is not components.build() and built is not registry.current
    assert [e.identity for e in built.feature_extensions.values()] == ["attachment",
                                                                       "description"]
    only = registry.Registry()
    with registry.using(only):
        assert registry.current is only
    assert registry.current is not only
