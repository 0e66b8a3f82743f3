"""GDAL reads the uploaded file and nothing else: no OGR_VRT, no other local file, no URL,
no archive member outside the archive, and no server path in any answer."""

from __future__ import annotations

import io
import stat
import zipfile

import pytest

from ..feature_layer.helpers import make_layer
from ..file_upload.helpers import make_zip
from .gdal_helpers import INSPECT, PASSWD, all_paths, gml, listening, upload, vrt

pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.fixture
def nobody(make_user):
    """An authenticated user with no rights at all."""
    return make_user()[1]


@pytest.fixture
def layer(admin, group):
    return make_layer(admin, group, fields=[("name", "STRING")], srs=4326)


def _refused(resp) -> None:
    assert resp.status_code == 422, resp.text
    body = resp.json()
    assert "GDAL library failed to open the file" in body["message"]
    assert "GeoPackage" in body["data"]["formats"] and "GML" in body["data"]["formats"]
    assert "OGR_VRT" not in resp.text or "not accepted" in resp.text


@pytest.mark.parametrize("name", ["passwd.vrt", "passwd.gml", "passwd.kml", "passwd",
                                  "passwd.geojson", "passwd.xml", ""])
def test_vrt_of_a_local_file_is_refused(admin, nobody, group, layer, name):
    answers = all_paths(admin, nobody, group, layer, name or "blob", vrt("CSV:/etc/passwd"))
    inspect, create, session = answers
    _refused(inspect)
    _refused(create)
    assert session.status_code == 422


def test_vrt_named_csv_is_read_as_the_text_it_is(admin, nobody, group, layer):
    """The CSV driver reads the XML's own lines: harmless, and never /etc/passwd."""
    for resp in all_paths(admin, nobody, group, layer, "passwd.csv", vrt("CSV:/etc/passwd")):
        assert resp.status_code in (200, 201, 422), resp.text


@pytest.mark.parametrize("member", ["passwd.vrt", "passwd.gml", "passwd.geojson", "a/p.kml"])
def test_vrt_in_a_zip_is_refused(admin, nobody, group, layer, member):
    data = make_zip({member: vrt("CSV:/etc/passwd")})
    for resp in all_paths(admin, nobody, group, layer, "layer.zip", data):
        assert resp.status_code == 422, resp.text


def test_vrt_pointing_to_a_url_makes_no_request(admin, nobody, group, layer):
    with listening() as (url, hits):
        for name in ("remote.vrt", "remote"):
            answers = all_paths(admin, nobody, group, layer, name,
                                vrt(f"/vsicurl/{url}/data.csv", layer="data"))
            _refused(answers[0])
        assert hits == []


@pytest.mark.parametrize("where", ["/etc/passwd", "../../../../../../../etc/passwd",
                                   "file:///etc/passwd"])
def test_gml_schema_location_outside_is_not_read(admin, nobody, group, layer, where):
    for resp in all_paths(admin, nobody, group, layer, "pts.gml", gml(where)):
        assert resp.status_code in (200, 201, 422), resp.text
    inspected = all_paths(admin, nobody, group, layer, "pts.gml", gml(where))[0].json()
    assert inspected["layers"] == ["pt"]
    assert {f["name"] for f in inspected["details"][0]["fields"]} <= {"fid", "name"}


def test_gml_schema_and_xlink_urls_make_no_request(admin, nobody, group, layer):
    with listening() as (url, hits):
        data = gml(f"{url}/schema.xsd",
                   extra=f'<ogr:ref xlink:href="{url}/remote.gml#id1"/>')
        for name in ("pts.gml", "pts"):
            for resp in all_paths(admin, nobody, group, layer, name, data):
                assert resp.status_code in (200, 201, 422), resp.text
        assert hits == []


def test_geojson_crs_link_makes_no_request(admin, nobody, group, layer):
    with listening() as (url, hits):
        for href in (f"{url}/crs.prj", "/etc/passwd"):
            data = ('{"type":"FeatureCollection","crs":{"type":"link","properties":{"href":"'
                    + href + '","type":"proj4"}},"features":[{"type":"Feature","properties":'
                    '{"name":"a"},"geometry":{"type":"Point","coordinates":[30,50]}}]}')
            all_paths(admin, nobody, group, layer, "pts.geojson", data.encode())
        assert hits == []


def _zip_with_link(member: str, target: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        info = zipfile.ZipInfo(member)
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, target)
    return buf.getvalue()


@pytest.mark.parametrize("data", [
    make_zip({"../../x.csv": b"name,lon,lat\na,30,50\n"}),
    make_zip({"/srv/x.csv": b"name,lon,lat\na,30,50\n"}),
    make_zip({"d/../../x.csv": b"name,lon,lat\na,30,50\n"}),
    _zip_with_link("x.csv", "/etc/passwd"),
], ids=["dotdot", "absolute", "nested-dotdot", "symlink"])
def test_zip_members_outside_the_archive_are_refused(admin, nobody, group, layer, data):
    for resp in all_paths(admin, nobody, group, layer, "layer.zip", data):
        assert resp.status_code == 422, resp.text
        assert "outside itself or a link" in resp.json()["message"]


def test_xlsx_relationship_to_a_local_file_is_not_followed(admin, nobody, group, layer):
    """An XLSX whose sheet relationship targets /etc/passwd (and ../ paths)."""
    content_types = (b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                     b'package/2006/content-types"/>')
    workbook = (b'<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
                b'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
                b'officeDocument/2006/relationships"><sheets><sheet name="s" sheetId="1" '
                b'r:id="rId1"/></sheets></workbook>')
    for target in (b"/etc/passwd", b"../../../../../../etc/passwd"):
        rels = (b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
                b'openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="'
                + target + b'"/></Relationships>')
        data = make_zip({"[Content_Types].xml": content_types, "xl/workbook.xml": workbook,
                         "xl/_rels/workbook.xml.rels": rels})
        for resp in all_paths(admin, nobody, group, layer, "book.xlsx", data):
            assert resp.status_code in (200, 201, 422), resp.text


def test_error_messages_name_the_upload_not_a_path(admin, nobody):
    """GDAL's own reasons mention the temporary folder; the answer names the upload."""
    for name, data in (("broken.geojson", b'{"type": "FeatureCollection", "features": [}'),
                       ("broken.gpkg", b"SQLite format 3\x00" + b"\x00" * 200),
                       ("broken.kml", b"<kml><Document><Placemark>"),
                       ("broken.zip", make_zip({"a.shp": b"not a shapefile"}))):
        meta = upload(nobody, name, data)
        resp = nobody.post(INSPECT, json={"id": meta["id"]})
        assert resp.status_code == 422, resp.text
        assert name in resp.json()["message"] or "ZIP" in resp.json()["message"], resp.text


def test_cli_import_refuses_a_vrt(server, test_settings, admin, group, tmp_path):
    """``featuresvc import`` given an uploaded file is confined the same way."""
    from ..layer_import.test_cli import _run

    with listening() as (url, hits):
        for name, data in (("passwd.csv.vrt", vrt("CSV:/etc/passwd")),
                           ("remote", vrt(f"/vsicurl/{url}/data.csv", layer="data"))):
            path = tmp_path / name
            path.write_bytes(data)
            out = _run(server, test_settings, path, "--parent", group)
            assert out.returncode != 0, out.stdout
            assert "GDAL library failed to open the file" in out.stderr, out.stderr
            assert not PASSWD.search(out.stdout + out.stderr), out.stderr
        assert hits == []
    assert admin.ok("GET", f"/api/resource/?parent={group}") == []
