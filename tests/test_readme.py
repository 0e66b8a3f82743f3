"""The curl examples in README's "Using the API" section run as written."""

import os
import re
import subprocess
from pathlib import Path

import pytest

from .conftest import ADMIN_PASSWORD

README = Path(__file__).resolve().parent.parent / "README.md"


def _examples() -> list[str]:
    text = README.read_text()
    section = text.split("## Using the API", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, flags=re.S)


def test_readme_has_examples():
    assert len(_examples()) >= 3


@pytest.mark.parametrize("index", range(len(_examples())))
def test_readme_example_runs(server, index, tmp_path):
    script = _examples()[index].replace("http://127.0.0.1:8080", server.url)
    # Any HTTP error fails the example: curl --fail-with-body, and bash -e.
    prelude = 'curl() { command curl --fail-with-body -sS "$@"; echo; }\n'
    proc = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", prelude + script],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PW": ADMIN_PASSWORD},
    )
    assert proc.returncode == 0, f"example {index} failed:\n{script}\n{proc.stdout}\n{proc.stderr}"
    assert "status_code" not in proc.stdout
