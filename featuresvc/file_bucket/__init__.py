"""File buckets (NGW plugin ``nextgisweb_file_bucket``): named files kept in a resource."""

from __future__ import annotations

from ..registry import Registry


def setup(registry: Registry) -> None:
    """The class, its ``file_bucket`` section and its export (a zip of the files)."""
    from .api import export
    from .section import FILE_BUCKET, FileBucketSection

    registry.add_resource_class(FILE_BUCKET)
    registry.add_section(FileBucketSection())
    registry.add_export(FILE_BUCKET.identity, export)
