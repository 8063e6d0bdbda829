"""Faster, behaviour-identical versions of two pure library functions on the verification path.

Installed by ``install()`` when ``signing`` is imported; ``stock_libraries()``
restores the originals for a while (the benchmark measures its peers with them).

**PDF hex strings (pyHanko).** A PAdES signature lives in the ``/Contents <…>`` hex string of its signature
dictionary: ~16,000 hex digits here, and pyHanko 0.38 reads them one
character at a time (two Python calls per digit), several times per
verification (once per revision the difference analysis resolves). That was
about a quarter of the CPU time of ``verify_pdf``.

``read_hex_string_from_stream`` reads the string in blocks up to its ``>``,
drops whitespace and decodes it with ``binascii``. Anything it does not handle
exactly like pyHanko — a comment (``%``) or a non-hex character inside the
string, a missing ``>`` — is handed back to pyHanko's own reader from the
start of the string, so errors and edge cases are pyHanko's.

**Name comparison (asn1crypto).** Path building compares X.509 names, and
asn1crypto normalises every attribute value with the RFC 4518 string
preparation (``stringprep`` tables, pure Python) once per parsed object; the
certificates inside each signature are new objects, so the same few names
were prepared over and over. ``_ldap_string_prep`` is a pure function of its
string (it does not use ``self``): its results are memoised per process.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import IO, Any

from asn1crypto import x509
from pyhanko.pdf_utils import generic

_PYHANKO: Callable[[IO[bytes]], Any] = generic.read_hex_string_from_stream
_ASN1CRYPTO_PREP: Callable[[Any, Any], str] = x509.NameTypeAndValue._ldap_string_prep
_BLOCK = 8192
_WHITESPACE = re.compile(rb"[ \n\r\t\f\x00]+")  # pyHanko's PDF_WHITESPACE
_HEX = re.compile(rb"[0-9A-Fa-f]*")


def read_hex_string_from_stream(stream: IO[bytes]) -> generic.ByteStringObject | generic.TextStringObject:
    """Same result and stream position as pyHanko's reader: the string after ``<`` up to ``>``."""
    start = stream.tell()
    body = _read_body(stream)
    digits = _WHITESPACE.sub(b"", body) if body is not None else None
    if digits is None or not _HEX.fullmatch(digits):
        stream.seek(start)
        return _PYHANKO(stream)
    if len(digits) % 2:
        digits += b"0"
    return generic.pdf_string(binascii.unhexlify(digits))


def _read_body(stream: IO[bytes]) -> bytes | None:
    """Bytes between ``<`` and ``>``, leaving the stream after ``>``; None on a comment or no ``>``."""
    stream.read(1)  # the "<"
    body_start = stream.tell()
    chunks: list[bytes] = []
    while True:
        block = stream.read(_BLOCK)
        if not block:
            return None
        end = block.find(b">")
        chunks.append(block if end < 0 else block[:end])
        if end >= 0:
            break
    body = b"".join(chunks)
    if b"%" in body:
        return None
    stream.seek(body_start + len(body) + 1)
    return body


def ldap_string_prep(self: Any, string: Any) -> str:
    """asn1crypto's RFC 4518 preparation of a name attribute value, memoised for strings."""
    if isinstance(string, str):
        return _memo_prep(string)
    return _ASN1CRYPTO_PREP(self, string)


@lru_cache(maxsize=4096)
def _memo_prep(string: str) -> str:
    return _ASN1CRYPTO_PREP(None, string)


def install() -> None:
    """Put both into their libraries (``generic.read_object`` and ``prepped_value`` look them up at each call)."""
    generic.read_hex_string_from_stream = read_hex_string_from_stream
    x509.NameTypeAndValue._ldap_string_prep = ldap_string_prep


@contextmanager
def stock_libraries() -> Iterator[None]:
    """The libraries' own functions while the block runs."""
    generic.read_hex_string_from_stream = _PYHANKO
    x509.NameTypeAndValue._ldap_string_prep = _ASN1CRYPTO_PREP
    try:
        yield
    finally:
        install()
