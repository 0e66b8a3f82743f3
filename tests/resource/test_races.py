"""Concurrent writes: the database constraints and the tree lock decide, never a 500."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from ..util import Client, make_group, unique

N = 20


def parallel(admin: Client, calls) -> list:
    """Run ``calls`` (each taking a fresh client) at once, released by a barrier."""
    barrier = threading.Barrier(len(calls))
    clients = [Client(admin.base_url, auth=admin.session.auth) for _ in calls]
    for c in clients:  # warm up each connection (and the server's credential cache)
        c.get("/api/component/pyramid/ping")

    def run(i):
        barrier.wait()
        return calls[i](clients[i])

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, range(len(calls))))


def outcome(responses) -> Counter:
    return Counter((r.status_code, r.json().get("exception", "").rsplit(".", 1)[-1])
                   for r in responses)


def test_same_display_name(admin, group):
    name = unique("race")
    body = {"resource": {"cls": "resource_group", "parent": {"id": group}, "display_name": name}}
    results = outcome(parallel(admin, [lambda c: c.post("/api/resource/", json=body)] * N))
    assert results == Counter({(201, ""): 1, (422, "DisplayNameNotUnique"): N - 1}), results
    found = admin.ok("GET", "/api/resource/search/", params={"display_name": name})
    assert len(found) == 1


def test_same_keyname(admin, group):
    keyname = unique("race")

    def create(c):
        return c.post("/api/resource/", json={"resource": {
            "cls": "resource_group", "parent": {"id": group}, "display_name": unique(),
            "keyname": keyname}})

    results = outcome(parallel(admin, [create] * N))
    assert results == Counter({(201, ""): 1, (422, "ValidationError"): N - 1}), results


def test_crossing_moves_never_make_a_cycle(admin, group):
    for _ in range(5):
        a, b = make_group(admin, group), make_group(admin, group)
        results = parallel(admin, [
            lambda c, a=a, b=b: c.put(f"/api/resource/{a}",
                                      json={"resource": {"parent": {"id": b}}}),
            lambda c, a=a, b=b: c.put(f"/api/resource/{b}",
                                      json={"resource": {"parent": {"id": a}}}),
        ])
        assert sorted(r.status_code for r in results) == [200, 422], [r.text for r in results]
        parents = {rid: admin.ok("GET", f"/api/resource/{rid}")["resource"]["parent"]["id"]
                   for rid in (a, b)}
        assert parents in ({a: b, b: group}, {a: group, b: a}), parents


def test_create_under_parent_being_deleted(admin, group):
    """A child created while its parent is deleted: one of them wins, never a 500."""
    for _ in range(5):
        parent = make_group(admin, group)
        body = {"resource": {"cls": "resource_group", "parent": {"id": parent},
                             "display_name": unique()}}
        created, deleted = parallel(admin, [
            lambda c, body=body: c.post("/api/resource/", json=body),
            lambda c, parent=parent: c.delete(f"/api/resource/{parent}"),
        ])
        assert created.status_code in (201, 404), created.text
        assert deleted.status_code in (200, 403, 422), deleted.text
        if created.status_code == 201:
            assert deleted.status_code != 200 or \
                admin.get(f"/api/resource/{created.json()['id']}").status_code == 404


def test_crossing_bulk_deletes(admin, group):
    """Two bulk deletes of the same resources in opposite orders: no deadlock, no 500."""
    for _ in range(5):
        ids = [make_group(admin, group) for _ in range(4)]
        for rid in ids:
            make_group(admin, rid)
        forward, backward = ",".join(map(str, ids)), ",".join(map(str, reversed(ids)))
        results = parallel(admin, [
            lambda c, q=forward: c.post(f"/api/resource/delete?resources={q}&partial=true"),
            lambda c, q=backward: c.post(f"/api/resource/delete?resources={q}&partial=true"),
            lambda c, q=ids[0]: c.delete(f"/api/resource/{q}"),
        ])
        assert all(r.status_code in (200, 404) for r in results), [r.text for r in results]
        assert not any(admin.get(f"/api/resource/{rid}").status_code == 200 for rid in ids)
