"""Concurrent writes to one layer: overlapping batches must not deadlock (no 500s, every
request lands), whatever order their ids come in."""

from __future__ import annotations

import concurrent.futures as cf
import random
import threading
import time

import pytest
import requests
import sqlalchemy as sa

from ..util import Client
from .helpers import error, feature_url, features, make_layer, patch

ROUNDS = 25
FEATURES = 200


def _check(resp: requests.Response, what: str) -> None:
    assert resp.status_code == 200, f"{what}: {resp.status_code} {resp.text}"


def test_overlapping_batches_in_opposite_order(admin, group, server):
    """Two PATCH batches over the same 200 features, one ascending and one descending,
    with single PUTs, patch-all and delete batches mixed in."""
    layer = make_layer(admin, group, fields=[("n", "INTEGER"), ("s", "STRING")])
    ids = [r["id"] for r in patch(admin, layer, [
        {"geom": "POINT (1 1)", "fields": {"n": -1, "s": "x"}} for _ in range(FEATURES)])]
    url = feature_url(layer)
    start = threading.Barrier(6)

    def batch(order: list[int], base: int):
        client = Client(server.url, auth=admin.session.auth)
        start.wait()
        for i in range(ROUNDS):
            _check(client.patch(url, json=[{"id": f, "fields": {"n": base + i}} for f in order]),
                   f"batch {base} round {i}")

    def singles():
        client, rnd = Client(server.url, auth=admin.session.auth), random.Random(1)
        start.wait()
        for i in range(ROUNDS * 4):
            _check(client.put(feature_url(layer, rnd.choice(ids)),
                              json={"fields": {"s": f"put {i}"}}), f"put {i}")

    def patch_all():
        client = Client(server.url, auth=admin.session.auth)
        start.wait()
        for i in range(ROUNDS):
            _check(client.patch(url, params={"patch-all": "true", "fld_s__ne": "none"},
                                json={"fields": {"s": f"all {i}"}}), f"patch-all {i}")

    def mixed():
        """Update a shuffled half, create some features, then delete them (in reverse)."""
        client, rnd = Client(server.url, auth=admin.session.auth), random.Random(2)
        start.wait()
        for i in range(ROUNDS):
            half = rnd.sample(ids, FEATURES // 2)
            resp = client.patch(url, json=[*({"id": f, "fields": {"s": f"mix {i}"}}
                                             for f in half),
                                           *({"geom": "POINT (2 2)", "fields": {"n": -2}}
                                             for _ in range(5))])
            _check(resp, f"mixed {i}")
            created = [r["id"] for r in resp.json()][FEATURES // 2:]
            _check(client.delete(url, json=[{"id": f} for f in reversed(created)]),
                   f"delete {i}")

    def deletes_with_updates():
        """A batch deleting its own new features and updating shared ones, descending."""
        client = Client(server.url, auth=admin.session.auth)
        start.wait()
        for i in range(ROUNDS):
            new = [r["id"] for r in patch(client, layer, [{"fields": {"n": -3}}] * 3)]
            items = [{"id": f, "delete": True} for f in new] + \
                [{"id": f, "fields": {"s": f"del {i}"}} for f in reversed(ids[::3])]
            _check(client.patch(url, json=items), f"deletes with updates {i}")

    jobs = [lambda: batch(ids, 0), lambda: batch(ids[::-1], 1000), singles, patch_all, mixed,
            deletes_with_updates]
    with cf.ThreadPoolExecutor(len(jobs)) as pool:
        for future in [pool.submit(job) for job in jobs]:
            future.result()

    feats = features(admin, layer, fields="n", geom="no")
    assert sorted(f["id"] for f in feats) == ids  # the temporary features are all gone
    # Each batch is atomic and they serialize: every feature holds the last batch's value.
    assert len({f["fields"]["n"] for f in feats}) == 1
    assert feats[0]["fields"]["n"] in (ROUNDS - 1, 1000 + ROUNDS - 1)


@pytest.mark.parametrize("kind", ["batch", "patch-all"])
def test_deadlock_elsewhere_is_a_retryable_503(admin, group, server, kind):
    """A deadlock the write path cannot prevent (here: with another database session that
    locks rows in the opposite order) rolls back and answers 503 with Retry-After."""
    layer = make_layer(admin, group, fields=[("n", "INTEGER")])
    ids = [r["id"] for r in patch(admin, layer, [{"fields": {"n": 0}}] * 2)]
    table = f"vector_layer.layer_{layer}"
    lock = sa.text(f"SELECT id FROM {table} WHERE id = :id FOR UPDATE")
    engine = sa.create_engine(server.database_url)
    with cf.ThreadPoolExecutor(1) as pool, engine.connect() as conn:
        # This session never detects the deadlock itself: the server's request is the victim.
        conn.execute(sa.text("SET deadlock_timeout = '60s'"))
        conn.execute(lock, {"id": ids[1]})
        if kind == "batch":
            future = pool.submit(admin.patch, feature_url(layer),
                                 json=[{"id": f, "fields": {"n": 1}} for f in ids])
        else:
            future = pool.submit(admin.patch, feature_url(layer), params={"patch-all": "true"},
                                 json={"fields": {"n": 1}})
        _wait_for_lock_waiter(conn)  # the request holds ids[0] and waits for ids[1]
        conn.execute(lock, {"id": ids[0]})  # returns once the server's side is aborted
        conn.rollback()
        resp = future.result()
    engine.dispose()
    body = error(resp)
    assert resp.status_code == 503 and resp.headers["Retry-After"] == "1", body
    assert body["exception"] == "featuresvc.core.TransactionConflict"
    assert "Retry" in body["message"]
    assert {f["fields"]["n"] for f in features(admin, layer, fields="n", geom="no")} == {0}
    # Sent again, it lands.
    if kind == "batch":
        patch(admin, layer, [{"id": f, "fields": {"n": 1}} for f in ids])
    else:
        patch(admin, layer, {"fields": {"n": 1}}, **{"patch-all": "true"})
    assert {f["fields"]["n"] for f in features(admin, layer, fields="n", geom="no")} == {1}


def _wait_for_lock_waiter(conn: sa.Connection) -> None:
    query = sa.text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND pid <> pg_backend_pid() AND datname = current_database()")
    deadline = time.monotonic() + 30
    while conn.execute(query).scalar_one() == 0:
        assert time.monotonic() < deadline, "the request never waited for the row lock"
        time.sleep(0.02)
