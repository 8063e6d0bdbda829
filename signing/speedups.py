"""Faster, behaviour-identical versions of pure library functions on the signing and verification paths.

Installed by ``install()`` when ``signing`` is imported; ``stock_libraries()``
restores the originals for a while (the benchmark measures its peers with them).
More of them, for verification, are in ``signing/speedups_verify.py`` (installed
and switched off with these).

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
For the same reason whole-name equality (RFC 5280 §7.1) and ``hashable``
(the registry key built from the prepared values) are memoised per DER
encoding of the RDN sequence (not of the ``Name``, which may carry an explicit
tag): each document brings its own parsed copies of the same few names, and
that encoding determines both answers (asn1crypto derives them from the
parsed values alone).

**PDF names and literal strings (pyHanko).** Names (``/Type``, ``/Font``…)
are most of the tokens of the objects the difference analysis reads, and
pyHanko reads them, like literal strings ``(…)``, one byte at a time.
``read_name_from_stream`` and ``read_literal_bytes`` take the token from one
block read when it ends within the block and is plain (a name without ``#``
escapes or non-ASCII bytes; a string whose escapes are one character or three
octal digits up to ``\\377``, as pyHanko and Ghostscript write them);
anything else goes to pyHanko's own reader from the token's start. A string
without parentheses inside whose escapes are all octal or ``\\n \\r \\t \\b \\f
\\\\`` (pyHanko writes UTF-16 text as one ``\\ddd`` per byte) is found by one
regular expression and decoded by Python's own bytes-escape decoder, which
reads exactly those escapes the same way.

**Historical revisions (pyHanko).** The difference analysis reads every object
of the signed revision through a ``HistoricalResolver``, which copies each
object so that its references resolve in that revision. For every number,
name or string inside it, pyHanko builds a ``Reference`` to its container
(a frozen dataclass, several µs) that it then does not use: primitives are
returned as they are. ``subsume_object`` returns primitives at once, after
the same container checks (so the same errors), and hands containers to
pyHanko's own copy, which recurses back through it.

**PDF dictionaries (pyHanko).** Every object the difference analysis reads is
a dictionary, which pyHanko reads token by token with several Python calls
per byte of whitespace, number or reference. ``read_dictionary`` reads the
whole dictionary from one block with one regular expression per token when
it holds only the common tokens, each followed by whitespace or a delimiter:
plain names, numbers (``[+-]`` digits with at most one ``.``), references
``N G R`` (one space each: within the 20 bytes pyHanko peeks at),
``true``/``false``/``null``, literal strings (read as above), hex strings
without whitespace, nested arrays and dictionaries. It
builds them with pyHanko's own constructors (the same ``container_ref``
on every value, none on keys) and hands the end to pyHanko's own stream
reader. Anything else — a comment, an escape, ``#`` in a name, a duplicate
key, another spacing of a reference, more than 64 KB or 32 levels, a
content stream or metadata stream — goes to pyHanko's own reader from the
dictionary's start, so its edge cases and errors are pyHanko's.

**Object headers (pyHanko).** Each object read from the file starts with
``N G obj``, which pyHanko reads byte by byte; ``read_object_header`` takes
it from one block when it is spaced by single spaces and followed, after any
whitespace, by the object (not by a comment or the block's end); anything
else goes to pyHanko's own.

**Cross-reference tables (pyHanko).** pyHanko reads each table's subsection
headers through its token readers and each entry with a generator, several
Python calls per entry. ``parse_xref_table`` reads the whole table from one
block with one regular expression per header and per entry when every entry
is the standard 20 bytes (``nnnnnnnnnn ggggg n`` or ``f`` and a two-byte end of
line), the headers are ``N M`` with a single space, and ``trailer`` follows;
anything else — comments, other line ends, a generation above 65535 (which
pyHanko's caller rejects mid-table in strict mode), a table longer than the
block — goes to pyHanko's own reader from the start.

**DER encoding (asn1crypto).** ``Asn1Value.dump`` reads ``self.contents`` two
or three times (for the value, for its header, once more per explicit tag). On
a structure built in Python rather than parsed — every CMS structure pyHanko
assembles while signing: signed attributes, SignerInfo, SignedData — the
``_mutated`` flag stays set, so each read re-encodes all the children, each of
which does the same: the work grows like 2–3 to the power of the nesting
depth. Encoding the 3 small signed attributes took ~20 ms (≈ half of a B-LT
signature's CPU). ``dump`` here reads ``contents`` once and uses the same
bytes for the header: nothing can change between the reads (no other code
runs), so the bytes and the object's state afterwards are the library's.
"""

from __future__ import annotations

import binascii
import codecs
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import IO, Any

from asn1crypto import core, x509
from pyhanko.pdf_utils import generic, xref
from pyhanko.pdf_utils.reader import HistoricalResolver

from signing import pdf_guards, speedups_verify

_PYHANKO: Callable[[IO[bytes]], Any] = generic.read_hex_string_from_stream
_ASN1CRYPTO_PREP: Callable[[Any, Any], str] = x509.NameTypeAndValue._ldap_string_prep
_ASN1CRYPTO_DUMP: Callable[[Any, bool], bytes] = core.Asn1Value.dump
_ASN1CRYPTO_NAME_EQ: Callable[[Any, Any], bool] = x509.Name.__eq__
_ASN1CRYPTO_HASHABLE: property = x509.Name.hashable
_PYHANKO_NAME: Callable[[IO[bytes]], generic.NameObject] = generic.NameObject.read_from_stream
_PYHANKO_LITERAL: Callable[[IO[bytes]], bytes] = generic._read_string_literal_bytes
_PYHANKO_SUBSUME: Callable[[HistoricalResolver, Any], Any] = HistoricalResolver._subsume_object
_PYHANKO_DICT: Callable[..., generic.DictionaryObject] = generic.DictionaryObject.read_from_stream
_PYHANKO_HEADER: Callable[[IO[bytes], bool], tuple[int, int]] = xref._read_object_header
_PYHANKO_XREF: Callable[[IO[bytes], bool], Iterator[xref.XRefEntry]] = xref.parse_xref_table
_COPIED = (  # the types pyHanko's copy rebuilds; anything else it returns as is
    generic.DecryptedObjectProxy, generic.IndirectObject, generic.StreamObject, generic.DictionaryObject,
    generic.ArrayObject,
)  # fmt: skip
_NAME_BLOCK = 128
_LITERAL_BLOCK = 1024
# a run of plain bytes, an escape pyHanko reads the same way in any context, or a parenthesis
_LITERAL_TOKEN = re.compile(rb"[^()\\]+|\\([0-3][0-7][0-7]|[nrtbf() /%<>\[\]#_&$\\])|[()]")
# the same up to its ")", when it holds no parenthesis and only the escapes \ddd (to \377), \n \r \t \b \f \\
_SIMPLE_LITERAL = re.compile(rb"(?:[^()\\]++|\\(?:[0-3][0-7][0-7]|[nrtbf\\]))*+\)")
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
_WS = rb" \n\r\t\f\x00"  # pyHanko's PDF_WHITESPACE, as a regex character-class body
_ENDS_TOKEN = rb"[" + _WS + rb"()<>\[\]{}/%]"  # PDF_WHITESPACE + PDF_DELIMITERS: where pyHanko ends a token
_NAME_END = re.compile(_ENDS_TOKEN)
_PLAIN_NAME = re.compile(rb"[!-\x22\x24-~]*")  # printable ASCII but "#": the bytes are the name
_BLOCK = 8192
_WHITESPACE = re.compile(rb"[" + _WS + rb"]+")
_HEX = re.compile(rb"[0-9A-Fa-f]*")
_DICT_BLOCK = 4096
_BIG_DICT_BLOCK = 61440  # for a dictionary longer than _DICT_BLOCK: a signature's, with its ~16 KB /Contents
_MAX_DEPTH = 32
# "N G obj", then whitespace up to the object's first byte (which pyHanko leaves the stream at)
_OBJECT_HEADER = re.compile(rb"([0-9]{1,10}) ([0-9]{1,5}) obj[" + _WS + rb"]*(?=[^" + _WS + rb"%])")
_XREF_BLOCK = 65536  # a cross-reference table of up to ~3,000 entries; longer ones go to pyHanko
# "N M", whitespace, then the first entry (not a comment); entries are 20 bytes with a two-byte end of line
_XREF_SUBSECTION = re.compile(rb"[" + _WS + rb"]*([0-9]{1,10}) ([0-9]{1,10})[" + _WS + rb"]+(?=[0-9])")
_XREF_ENTRY = re.compile(rb"([0-9]{10}) ([0-9]{5}) ([nf])(?: \r| \n|\r\n)")
_XREF_TRAILER = re.compile(rb"[" + _WS + rb"]*trailer[" + _WS + rb"]*(?=[^" + _WS + rb"%])")
_AFTER = rb"(?=" + _ENDS_TOKEN + rb")"  # a token pyHanko ends at the next whitespace or delimiter
_DICT_TOKEN = re.compile(
    rb"[" + _WS + rb"]*(?:(?P<ref>([1-9][0-9]{0,9}) ([0-9]{1,5}) R)" + _AFTER
    + rb"|(?P<num>[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+))" + _AFTER
    + rb"|(?P<name>/[^\x00-\x20\x7f-\xff#%()/<>\[\]{}]*)" + _AFTER
    + rb"|(?P<word>true|false|null)" + _AFTER
    + rb"|(?P<literal>\()|<(?P<hex>[0-9A-Fa-f]*)>|(?P<open><<|\[)|(?P<close>>>|\]))"
)  # fmt: skip
_WORDS = {b"true": lambda: generic.BooleanObject(True), b"false": lambda: generic.BooleanObject(False),
          b"null": generic.NullObject}  # fmt: skip


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


def read_name_from_stream(stream: IO[bytes]) -> generic.NameObject:
    """Same result and stream position as pyHanko's ``NameObject.read_from_stream``."""
    start = stream.tell()
    head = stream.read(_NAME_BLOCK)
    end = _NAME_END.search(head, 1)
    if head[:1] != b"/" or end is None or not _PLAIN_NAME.fullmatch(head, 1, end.start()):
        stream.seek(start)
        return _PYHANKO_NAME(stream)
    stream.seek(start + end.start())
    return generic.NameObject(head[: end.start()].decode("ascii"))


def read_literal_bytes(stream: IO[bytes]) -> bytes:
    """Same result and stream position as pyHanko's ``_read_string_literal_bytes`` (after ``(``, to ``)``)."""
    start = stream.tell()
    found = _literal_in(stream.read(_LITERAL_BLOCK), 1)
    if found is None:  # an escape it does not take, or no ")" within the block
        stream.seek(start)
        return _PYHANKO_LITERAL(stream)
    stream.seek(start + found[1])
    return found[0]


def _literal_in(block: bytes, pos: int) -> tuple[bytes, int] | None:
    """The value of the literal string whose ``(`` ends at ``pos``, and the position after its ``)``.

    None when the string has an escape this does not take or does not end within the block.
    """
    simple = _SIMPLE_LITERAL.match(block, pos)
    if simple is not None:  # no nested parentheses; only escapes Python's bytes-escape decoder reads as pyHanko does
        body = block[pos : simple.end() - 1]
        return (codecs.escape_decode(body)[0] if b"\\" in body else body), simple.end()
    parts: list[bytes] = []
    depth = 1
    while match := _LITERAL_TOKEN.match(block, pos):
        token, pos = match.group(), match.end()
        if token == b")":
            depth -= 1
            if depth == 0:
                return b"".join(parts), pos
        elif token == b"(":
            depth += 1
        elif token[0] == 0x5C:  # backslash
            token = _unescape(match.group(1))
        parts.append(token)
    return None


def _unescape(escape: bytes) -> bytes:
    """pyHanko's meaning of ``\\ddd`` (three octal digits, at most 0o377) and of one-character escapes."""
    if len(escape) == 3:
        return bytes((int(escape, 8),))
    return _ESCAPES.get(escape, escape)


def subsume_object(self: HistoricalResolver, obj: Any) -> Any:
    """pyHanko's ``HistoricalResolver._subsume_object`` without the unused ``Reference`` for primitives."""
    if isinstance(obj, _COPIED):
        return _PYHANKO_SUBSUME(self, obj)
    container = obj.get_container_ref()  # raises as pyHanko's does when there is none
    container.idnum, container.generation  # noqa: B018 (pyHanko reads both: same errors)
    return obj


class _Unusual(Exception):
    """The fast path met something it does not read exactly like pyHanko: pyHanko reads it instead."""


def read_dictionary(
    stream: IO[bytes],
    container_ref: Any,
    as_metadata_stream: bool = False,
    in_content_stream: generic.ContentOpReading = generic.ContentOpReading.NO,
) -> generic.DictionaryObject:
    """Same result, stream position and errors as pyHanko's ``DictionaryObject.read_from_stream``."""
    start = stream.tell()
    if not as_metadata_stream and not in_content_stream:
        try:
            data, end, handler = _fast_dictionary(stream, container_ref)
        except Exception:  # _Unusual, or pyHanko's own error, which its reader raises below
            pass
        else:
            stream.seek(start + end)
            payload = generic._maybe_read_stream_payload(stream, data, handler)  # pyHanko's, as its reader does
            if payload is None:
                return generic.DictionaryObject(data)
            return generic.StreamObject(data, encoded_data=payload)
    stream.seek(start)
    return _PYHANKO_DICT(stream, container_ref, as_metadata_stream, in_content_stream)


def _fast_dictionary(stream: IO[bytes], container_ref: Any) -> tuple[dict[Any, Any], int, Any]:
    """The entries of the dictionary at the stream's position, the offset after its ``>>``, the PDF handler."""
    block = stream.read(_DICT_BLOCK)
    if block[:2] != b"<<":
        raise _Unusual
    context = (container_ref, container_ref.get_pdf_handler())
    try:
        return *_dict_body(block, 2, context, 0), context[1]
    except _Unusual:
        if len(block) < _DICT_BLOCK:
            raise
    return *_dict_body(block + stream.read(_BIG_DICT_BLOCK), 2, context, 0), context[1]


def _token(block: bytes, pos: int) -> re.Match[bytes]:
    match = _DICT_TOKEN.match(block, pos)
    if match is None:
        raise _Unusual
    return match


def _dict_body(block: bytes, pos: int, context: tuple[Any, Any], depth: int) -> tuple[dict[Any, Any], int]:
    """The entries after ``<<`` up to ``>>`` and the position after it."""
    data: dict[Any, Any] = {}
    while (token := _token(block, pos)).lastgroup != "close":
        if token.lastgroup != "name" or (key := generic.NameObject(token["name"].decode("ascii"))) in data:
            raise _Unusual  # not a key, or a duplicate one (pyHanko warns or raises)
        data[key], pos = _value(block, _token(block, token.end()), context, depth)
    if token["close"] != b">>":
        raise _Unusual
    return data, token.end()


def _array_body(block: bytes, pos: int, context: tuple[Any, Any], depth: int) -> tuple[generic.ArrayObject, int]:
    """The items after ``[`` up to ``]`` and the position after it."""
    array = generic.ArrayObject()
    while (token := _token(block, pos)).lastgroup != "close":
        item, pos = _value(block, token, context, depth)
        array.append(item)
    if token["close"] != b"]":
        raise _Unusual
    return array, token.end()


def _value(block: bytes, token: re.Match[bytes], context: tuple[Any, Any], depth: int) -> tuple[Any, int]:
    """The object a token starts, as pyHanko's ``read_object`` builds it, and the position after it."""
    kind, text, end = token.lastgroup, token[token.lastgroup or 0], token.end()
    if kind == "ref":
        value: Any = generic.IndirectObject(int(token[2]), int(token[3]), context[1])
    elif kind == "num":
        value = (generic.FloatObject if b"." in text else generic.NumberObject)(text.decode("ascii"))
    elif kind == "name":
        value = generic.NameObject(text.decode("ascii"))
    elif kind == "word":
        value = _WORDS[text]()
    elif kind == "literal" and (literal := _literal_in(block, end)) is not None:
        value, end = generic.pdf_string(literal[0]), literal[1]
    elif kind == "hex":
        value = generic.pdf_string(binascii.unhexlify(text + b"0" * (len(text) % 2)))
    elif kind == "open" and depth < _MAX_DEPTH:
        body = _dict_body if text == b"<<" else _array_body
        value, end = body(block, end, context, depth + 1)
        value = generic.DictionaryObject(value) if text == b"<<" else value
    else:
        raise _Unusual
    value.container_ref = context[0]
    return value, end


def read_object_header(stream: IO[bytes], strict: bool) -> tuple[int, int]:
    """Same result, stream position and errors as pyHanko's ``xref._read_object_header``: ``N G obj``."""
    start = stream.tell()
    header = _OBJECT_HEADER.match(stream.read(_NAME_BLOCK))
    if header is None:  # leading whitespace or a comment, other spacing, or the end of the block
        stream.seek(start)
        return _PYHANKO_HEADER(stream, strict)
    stream.seek(start + header.end())
    return int(header[1]), int(header[2])


def parse_xref_table(stream: IO[bytes], strict: bool) -> Iterator[xref.XRefEntry]:
    """Same entries, in the same order, and stream position as pyHanko's ``xref.parse_xref_table``."""
    start = stream.tell()
    block = stream.read(_XREF_BLOCK)
    parsed = _xref_entries(block)
    if parsed is None:  # anything but plain 20-byte entries, a comment, the block's end, a huge generation
        stream.seek(start)
        return pdf_guards.parse_xref_table(stream, strict)
    stream.seek(start + parsed[1])
    return iter(parsed[0])


def _xref_entries(block: bytes) -> tuple[list[xref.XRefEntry], int] | None:
    """The entries of the subsections at the block's start and the offset after ``trailer`` and its whitespace."""
    entries: list[xref.XRefEntry] = []
    pos = 0
    while True:  # at least one subsection, as pyHanko reads one before looking for "trailer"
        header = _XREF_SUBSECTION.match(block, pos)
        if header is None:
            return None
        first, pos = int(header[1]), header.end()
        for number in range(first, first + int(header[2])):
            entry = _XREF_ENTRY.match(block, pos)
            if entry is None or int(entry[2]) > 0xFFFF:  # pyHanko's reader fails there, mid-table, in strict mode
                return None
            entries.append(_xref_entry(number, entry))
            pos = entry.end()
        if (trailer := _XREF_TRAILER.match(block, pos)) is not None:
            return entries, trailer.end()


def _xref_entry(number: int, entry: re.Match[bytes]) -> xref.XRefEntry:
    if entry[3] == b"n":
        return xref.XRefEntry(xref.XRefType.STANDARD, location=int(entry[1]), idnum=number, generation=int(entry[2]))
    return xref.XRefEntry(xref.XRefType.FREE, location=None, idnum=number, generation=int(entry[2]))


def name_eq(self: x509.Name, other: object) -> bool:
    """asn1crypto's ``Name.__eq__`` (which compares the chosen RDN sequences), memoised per pair of encodings.

    The RDN sequence's own encoding is the key: the ``Name`` may carry an
    explicit tag (inside a ``GeneralName``) that is no part of the name.
    """
    if not isinstance(other, x509.Name):
        return False
    return _memo_rdn_eq(self.chosen.dump(), other.chosen.dump())


@lru_cache(maxsize=4096)
def _memo_rdn_eq(one: bytes, other: bytes) -> bool:
    return bool(x509.RDNSequence.load(one) == x509.RDNSequence.load(other))


def name_hashable(self: x509.Name) -> str:
    """asn1crypto's ``Name.hashable`` (the chosen RDN sequence's), memoised per encoding."""
    return _memo_hashable(self.chosen.dump())


@lru_cache(maxsize=4096)
def _memo_hashable(der: bytes) -> str:
    return str(x509.RDNSequence.load(der).hashable)


def der_dump(self: Any, force: bool = False) -> bytes:
    """asn1crypto's ``Asn1Value.dump`` with the contents encoded once instead of up to three times."""
    contents = self.contents
    if self._header is not None and self._header[-1:] == b"\x80":  # indefinite length: re-encode
        force = True
    if self._header is None or force:
        if isinstance(self, core.Constructable) and self._indefinite:
            self.method = 0
        header = core._dump_header(self.class_, self.method, self.tag, contents)
        if self.explicit is not None:
            for class_, tag in self.explicit:
                header = core._dump_header(class_, 1, tag, header + contents) + header
        self._header = header
        self._trailer = b""
    return self._header + contents + self._trailer


def install() -> None:
    """Put them into their libraries (callers, ``Sequence.dump`` included, look them up at each call)."""
    generic.read_hex_string_from_stream = read_hex_string_from_stream
    x509.NameTypeAndValue._ldap_string_prep = ldap_string_prep
    core.Asn1Value.dump = der_dump
    x509.Name.__eq__ = name_eq
    x509.Name.hashable = property(name_hashable)
    generic.NameObject.read_from_stream = staticmethod(read_name_from_stream)
    generic._read_string_literal_bytes = read_literal_bytes
    HistoricalResolver._subsume_object = subsume_object
    generic.DictionaryObject.read_from_stream = staticmethod(read_dictionary)
    xref._read_object_header = read_object_header
    xref.parse_xref_table = parse_xref_table
    speedups_verify.install()


@contextmanager
def stock_libraries() -> Iterator[None]:
    """The libraries' own functions while the block runs (the reader keeps ``pdf_guards``' guard, not a speed-up)."""
    generic.read_hex_string_from_stream = _PYHANKO
    x509.NameTypeAndValue._ldap_string_prep = _ASN1CRYPTO_PREP
    core.Asn1Value.dump = _ASN1CRYPTO_DUMP
    x509.Name.__eq__ = _ASN1CRYPTO_NAME_EQ
    x509.Name.hashable = _ASN1CRYPTO_HASHABLE
    generic.NameObject.read_from_stream = staticmethod(_PYHANKO_NAME)
    generic._read_string_literal_bytes = _PYHANKO_LITERAL
    HistoricalResolver._subsume_object = _PYHANKO_SUBSUME
    generic.DictionaryObject.read_from_stream = staticmethod(_PYHANKO_DICT)
    xref._read_object_header = _PYHANKO_HEADER
    xref.parse_xref_table = pdf_guards.parse_xref_table
    speedups_verify.uninstall()
    try:
        yield
    finally:
        install()
