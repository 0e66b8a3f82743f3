"""The sessions/proxy/throttle settings: parsed and validated once, bad values named."""

from __future__ import annotations

import pytest

from featuresvc.config import ConfigError, load_settings

from ..util import ROOT


def test_example_ini_holds_the_defaults():
    example = load_settings(config_file=ROOT / "config.example.ini", env={})
    assert (example.session_cookie_secure, example.csrf_trusted_origins,
            example.trusted_proxies) == (False, "", "")
    assert (example.login_throttle_login_failures, example.login_throttle_address_failures,
            example.login_throttle_window) == (10, 50, 900)


def test_values_are_parsed():
    settings = load_settings(env={
        "FEATURESVC_SESSION_COOKIE_SECURE": "yes",
        "FEATURESVC_TRUSTED_PROXIES": " 127.0.0.1, 10.0.0.0/8 ,::1",
        "FEATURESVC_CSRF_TRUSTED_ORIGINS": "HTTPS://App.Example.org:443/, http://x.example:81"})
    assert settings.session_cookie_secure is True
    assert [str(n) for n in settings.trusted_proxy_networks] == [
        "127.0.0.1/32", "10.0.0.0/8", "::1/128"]
    assert settings.csrf_origins == {"https://app.example.org", "http://x.example:81"}


@pytest.mark.parametrize(("name", "value"), [
    ("session_cookie_secure", "maybe"),
    ("trusted_proxies", "10.0.0.0/33"),
    ("trusted_proxies", "proxy.example"),
    ("csrf_trusted_origins", "app.example.org"),
    ("csrf_trusted_origins", "https://app.example.org/path"),
    ("csrf_trusted_origins", "ftp://app.example.org"),
    ("login_throttle_window", "0"),
    ("login_throttle_login_failures", "ten"),
])
def test_bad_values_are_refused(name, value):
    with pytest.raises(ConfigError) as err:
        load_settings(env={f"FEATURESVC_{name.upper()}": value})
    assert name in str(err.value)
