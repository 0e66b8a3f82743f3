"""Settings: defaults, then the INI file, then ``FEATURESVC_*`` variables, then overrides.

Every setting is a field of :class:`Settings`; ``config.example.ini`` documents them all.
"""

from __future__ import annotations

import configparser
import ipaddress
import os
from dataclasses import dataclass, fields, replace
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

SECTION = "featuresvc"
ENV_PREFIX = "FEATURESVC_"


class ConfigError(ValueError):
    """A setting has a value that cannot be used."""


@dataclass(frozen=True)
class Settings:
    # Where the private cluster and stored files live.
    data_dir: str = "./data"
    # External PostGIS (SQLAlchemy URL); empty means the private cluster in data_dir.
    database_url: str = ""
    # Private cluster: port number of its unix socket and binaries location.
    pg_port: int = 5433
    pg_bin_dir: str = "/usr/lib/postgresql/15/bin"
    # Initial administrator password; generated and stored in data_dir when empty.
    admin_password: str = ""
    # HTTP server.
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 4
    threads: int = 4
    timeout: int = 300
    # Connection pool per worker process.
    db_pool_size: int = 8
    # Session cookie lifetime in seconds.
    session_max_age: int = 30 * 24 * 3600
    # Largest JSON request body accepted, in bytes.
    max_json_body: int = 512 * 1024 * 1024
    # Logging level of the service.
    log_level: str = "INFO"
    # Largest file accepted by /api/component/file_upload/, in bytes (413 above it).
    upload_max_size: int = 50 * 1024 ** 3
    # Seconds an unused upload is kept (since its last write) before cleanup removes it.
    upload_lifetime: int = 24 * 3600
    # Seconds between periodic cleanups run inside the server; 0 turns them off.
    cleanup_interval: int = 3600
    # Running as root (security: files given to GDAL): the unprivileged system user the web
    # workers run as; created when missing, owns the data directory (except the cluster's).
    service_user: str = "featuresvc"

    # Memory and CPU bounds (security). A zip (file bucket archive, attachment/description
    # import, GIS import) may expand to at most archive_max_size bytes in all, hold at most
    # archive_max_members members, and (above 64 MiB of content) expand at most
    # archive_max_ratio times its own size.
    archive_max_size: int = 16 * 1024 ** 3
    archive_max_ratio: int = 200
    archive_max_members: int = 100_000
    # Thumbnails of images with more pixels than this are refused (422) before decoding.
    max_image_pixels: int = 40_000_000
    # Thumbnails decoded at the same time per worker process (the rest wait their turn).
    thumbnail_concurrency: int = 2

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).expanduser().resolve()

    @property
    def uses_private_cluster(self) -> bool:
        return not self.database_url

    # -- Sessions, cookies and running behind a proxy (security) --------------------------------
    # Always mark the session cookie Secure (it is anyway when the request came over https).
    session_cookie_secure: bool = False
    # Origins, besides the server's own, allowed to send cookie-authenticated writes and logins
    # (comma-separated, e.g. "https://app.example.org").
    csrf_trusted_origins: str = ""
    # Proxies (addresses or CIDRs, comma-separated) whose X-Forwarded-For/-Proto/-Host count.
    trusted_proxies: str = ""
    # Failed logins allowed per login and per client address within the window (seconds);
    # past either limit the caller gets 429 until the window has passed.
    login_throttle_login_failures: int = 10
    login_throttle_address_failures: int = 50
    login_throttle_window: int = 15 * 60

    @cached_property
    def trusted_proxy_networks(self) -> tuple[IPNetwork, ...]:
        return tuple(ipaddress.ip_network(item, strict=False)
                     for item in _items(self.trusted_proxies))

    @cached_property
    def csrf_origins(self) -> frozenset[str]:
        return frozenset(normalize_origin(item) for item in _items(self.csrf_trusted_origins))


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _items(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


def normalize_origin(origin: str) -> str:
    """``scheme://host[:port]`` in lower case without the scheme's default port, as browsers
    send it in ``Origin``; raises ValueError for anything else."""
    parts = urlsplit(origin.strip())
    scheme, host = parts.scheme.lower(), (parts.hostname or "")
    if scheme not in _DEFAULT_PORTS or not host or parts.path.strip("/") or parts.query \
            or parts.username is not None:
        raise ValueError(f"not an http(s) origin: {origin!r}")
    port = parts.port
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    return f"{scheme}://{netloc}"


def _check_security(settings: Settings) -> None:
    try:
        settings.trusted_proxy_networks  # noqa: B018 - parsed for validation
    except ValueError as exc:
        raise ConfigError(f"Setting 'trusted_proxies': {exc}.") from None
    try:
        settings.csrf_origins  # noqa: B018 - parsed for validation
    except ValueError as exc:
        raise ConfigError(f"Setting 'csrf_trusted_origins': {exc}.") from None
    for name in ("login_throttle_login_failures", "login_throttle_address_failures",
                 "login_throttle_window"):
        if getattr(settings, name) < 1:
            raise ConfigError(f"Setting '{name}' must be at least 1, got "
                              f"{getattr(settings, name)}.")


def _coerce(name: str, raw: Any, target: type) -> Any:
    if not isinstance(raw, str):
        return raw
    if target is bool:
        if raw.strip().lower() in ("1", "true", "yes", "on"):
            return True
        if raw.strip().lower() in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"Setting '{name}' must be true or false, got {raw!r}.")
    if target is int:
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"Setting '{name}' must be an integer, got {raw!r}.") from None
    return raw


def load_settings(
    config_file: str | os.PathLike | None = None,
    env: dict[str, str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> Settings:
    """Build the settings in the documented order of precedence."""
    env = dict(os.environ if env is None else env)
    types = {f.name: {"int": int, "bool": bool}.get(str(f.type), str) for f in fields(Settings)}
    values: dict[str, Any] = {}

    config_file = config_file or env.get(ENV_PREFIX + "CONFIG")
    if config_file:
        parser = configparser.ConfigParser()
        if not parser.read(config_file):
            raise ConfigError(f"Config file {config_file} cannot be read.")
        if parser.has_section(SECTION):
            for key, value in parser.items(SECTION):
                if key not in types:
                    raise ConfigError(f"Unknown setting '{key}' in {config_file}.")
                values[key] = value
    for name in types:
        if ENV_PREFIX + name.upper() in env:
            values[name] = env[ENV_PREFIX + name.upper()]
    values.update(overrides or {})

    unknown = set(values) - set(types)
    if unknown:
        raise ConfigError(f"Unknown settings: {', '.join(sorted(unknown))}.")
    settings = replace(Settings(), **{k: _coerce(k, v, types[k]) for k, v in values.items()})
    if settings.workers < 1 or settings.threads < 1:
        raise ConfigError("Settings 'workers' and 'threads' must be at least 1.")
    if settings.upload_max_size < 0 or settings.upload_lifetime < 0 \
            or settings.cleanup_interval < 0:
        raise ConfigError("Settings 'upload_max_size', 'upload_lifetime' and "
                          "'cleanup_interval' must not be negative.")
    _check_security(settings)
    if not settings.service_user or settings.service_user == "root":
        raise ConfigError("Setting 'service_user' must name an unprivileged user.")
    bounds = ("archive_max_size", "archive_max_ratio", "archive_max_members",
              "max_image_pixels", "thumbnail_concurrency", "max_json_body")
    if any(getattr(settings, name) < 1 for name in bounds):
        raise ConfigError(f"Settings {', '.join(repr(n) for n in bounds)} must be at least 1.")
    return settings
