"""Helpers shared by the tests: an HTTP client and resource factories."""

from __future__ import annotations

import uuid

import requests


class Client:
    """A thin HTTP client: ``api.get("/api/resource/0")`` returns a requests.Response."""

    def __init__(self, base_url: str, auth=None, headers=None):
        self.base_url = base_url
        self.session = requests.Session()
        self.session.auth = auth
        self.session.headers.update(headers or {})

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 120)
        return self.session.request(method, self.base_url + path, **kwargs)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def patch(self, path, **kw):
        return self.request("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def ok(self, method: str, path: str, status: int = 200, **kw):
        """Request and assert the status; returns the decoded JSON body."""
        resp = self.request(method, path, **kw)
        assert resp.status_code == status, f"{method} {path}: {resp.status_code} {resp.text}"
        return resp.json()


def unique(prefix: str = "t") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"



def make_group(client: Client, parent: int, **resource) -> int:
    body = {"resource": {"cls": "resource_group", "parent": {"id": parent},
                         "display_name": unique("group"), **resource}}
    return client.ok("POST", "/api/resource/", 201, json=body)["id"]
