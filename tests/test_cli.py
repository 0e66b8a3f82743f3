"""The `featuresvc` command: users, migrations, and a second independent instance."""

import os
import re
import stat
import subprocess
import sys

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
