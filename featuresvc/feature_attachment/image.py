"""Pillow work on attachment files: EXIF metadata, HEIC to JPEG, thumbnails.

Nothing here touches the database or HTTP. Decoding errors are the plain NotAnImage and
TooManyPixels (exceptions.py) the service maps to its 422s; RendererBusy is the 503 itself.
HEIC/HEIF decoding comes from ``pillow-heif`` (a PyPI wheel bundling libheif); when it is
not importable, HEIC files are stored as they are and are not images for the thumbnailer.
"""

from __future__ import annotations

import io
import re
import threading
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

from .exceptions import NotAnImage, RendererBusy, TooManyPixels

try:  # optional: HEIC support
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF = True
except ImportError:  # pragma: no cover - depends on the installation
    HEIF = False

HEIC_TYPES = ("image/heic", "image/heif", "image/heic-sequence", "image/heif-sequence")
#: Thumbnail sides above this are refused (a thumbnail, not an upscaler).
MAX_SIDE = 4096
EXIF_IFD = 0x8769
DATETIME_ORIGINAL = 36867
ORIENTATION = 0x0112

#: Errors meaning "these bytes are not an image we can decode".
IMAGE_ERRORS = (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError,
                SyntaxError, EOFError)


#: Seconds a thumbnail request waits for a free render slot before a 503.
SLOT_WAIT = 60
_PILLOW_PIXELS = re.compile(r"\((\d+) pixels\)")
_slots: dict[int, threading.BoundedSemaphore] = {}
_slots_lock = threading.Lock()


@dataclass(frozen=True)
class RenderLimits:
    max_pixels: int
    concurrency: int


def _slot(concurrency: int) -> threading.BoundedSemaphore:
    """This process's render slots: a burst of thumbnail requests decodes at most
    ``concurrency`` images at a time instead of one per thread."""
    with _slots_lock:
        return _slots.setdefault(concurrency, threading.BoundedSemaphore(concurrency))


def _open_bounded(path: Path | BinaryIO, max_pixels: int,
                  box: tuple[int, int] | None = None) -> Image.Image:
    """Open lazily (header only) and refuse before decoding when there are too many
    pixels to decode; Pillow's own bomb check (over ~179 MP) is reported the same way.
    A JPEG decodes at 1/2, 1/4 or 1/8 scale when ``box`` is that small (the draft mode), so
    its limit applies to the drafted size: a 48 MP phone photo still has thumbnails."""
    try:
        img = _open(path, bomb=True)
    except Image.DecompressionBombError as exc:
        found = _PILLOW_PIXELS.search(str(exc))
        raise TooManyPixels(int(found[1]) if found else None, max_pixels) from None
    if box is not None and img.format == "JPEG":
        img.draft("RGB", _target_size(img, *box))
    if img.width * img.height > max_pixels:
        size = img.size
        img.close()
        raise TooManyPixels(size[0] * size[1], max_pixels, size)
    return img


def _open(path: Path | BinaryIO, *, bomb: bool = False) -> Image.Image:
    """Pillow's own limit applies: images over twice ``Image.MAX_IMAGE_PIXELS`` (~179 MP)
    are refused as decompression bombs (re-raised with ``bomb``, for the caller to report);
    reading metadata of large camera photos below it is fine."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            return Image.open(path)
        except Image.DecompressionBombError:
            if bomb:
                raise
            raise NotAnImage("too many pixels") from None
        except IMAGE_ERRORS as exc:
            raise NotAnImage(str(exc)) from None


def _timestamp(exif: Image.Exif) -> str | None:
    value = exif.get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL)
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S").isoformat()
    except ValueError:
        return None


def file_meta(path: Path) -> dict[str, Any] | None:
    """``file_meta`` of an image: ``timestamp`` from EXIF DateTimeOriginal (naive ISO, as
    the camera wrote it); None when there is nothing to tell or the file is no image."""
    try:
        with _open(path) as img:
            stamp = _timestamp(img.getexif())
    except (NotAnImage, *IMAGE_ERRORS):
        return None
    return {"timestamp": stamp} if stamp else None


def heic_to_jpeg(path: Path | BinaryIO, max_pixels: int) -> bytes | None:
    """JPEG bytes of a HEIC/HEIF image (EXIF kept, orientation already applied by libheif),
    or None when HEIC support is not installed, the file does not decode or has more than
    ``max_pixels`` (then it is kept as it is)."""
    if not HEIF:
        return None
    try:
        with _open_bounded(path, max_pixels) as img:
            exif = img.getexif()
            exif[ORIENTATION] = 1
            out = io.BytesIO()
            img.convert("RGB").save(out, "JPEG", quality=90, exif=exif.tobytes())
            return out.getvalue()
    except (NotAnImage, TooManyPixels, *IMAGE_ERRORS):
        return None


@dataclass(frozen=True)
class Rendered:
    data: bytes
    mime_type: str


def _target_size(img: Image.Image, width: int, height: int) -> tuple[int, int]:
    """The requested box in the file's stored orientation (for the JPEG draft decoder)."""
    if img.getexif().get(ORIENTATION) in (5, 6, 7, 8):
        return height, width
    return width, height


def thumbnail(path: Path, width: int, height: int, crop: bool, limits: RenderLimits
              ) -> Rendered:
    """An EXIF-rotated thumbnail: within WxH keeping the aspect ratio (never enlarged), or
    exactly WxH cut from the centre with ``crop``. JPEG out, PNG when the image has
    transparency or is a PNG. The pixel limit is checked from the header, and at most
    ``limits.concurrency`` renders run at once in this process. Raises NotAnImage,
    TooManyPixels, RendererBusy."""
    slot = _slot(limits.concurrency)
    if not slot.acquire(timeout=SLOT_WAIT):
        raise RendererBusy()
    try:
        return _render(path, width, height, crop, limits.max_pixels)
    finally:
        slot.release()


def _render(path: Path, width: int, height: int, crop: bool, max_pixels: int) -> Rendered:
    try:
        with _open_bounded(path, max_pixels, (width, height)) as img:
            source_format = img.format
            img.load()
            img = ImageOps.exif_transpose(img)
            if crop:
                img = ImageOps.fit(img, (width, height), Image.Resampling.LANCZOS)
            else:
                img.thumbnail((width, height), Image.Resampling.LANCZOS)
            return _encode(img, source_format)
    except IMAGE_ERRORS as exc:
        raise NotAnImage(str(exc)) from None


def _encode(img: Image.Image, source_format: str | None) -> Rendered:
    alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
    out = io.BytesIO()
    if alpha or source_format == "PNG":
        if img.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            img = img.convert("RGBA" if alpha else "RGB")
        img.save(out, "PNG", optimize=True)
        return Rendered(out.getvalue(), "image/png")
    if img.mode != "RGB":
        img = img.convert("RGB")
    img.save(out, "JPEG", quality=85)
    return Rendered(out.getvalue(), "image/jpeg")
