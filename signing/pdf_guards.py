"""Guards around pyHanko's PDF reader for files anyone can send (``POST /v1/verify``, ``sohoa verify``).

pyHanko 0.38's cross-reference table reader never returns on some files: when
an entry is read within 20 bytes of the end of the file and starts with a line
end, its "skip a stray CR/LF" loop (``xref.parse_xref_table``) seeks back 19
bytes after a read that advanced fewer, and if the byte 19 from the end is a
line end too it reads the same bytes forever. A 93-byte file hangs a
verification, and with it a worker thread of the service. The table reader is
given a view of the stream that refuses the one read that enters that loop,
an entry-sized read cut short by the end of the file that starts with a line
end, with pyHanko's own ``PdfReadError``. On such a read pyHanko either loops
forever or goes on with an entry cut short, after which no ``trailer``
keyword fits in what is left of the file, so the file failed to open anyway.
Every other read goes to the stream unchanged.

``signing.speedups`` puts ``parse_xref_table`` into pyHanko (its own table
reader falls back to it, and ``stock_libraries()`` keeps it): the guard is on
whichever reader runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, Any

from pyhanko.pdf_utils import misc, xref

XREF_ENTRY_BYTES = 20  # PDF 32000-1 §7.5.4: every cross-reference entry is exactly 20 bytes
_PYHANKO_XREF: Callable[[IO[bytes], bool], Iterator[xref.XRefEntry]] = xref.parse_xref_table


class _EntryReadGuard:
    """The stream as pyHanko's table reader uses it (``read``, ``seek``, ``tell``), with the looping read refused."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        if size == XREF_ENTRY_BYTES and len(data) < size and data[:1] in (b"\r", b"\n"):
            raise misc.PdfReadError("Cross-reference table cut short by the end of the file")
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def parse_xref_table(stream: IO[bytes], strict: bool) -> Iterator[xref.XRefEntry]:
    """pyHanko's ``xref.parse_xref_table`` over the guarded view of ``stream`` (same entries, same positions)."""
    return _PYHANKO_XREF(_EntryReadGuard(stream), strict)  # type: ignore[arg-type]
