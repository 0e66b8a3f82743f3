"""Another user's upload is, to every consumer, exactly an unknown upload id: it can be
neither read back (GET) nor taken as the file of an attachment, a file bucket, a layer
source or a bulk import (which would hand its bytes to the caller). Administrators may use
any upload, as they may read it."""

from __future__ import annotations

import pytest

from ..feature_attachment.helpers import att_url, new_feature, upload
from ..feature_layer.helpers import make_layer
from ..principals import allow, create_user, set_acl, system_ids
from ..util import make_group, unique

MISSING = "0123456789abcdef0123456789abcdef"
CSV = b"s,lon,lat\na,1,2\n"


def comparable(resp, upload_id: str) -> tuple[int, str]:
    body = resp.json()
    body.pop("request_id", None)
    return resp.status_code, repr(body).replace(upload_id, "<id>")


@pytest.fixture
def place(admin):
    """A group where a fresh user may do anything, with a layer and a feature of theirs."""
    user = create_user(admin)
    group = make_group(admin, 0)
    set_acl(admin, group, allow(system_ids(admin)["administrators"]) + allow(user.id))
    layer = make_layer(user.client, group, fields=[("s", "STRING")])
    return user, group, layer, new_feature(user.client, layer)


def consumers(group: int, layer: int, fid: int):
    """(method, path, body for an upload meta) of every route that takes an upload."""
    return [
        ("POST", att_url(layer, fid), lambda m: {"file_upload": m, "name": "a.csv"}),
        ("POST", f"/api/resource/{layer}/feature/",
         lambda m: {"geom": "POINT (1 2)", "fields": {"s": "x"},
                    "extensions": {"attachment": [{"file_upload": m}]}}),
        ("POST", "/api/resource/", lambda m: {
            "resource": {"cls": "file_bucket", "parent": {"id": group},
                         "display_name": unique("b")},
            "file_bucket": {"files": [{"name": "f.csv", **m}]}}),
        ("POST", "/api/resource/", lambda m: {
            "resource": {"cls": "vector_layer", "parent": {"id": group},
                         "display_name": unique("l")},
            "vector_layer": {"source": m, "srs": {"id": 3857}}}),
        ("PUT", f"/api/resource/{layer}/feature_attachment/import",
         lambda m: {"source": m}),
        ("POST", "/api/component/vector_layer/import/",
         lambda m: {"resource": {"id": layer}, "source": m}),
    ]


def test_other_users_upload_is_unknown(admin, place):
    user, group, layer, fid = place
    other = create_user(admin)
    theirs = upload(other.client, "secret.csv", CSV)
    assert user.client.get(f"/api/component/file_upload/{theirs['id']}").status_code == 404
    for method, path, body in consumers(group, layer, fid):
        taken = user.client.request(method, path, json=body(theirs))
        unknown = user.client.request(method, path, json=body({**theirs, "id": MISSING}))
        assert comparable(taken, theirs["id"]) == comparable(unknown, MISSING), (method, path)
        assert taken.status_code == 422, (method, path, taken.text)
    # their upload is untouched and still theirs to use
    assert other.client.ok("GET", f"/api/component/file_upload/{theirs['id']}")["size"] == \
        len(CSV)


def test_own_and_administrator_use_still_work(admin, place):
    user, group, layer, fid = place
    own = upload(user.client, "mine.csv", CSV)
    user.client.ok("POST", att_url(layer, fid), json={"file_upload": own})
    theirs = upload(user.client, "theirs.csv", CSV)
    admin.ok("POST", att_url(layer, fid), json={"file_upload": theirs})
    names = [a["name"] for a in admin.ok("GET", att_url(layer, fid))]
    assert sorted(names) == ["mine.csv", "theirs.csv"]
