"""Errors of file storage and uploads that reach clients."""

from __future__ import annotations

from ..errors import ServiceError


class FileTooLarge(ServiceError):
    """A body over the configured maximum (NGW's UploadedFileTooLarge)."""

    status_code = 413
    title = "Uploaded file too large"
    component = "file_upload"
    ngw_class = "UploadedFileTooLarge"

    def __init__(self, max_size: int, message: str | None = None):
        super().__init__(message or f"The file is larger than the maximum of {max_size} bytes.",
                         data={"max_size": max_size})
