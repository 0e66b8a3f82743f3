"""``GET /api/resource/search/`` (spec section 1.4): every filter and both response forms."""

from __future__ import annotations

import pytest

from ..principals import create_user, error
from ..util import make_group, unique


@pytest.fixture(scope="module")
def tree(admin):
    """S > a, b > c with distinct names, keynames, owners and metadata."""
    tag = unique("s")
    owner = create_user(admin)
    s = make_group(admin, 0, display_name=f"S-{tag}")
    a = make_group(admin, s, display_name=f"Alpha-{tag}", keyname=f"ka-{tag}")
    b = make_group(admin, s, display_name=f"Beta-{tag}", keyname=f"kb-{tag}",
                   owner_user={"id": owner.id})
    c = make_group(admin, b, display_name=f"Gamma-{tag}")
    admin.ok("PUT", f"/api/resource/{a}",
             json={"resmeta": {"items": {"color": "red", "n": 5, "flag": True}}})
    admin.ok("PUT", f"/api/resource/{b}", json={"resmeta": {"items": {"color": "Blue"}}})
    admin.ok("PUT", f"/api/resource/{c}", json={"resmeta": {"items": {"n": 5.5}}})
    yield {"S": s, "a": a, "b": b, "c": c, "tag": tag, "owner": owner.id}
    admin.ok("DELETE", f"/api/resource/{s}")


def ids(admin, **params) -> list[int]:
    found = admin.ok("GET", "/api/resource/search/", params=params)
    assert isinstance(found, list)
    return sorted(item["resource"]["id"] for item in found)


CASES = [
    ("id={a}", "a"), ("id__eq={a}", "a"), ("id__in={a},{b}", "a b"), ("id__in=", ""),
    ("root={S}&cls=resource_group", "S a b c"), ("root={S}&cls__in=resource_group,x", "S a b c"),
    ("root={S}&cls=nope", ""),
    ("parent={S}", "a b"), ("parent__in={S},{b}", "a b c"), ("parent_id={S}", "a b"),
    ("parent_id__recursive={S}", "S a b c"), ("root={b}", "b c"), ("parent__eq={b}", "c"),
    ("keyname=ka-{tag}", "a"), ("keyname__in=ka-{tag},kb-{tag}", "a b"),
    ("display_name=Alpha-{tag}", "a"), ("display_name__in=Alpha-{tag},Beta-{tag}", "a b"),
    ("root={S}&display_name__like=%a-{tag}", "a b c"),
    ("root={S}&display_name__like=alpha%", ""), ("root={S}&display_name__ilike=ALPHA%", "a"),
    ("root={S}&keyname__like=k_-{tag}", "a b"), ("root={S}&cls__ilike=RESOURCE%", "S a b c"),
    ("root={S}&owner_user={owner}", "b"), ("root={S}&owner_user__in={owner},0", "b"),
    ("root={S}&owner_user_id={owner}", "b"),
    ("root={S}&resmeta__has[color]=true", "a b"), ("root={S}&resmeta__has[color]=false", "S c"),
    ("root={S}&resmeta__json[n]=5", "a"), ("root={S}&resmeta__json[n]=5.5", "c"),
    ("root={S}&resmeta__json[color]=\"red\"", "a"), ("root={S}&resmeta__json[flag]=true", "a"),
    ("root={S}&resmeta__like[color]=r%", "a"), ("root={S}&resmeta__like[color]=b%", ""),
    ("root={S}&resmeta__ilike[color]=b%", "b"),
    ("root={S}&parent={S}&keyname=kb-{tag}", "b"),  # filters are ANDed
    ("root={S}&source=ng_mobile&deviceid=x", "S a b c"),  # unknown parameters are ignored
]


@pytest.mark.parametrize(("query", "expected"), CASES, ids=[c[0] for c in CASES])
def test_filter(admin, tree, query, expected):
    params = dict(pair.split("=", 1) for pair in query.format(**tree).split("&"))
    assert ids(admin, **params) == sorted(tree[k] for k in expected.split())


@pytest.mark.parametrize("query", ["id=abc", "id__in=1,x", "parent=1.5", "root=x",
                                   "resmeta__json[k]=not-json", "resmeta__has[k]=maybe",
                                   "resmeta__nope[k]=1",
                                   "id__like=1", "limit=-1", "offset=-2", "limit=x",
                                   "order=name,colour", "order=-", "serialization=brief"])
def test_bad_query(admin, query):
    name, value = query.split("=", 1)
    body = error(admin.get("/api/resource/search/", params={name: value}), 422)
    assert body["data"]["location"][0] == "query"


def test_bare_array_has_only_resource(admin, tree):
    found = admin.ok("GET", "/api/resource/search/", params={"id": tree["a"]})
    assert len(found) == 1 and set(found[0]) == {"resource"}
    assert found[0]["resource"]["display_name"] == f"Alpha-{tree['tag']}"
    full = admin.ok("GET", "/api/resource/search/",
                    params={"id": tree["a"], "serialization": "full"})
    assert full[0]["resmeta"]["items"] == {"color": "red", "n": 5, "flag": True}
    assert full[0]["resource"] == found[0]["resource"]


def test_paged_form(admin, tree):
    page = admin.ok("GET", "/api/resource/search/",
                    params={"root": tree["S"], "limit": 2, "offset": 1, "order": "-name"})
    assert set(page) == {"items", "total_count", "limit", "offset", "order"}
    assert (page["total_count"], page["limit"], page["offset"]) == (4, 2, 1)
    assert page["order"] == ["-name"]
    # Descending by name: S-, Gamma-, Beta-, Alpha-, from offset 1.
    assert [i["resource"]["id"] for i in page["items"]] == [tree["c"], tree["b"]]
    assert all(set(i) == {"resource"} for i in page["items"])
    page = admin.ok("GET", "/api/resource/search/", params={"root": tree["S"], "offset": 0})
    assert page["limit"] is None and page["order"] == ["name"]
    assert [i["resource"]["id"] for i in page["items"]] == [tree[k] for k in "abcS"]
    for token, first in (("type,created", "S"), ("-created", "c"), ("owner,name", "a")):
        page = admin.ok("GET", "/api/resource/search/",
                        params={"root": tree["S"], "order": token})
        assert page["items"][0]["resource"]["id"] == tree[first], token


def test_breadcrumb(admin, tree):
    page = admin.ok("GET", "/api/resource/search/",
                    params={"id": tree["c"], "breadcrumb": "true", "serialization": "full"})
    assert page["items"][0]["resmeta"]["items"] == {"n": 5.5}
    crumbs = page["breadcrumb"][str(tree["c"])]
    assert [c["id"] for c in crumbs] == [0, tree["S"], tree["b"]]
    assert crumbs[-1] == {"id": tree["b"], "display_name": f"Beta-{tree['tag']}"}
