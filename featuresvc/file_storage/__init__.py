"""File storage (NGW ``file_storage``): the ``fileobj`` table and the bytes behind it.

Public functions for other components (all take the caller's connection, inside its
transaction):

* ``write_stream(conn, stream_or_chunks, component=, mime_type=None, name=None,
  max_size=None) -> FileRef``: store new bytes (streamed, sha256 computed on the way);
* ``import_local_file(conn, path, component=, sha256=, size=, mime_type=) -> FileRef``: take
  a finished local file by hard link (what ``file_upload.consume`` uses);
* ``get(conn, id)`` / ``get_many(conn, ids)``: look rows up;
* ``open_file(ref)`` / ``local_path(ref)``: read the bytes;
* ``delete(conn, ids)``: delete rows now, files after commit;
* ``api_send.send(ref, mime_type=, download_name=, as_attachment=)`` (HTTP layer): a Flask
  response with Range;
* ``sniff(head, name)``: mime type of bytes.
"""

from .exceptions import FileTooLarge
from .mime import sniff
from .service import (
    delete,
    get,
    get_many,
    get_storage,
    import_local_file,
    local_path,
    open_file,
    sweep_orphans,
    write_stream,
)
from .store import FileRef

__all__ = ["FileRef", "FileTooLarge", "delete", "get", "get_many", "get_storage",
           "import_local_file", "local_path", "open_file", "sniff", "sweep_orphans",
           "write_stream"]
