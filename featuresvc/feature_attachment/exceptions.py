"""Errors of the feature_attachment component (NGW class names as the last dotted part)."""

from __future__ import annotations

from ..errors import ServiceError, ValidationError

COMPONENT = "feature_attachment"


class NotAnImage(Exception):
    """Bytes Pillow cannot decode (image.py); the service answers AttachmentNotImage."""


class TooManyPixels(Exception):
    """An image whose header claims more pixels than decoding is allowed for (image.py);
    the service answers ImageTooLarge."""

    def __init__(self, pixels: int | None, limit: int, size: tuple[int, int] | None = None):
        dims = f"{size[0]}x{size[1]} = " if size else ""
        shown = f"{dims}{pixels} pixels" if pixels is not None else "more pixels"
        super().__init__(f"The image has {shown}, more than the maximum of {limit} pixels.")
        self.pixels, self.limit = pixels, limit


class BadItem(ValueError):
    """An attachment item of the wrong shape; callers add where it was."""


class AttachmentNotFound(ServiceError):
    status_code = 404
    title = "Attachment not found"
    component = COMPONENT

    def __init__(self, resource_id: int, feature_id: int, attachment_id: object):
        super().__init__(
            f"Attachment with id = {attachment_id} was not found in feature with id = "
            f"{feature_id} of resource id = {resource_id}.",
            data={"resource_id": resource_id, "feature_id": feature_id,
                  "attachment_id": attachment_id})


class AttachmentNotImage(ValidationError):
    """``image`` of an attachment Pillow cannot decode (spec "Bad input": 422)."""

    title = "Attachment is not an image"
    component = COMPONENT

    def __init__(self, attachment_id: int, mime_type: str):
        super().__init__(f"Attachment with id = {attachment_id} ({mime_type}) is not an "
                         "image that can be rendered.",
                         data={"attachment_id": attachment_id, "mime_type": mime_type})


class ImageTooLarge(ValidationError):
    """A thumbnail of an image with more pixels than ``max_image_pixels``: refused from the
    header, before decoding."""

    title = "Image too large"
    component = COMPONENT

    def __init__(self, attachment_id: int, reason: str, limit: int):
        super().__init__(f"Attachment with id = {attachment_id}: {reason}",
                         data={"attachment_id": attachment_id, "max_pixels": limit})


class RendererBusy(ServiceError):
    """Every render slot of this worker stayed taken for image.SLOT_WAIT seconds."""

    status_code = 503
    title = "Too many thumbnails being rendered"
    component = COMPONENT

    def __init__(self, retry_after: int = 5):
        super().__init__("Every thumbnail render slot is busy; retry in a few seconds.",
                         headers={"Retry-After": str(retry_after)},
                         data={"retry_after": retry_after})
