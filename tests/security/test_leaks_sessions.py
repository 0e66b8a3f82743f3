"""Another user's import session answers exactly like a session that does not exist, on
every route, whatever the caller may do on the session's layer."""

from __future__ import annotations

import pytest

from ..feature_attachment.helpers import upload
from ..feature_layer.helpers import make_layer
from ..principals import allow, create_user, set_acl, system_ids

BASE = "/api/component/vector_layer/import/"
MISSING = "0123456789abcdef0123456789abcdef"
ROUTES = (("GET", ""), ("PUT", ""), ("GET", "/validation"), ("POST", "/apply"),
          ("DELETE", ""))


def comparable(resp, session_id: str) -> tuple[int, dict]:
    body = resp.json()
    body.pop("request_id", None)
    text = repr(body).replace(session_id, "<id>")
    return resp.status_code, text


@pytest.mark.parametrize("access", ["writer", "reader", "stranger"])
def test_other_users_session_is_missing(admin, group, access):
    ids = system_ids(admin)
    lid = make_layer(admin, group, fields=[("s", "STRING")], srs=4326)
    perms = {"writer": ("resource.read", "data.read", "data.write"),
             "reader": ("resource.read", "data.read"), "stranger": None}[access]
    user = create_user(admin)
    if perms:
        set_acl(admin, group, allow(ids["administrators"]) + allow(user.id, *perms))
    meta = upload(admin, "p.csv", b"s,lon,lat\na,1,2\n")
    session = admin.ok("POST", BASE, 201, json={"resource": {"id": lid}, "source": meta})["id"]

    for method, tail in ROUTES:
        body = {"mapping": {"fields": {}}} if method == "PUT" else {}
        other = user.client.request(method, BASE + session + tail, json=body)
        missing = user.client.request(method, BASE + MISSING + tail, json=body)
        assert comparable(other, session) == comparable(missing, MISSING), (method, tail)
        assert other.status_code == 404, other.text
    # and the session is untouched
    assert admin.ok("GET", BASE + session)["state"] == "ready"
