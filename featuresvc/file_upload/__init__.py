"""Uploads (NGW ``file_upload``). Public functions for other components live in
:mod:`.service`: ``consume``, ``get_finished``, ``open_upload``, ``upload_id_of``."""

from .exceptions import FileUploadNotCompleted, FileUploadNotFound
from .service import consume, get_finished, open_upload, upload_id_of
from .store import Upload

__all__ = ["FileUploadNotCompleted", "FileUploadNotFound", "Upload", "consume", "get_finished",
           "open_upload", "upload_id_of"]
