"""The `featuresvc` command: users, migrations, and a second independent instance."""

import os
import re
import socket
import stat
import subprocess
import sys

import pytest
import requests

from .util import running_server

CLI = [sys.executable, "-m", "featuresvc.cli"]


def run_cli(args, env, **kw):
    return subprocess.run(CLI + args, env=env, capture_output=True, text=True, timeout=120, **kw)


def test_user_commands_and_upgrade(server, test_settings):
    env = {**os.environ, "FEATURESVC_DATABASE_URL": server.database_url,
           "FEATURESVC_DATA_DIR": str(test_settings.data_path)}
    out = run_cli(["user", "create", "Cli_User", "--password", "pw-1", "--admin"], env)
    assert out.returncode == 0, out.stderr
    me = requests.get(server.url + "/api/component/auth/current_user", auth=("cli_user", "pw-1"))
    assert me.json()["keyname"] == "Cli_User"
    assert run_cli(["user", "passwd", "cli_user", "--password", "pw-2"], env).returncode == 0
    assert requests.get(server.url + "/api/resource/0", auth=("cli_user", "pw-2")).ok
    listing = run_cli(["user", "list"], env).stdout
    assert re.search(r"Cli_User .* admin", listing)
    dup = run_cli(["user", "create", "CLI_USER", "--password", "x"], env)
    assert dup.returncode != 0 and "not unique" in dup.stderr
    for _ in range(2):
        upgrade = run_cli(["db", "upgrade"], env)
        assert upgrade.returncode == 0 and "up to date" in upgrade.stdout


def test_second_instance_with_own_data_dir(server, tmp_path):
    data = tmp_path / "second"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEATURESVC_")}
    env.update({"FEATURESVC_DATA_DIR": str(data), "FEATURESVC_PG_PORT": "5439"})
    log = tmp_path / "second.log"
    try:
        with running_server(env, log, ("--workers", "1")) as (url, _, _):
            pw_file = data / "admin_password"
            assert stat.S_IMODE(pw_file.stat().st_mode) == 0o600
            password = pw_file.read_text().strip()
            assert f"generated password for 'administrator': {password}" in log.read_text()
            root = requests.get(url + "/api/resource/0", auth=("administrator", password))
            assert root.json()["resource"]["id"] == 0
            # The first instance is untouched and still answers with its own password.
            assert requests.get(server.url + "/api/component/pyramid/healthcheck").json()["success"]
            status = run_cli(["pg", "status"], env)
            assert status.returncode == 0 and str(data) in status.stdout
    finally:
        run_cli(["pg", "stop"], env)
    assert run_cli(["pg", "status"], env).returncode == 3


def _bare_env():
    """The environment of a new user's shell: no FEATURESVC_* variable at all."""
    return {k: v for k, v in os.environ.items() if not k.startswith("FEATURESVC_")}


def _one_error_line(out) -> str:
    lines = out.stderr.strip().splitlines()
    assert out.returncode != 0 and len(lines) == 1, out.stderr
    assert "Traceback" not in out.stderr
    return lines[0]


def test_commands_without_an_instance_create_nothing(tmp_path):
    from featuresvc.instance import CHECKOUT, is_instance

    if is_instance(CHECKOUT / "data"):
        pytest.skip("this checkout has a ./data instance, which commands rightly find")
    work = tmp_path / "elsewhere" / "maps"
    work.mkdir(parents=True)
    (work / "parks.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    for args in (["import", "parks.geojson", "--parent", "0"], ["user", "list"],
                 ["db", "upgrade"], ["cleanup"], ["export", "1", "-f", "gpkg", "-o", "x.gpkg"],
                 ["user", "create", "bob", "--password", "pw"]):
        line = _one_error_line(run_cli(args, _bare_env(), cwd=work))
        assert "no featuresvc instance found" in line and str(work) in line, line
    assert sorted(p.name for p in work.iterdir()) == ["parks.geojson"]
    assert not (tmp_path / "elsewhere" / "data").exists()


def test_explicit_empty_data_dir_is_refused(tmp_path):
    env = {**_bare_env(), "FEATURESVC_DATA_DIR": str(tmp_path / "empty")}
    line = _one_error_line(run_cli(["user", "list"], env, cwd=tmp_path))
    assert f"no featuresvc instance in {tmp_path / 'empty'}" in line
    assert not (tmp_path / "empty" / "pg").exists()


def test_instance_found_from_a_subdirectory(server, test_settings, tmp_path):
    # A featuresvc.ini in a parent directory ...
    project = tmp_path / "project"
    (project / "layers" / "2026").mkdir(parents=True)
    (project / "featuresvc.ini").write_text(
        f"[featuresvc]\ndata_dir = {test_settings.data_path}\n"
        f"database_url = {server.database_url}\n")
    out = run_cli(["user", "list"], _bare_env(), cwd=project / "layers" / "2026")
    assert out.returncode == 0, out.stderr
    assert re.search(r"administrator", out.stdout)
    # ... or a data/ directory holding an instance.
    site = tmp_path / "site"
    (site / "work").mkdir(parents=True)
    (site / "data").symlink_to(test_settings.data_path)
    out = run_cli(["pg", "status"], _bare_env(), cwd=site / "work")
    # Without the search it would look at site/work/data and say "not running" (exit 3).
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"running ({test_settings.data_path / 'pg'})" in out.stdout


def test_bad_login_is_the_api_message_in_one_line(server, test_settings, admin):
    env = {**os.environ, "FEATURESVC_DATABASE_URL": server.database_url,
           "FEATURESVC_DATA_DIR": str(test_settings.data_path)}
    line = _one_error_line(run_cli(["user", "create", "bad login!", "--password", "x"], env))
    api = admin.post("/api/component/auth/user/",
                     json={"keyname": "bad login!", "password": "x"})
    assert api.status_code == 422
    assert line == f"Error: {api.json()['message']}"
    assert "argon2" not in line


def test_second_serve_on_a_busy_port_says_so_once(test_settings, tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {**_bare_env(), "FEATURESVC_DATA_DIR": str(tmp_path / "unused")}
        line = _one_error_line(run_cli(["serve", "--port", str(port)], env, cwd=tmp_path))
    assert line == f"Error: port {port} is in use on 127.0.0.1"
    assert not (tmp_path / "unused").exists()


def test_usage_errors_are_one_line():
    line = _one_error_line(run_cli(["export", "1"], _bare_env()))
    assert "Missing option '-f' / '--format'" in line and "--help" in line


def test_every_command_and_option_has_help():
    import click

    from featuresvc.cli import main

    def walk(command, path):
        yield path, command
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, f"{path} {name}")

    for path, command in walk(main, "featuresvc"):
        assert (command.help or "").strip(), f"'{path}' has no help"
        for param in command.params:
            if isinstance(param, click.Option):
                assert (param.help or "").strip(), f"'{path} {param.opts[0]}' has no help"
                if not param.is_flag and not param.required and param.default is None \
                        and not param.prompt:
                    assert "default" in param.help.lower(), \
                        f"'{path} {param.opts[0]}' does not say its default"
