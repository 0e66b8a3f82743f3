"""``featuresvc import``: straight to the database, same loader, one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

from .helpers import features, layer_doc, points, write

CLI = [sys.executable, "-m", "featuresvc.cli"]


def _run(server, test_settings, *args):
    env = {**os.environ, "FEATURESVC_DATABASE_URL": server.database_url,
           "FEATURESVC_DATA_DIR": str(test_settings.data_path)}
    env.pop("FEATURESVC_CONFIG", None)
    return subprocess.run([*CLI, "import", *map(str, args)], env=env, capture_output=True,
                          text=True, timeout=300)


def test_import_gpkg(server, test_settings, admin, group, tmp_path):
    path = write(tmp_path / "towns.gpkg", points(5), {
        "name": np.array(list("abcde"), dtype=object)}, driver="GPKG", layer="towns")
    write(path, [points(1)[0].buffer(1)], {}, driver="GPKG", layer="areas")
    out = _run(server, test_settings, path, "--parent", group, "--layer", "towns",
               "--srs", 4326, "--name", "Towns")
    assert out.returncode == 0, out.stderr
    lid = int(out.stdout.strip())
    assert "imported 5 features" in out.stderr and "features/s" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1  # no progress bar off a terminal
    doc = admin.ok("GET", f"/api/resource/{lid}")
    assert doc["resource"]["display_name"] == "Towns"
    assert doc["resource"]["parent"]["id"] == group
    assert layer_doc(admin, lid)["srs"] == {"id": 4326}
    assert [f["fields"]["name"] for f in features(admin, lid)] == list("abcde")


def test_bad_input_is_one_line(server, test_settings, admin, group, tmp_path):
    bad = tmp_path / "broken.geojson"
    bad.write_text("{nope")
    before = admin.ok("GET", f"/api/resource/?parent={group}")
    for args, message in (
        ((bad, "--parent", group), "GDAL library failed to open the file"),
        ((tmp_path / "missing.gpkg", "--parent", group), "no such file"),
        ((bad, "--parent", 2_000_000_000), "not found"),
    ):
        out = _run(server, test_settings, *args)
        assert out.returncode != 0
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], \
            out.stderr
        assert out.stdout == ""
    path = write(tmp_path / "two.gpkg", points(1), {}, driver="GPKG", layer="a")
    write(path, points(1), {}, driver="GPKG", layer="b")
    out = _run(server, test_settings, path, "--parent", group)
    assert out.returncode != 0 and "more than one layer" in out.stderr
    assert admin.ok("GET", f"/api/resource/?parent={group}") == before
