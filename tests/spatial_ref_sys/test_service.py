"""The public Python functions other components call, on the test database directly."""

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from sqlalchemy import create_engine, text

from featuresvc import registry
from featuresvc.spatial_ref_sys import (
    SRSNotFound,
    get_srs,
    require_srs,
    service,
    transform,
    transformer,
)

from ..util import unique


@pytest.fixture
def conn(server):
    engine = create_engine(server.database_url)
    with engine.connect() as conn:
        with conn.begin() as tx:
            yield conn
            tx.rollback()
    engine.dispose()


def test_get_and_require(conn):
    srs = get_srs(conn, 4326)
    assert srs.id == 4326 and srs.system and srs.protected and srs.geographic
    assert get_srs(conn, 21781).auth_srid == 21781  # answered from PostGIS
    assert conn.exec_driver_sql("SELECT count(*) FROM srs WHERE id = 21781").scalar() == 0
    assert get_srs(conn, 21781, register=True).auth_srid == 21781  # a write registers it
    assert conn.exec_driver_sql("SELECT count(*) FROM srs WHERE id = 21781").scalar() == 1
    assert get_srs(conn, 999) is None and get_srs(conn, 0) is None
    assert require_srs(conn, "3857").id == 3857
    assert require_srs(conn, 3857.0).id == 3857
    for bad in ("abc", "", None, True, 1.5, 999, "-1"):
        with pytest.raises(SRSNotFound) as exc:
            require_srs(conn, bad, location="query.srs")
        assert exc.value.status_code == 422
        assert exc.value.exception_name == "featuresvc.spatial_ref_sys.SRSNotFound"
        assert exc.value.data["location"] == ["query", "srs"]
    with pytest.raises(SRSNotFound) as exc:
        require_srs(conn, 999)
    assert exc.value.message == "SRS with id = 999 was not found."
    assert exc.value.data == {"location": ["srs"], "srs_id": 999}


def test_transform_vectorised_keeps_z(conn):
    geoms = np.array([shapely.Point(37.6, 55.7), None, shapely.Point(30.3, 59.9, 12.0),
                      shapely.LineString([(0, 0), (1, 1)])], dtype=object)
    out = transform(geoms, 4326, 3857)
    ref = Transformer.from_crs(4326, 3857, always_xy=True)
    assert out[1] is None
    assert not out[0].has_z and out[2].has_z and out[2].z == 12.0
    for src, dst in ((geoms[0], out[0]), (geoms[2], out[2])):
        ex, ey = ref.transform(src.x, src.y)
        assert abs(dst.x - ex) < 1e-6 and abs(dst.y - ey) < 1e-6
    single = transform(shapely.Point(37.6, 55.7), 4326, 3857)
    assert single.equals_exact(out[0], 1e-9)
    assert transformer(4326, 3857) is transformer(4326, 3857)


def test_custom_transformer_follows_updates(conn):
    srs_id = service.create_srs(conn, unique("c"), "+proj=utm +zone=37 +datum=WGS84")
    require_srs(conn, srs_id)
    first = transformer(4326, srs_id)
    assert transformer(4326, srs_id) is first
    service.update_srs(conn, get_srs(conn, srs_id), wkt="+proj=utm +zone=36 +datum=WGS84")
    second = transformer(4326, srs_id, conn=conn)
    assert second is not first
    x36, _ = second.transform(33, 0)
    assert abs(x36 - 500000) < 1e-6


def test_usage_check_vetoes_delete(conn):
    srs_id = service.create_srs(conn, unique("u"), "+proj=utm +zone=37 +datum=WGS84")

    def used(_conn, checked_id):
        return "Coordinate system is used by layer 7." if checked_id == srs_id else None

    vetoing = registry.Registry()
    vetoing.add_srs_usage_check(used)
    with registry.using(vetoing), pytest.raises(service.SRSInUse) as exc:
        service.delete_srs(conn, get_srs(conn, srs_id))
    assert exc.value.status_code == 422 and "layer 7" in exc.value.message
    service.delete_srs(conn, get_srs(conn, srs_id))
    assert get_srs(conn, srs_id) is None


def test_postgis_cache_guard(server):
    """Pooled connections that cached an old custom definition are replaced after a change."""
    engine = create_engine(server.database_url, pool_size=1, max_overflow=0)
    service.install_postgis_cache_guard(engine, max_age=0)
    sql = text("SELECT ST_X(ST_Transform(ST_SetSRID(ST_MakePoint(33, 0), 4326), :id))")
    try:
        with engine.begin() as conn:
            srs_id = service.create_srs(conn, unique("g"), "+proj=utm +zone=37 +datum=WGS84")
        with engine.connect() as conn:  # the pooled backend caches zone 37
            assert conn.execute(sql, {"id": srs_id}).scalar() < 100000
        writer = create_engine(server.database_url)
        with writer.begin() as conn:
            service.update_srs(conn, get_srs(conn, srs_id),
                               wkt="+proj=utm +zone=36 +datum=WGS84")
        with engine.connect() as conn:
            assert abs(conn.execute(sql, {"id": srs_id}).scalar() - 500000) < 1e-3
        with writer.begin() as conn:
            service.delete_srs(conn, get_srs(conn, srs_id))
        writer.dispose()
    finally:
        engine.dispose()
