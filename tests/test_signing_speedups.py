"""The installed speedups behave exactly like the library functions they replace."""

from __future__ import annotations

from io import BytesIO

from hypothesis import given
from hypothesis import strategies as st

from signing.speedups import _ASN1CRYPTO_PREP, _PYHANKO, ldap_string_prep, read_hex_string_from_stream

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
