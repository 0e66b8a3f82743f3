"""The one guarded zip reader: every zip a client sends (file bucket archive, attachment and
description import, GIS import source) goes through it.

Limits are checked from the end record and the central directory before anything is
extracted (member count, name length, encryption, compression method, total uncompressed
size, expansion ratio, members overlapping each other), and re-checked while members stream
out, so a lying header cannot get past them. Every zip problem becomes one
:class:`ArchiveError` (422) naming the archive's field, or :class:`ArchiveTooLarge` (413).
"""

from __future__ import annotations

import lzma
import os
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import IO, Any

from .config import Settings
from .errors import ValidationError

#: Members may be stored, deflated, bzip2- or LZMA-compressed (what zipfile decodes).
METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)
#: Longest member name, in characters.
MAX_NAME = 1024
#: Content up to this size may expand as much as it likes (small text compresses well).
RATIO_FLOOR = 64 * 1024 * 1024
#: The central directory is read whole into memory: at most this much per member on average
#: (46 fixed bytes, a name, extra fields, a comment), or this much in all for small archives.
_ENTRY_AVERAGE = 2048
_DIRECTORY_FLOOR = 64 * 1024 * 1024
#: What zipfile and its decompressors raise on a damaged or unsupported archive.
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError,
              RuntimeError, zlib.error, lzma.LZMAError, OSError, ValueError)


@dataclass(frozen=True)
class Limits:
    max_size: int
    max_ratio: int
    max_members: int
    max_name: int = MAX_NAME

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(settings.archive_max_size, settings.archive_max_ratio,
                   settings.archive_max_members)


def current_limits() -> Limits:
    """The limits of the request or command at work (the defaults outside one, e.g. in a
    script)."""
    from .scope import current_or_none

    current = current_or_none()
    return Limits.of(current.settings if current is not None else Settings())


class ArchiveError(ValidationError):
    title = "Invalid archive"

    def __init__(self, message: str, location: list[str], **data: Any) -> None:
        super().__init__(message, data={"location": location, **data})


class ArchiveTooLarge(ArchiveError):
    status_code = 413
    title = "Archive content too large"


def _short(name: str) -> str:
    return name if len(name) <= 100 else name[:100] + "…"


def check(zf: zipfile.ZipFile, archive_size: int, limits: Limits, location: list[str]
          ) -> list[zipfile.ZipInfo]:
    """The archive's files (directories left out) once its central directory passes every
    limit; raises ArchiveError / ArchiveTooLarge."""
    infos = zf.infolist()
    if len(infos) > limits.max_members:
        raise ArchiveError(f"The archive has {len(infos)} members, more than the maximum of "
                           f"{limits.max_members}.", location)
    total = compressed = 0
    for info in infos:
        name = info.filename
        if len(name) > limits.max_name:
            raise ArchiveError(f"The name of archive member '{_short(name)}' is longer than "
                               f"{limits.max_name} characters.", location)
        if info.flag_bits & 0x1:
            raise ArchiveError(f"Archive member '{_short(name)}' is encrypted.", location)
        if info.compress_type not in METHODS:
            raise ArchiveError(f"Archive member '{_short(name)}' uses unsupported "
                               f"compression method {info.compress_type}.", location)
        total += info.file_size
        compressed += info.compress_size
    if total > limits.max_size:
        raise ArchiveTooLarge(f"The archive content ({total} bytes) is larger than the "
                              f"maximum of {limits.max_size} bytes.", location,
                              max_size=limits.max_size)
    if compressed > archive_size:
        raise ArchiveError("The archive's members overlap each other.", location)
    if total > RATIO_FLOOR and total > limits.max_ratio * max(archive_size, 1):
        raise ArchiveError(f"The archive expands {total // max(archive_size, 1)} times, more "
                           f"than the maximum ratio of {limits.max_ratio}.", location)
    return [i for i in infos if not i.is_dir()]


def _precheck(fh: IO[bytes], size: int, limits: Limits, location: list[str]) -> None:
    """Refuse a huge central directory from the end record, before zipfile parses it."""
    endrec = zipfile._EndRecData(fh)  # noqa: SLF001 - zipfile has no public reader for it
    if endrec is None:
        raise ArchiveError("Invalid ZIP archive: the file is not a valid ZIP archive (it has "
                           "no end of central directory record).", location)
    entries = endrec[zipfile._ECD_ENTRIES_TOTAL]  # noqa: SLF001
    cd_size = endrec[zipfile._ECD_SIZE]  # noqa: SLF001
    if entries > limits.max_members:
        raise ArchiveError(f"The archive has {entries} members, more than the maximum of "
                           f"{limits.max_members}.", location)
    if cd_size > max(entries * _ENTRY_AVERAGE, _DIRECTORY_FLOOR) or cd_size > size:
        raise ArchiveError("The archive's central directory is malformed.", location)


class Member:
    """A member's bytes as a stream; counts what comes out against the archive's limits."""

    def __init__(self, archive: Archive, info: zipfile.ZipInfo) -> None:
        self._archive, self.info = archive, info
        self._left = info.file_size
        try:
            self._raw = archive.zf.open(info)
        except ZIP_ERRORS as exc:
            raise archive.error(info, exc) from None

    def read(self, size: int = -1) -> bytes:
        try:
            data = self._raw.read(size)
        except ZIP_ERRORS as exc:
            raise self._archive.error(self.info, exc) from None
        self._left -= len(data)
        if self._left < 0:
            raise ArchiveError(f"Archive member '{_short(self.info.filename)}' is larger "
                               "than its header says.", self._archive.location)
        self._archive.count(self.info, self.info.file_size - self._left)
        return data

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> Member:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Archive:
    """An opened, checked zip: ``members`` (files only), ``open``/``read`` them."""

    def __init__(self, zf: zipfile.ZipFile, members: list[zipfile.ZipInfo], limits: Limits,
                 location: list[str]) -> None:
        self.zf, self.members, self.limits, self.location = zf, members, limits, location
        self._out = 0
        self._seen: dict[int, int] = {}

    def error(self, info: zipfile.ZipInfo, exc: BaseException) -> ArchiveError:
        return ArchiveError(f"Archive member '{_short(info.filename)}' cannot be read: "
                            f"{exc}.", self.location)

    def count(self, info: zipfile.ZipInfo, position: int) -> None:
        """Count a member's bytes once, however often it is read (hashed, then stored)."""
        seen = self._seen.get(id(info), 0)
        if position <= seen:
            return
        self._seen[id(info)] = position
        self._out += position - seen
        if self._out > self.limits.max_size:
            raise ArchiveTooLarge(f"The archive content is larger than the maximum of "
                                  f"{self.limits.max_size} bytes.", self.location,
                                  max_size=self.limits.max_size)

    def open(self, info: zipfile.ZipInfo) -> Member:
        return Member(self, info)

    def read(self, info: zipfile.ZipInfo, max_size: int | None = None) -> bytes:
        """A whole member in memory; ``max_size`` (from the header, then while reading)
        keeps that bounded."""
        if max_size is not None and info.file_size > max_size:
            raise ArchiveTooLarge(f"Archive member '{_short(info.filename)}' is larger than "
                                  f"the maximum of {max_size} bytes.", self.location,
                                  max_size=max_size)
        with self.open(info) as member:
            return member.read()


@contextmanager
def open_zip(fh: IO[bytes] | str | os.PathLike, location: list[str],
             limits: Limits | None = None) -> Iterator[Archive]:
    """Open and check a zip (an open binary file or a path); 422/413 on any problem. Only
    opening and checking are guarded here: members' reads are guarded by :class:`Member`,
    so errors of the caller's own work inside the block pass through unchanged."""
    limits = limits or current_limits()
    with ExitStack() as stack:
        if isinstance(fh, str | os.PathLike):
            fh = stack.enter_context(open(fh, "rb"))  # noqa: SIM115 - closed by the stack
        try:
            size = fh.seek(0, os.SEEK_END)
            _precheck(fh, size, limits, location)
            zf = stack.enter_context(zipfile.ZipFile(fh))
            members = check(zf, size, limits, location)
        except ZIP_ERRORS as exc:
            raise ArchiveError("Invalid ZIP archive: the file is not a valid ZIP archive "
                               f"({exc}).", location) from None
        yield Archive(zf, members, limits, location)


def check_path(path: str | os.PathLike, location: list[str],
               limits: Limits | None = None) -> None:
    """Check a zip another reader (GDAL's /vsizip/) will open."""
    with open_zip(path, location, limits):
        pass
