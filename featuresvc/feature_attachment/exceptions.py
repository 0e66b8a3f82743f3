"""Errors of the feature_attachment component (NGW class names as the last dotted part)."""

from __future__ import annotations

from ..errors import ServiceError, ValidationError

COMPONENT = "feature_attachment"


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
