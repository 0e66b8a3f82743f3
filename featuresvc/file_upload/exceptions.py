"""Errors of the file_upload component (NGW class names as the last dotted part)."""

from __future__ import annotations

from ..errors import ServiceError, ValidationError

COMPONENT = "file_upload"


class FileUploadNotFound(ValidationError):
    """An upload id given as input (``file_upload``, ``files``, ``source``…): 422."""

    component = COMPONENT
    title = "File upload not found"

    def __init__(self, upload_id: object, *, status_code: int | None = None):
        super().__init__(f"Unknown upload id '{upload_id}'.", data={"upload_id": upload_id},
                         status_code=status_code)


class FileUploadNotCompleted(ValidationError):
    component = COMPONENT
    title = "File upload not completed"

    def __init__(self, upload_id: str):
        super().__init__(f"Upload '{upload_id}' is not finished yet.",
                         data={"upload_id": upload_id})


class UploadRequestError(ServiceError):
    """A malformed upload request (multipart syntax, tus headers): 400 by default."""

    status_code = 400
    title = "Bad request"
    component = "pyramid"
    ngw_class = "PyramidHTTPError"


class UploadConflict(UploadRequestError):
    """tus: Upload-Offset does not match what the server has (or a parallel write)."""

    status_code = 409
    title = "Conflict"
