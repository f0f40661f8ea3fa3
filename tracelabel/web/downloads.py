"""Files built completely before they are sent: an error half-way answers an error page, never a
truncated file with a 200. They grow in memory, then on disk past a few megabytes, and go out in
blocks, so a province-wide export or a 100,000-label run keeps memory flat."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from typing import IO, Any

from flask import Response

SPOOL_BYTES = 8 * 1024 * 1024
BLOCK_BYTES = 256 * 1024


def finished_file(write: Callable[[IO[bytes]], Any], *, media_type: str, filename: str,
                  inline: bool = False) -> Response:
    """Run ``write`` into a spooled file, then answer the whole file as a download (or inline)."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - closed by _blocks
    try:
        write(spool)
    except BaseException:
        spool.close()
        raise
    size = spool.tell()
    spool.seek(0)
    disposition = "inline" if inline else "attachment"
    return Response(_blocks(spool), mimetype=media_type, headers={
        "Content-Length": str(size), "Content-Disposition": f'{disposition}; filename="{filename}"'})


def _blocks(spool: IO[bytes]) -> Iterator[bytes]:
    """The file in blocks, closed at the end or when the client goes away."""
    try:
        while chunk := spool.read(BLOCK_BYTES):
            yield chunk
    finally:
        spool.close()
