"""A minimal streaming PDF 1.7 writer: numbered objects written once, in any order, then the xref.

It keeps only the byte offset of each object (8 bytes apiece), so a document of any length is
written in constant memory apart from that table. It counts bytes itself, so the output stream
need not be seekable; a failed or short write raises OSError.
"""

from __future__ import annotations

import zlib
from array import array
from typing import BinaryIO

HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
COMPRESSION_LEVEL = 6
XREF_ROWS = 4096  # cross-reference rows per part (20 bytes each)


class PdfWriter:
    """Write PDF objects to a binary stream as they are produced."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._position = 0
        self._offsets = array("Q", [0])  # object 0 is the head of the free list
        self._write(HEADER)

    def reserve(self) -> int:
        """Allocate an object number to be written later."""
        self._offsets.append(0)
        return len(self._offsets) - 1

    def write_object(self, number: int, body: bytes) -> None:
        """Write object `number` with the given serialised body."""
        if self._offsets[number]:
            raise ValueError(f"PDF object {number} written twice")
        self._offsets[number] = self._position
        self._write(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    def write_stream(self, number: int, data: bytes, entries: bytes = b"", *,
                     compress: bool = True) -> None:
        """Write a stream object, Flate-compressed unless told otherwise."""
        if compress:
            data = zlib.compress(data, COMPRESSION_LEVEL)
            entries += b" /Filter /FlateDecode"
        self.write_object(number, b"<< /Length %d%s >>\nstream\n%s\nendstream" % (
            len(data), entries, data))

    def write_compressed_stream(self, number: int, deflated: bytes, entries: bytes = b"") -> None:
        """Write a stream whose data is already Flate-compressed (e.g. by a worker process)."""
        self.write_stream(number, deflated, entries + b" /Filter /FlateDecode", compress=False)

    def finish(self, root: int, info: int | None = None) -> None:
        """Write the cross-reference table and trailer; every reserved object must exist. The
        table goes out XREF_ROWS rows at a time, so a long one is never whole in memory."""
        missing = [n for n in range(1, len(self._offsets)) if not self._offsets[n]]
        if missing:
            raise ValueError(f"PDF objects reserved but never written: {missing[:5]}")
        xref_at = self._position
        count = len(self._offsets)
        self._write(b"xref\n0 %d\n0000000000 65535 f \n" % count)
        for start in range(1, count, XREF_ROWS):
            self._write(b"".join(b"%010d 00000 n \n" % offset
                                 for offset in self._offsets[start : start + XREF_ROWS]))
        info_entry = b" /Info %d 0 R" % info if info else b""
        self._write(b"trailer\n<< /Size %d /Root %d 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (
            count, root, info_entry, xref_at))

    def _write(self, data: bytes) -> None:
        written = self._out.write(data)
        if written is not None and written != len(data):
            raise OSError(f"short write: {written} of {len(data)} bytes")
        self._position += len(data)


def pdf_string(text: str) -> bytes:
    """A PDF text string (UTF-16BE with BOM), for metadata such as the title."""
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"
