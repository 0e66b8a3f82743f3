"""Thumbnails (``…/attachment/{aid}/image?size=WxH[&crop=true]``), rendered once and kept as
stored files keyed by (source file, width, height, crop): later requests send the stored
file (with its ETag) instead of decoding the photo again. They go with their source file
(see service.release)."""

from __future__ import annotations

import re

from sqlalchemy import Connection

from .. import file_storage
from ..errors import ValidationError
from ..file_storage import FileRef
from . import image, store
from .exceptions import AttachmentNotImage, ImageTooLarge, NotAnImage, TooManyPixels
from .service import COMPONENT
from .store import Attachment

_SIZE = re.compile(r"^(\d{1,5})x(\d{1,5})$")


def parse_size(value: str | None) -> tuple[int, int] | None:
    """``WxH`` (each 1..4096), or None when absent; else 422 naming the parameter."""
    if value is None or value == "":
        return None
    match = _SIZE.match(value.strip().lower())
    if match is None or not all(0 < int(v) <= image.MAX_SIDE for v in match.groups()):
        raise ValidationError(f"Invalid size '{value}': expected WxH with each side between 1 "
                              f"and {image.MAX_SIDE}, e.g. 300x200.",
                              data={"location": ["query", "size"]})
    return int(match[1]), int(match[2])


def require_image(att: Attachment) -> None:
    if not att.mime_type.startswith("image/"):
        raise AttachmentNotImage(att.id, att.mime_type)


def source(conn: Connection, att: Attachment) -> FileRef:
    ref = file_storage.get(conn, att.fileobj_id)
    if ref is None:  # the row was deleted by a transaction that committed meanwhile
        raise AttachmentNotImage(att.id, att.mime_type)
    return ref


def thumbnail(conn: Connection, att: Attachment, width: int, height: int, crop: bool,
              limits: image.RenderLimits, *, keep: bool = True) -> FileRef | image.Rendered:
    """The stored thumbnail, rendering and storing it on first use. Returns the rendered
    bytes themselves when they are not kept: ``keep=False`` (anonymous reads never write)
    or the source went meanwhile."""
    require_image(att)
    cached = store.thumbnail(conn, att.fileobj_id, width, height, crop)
    if cached is not None and (ref := file_storage.get(conn, cached)) is not None:
        return ref
    try:
        rendered = image.thumbnail(file_storage.local_path(source(conn, att)), width, height,
                                   crop, limits)
    except NotAnImage:
        raise AttachmentNotImage(att.id, att.mime_type) from None
    except TooManyPixels as exc:
        raise ImageTooLarge(att.id, str(exc), exc.limit) from None
    if not keep:
        return rendered
    ref = file_storage.write_stream(conn, [rendered.data], component=COMPONENT,
                                    mime_type=rendered.mime_type)
    if store.add_thumbnail(conn, att.fileobj_id, width, height, crop, ref.id):
        return ref
    file_storage.delete(conn, [ref.id])  # a parallel request won, or the source is gone
    winner = store.thumbnail(conn, att.fileobj_id, width, height, crop)
    found = file_storage.get(conn, winner) if winner is not None else None
    return found if found is not None else rendered
