"""The installed speedups behave exactly like the library functions they replace."""

from __future__ import annotations

from contextlib import nullcontext
from io import BytesIO

from asn1crypto import cms, core, tsp, x509
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyhanko.pdf_utils import generic, xref
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import HistoricalResolver, PdfFileReader
from pyhanko.pdf_utils.writer import PdfFileWriter

from signing import pdf_guards, speedups
from signing.speedups import (
    _ASN1CRYPTO_PREP,
    _PYHANKO,
    _PYHANKO_DICT,
    _PYHANKO_HEADER,
    _PYHANKO_LITERAL,
    _PYHANKO_NAME,
    _PYHANKO_XREF,
    _dict_body,
    der_dump,
    ldap_string_prep,
    read_dictionary,
    read_hex_string_from_stream,
    read_literal_bytes,
    read_name_from_stream,
    read_object_header,
    parse_xref_table,
    stock_libraries,
    subsume_object,
)

_PIECES = st.sampled_from([b"0", b"7", b"a", b"F", b"e", b" ", b"\n", b"\r\n", b"\t", b"\x00", b"g", b"%c\n", b"<"])


def _outcome(reader, data: bytes) -> tuple[object, int]:
    stream = BytesIO(data)
    try:
        value = reader(stream)
        return (type(value).__name__, bytes(value.original_bytes)), stream.tell()
    except Exception as e:  # the error type is part of the behaviour compared
        return type(e).__name__, -1


@given(body=st.lists(_PIECES, max_size=40), close=st.booleans(), tail=st.binary(max_size=8))
def test_same_as_pyhanko(body: list[bytes], close: bool, tail: bytes) -> None:
    data = b"<" + b"".join(body) + (b">" if close else b"") + tail
    assert _outcome(read_hex_string_from_stream, data) == _outcome(_PYHANKO, data)


def test_long_signature_contents() -> None:
    """A /Contents-sized string spanning several read blocks, followed by more dictionary."""
    digits = bytes.fromhex("3082") * 4000 + b"\x00" * 4000
    data = b"<" + digits.hex().encode() + b">\n/Type /Sig"
    assert _outcome(read_hex_string_from_stream, data) == _outcome(_PYHANKO, data)
    assert _outcome(read_hex_string_from_stream, data)[1] == len(data) - len(b"\n/Type /Sig")


def _prep(function, value: str) -> tuple[str, str]:
    try:
        return "ok", function(None, value)
    except Exception as e:  # the error type is part of the behaviour compared
        return "error", type(e).__name__


@given(value=st.text(max_size=30) | st.sampled_from(["Nguyễn Văn An", "  Sở  KH&ĐT ", "ＡＢＣ", "a\u00adb", "\u200b"]))
def test_name_preparation_same_as_asn1crypto(value: str) -> None:
    assert _prep(ldap_string_prep, value) == _prep(_ASN1CRYPTO_PREP, value)
    assert _prep(ldap_string_prep, value) == _prep(ldap_string_prep, value)  # memoised answer stays the same


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)


def _cms_attributes(common_name: str, org: str, serial: int, digest: bytes) -> cms.CMSAttributes:
    """Signed attributes as pyHanko builds them: a SET OF, explicit tags (GeneralName), nested sequences."""
    issuer = x509.Name.build({"common_name": common_name, "organization_name": org})
    ess = tsp.SigningCertificateV2({"certs": [tsp.ESSCertIDv2({
        "hash_algorithm": {"algorithm": "sha256"}, "cert_hash": digest,
        "issuer_serial": {"issuer": [x509.GeneralName({"directory_name": issuer})], "serial_number": serial},
    })]})  # fmt: skip
    return cms.CMSAttributes([
        cms.CMSAttribute({"type": "signing_certificate_v2", "values": [ess]}),
        cms.CMSAttribute({"type": "message_digest", "values": [digest]}),
        cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
    ])  # fmt: skip


def _dumps(value: core.Asn1Value, stock: bool = False) -> tuple[bytes, bytes, bytes]:
    """Three successive encodings (the first, a repeated one, a forced DER one), by ours or asn1crypto's own."""
    with stock_libraries() if stock else nullcontext():
        return value.dump(), value.dump(), value.dump(force=True)


@settings(deadline=None, max_examples=40)  # asn1crypto's own encoder takes ~20 ms per example
@given(common_name=_TEXT, org=_TEXT, serial=st.integers(0, 2**160), digest=st.binary(min_size=32, max_size=32))
def test_der_dump_same_as_asn1crypto(common_name: str, org: str, serial: int, digest: bytes) -> None:
    ours = _dumps(_cms_attributes(common_name, org, serial, digest))
    assert ours == _dumps(_cms_attributes(common_name, org, serial, digest), stock=True)
    assert cms.CMSAttributes.load(ours[0]).dump(force=True) == ours[0]  # valid DER, parses back to itself


@settings(deadline=None, max_examples=40)
@given(digest=st.binary(min_size=32, max_size=32), tagged=st.integers(-(2**70), 2**70))
def test_der_dump_parsed_and_explicitly_tagged(digest: bytes, tagged: int) -> None:
    """Parsed values keep their bytes; an explicitly tagged value gets the same headers."""
    encoded = _dumps(_cms_attributes("A", "B", 1, digest), stock=True)[0]
    assert _dumps(cms.CMSAttributes.load(encoded)) == _dumps(cms.CMSAttributes.load(encoded), stock=True)
    assert _dumps(core.Integer(tagged, explicit=3)) == _dumps(core.Integer(tagged, explicit=3), stock=True)


def test_der_dump_is_installed() -> None:
    import signing  # noqa: F401  (installs the speedups)

    assert core.Asn1Value.dump is der_dump


_NAME_PIECES = st.sampled_from([b"Type", b"/", b"#20", b"#2", b"#zz", b"A", b"\xc3\xa9", b"\x7f", b" ", b"\n", b">>", b"(", b"%", b"["])


@given(body=st.lists(_NAME_PIECES, max_size=12), long=st.booleans(), tail=st.binary(max_size=6))
def test_pdf_name_same_as_pyhanko(body: list[bytes], long: bool, tail: bytes) -> None:
    data = b"/" + (b"N" * 200 if long else b"") + b"".join(body) + tail
    for start in (data, b"x" + data):  # the second does not start with "/": pyHanko's error
        assert _outcome(read_name_from_stream, start) == _outcome(_PYHANKO_NAME, start)


def test_pdf_token_readers_are_installed() -> None:
    reading = generic.read_object(BytesIO(b"[/Type /Sig/Adobe.PPKLite /A#20B]"), generic.TrailerReference(None))
    assert reading == ["/Type", "/Sig", "/Adobe.PPKLite", "/A B"]
    assert generic.NameObject.read_from_stream is read_name_from_stream
    assert generic._read_string_literal_bytes is read_literal_bytes
    for literal, value in ((b"(S (KH) \\101)", b"S (KH) A"), (b"(Ban sao)", b"Ban sao")):  # pyHanko's path, ours
        assert generic.read_object(BytesIO(literal), generic.TrailerReference(None)).original_bytes == value


_NAME_TEXT = st.sampled_from(["Sở KH&ĐT", "sở kh&đt", " Sở  KH&ĐT ", "Agency", "AGENCY", "Nguyễn Văn An", "ＡＢＣ", "abc"])


def _name(common_name: str, org: str | None) -> x509.Name:
    """A parsed name (as certificates carry them), in UTF8String or PrintableString when it fits."""
    values = {"common_name": common_name} if org is None else {"common_name": common_name, "organization_name": org}
    printable = all(v.isascii() for v in values.values())
    return x509.Name.load(x509.Name.build(values, use_printable=printable).dump())


def _in_general_name(name: x509.Name) -> x509.Name:
    """The same name as an ESS certificate identifier carries it: explicitly tagged [4] in a GeneralName."""
    return x509.GeneralName.load(x509.GeneralName({"directory_name": name}).dump()).chosen


def _compare(stock: bool, one: x509.Name, other: x509.Name) -> tuple[object, ...]:
    with stock_libraries() if stock else nullcontext():
        return one == other, one != other, one.hashable, other.hashable, one == "not a name"


@settings(deadline=None)
@given(names=st.tuples(_NAME_TEXT, _NAME_TEXT, st.none() | _NAME_TEXT, st.none() | _NAME_TEXT))
def test_name_equality_same_as_asn1crypto(names: tuple[str, str, str | None, str | None]) -> None:
    """RFC 5280 comparison (case and spaces folded), memoised per encoding, answers as asn1crypto does."""
    cn1, cn2, org1, org2 = names
    for tag in (lambda name: name, _in_general_name):
        pairs = [(tag(_name(cn1, org1)), _name(cn2, org2)), (tag(_name(cn1, org1)), _name(cn2, org2))]
        assert _compare(False, *pairs[0]) == _compare(True, *pairs[1])
    assert _name(" Sở  KH&ĐT ", None) == _name("sở kh&đt", None)  # folded, as RFC 4518 says


_LITERAL_PIECES = st.sampled_from([
    b"abc", b"(", b")", b"\\", b"\\n", b"\\b", b"\\053", b"\\376\\377", b"\\000", b"\\5", b"\\59", b"\\08", b"\\777",
    b"\\400", b"\\(", b"\\)", b"\\\\", b"\\#", b"\\\r\n", b"\\q", b"\r\n", b"\xc3\xa9", b" ", b"7",
])  # fmt: skip


@given(body=st.lists(_LITERAL_PIECES, max_size=12), long=st.booleans(), tail=st.binary(max_size=6))
def test_pdf_literal_string_same_as_pyhanko(body: list[bytes], long: bool, tail: bytes) -> None:
    data = b"(" + (b"x" * 1100 if long else b"") + b"".join(body) + tail

    def outcome(reader) -> tuple[object, int]:
        stream = BytesIO(data)
        try:
            return reader(stream), stream.tell()
        except Exception as e:  # the error type is part of the behaviour compared
            return type(e).__name__, -1

    assert outcome(read_literal_bytes) == outcome(_PYHANKO_LITERAL)


_PRIMITIVES = (
    st.integers(-1000, 1000).map(generic.NumberObject)
    | st.sampled_from(["/Type", "/Sig", "/A#20B"]).map(generic.NameObject)
    | st.text(max_size=5).map(generic.TextStringObject)
    | st.booleans().map(generic.BooleanObject)
    | st.just(generic.NullObject())
)
_PDF_VALUES = st.recursive(
    _PRIMITIVES,
    lambda inner: st.lists(inner, max_size=4).map(generic.ArrayObject)
    | st.dictionaries(st.sampled_from(["/K", "/V", "/Kids", "/T"]).map(generic.NameObject), inner, max_size=3).map(
        generic.DictionaryObject
    ),
    max_leaves=12,
)


def _copies_alike(ours: object, stock: object, resolvers: tuple[object, object]) -> bool:
    """Same types and values; containers re-pointed to their own resolver; primitives shared, as pyHanko does."""
    if type(ours) is not type(stock) or ours != stock:
        return False
    if isinstance(stock, generic.IndirectObject):
        return (ours.reference.pdf, stock.reference.pdf) == resolvers
    if not isinstance(stock, generic.DictionaryObject | generic.ArrayObject):
        return ours is stock
    if (ours.container_ref.pdf, stock.container_ref.pdf) != resolvers or ours.container_ref != stock.container_ref:
        return False
    pairs = zip(ours.values(), stock.values()) if isinstance(stock, dict) else zip(ours, stock)
    return all(_copies_alike(a, b, resolvers) for a, b in pairs)


@settings(deadline=None, max_examples=40)
@given(values=st.lists(_PDF_VALUES, min_size=1, max_size=4), update=_PDF_VALUES)
def test_historical_copy_same_as_pyhanko(values: list[generic.PdfObject], update: generic.PdfObject) -> None:
    """Every object of a two-revision PDF, seen from each revision, copied by ours and by pyHanko's own code."""
    writer = PdfFileWriter()
    refs = [writer.add_object(generic.DictionaryObject({generic.NameObject("/V"): value})) for value in values]
    refs.append(writer.add_object(generic.ArrayObject(refs)))
    writer.root[generic.NameObject("/Things")] = refs[-1]
    first = BytesIO()
    writer.write(first)
    incremental = IncrementalPdfFileWriter(first)
    incremental.update_container(incremental.root)
    incremental.root[generic.NameObject("/New")] = incremental.add_object(generic.ArrayObject([update, refs[0]]))
    incremental.write_in_place()
    reader = PdfFileReader(first)
    for revision in (0, 1):
        ours, stock = HistoricalResolver(reader, revision), HistoricalResolver(reader, revision)
        for ref in reader.xrefs.explicit_refs_in_revision(revision):
            raw = reader.get_object(ref, revision, transparent_decrypt=False)
            with stock_libraries():
                stock_copy = stock._subsume_object(raw)
            assert _copies_alike(subsume_object(ours, raw), stock_copy, (ours, stock))


def _shape(obj: object, ref: object) -> object:
    """Everything pyHanko's reader decides about an object: type, value, container references, stream bytes."""
    cref = vars(obj).get("container_ref", "unset") if hasattr(obj, "__dict__") else "none"
    head = (type(obj).__name__, "ref" if cref is ref else repr(cref))
    if isinstance(obj, generic.DictionaryObject):
        items = tuple((type(k).__name__, str(k), "container_ref" in vars(k), _shape(v, ref)) for k, v in obj.items())
        return head, items, getattr(obj, "_encoded_data", None)
    if isinstance(obj, generic.ArrayObject):
        return head, tuple(_shape(item, ref) for item in obj)
    if isinstance(obj, generic.IndirectObject):
        return head, obj.idnum, obj.generation, obj.reference.pdf is ref.pdf
    if isinstance(obj, generic.NullObject):  # its repr is an address
        return head
    return head, repr(obj), getattr(obj, "autodetected_encoding", None)


def _dict_outcome(reader, data: bytes, stock: bool) -> tuple[object, ...]:
    ref = generic.Reference(1, 0, _HANDLER)
    stream = BytesIO(data)
    try:
        with stock_libraries() if stock else nullcontext():
            return _shape(reader(stream, ref), ref), stream.tell()
    except Exception as e:  # the error, its message (positions) included, is part of the behaviour compared
        return type(e).__name__, str(e), -1


def _small_pdf() -> PdfFileReader:
    out = BytesIO()
    PdfFileWriter().write(out)
    return PdfFileReader(out, strict=False)


_HANDLER = _small_pdf()
_DICT_PIECES = st.sampled_from([
    b"/Type", b"/Sig", b"/A#20B", b"/", b"/K", b" ", b"\n", b"\r\n", b"\x00", b"\x0b", b"%c\n", b"12", b"0", b"-3",
    b"+.5", b"1.", b"1,2", b"1.2.3", b"05", b"1 0 R", b"12 0 R", b"1  0 R", b"1\n0 R", b"0 0 R", b"3 0 Rx", b"R",
    b"12345678901 0 R", b"true", b"false", b"null", b"nul", b"(a b)", b"(a(b)c)", b"(\\n)", b"<0aF>", b"<0a f>",
    b"<>", b"<<", b">>", b"[", b"]", b">", b"stream\n", b"s", b"\xc3\xa9", b"{", b"(\xfe\xff\x00A)", b"(", b")",
    b"(\r\n\t)", b"/Length 3", b"endstream", b"(a\\053b)", b"(\\376\\377\\000A)", b"(\\q)", b"(\\5)", b"(\\",
])  # fmt: skip


@given(body=st.lists(_DICT_PIECES, max_size=24), close=st.booleans(), tail=st.binary(max_size=6))
def test_pdf_dictionary_soup_same_as_pyhanko(body: list[bytes], close: bool, tail: bytes) -> None:
    """Any mix of tokens, spacings and junk: same objects, position and errors as pyHanko's own reader."""
    data = b"<<" + b"".join(body) + (b">>" if close else b"") + tail
    assert _dict_outcome(read_dictionary, data, False) == _dict_outcome(_PYHANKO_DICT, data, True)


_SPACE = st.sampled_from([b" ", b"", b"\n", b"\r\n", b"  \x00"])
_ATOMS = st.sampled_from([
    b"12", b"-3", b"+.5", b"1.", b"0.25", b"1 0 R", b"42 7 R", b"true", b"false", b"null", b"/Name", b"/",
    b"(Ban sao)", b"()", b"(\xfe\xff\x00A)", b"<0aF>", b"<abc>", b"<>", b"(a(b)c)", b"(\\376\\377\\000A\\(\\n)",
])  # fmt: skip


def _pdf_text(draw: st.DrawFn, depth: int = 0) -> bytes:
    """A well-formed value: an atom, an array or a dictionary, with random (valid) spacing."""
    kind = draw(st.sampled_from(["atom", "atom", "array", "dict"] if depth < 3 else ["atom"]))
    if kind == "atom":
        return draw(_ATOMS)
    items = [draw(_SPACE) + (b"/K" + draw(st.sampled_from([b"", b"1", b"ey"])) + b" " if kind == "dict" else b"")
             + _pdf_text(draw, depth + 1) for _ in range(draw(st.integers(0, 4)))]  # fmt: skip
    pad = b" " if kind == "array" else b""  # "[1 2]": array items need a separator, dictionary keys bring "/"
    return (b"<<" if kind == "dict" else b"[") + pad.join(items) + draw(_SPACE) + (b">>" if kind == "dict" else b"]")


@settings(deadline=None)
@given(draw=st.data(), after=st.sampled_from([b"", b"\nendobj", b" /Next", b"\nstream\r\nabc\nendstream"]))
def test_pdf_dictionary_well_formed_same_as_pyhanko(draw: st.DataObject, after: bytes) -> None:
    """Nested dictionaries, arrays and every common token (the fast path), then what follows an object."""
    entries = [draw.draw(st.sampled_from([b"/Length", b"/Type", b"/V"])) + b" " + _pdf_text(draw.draw)
               for _ in range(draw.draw(st.integers(0, 5)))]  # fmt: skip
    data = b"<<" + b"\n".join(entries) + b">>" + after
    assert _dict_outcome(read_dictionary, data, False) == _dict_outcome(_PYHANKO_DICT, data, True)


@pytest.mark.parametrize("size", [4090, 4096, 40000, 70000])
def test_pdf_dictionary_longer_than_a_block(size: int) -> None:
    """A signature dictionary (its /Contents hex string is ~16 KB) read from a second, larger block."""
    for data in (b"<</Type /Sig /Contents <" + b"a" * size + b"> /M (D\\07220261123Z)>>", b"<</A [" + b"1 " * size):
        assert _dict_outcome(read_dictionary, data, False) == _dict_outcome(_PYHANKO_DICT, data, True)


def test_pdf_dictionary_fast_path_is_installed_and_taken() -> None:
    data = b"<</Type /Annot /Rect [0 0 612.5 -1] /P 3 0 R /T (Ban sao) /Kids [<</V <0a>>>] /F true /N null>>"
    body, end = _dict_body(data, 2, (None, _HANDLER), 0)  # read without falling back to pyHanko
    assert end == len(data) and list(body) == ["/Type", "/Rect", "/P", "/T", "/Kids", "/F", "/N"]
    assert generic.DictionaryObject.read_from_stream is read_dictionary
    assert _dict_outcome(read_dictionary, data, False) == _dict_outcome(_PYHANKO_DICT, data, True)


_HEADER_PIECES = st.sampled_from([
    b"12", b"0", b"007", b" ", b"  ", b"\n", b"\r\n", b"\x00", b"\x0b", b"obj", b"ob", b"objx", b"%c\n", b"<<", b"x",
    b"-1", b"1_0", b"+2", b"12345678901",
])  # fmt: skip


@given(body=st.lists(_HEADER_PIECES, max_size=10), strict=st.booleans())
def test_object_header_same_as_pyhanko(body: list[bytes], strict: bool) -> None:
    """``N G obj`` in every spacing, with comments and junk: same numbers, position and errors as pyHanko's."""

    def outcome(reader, data: bytes) -> tuple[object, int]:
        stream = BytesIO(data)
        try:
            return reader(stream, strict), stream.tell()
        except Exception as e:  # the error type is part of the behaviour compared
            return type(e).__name__, -1

    for data in (b"".join(body), b"12 0 obj" + b"".join(body), b"3 0 obj\n<</A 1>>"):
        assert outcome(read_object_header, data) == outcome(_PYHANKO_HEADER, data)


_XREF_PIECES = st.sampled_from([
    b"0 3", b"4 1", b"17 2", b"0 0", b"1  2", b"1,0 2", b"0000000000 65535 f \n", b"0000008710 00000 n \n",
    b"0000008972 00000 n\r\n", b"0000009662 00000 n \r", b"0000000010 00000 n \r\n", b"0000000010 00000 n\n",
    b"0000000010 99999 n \n", b"0000000010 00000 x \n", b"000000001 00000 n  \n", b" ", b"\n", b"\r\n", b"\x00",
    b"%c\n", b"trailer", b"trailerX", b"<<", b"7",
])  # fmt: skip


@given(body=st.lists(_XREF_PIECES, max_size=12), strict=st.booleans(), tail=st.sampled_from([b"", b"\n<</Size 3>>"]))
def test_xref_table_same_as_pyhanko(body: list[bytes], strict: bool, tail: bytes) -> None:
    """Subsections, entries of every line ending, comments and junk: same entries, position and errors.

    Every input ends with 20 bytes of junk: pyHanko 0.38's reader never returns when the last 19 bytes of
    the file start with a line end inside a table (it seeks back 19 and rereads them forever).
    """

    def outcome(reader, data: bytes) -> tuple[object, int]:
        stream = BytesIO(data)
        try:
            return list(reader(stream, strict)), stream.tell()
        except Exception as e:  # the error type is part of the behaviour compared
            return type(e).__name__, -1

    for head in (b"", b"0 2\n0000000000 65535 f \n"):
        data = head + b"".join(body) + tail + b"x" * 20
        assert outcome(parse_xref_table, data) == outcome(_PYHANKO_XREF, data)


_XREF_LINE = st.builds(
    lambda offset, generation, kind, eol: b"%010d %05d %s%s" % (offset, generation, kind, eol),
    st.integers(0, 9_999_999_999), st.integers(0, 99_999), st.sampled_from([b"n", b"f"]),
    st.sampled_from([b" \r", b" \n", b"\r\n"]),
)  # fmt: skip
_XREF_SUBSECTIONS = st.lists(
    st.tuples(st.integers(0, 10**6), st.lists(_XREF_LINE, min_size=1, max_size=5), st.sampled_from([b"\n", b"\r\n", b" \n"])),
    min_size=1, max_size=4,
)  # fmt: skip


@given(subsections=_XREF_SUBSECTIONS, strict=st.booleans(), spacing=st.sampled_from([b"", b"\n", b" \r\n"]))
def test_xref_table_well_formed_same_as_pyhanko(
    subsections: list[tuple[int, list[bytes], bytes]], strict: bool, spacing: bytes
) -> None:
    """Well-formed tables (the fast path, unless a generation exceeds 65535): same entries and position."""
    table = b"".join(b"%d %d%s" % (first, len(lines), eol) + b"".join(lines) for first, lines, eol in subsections)
    data = spacing + table + b"trailer" + spacing + b"<</Size 3>>" + b"x" * 20

    def outcome(reader) -> tuple[object, int]:
        stream = BytesIO(data)
        try:
            return list(reader(stream, strict)), stream.tell()
        except Exception as e:  # the error type is part of the behaviour compared
            return type(e).__name__, -1

    assert outcome(parse_xref_table) == outcome(_PYHANKO_XREF)


def test_xref_table_fast_path_is_installed_and_taken() -> None:
    """The tables pyHanko writes (three revisions of a signed document) take the fast path."""
    table = b"0 3\n0000000000 65535 f \n0000008710 00000 n \n0000008972 00000 n \n4 1\n0000009662 00000 n \ntrailer\n<<"
    entries = list(parse_xref_table(BytesIO(table), False))
    assert [(e.idnum, e.location) for e in entries] == [(0, None), (1, 8710), (2, 8972), (4, 9662)]
    assert speedups._xref_entries(table) is not None
    assert xref.parse_xref_table is parse_xref_table
    with stock_libraries():
        assert xref.parse_xref_table is pdf_guards.parse_xref_table
