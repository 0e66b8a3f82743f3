"""Which featuresvc instance a command works on.

``featuresvc serve`` from a clone keeps its cluster in ``./data``; a later ``featuresvc
import`` run from another directory must reach that instance, not quietly start a second
one. When neither ``--config``/``FEATURESVC_CONFIG`` nor ``FEATURESVC_DATA_DIR`` or
``FEATURESVC_DATABASE_URL`` says where the instance is, it is looked for: a ``featuresvc.ini``
or a ``data/`` directory holding an instance, in the current directory and its parents, then
the ``data/`` of the source checkout the command runs from.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .config import ENV_PREFIX

CONFIG_NAME = "featuresvc.ini"
DATA_NAME = "data"
#: The source checkout (``run.sh serve`` keeps its instance in ``<checkout>/data``).
CHECKOUT = Path(__file__).resolve().parent.parent


class InstanceNotFound(RuntimeError):
    """No instance where one was looked for; the message says where, in one line."""


@dataclass(frozen=True)
class Located:
    """Where the settings come from: a config file, a data directory, or neither."""

    config_file: str | None = None
    data_dir: str | None = None


def is_instance(data_dir: Path) -> bool:
    """A data directory some ``featuresvc serve`` has set up (its cluster or password)."""
    return (data_dir / "pg" / "PG_VERSION").is_file() or (data_dir / "admin_password").is_file()


def explicit(config_file: str | None, env: Mapping[str, str]) -> bool:
    return bool(config_file or env.get(ENV_PREFIX + "CONFIG")
                or env.get(ENV_PREFIX + "DATA_DIR") or env.get(ENV_PREFIX + "DATABASE_URL"))


def candidates(cwd: Path) -> list[Path]:
    """The directories searched, in order."""
    found = [cwd, *cwd.parents]
    if CHECKOUT not in found:
        found.append(CHECKOUT)
    return found


def locate(config_file: str | None = None, env: Mapping[str, str] | None = None,
           cwd: Path | None = None) -> Located:
    """The instance to use; an empty :class:`Located` when nothing was found."""
    env = os.environ if env is None else env
    if explicit(config_file, env):
        return Located(config_file=config_file)
    for folder in candidates(cwd or Path.cwd()):
        if (folder / CONFIG_NAME).is_file():
            return Located(config_file=str(folder / CONFIG_NAME))
        if is_instance(folder / DATA_NAME):
            return Located(data_dir=str(folder / DATA_NAME))
    return Located()


def not_found_message(cwd: Path | None = None) -> str:
    """One line: where the instance was looked for and how to point at one."""
    places = ", ".join(str(p) for p in candidates(cwd or Path.cwd()))
    return (f"no featuresvc instance found (looked for {CONFIG_NAME} or {DATA_NAME}/ in "
            f"{places}); start one with 'featuresvc serve', or name it with --config, "
            f"FEATURESVC_CONFIG or FEATURESVC_DATA_DIR")
