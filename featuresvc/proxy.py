"""Running behind a reverse proxy: X-Forwarded-* headers count only from trusted peers.

A direct client can send any X-Forwarded-For/-Proto/-Host it likes, so the service believes
them only when the TCP peer is in ``trusted_proxies``. Then the client address (used by the
login throttle) is the right-most X-Forwarded-For entry that is not itself a trusted proxy,
and the scheme and host (used for the Secure cookie flag and the CSRF origin check) are the
values the nearest proxy set. Gunicorn's own X-Forwarded-Proto handling is turned off (see
:mod:`featuresvc.server`), so this is the only place that reads these headers.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import Any

from .config import IPNetwork


def _address(raw: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    raw = raw.strip()
    if raw.startswith("[") and "]" in raw:  # [v6]:port
        raw = raw[1:raw.index("]")]
    elif raw.count(":") == 1:  # v4:port
        raw = raw.partition(":")[0]
    try:
        return ipaddress.ip_address(raw)
    except ValueError:
        return None


def _last(value: str | None) -> str | None:
    items = [item.strip() for item in (value or "").split(",") if item.strip()]
    return items[-1] if items else None


class TrustedProxies:
    """WSGI middleware applying X-Forwarded-For/-Proto/-Host from trusted peers only."""

    def __init__(self, app: Callable, networks: Iterable[IPNetwork]) -> None:
        self.app = app
        self.networks = tuple(networks)

    def trusted(self, raw: str | None) -> bool:
        addr = _address(raw or "")
        return addr is not None and any(addr in net for net in self.networks)

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Any:
        if self.networks and self.trusted(environ.get("REMOTE_ADDR")):
            self._apply(environ)
        return self.app(environ, start_response)

    def _apply(self, environ: dict[str, Any]) -> None:
        hops = [h.strip() for h in environ.get("HTTP_X_FORWARDED_FOR", "").split(",")
                if h.strip()]
        for hop in reversed(hops):
            addr = _address(hop)
            if addr is None:
                break  # garbage: stop at the last address a trusted proxy vouched for
            environ["REMOTE_ADDR"] = str(addr)
            if not self.trusted(hop):
                break
        proto = (_last(environ.get("HTTP_X_FORWARDED_PROTO")) or "").lower()
        if proto in ("http", "https"):
            environ["wsgi.url_scheme"] = proto
        host = _last(environ.get("HTTP_X_FORWARDED_HOST"))
        if host:
            environ["HTTP_HOST"] = host
