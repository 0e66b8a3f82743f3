"""``featuresvc export``: the same export, straight from the database, with a progress bar
and one-line errors."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile

import pytest

from .helpers import TEXT, read

CLI = [sys.executable, "-m", "featuresvc.cli", "export"]


@pytest.fixture(scope="module")
def env(server, test_settings):
    return {**os.environ, "FEATURESVC_DATABASE_URL": server.database_url,
            "FEATURESVC_DATA_DIR": str(test_settings.data_path)}


def run(env, *args):
    return subprocess.run([*CLI, *map(str, args)], env=env, capture_output=True, text=True,
                          timeout=120)


def test_export_files(env, points, tmp_path):
    lid, ids = points
    out = run(env, lid, "--format", "GPKG", "-o", tmp_path / "a.gpkg", "--fid", "ngw_id")
    assert out.returncode == 0, out.stderr
    assert re.search(r"100%.*3(\.00)?/3(\.00)? \[.*features/s\]", out.stderr)  # progress
    assert f"exported 3 features of layer {lid}" in out.stdout
    _meta, _f, _g, values = read(tmp_path / "a.gpkg")
    assert list(values["ngw_id"]) == ids and values["s"][0] == TEXT
    out = run(env, lid, "-f", "ESRI Shapefile", "-o", tmp_path / "shp" / "pts.shp", "-q",
              "-p", "fld_i__gt=0", "--fields", "s,i")
    assert out.returncode == 0, out.stderr
    assert sorted(p.name for p in (tmp_path / "shp").iterdir()) == [
        "pts.cpg", "pts.dbf", "pts.prj", "pts.shp", "pts.shx"]
    assert list(read(tmp_path / "shp" / "pts.shp")[3]["s"]) == ["без геометрии"]
    out = run(env, lid, "-f", "CSV", "-o", tmp_path / "c.zip", "--srs", 3857, "-q")
    assert out.returncode == 0, out.stderr
    assert sorted(zipfile.ZipFile(tmp_path / "c.zip").namelist()) == [
        "c.csv", "c.csvt", "c.prj"]


@pytest.mark.parametrize(("args", "message"), [
    (["-f", "XLSX"], "Unknown export format 'XLSX'"),
    (["-f", "GPKG", "-p", "fld_nope=1"], "Unknown field 'nope'"),
    (["-f", "GPKG", "-p", "fld_i=abc"], "Invalid filter value for field 'i'"),
    (["-f", "GPKG", "--srs", "123456789"], "123456789"),
    (["-f", "GPKG", "-p", "oops"], "is not KEY=VALUE"),
])
def test_bad_input(env, points, tmp_path, args, message):
    lid, _ids = points
    out = run(env, lid, "-o", tmp_path / "x.gpkg", *args)
    assert out.returncode != 0
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert message in out.stderr and len(lines) <= 3, out.stderr
    assert not (tmp_path / "x.gpkg").exists()
    missing = run(env, 2_000_000_000, "-f", "GPKG", "-o", tmp_path / "y.gpkg")
    assert missing.returncode == 1
    assert missing.stderr.strip() == "Error: Resource 2000000000 is not a feature layer."
