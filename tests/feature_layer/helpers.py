"""Layer factories and small helpers for the vector_layer and feature_layer tests."""

from __future__ import annotations

from ..util import Client, unique

#: ``extensions`` of a feature without attachments and description.
NO_EXTENSIONS = {"attachment": None, "description": None}

ALL_TYPES = [("i", "INTEGER"), ("b", "BIGINT"), ("r", "REAL"), ("s", "STRING"), ("d", "DATE"),
             ("t", "TIME"), ("dt", "DATETIME"), ("f", "BOOLEAN")]


def make_layer(client: Client, parent: int, *, geometry_type: str = "POINT", srs: int = 3857,
               fields=ALL_TYPES, form: str = "vector_layer", **resource) -> int:
    """Create a vector layer; ``fields`` as (keyname, datatype) pairs or full dicts."""
    items = [f if isinstance(f, dict) else {"keyname": f[0], "datatype": f[1]} for f in fields]
    body = {"resource": {"cls": "vector_layer", "parent": {"id": parent},
                         "display_name": unique("layer"), **resource},
            "vector_layer": {"srs": {"id": srs}, "geometry_type": geometry_type}}
    if form == "vector_layer":
        body["vector_layer"]["fields"] = items
    else:
        body["feature_layer"] = {"fields": items}
    return client.ok("POST", "/api/resource/", 201, json=body)["id"]


def features(client: Client, layer: int, **params) -> list[dict]:
    return client.ok("GET", f"/api/resource/{layer}/feature/", params=params)


def feature_url(layer: int, fid: int | None = None) -> str:
    return f"/api/resource/{layer}/feature/" + ("" if fid is None else str(fid))


def patch(client: Client, layer: int, items: list, status: int = 200, **params):
    return client.ok("PATCH", feature_url(layer), status, json=items, params=params)


def error(resp) -> dict:
    body = resp.json()
    assert "message" in body and body["status_code"] == resp.status_code, body
    return body
