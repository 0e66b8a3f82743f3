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


def run_on_tty(env, *args) -> tuple[int, str]:
    """The command with stderr on a pseudo-terminal, as a person at a shell runs it."""
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
    try:
        proc = subprocess.run([*CLI, *map(str, args)], env=env, stdout=subprocess.DEVNULL,
                              stderr=follower, timeout=120)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO once the pty is drained
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
    return proc.returncode, b"".join(chunks).decode(errors="replace")


def test_export_files(env, points, tmp_path):
    lid, ids = points
    out = run(env, lid, "--format", "gpkg", "-o", tmp_path / "a.gpkg", "--fid", "ngw_id")
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""  # no progress bar when stderr is not a terminal
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


def test_progress_bar_on_a_terminal(env, points, tmp_path):
    lid, _ids = points
    code, shown = run_on_tty(env, lid, "-f", "GPKG", "-o", tmp_path / "t.gpkg")
    assert code == 0, shown
    assert re.search(r"100%.*3(\.00)?/3(\.00)? \[.*features/s\]", shown)
    code, shown = run_on_tty(env, lid, "-f", "GPKG", "-o", tmp_path / "q.gpkg", "-q")
    assert code == 0 and "features/s" not in shown


def test_csv_keeps_layer_srs_and_writes_no_sidecars(env, points, tmp_path):
    lid, _ids = points
    out = run(env, lid, "-f", "CSV", "-o", tmp_path / "plain" / "c.csv", "-q")
    assert out.returncode == 0, out.stderr
    assert sorted(p.name for p in (tmp_path / "plain").iterdir()) == ["c.csv"]
    text = (tmp_path / "plain" / "c.csv").read_text(encoding="utf-8-sig")
    # The layer is in EPSG:3857: its metre coordinates, not degrees, as --help says.
    xs = [float(m) for m in re.findall(r"POINT \((-?[\d.]+) ", text)]
    assert xs and max(abs(x) for x in xs) > 1000, text
    out = run(env, lid, "-f", "csv", "-o", tmp_path / "side" / "c.csv", "--sidecars", "-q")
    assert out.returncode == 0, out.stderr
    assert sorted(p.name for p in (tmp_path / "side").iterdir()) == ["c.csv", "c.csvt", "c.prj"]
    kml = run(env, lid, "-f", "kml", "-o", tmp_path / "k.kml", "-q")  # always WGS 84
    assert kml.returncode == 0, kml.stderr


def test_unwritable_output_is_one_line(env, points, tmp_path):
    lid, _ids = points
    out = run(env, lid, "-f", "GPKG", "-o", "/proc/featuresvc-nope/x.gpkg", "-q")
    assert out.returncode == 1
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert out.stderr.startswith("Error: /proc/featuresvc-nope") and "Traceback" not in out.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["-f", "XLSX"], "unknown format 'XLSX'"),
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
    assert message in out.stderr and len(lines) == 1, out.stderr
    assert not (tmp_path / "x.gpkg").exists()
    missing = run(env, 2_000_000_000, "-f", "GPKG", "-o", tmp_path / "y.gpkg")
    assert missing.returncode == 1
    assert missing.stderr.strip() == "Error: Resource 2000000000 is not a feature layer."
