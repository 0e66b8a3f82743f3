"""Volume and quota count only what the caller may read; sizes need data.read.

Each test compares what a caller is told with and without a resource it may not read (or
whose data it may not read): the answers must be equal, while the administrator's answer
shows that the resource really adds bytes / a resource.
"""

from __future__ import annotations

from ..feature_attachment.helpers import attach, new_feature
from ..feature_layer.helpers import make_layer
from ..principals import allow, create_user, deny, error, set_acl, system_ids
from ..util import make_group

QUOTA = "/api/resource/quota"


def volume(client, rid: int) -> int:
    return client.ok("GET", f"/api/resource/{rid}/volume")["volume"]


def filled_layer(admin, parent: int, **resource) -> int:
    """A layer with a feature and a 5 kB attachment: a volume well above zero."""
    lid = make_layer(admin, parent, fields=[("s", "STRING")], **resource)
    attach(admin, lid, new_feature(admin, lid), b"v" * 5000)
    return lid


def setup_group(admin):
    """A group the new user may fully use, holding one layer with data."""
    user = create_user(admin)
    ids = system_ids(admin)
    group = make_group(admin, 0)
    set_acl(admin, group, allow(ids["administrators"]) + allow(user.id))
    filled_layer(admin, group)
    return user, group


def test_hidden_child_changes_neither_volume_nor_quota(admin):
    user, group = setup_group(admin)
    seen = volume(user.client, group), user.client.ok("GET", QUOTA)
    admin_before = volume(admin, group)
    assert seen[0] > 0

    hidden = filled_layer(admin, group, permissions=allow(system_ids(admin)["administrators"])
                          + deny(user.id, "resource.read"))
    hidden_group = make_group(admin, group, permissions=deny(user.id, "resource.read"))
    filled_layer(admin, hidden_group)  # under a hidden parent: hidden too

    assert volume(admin, group) > admin_before + 10_000
    assert (volume(user.client, group), user.client.ok("GET", QUOTA)) == seen
    error(user.client.get(f"/api/resource/{hidden}/volume"), 404, "ResourceNotFound")


def test_sizes_need_data_read(admin):
    user, group = setup_group(admin)
    seen_volume = volume(user.client, group)
    seen_count = user.client.ok("GET", QUOTA)["count"]

    admins = system_ids(admin)["administrators"]
    layer = filled_layer(admin, group, permissions=allow(admins)
                         + deny(user.id, "data.read"))

    assert user.client.ok("GET", f"/api/resource/{layer}")["resource"]["id"] == layer
    assert volume(user.client, layer) == 0
    assert volume(user.client, group) == seen_volume
    assert volume(admin, layer) > 5000
    # The layer itself is readable, so it counts in the quota.
    assert user.client.ok("GET", QUOTA)["count"] == seen_count + 1


def test_anonymous_learns_nothing(admin, anon):
    before = anon.ok("GET", QUOTA)
    group = make_group(admin, 0)
    layer = filled_layer(admin, group)
    assert anon.ok("GET", QUOTA) == before
    missing = error(anon.get("/api/resource/987654/volume"), 404, "ResourceNotFound")
    hidden = error(anon.get(f"/api/resource/{layer}/volume"), 404, "ResourceNotFound")
    assert {k: v for k, v in hidden.items() if k not in ("message", "data", "request_id")} == \
        {k: v for k, v in missing.items() if k not in ("message", "data", "request_id")}
    assert admin.ok("GET", QUOTA)["count"] >= before["count"] + 2
