"""The guard on pyHanko's cross-reference table reader: a file that made it loop forever is refused at once,
and every other table reads exactly as pyHanko reads it."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path
from typing import IO

import pytest
from pyhanko.pdf_utils import misc, xref

from signing import pdf_guards, verify_pdf
from signing.speedups import _PYHANKO_XREF, stock_libraries
from sohoa.model import Verdict
from sohoa.settings import Settings

BODY = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
# pyHanko 0.38 never returned on this file: the table promises two entries, the second starts with a line end
# within 20 bytes of the end, and the byte 19 from the end is a line end too
LOOPING = BODY + b"xref\n0 2\n0000000000 65535 f \n\nstartxref\n" + str(len(BODY)).encode() + b"\n%%EOF"

Reader = Callable[[IO[bytes], bool], Iterator[xref.XRefEntry]]


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail instead of hanging the suite if the loop comes back (pyHanko's loop is Python: an alarm interrupts it)."""

    def expired(_signum: int, _frame: object) -> None:
        raise TimeoutError(f"still reading after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_the_unguarded_reader_loops_on_the_file() -> None:
    """The fault is real: pyHanko's own reader is still reading when the alarm rings."""
    stream = BytesIO(LOOPING)
    stream.seek(len(BODY) + len(b"xref\n"))
    with deadline(2), pytest.raises(TimeoutError):
        list(_PYHANKO_XREF(stream, False))


@pytest.mark.parametrize("speedups", [True, False], ids=["speedups", "stock"])
def test_the_looping_file_is_an_invalid_verdict_at_once(speedups: bool, pki_settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "looping.pdf"
    path.write_bytes(LOOPING)
    with deadline(20):
        if speedups:
            report = verify_pdf(path, pki_settings)
        else:
            with stock_libraries():
                report = verify_pdf(path, pki_settings)
    assert report.verdict == Verdict.INVALID


def _outcome(reader: Reader, table: bytes, strict: bool) -> tuple[object, int]:
    stream = BytesIO(table)
    try:
        return [(e.xref_type, e.idnum, e.location, e.generation) for e in reader(stream, strict)], stream.tell()
    except Exception as e:  # the error type is part of the behaviour compared
        return type(e).__name__, -1


TABLES = [
    b"0 3\n0000000000 65535 f \n0000008710 00000 n \n0000008972 00000 n \ntrailer\n<<",  # as pyHanko writes
    b"0 2\r\n0000000000 65535 f\r\n0000000017 00000 n\r\n\r\ntrailer\n<<",  # CRLF entries of 21 bytes
    b"0 2\n0000000000 65535 f\n0000000017 00000 n\ntrailer\n<<",  # single-byte line ends
    b"0 1\n0000000000 65535 f \n3 2\n0000000100 00000 n \n0000000200 00001 n \ntrailer <<",  # two subsections
    b"0 2\n0000000000 65535 f \n0000000017 00000 x \ntrailer\n<<",  # unknown marker
    b"0 2\n0000000000 65535 f \n00000000",  # cut short, not the looping shape
    b"0 1\n0000000000 65535 f \n" + b"\n" * 30 + b"trailer\n<<",  # many blank lines before the trailer
]


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("strict", [True, False])
def test_every_other_table_reads_as_pyhanko_reads_it(table: bytes, strict: bool) -> None:
    with deadline(10):
        assert _outcome(pdf_guards.parse_xref_table, table, strict) == _outcome(_PYHANKO_XREF, table, strict)


def test_the_guard_refuses_with_pyhankos_own_error() -> None:
    stream = BytesIO(LOOPING)
    stream.seek(len(BODY) + len(b"xref\n"))
    with deadline(10), pytest.raises(misc.PdfReadError):
        list(pdf_guards.parse_xref_table(stream, False))
