"""One progress bar style for the command line (import and export): tqdm on stderr, shown
only when stderr is a terminal, so logs and pipes get no control characters."""

from __future__ import annotations

import sys

from tqdm import tqdm


def progress_bar(total: int | None, desc: str, quiet: bool = False) -> tqdm:
    return tqdm(total=total, desc=desc, unit=" features", unit_scale=True, file=sys.stderr,
                disable=quiet or not sys.stderr.isatty(), dynamic_ncols=True)
