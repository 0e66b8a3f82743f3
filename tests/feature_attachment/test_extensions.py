"""``extensions.attachment`` in feature JSON (spec 3.1, 3.3): read as a list or null (also in
streamed reads), written with NGW's full-replacement semantics by POST, PUT and PATCH; and
attachments (rows now, files after the commit) go with their feature, all features, or the
layer."""

from __future__ import annotations

import time

from ..feature_layer.helpers import error, feature_url, features, patch
from .helpers import att_url, attach, attachment_files, jpeg, new_feature, query, upload


def exts(client, layer, fid, **params):
    return client.ok("GET", feature_url(layer, fid), params=params)["extensions"]


def test_read_list_or_null(admin, layer, fid):
    assert exts(admin, layer, fid) == {"attachment": None, "description": None}
    aid = attach(admin, layer, fid, b"abc", "a.txt", description="x")
    [item] = exts(admin, layer, fid)["attachment"]
    assert item == admin.ok("GET", att_url(layer, fid, aid))
    assert exts(admin, layer, fid, extensions="attachment") == {"attachment": [item]}
    assert "extensions" not in admin.ok("GET", feature_url(layer, fid),
                                        params={"extensions": ""})


def test_streamed_and_paged_reads_batch_extensions(admin, layer):
    """Every feature of a long read (server-side cursor, several chunks) gets its own list."""
    ids = [r["id"] for r in patch(admin, layer, [{"fields": {"s": str(i)}}
                                                 for i in range(12000)])]
    picked = {ids[0]: "first", ids[6000]: "middle", ids[-1]: "last"}
    for fid, name in picked.items():
        attach(admin, layer, fid, name.encode(), f"{name}.txt")
    got = {f["id"]: f["extensions"]["attachment"] for f in features(admin, layer)}
    assert len(got) == 12000
    assert {fid: [a["name"] for a in v] for fid, v in got.items() if v} == \
        {fid: [f"{name}.txt"] for fid, name in picked.items()}
    # Ordered by a text field, a page's ids are scattered over the layer.
    scattered = features(admin, layer, order_by="s", limit=3000, fields="s")
    assert {f["id"] for f in scattered if f["extensions"]["attachment"]} == \
        {fid for fid in picked if fid in {f["id"] for f in scattered}}
    assert max(f["id"] for f in scattered) - min(f["id"] for f in scattered) > 6000
    page = features(admin, layer, limit=10, offset=5995, extensions="attachment")
    assert [f["extensions"]["attachment"] is not None for f in page] == \
        [False] * 5 + [True] + [False] * 4


def test_full_replacement_on_put(admin, layer, fid):
    keep = attach(admin, layer, fid, b"keep", "keep.txt")
    drop = attach(admin, layer, fid, b"drop", "drop.txt")
    new_meta = upload(admin, "new.jpg", jpeg())
    admin.ok("PUT", feature_url(layer, fid), json={"extensions": {"attachment": [
        {"id": keep, "description": "kept", "size": 1, "is_image": True},  # read-only ignored
        {"file_upload": new_meta, "description": "added", "keyname": "photo"}]}})
    items = exts(admin, layer, fid)["attachment"]
    assert [(a["name"], a["description"], a["keyname"]) for a in items] == \
        [("keep.txt", "kept", None), ("new.jpg", "added", "photo")]
    assert items[0]["id"] == keep and items[0]["size"] == 4 and drop not in \
        [a["id"] for a in items]
    # A feature write without the key leaves attachments alone; null means [].
    admin.ok("PUT", feature_url(layer, fid), json={"fields": {"s": "y"}})
    assert len(exts(admin, layer, fid)["attachment"]) == 2
    admin.ok("PUT", feature_url(layer, fid), json={"extensions": {"attachment": None}})
    assert exts(admin, layer, fid)["attachment"] is None


def test_swap_keynames_and_replace_file_in_one_write(admin, layer, fid):
    a = attach(admin, layer, fid, b"a", "a.txt", keyname="one")
    b = attach(admin, layer, fid, b"b", "b.txt", keyname="two")
    meta = upload(admin, "b2.txt", b"bee")
    admin.ok("PUT", feature_url(layer, fid), json={"extensions": {"attachment": [
        {"id": a, "keyname": "two"}, {"id": b, "keyname": "one", "file_upload": meta}]}})
    items = {i["id"]: i for i in exts(admin, layer, fid)["attachment"]}
    assert (items[a]["keyname"], items[b]["keyname"]) == ("two", "one")
    assert (items[b]["name"], items[b]["size"]) == ("b2.txt", 3)
    assert admin.get(att_url(layer, fid, b, "/download")).content == b"bee"


def test_create_and_patch_with_attachments(admin, layer):
    meta = upload(admin, "p.jpg", jpeg())
    fid = new_feature(admin, layer, extensions={"attachment": [{"file_upload": meta}],
                                                "description": "<b>hi</b>"})
    assert [a["name"] for a in exts(admin, layer, fid)["attachment"]] == ["p.jpg"]
    other = new_feature(admin, layer)
    res = patch(admin, layer, [
        {"id": fid, "extensions": {"attachment": []}},
        {"id": other, "extensions": {"attachment": [{"file_upload": meta, "name": "x"}]}},
        {"fields": {"s": "new"}, "extensions": {"attachment": [{"file_upload": meta}]}}])
    created = res[2]["id"]
    assert exts(admin, layer, fid)["attachment"] is None
    # the item's own name wins over the upload's (see test_attachment_naming.py)
    assert [a["name"] for a in exts(admin, layer, other)["attachment"]] == ["x"]
    assert [a["name"] for a in exts(admin, layer, created)["attachment"]] == ["p.jpg"]


def test_bad_extension_values_are_422_and_write_nothing(admin, layer, fid):
    aid = attach(admin, layer, fid)
    other_layer_fid = new_feature(admin, layer)
    foreign = attach(admin, layer, other_layer_fid)
    cases = [
        ({"attachment": "x"}, "must be a list"),
        ({"attachment": [1]}, "must be an object"),
        ({"attachment": [{"id": "1"}]}, "must be an integer"),
        ({"attachment": [{"id": aid}, {"id": aid}]}, "listed twice"),
        ({"attachment": [{"name": "no file"}]}, "file_upload"),
        ({"attachment": [{"file_upload": {"id": "0" * 32}}]}, "Unknown upload id"),
        ({"attachment": [{"id": aid, "name": 5}]}, "'name' must be a string"),
        ({"attachment": [{"id": foreign}]}, "was not found"),
    ]
    for ext, message in cases:
        resp = admin.put(feature_url(layer, fid), json={"fields": {"s": "changed"},
                                                        "extensions": ext})
        assert resp.status_code in (404, 422), (ext, resp.text)
        assert message in error(resp)["message"], (ext, resp.text)
    batch = admin.patch(feature_url(layer), json=[{"fields": {"s": "a"}}, {
        "fields": {"s": "b"}, "extensions": {"attachment": {"x": 1}}}])
    assert batch.status_code == 422 and error(batch)["message"].startswith("Feature #1: ")
    assert [a["id"] for a in exts(admin, layer, fid)["attachment"]] == [aid]
    assert admin.ok("GET", feature_url(layer, fid))["fields"]["s"] == "x"


def test_gdal_passthrough_extensions_are_ignored_or_kept(admin, layer, fid):
    """GDAL sends back what it read (SetFeature) and arbitrary JSON from other sources."""
    aid = attach(admin, layer, fid)
    read_back = admin.ok("GET", feature_url(layer, fid))
    admin.ok("PUT", feature_url(layer, fid), data=__import__("json").dumps(read_back),
             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert [a["id"] for a in exts(admin, layer, fid)["attachment"]] == [aid]
    admin.ok("PUT", feature_url(layer, fid), json={"extensions": {
        "type": "Feature", "properties": {"a": 1}, "geometry": None}})
    assert [a["id"] for a in exts(admin, layer, fid)["attachment"]] == [aid]


def wait_gone(paths, timeout=10.0):
    deadline = time.monotonic() + timeout
    while any(p.exists() for p in paths):
        assert time.monotonic() < deadline, [p for p in paths if p.exists()]
        time.sleep(0.05)


def test_deleting_features_removes_attachments_and_files(admin, server, test_settings, layer):
    fids = [new_feature(admin, layer) for _ in range(4)]
    for f in fids:
        aid = attach(admin, layer, f, jpeg(), "p.jpg")
        admin.get(att_url(layer, f, aid, "/image"), params={"size": "8x8"})  # a thumbnail
    all_files = attachment_files(server, test_settings, layer)
    assert len(all_files) == 8 and all(p.exists() for p in all_files)

    admin.ok("DELETE", feature_url(layer, fids[0]))
    assert admin.get(att_url(layer, fids[0])).status_code == 404
    left = attachment_files(server, test_settings, layer)
    assert len(left) == 6 and all(p.exists() for p in left)
    wait_gone(set(all_files) - set(left))  # the photo and its thumbnail

    admin.ok("DELETE", feature_url(layer), json=[{"id": fids[1]}])
    assert len(attachment_files(server, test_settings, layer)) == 4
    admin.ok("DELETE", feature_url(layer))  # no body: every feature
    assert query(server, "SELECT 1 FROM feature_attachment WHERE resource_id = %s", layer) == []
    wait_gone(all_files)


def test_failed_feature_delete_keeps_attachments(admin, server, test_settings, layer, fid):
    attach(admin, layer, fid)
    files = attachment_files(server, test_settings, layer)
    resp = admin.delete(feature_url(layer), json=[{"id": fid}, {"id": 999999}])
    assert resp.status_code == 404
    assert attachment_files(server, test_settings, layer) == files
    assert all(p.exists() for p in files)


def test_delete_all_features_switch_and_layer_delete(admin, server, test_settings, layer, fid):
    attach(admin, layer, fid)
    files = attachment_files(server, test_settings, layer)
    admin.ok("PUT", f"/api/resource/{layer}",
             json={"vector_layer": {"delete_all_features": True}})
    assert query(server, "SELECT 1 FROM feature_attachment WHERE resource_id = %s", layer) == []
    wait_gone(files)

    fid = new_feature(admin, layer)
    attach(admin, layer, fid)
    files = attachment_files(server, test_settings, layer)
    admin.ok("DELETE", f"/api/resource/{layer}")
    assert query(server, "SELECT 1 FROM feature_attachment WHERE resource_id = %s", layer) == []
    wait_gone(files)
