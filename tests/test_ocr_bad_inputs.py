"""The malformed-input corpus (tests/bad_inputs/README.md): one specific error each, exit code 2 in the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors import recognise_file
from sohoa import cli, errors
from sohoa.settings import load_settings

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
LIMITS: dict[str, dict[str, int]] = {  # settings lowered for the files that test a limit
    "three-frames.tif": {"max_pages": 2},
    "three-pages.pdf": {"max_pages": 2},
    "valid-but-large.png": {"max_file_bytes": 500},
}

EXPECTED: dict[str, type[errors.InputFileError]] = {
    "empty.pdf": errors.EmptyFileError,
    "empty.jpg": errors.EmptyFileError,
    "notes.txt": errors.UnsupportedFormatError,
    "picture.gif": errors.UnsupportedFormatError,
    "picture.bmp": errors.UnsupportedFormatError,
    "dossier.zip": errors.UnsupportedFormatError,
    "png-named.pdf": errors.MislabelledFileError,
    "pdf-named.jpg": errors.MislabelledFileError,
    "jpeg-named.png": errors.MislabelledFileError,
    "tiff-named.jpg": errors.MislabelledFileError,
    "html-named.pdf": errors.CorruptFileError,
    "truncated.jpg": errors.TruncatedFileError,
    "truncated.png": errors.TruncatedFileError,
    "truncated.pdf": errors.TruncatedFileError,
    "truncated.tif": errors.TruncatedFileError,
    "encrypted-user.pdf": errors.EncryptedPdfError,
    "encrypted-owner.pdf": errors.EncryptedPdfError,
    "garbage.pdf": errors.CorruptFileError,
    "no-pages.pdf": errors.NoPagesError,
    "bomb.png": errors.DecompressionBombError,
    "zero-width.png": errors.CorruptFileError,
    "bad-crc.png": errors.CorruptFileError,
    "corrupt.jpg": errors.CorruptFileError,
    "three-frames.tif": errors.TooManyPagesError,
    "three-pages.pdf": errors.TooManyPagesError,
    "valid-but-large.png": errors.TooLargeError,
}


def test_corpus_and_table_agree() -> None:
    files = {p.name for p in CORPUS.iterdir() if p.suffix not in (".md", ".py")}
    assert files == set(EXPECTED) and len(files) >= 20


def _check(
    path: Path,
    expected: type[errors.InputFileError],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The exact error class from the library, then exit code 2 and its code on stderr from the CLI."""
    limits = LIMITS.get(path.name, {})
    settings = load_settings(workers=1, var_dir=tmp_path / "var", **limits)
    with pytest.raises(errors.InputFileError) as raised:
        recognise_file(path, settings, tmp_path / "work")
    assert type(raised.value) is expected, raised.value.message
    assert raised.value.vi and raised.value.en
    for name, value in limits.items():
        monkeypatch.setenv(f"SOHOA_{name.upper()}", str(value))
    monkeypatch.setattr("sys.argv", ["sohoa", "ocr", str(path), "--sidecar", str(tmp_path / "out.txt")])
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    assert exit_.value.code == 2
    assert f"[{expected.code}]" in capsys.readouterr().err
    assert not (tmp_path / "out.txt").exists()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_malformed_input_gives_its_specific_error(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _check(CORPUS / name, EXPECTED[name], tmp_path, monkeypatch, capsys)


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_missing_file_or_directory_is_not_found(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "scan.pdf"
    if kind == "directory":
        path.mkdir()
    _check(path, errors.FileNotFound, tmp_path, monkeypatch, capsys)
