"""Pages and OCR against the real Tesseract: orientation, skew, born-digital text, searchable PDF."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path
from typing import Any

import cv2
import img2pdf
import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein

import sohoa.tools
from extractors import recognise_file, write_searchable_pdf
from sohoa.model import OcrResult, PageOrigin, Source, nfc
from sohoa.settings import Settings, load_settings
from tests.fixtures_extract import (
    BORN_DIGITAL_LINES,
    VN_LINES,
    born_digital_pdf,
    concat_pdfs,
    phone_photo,
    save_image,
    save_tiff_pages,
    scanned_pdf,
    skew,
)

MAX_CER = 0.02  # a short block: 2 % is a handful of diacritics


def cer(expected: str, got: str) -> float:
    want = nfc(expected)
    return Levenshtein.distance(want, nfc(got)) / max(1, len(want))


def expected_text() -> str:
    return "\n".join(VN_LINES)


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_turned_page_is_read_upright(turn: int, vn_block: np.ndarray, scans_dir: Path, ocr_settings: Settings, tmp_path: Path) -> None:
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    scan = save_image(cv2.rotate(vn_block, codes[turn]), scans_dir / f"turned{turn}.png")
    result = recognise_file(scan, ocr_settings, tmp_path)
    page = result.pages[0]
    assert page.page.rotation == (360 - turn) % 360
    assert cer(expected_text(), page.text) <= MAX_CER, page.text


@pytest.mark.parametrize("degrees", [5.0, -12.0])
def test_skewed_page_is_deskewed_and_read(degrees: float, vn_block: np.ndarray, scans_dir: Path, ocr_settings: Settings, tmp_path: Path) -> None:
    scan = save_image(skew(vn_block, degrees), scans_dir / f"skew{degrees}.jpg")
    result = recognise_file(scan, ocr_settings, tmp_path)
    page = result.pages[0]
    assert page.page.skew == pytest.approx(-degrees, abs=0.5)
    assert "deskew" in page.page.steps
    assert cer(expected_text(), page.text) <= MAX_CER, page.text


def test_words_carry_boxes_lines_and_confidence(vn_block: np.ndarray, scans_dir: Path, ocr_settings: Settings, tmp_path: Path) -> None:
    scan = save_image(vn_block, scans_dir / "upright.png")
    page = recognise_file(scan, ocr_settings, tmp_path).pages[0]
    image = cv2.imread(str(page.page.image_path), cv2.IMREAD_GRAYSCALE)
    assert image.shape == (page.page.height, page.page.width) == vn_block.shape  # never downscaled
    assert sorted({w.line for w in page.words}) == list(range(len(VN_LINES)))
    for word in page.words:
        x0, y0, x1, y1 = word.bbox
        assert 0 <= x0 < x1 <= page.page.width and 0 <= y0 < y1 <= page.page.height
        assert image[y0:y1, x0:x1].min() < 100  # the box holds ink
        assert 0.0 <= word.confidence <= 1.0
    first_line = [w.text for w in page.words if w.line == 0]
    assert nfc(" ".join(first_line)) == nfc(VN_LINES[0])
    assert page.confidence > 0.8


class TesseractForbiddenRunner:
    """Real subprocess runner that records every program and fails the test if Tesseract is started."""

    def __init__(self) -> None:
        self.programs: list[str] = []

    def __call__(self, argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
        name = Path(argv[0]).name
        self.programs.append(name)
        if name == "tesseract":
            raise AssertionError("tesseract was started for a born-digital page")
        return subprocess.run(argv, **kwargs)  # type: ignore[call-overload,no-any-return]


def test_born_digital_pdf_is_read_from_its_text_layer_without_tesseract(
    scans_dir: Path, ocr_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pdf = born_digital_pdf(BORN_DIGITAL_LINES, scans_dir / "born-digital.pdf")
    runner = TesseractForbiddenRunner()
    monkeypatch.setattr(sohoa.tools, "RUNNER", runner)
    result = recognise_file(pdf, ocr_settings, tmp_path)
    page = result.pages[0]
    assert page.source is Source.TEXT_LAYER and page.page.origin is PageOrigin.PDF_TEXT
    assert page.text.split("\n") == [nfc(line) for line in BORN_DIGITAL_LINES]
    assert page.pdf_path is None and all(w.confidence == 1.0 for w in page.words)
    assert runner.programs == ["pdftoppm"]  # rendered for QR reading, never OCRed
    assert page.page.image_path is not None and page.page.image_path.exists()
    rendered = cv2.imread(str(page.page.image_path), cv2.IMREAD_GRAYSCALE)
    assert rendered.shape == (page.page.height, page.page.width)
    for word in page.words:  # text-layer boxes are in the rendered page's pixels, like OCR boxes
        x0, y0, x1, y1 = word.bbox
        assert rendered[y0:y1, x0:x1].min() < 128, word


@pytest.fixture(scope="module")
def mixed_result(vn_block: np.ndarray, scans_dir: Path, ocr_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> OcrResult:
    """A PDF whose page 1 is born-digital and page 2 a (skewed) scan."""
    text = born_digital_pdf(BORN_DIGITAL_LINES, scans_dir / "mixed-text.pdf")
    scan = scanned_pdf(skew(vn_block, 3.0), scans_dir / "mixed-scan.pdf")
    mixed = concat_pdfs([text, scan], scans_dir / "mixed.pdf")
    return recognise_file(mixed, ocr_settings, tmp_path_factory.mktemp("mixed-work"))


def test_mixed_pdf_is_handled_page_by_page(mixed_result: OcrResult) -> None:
    first, second = mixed_result.pages
    assert (first.source, second.source) == (Source.TEXT_LAYER, Source.OCR)
    assert second.page.origin is PageOrigin.PDF_SCAN and second.page.dpi == 300
    assert cer(expected_text(), second.text) <= MAX_CER
    assert mixed_result.text.count("\f") == 1


def test_searchable_pdf_text_is_found_by_pdftotext_and_qpdf_is_clean(mixed_result: OcrResult, tmp_path: Path) -> None:
    out = tmp_path / "searchable.pdf"
    write_searchable_pdf(mixed_result, out)
    check = subprocess.run(["qpdf", "--check", str(out)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    pages = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout.split("\f")
    assert nfc(BORN_DIGITAL_LINES[2]) in nfc(pages[0])
    assert "Hạnh phúc" in nfc(pages[1]) and "Nguyễn Thị Phương Thảo" in nfc(pages[1])


def _embedded(pdf_path: Path) -> tuple[np.ndarray, bytes]:
    """Pixels and raw (still encoded) bytes of the single image on page 1."""
    import pikepdf

    with pikepdf.open(pdf_path) as pdf:
        (image,) = pdf.pages[0].get_images().values()
        found = pikepdf.PdfImage(image)
        return np.asarray(found.as_pil_image()), image.read_raw_bytes()


def test_searchable_pdf_keeps_the_scan_losslessly(vn_block: np.ndarray, scans_dir: Path, ocr_settings: Settings, tmp_path: Path) -> None:
    png = save_image(vn_block, scans_dir / "lossless.png")
    jpeg = save_image(vn_block, scans_dir / "lossless.jpg")
    result = recognise_file(png, ocr_settings, tmp_path / "png")
    write_searchable_pdf(result, tmp_path / "png.pdf")
    assert np.array_equal(_embedded(tmp_path / "png.pdf")[0], vn_block)
    result = recognise_file(jpeg, ocr_settings, tmp_path / "jpeg")
    write_searchable_pdf(result, tmp_path / "jpeg.pdf")
    assert _embedded(tmp_path / "jpeg.pdf")[1] == jpeg.read_bytes()  # the scanner's JPEG, byte for byte
    scanned = scans_dir / "jpeg-scan.pdf"
    scanned.write_bytes(img2pdf.convert(str(jpeg)))  # a scanner's PDF wrapping that JPEG
    result = recognise_file(scanned, ocr_settings, tmp_path / "scanned")
    write_searchable_pdf(result, tmp_path / "scanned.pdf")
    assert _embedded(tmp_path / "scanned.pdf")[1] == jpeg.read_bytes()


def test_colour_scan_stays_in_colour_and_cleaned_pixels_are_embedded(
    vn_block: np.ndarray, scans_dir: Path, ocr_settings: Settings, tmp_path: Path
) -> None:
    colour = cv2.cvtColor(skew(vn_block, 4.0), cv2.COLOR_GRAY2RGB)
    colour[20:60, 20:60] = (200, 30, 30)  # a red seal
    scan = save_image(colour, scans_dir / "colour.png")
    result = recognise_file(scan, ocr_settings, tmp_path / "work")
    page = result.pages[0]
    assert "deskew" in page.page.steps
    write_searchable_pdf(result, tmp_path / "out.pdf")
    pixels, _ = _embedded(tmp_path / "out.pdf")
    cleaned = cv2.cvtColor(cv2.imread(str(page.page.image_path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    assert pixels.shape == cleaned.shape and pixels.ndim == 3
    assert np.array_equal(pixels, cleaned)
    assert cer(expected_text(), page.text) <= MAX_CER


def test_multipage_tiff_gives_one_page_per_frame(vn_block: np.ndarray, scans_dir: Path, ocr_settings: Settings, tmp_path: Path) -> None:
    tiff = save_tiff_pages([vn_block, cv2.rotate(vn_block, cv2.ROTATE_180)], scans_dir / "two.tif")
    result = recognise_file(tiff, ocr_settings, tmp_path)
    assert [p.page.number for p in result.pages] == [1, 2]
    assert all(cer(expected_text(), p.text) <= MAX_CER for p in result.pages)


class ConcurrencyRecordingRunner:
    """Real subprocess runner that records how many Tesseract processes ran at the same time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = self.peak = 0
        self.envs: list[str | None] = []

    def __call__(self, argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        if Path(argv[0]).name != "tesseract":
            return subprocess.run(argv, **kwargs)  # type: ignore[no-any-return]
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
            self.envs.append((kwargs.get("env") or {}).get("OMP_THREAD_LIMIT"))
        try:
            return subprocess.run(argv, **kwargs)  # type: ignore[no-any-return]
        finally:
            with self.lock:
                self.running -= 1


def test_pages_run_as_parallel_single_threaded_tesseract_processes(
    vn_block: np.ndarray, scans_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tiff = save_tiff_pages([vn_block] * 4, scans_dir / "four.tif")
    runner = ConcurrencyRecordingRunner()
    monkeypatch.setattr(sohoa.tools, "RUNNER", runner)
    result = recognise_file(tiff, load_settings(workers=2, var_dir=tmp_path), tmp_path / "work")
    assert len(result.pages) == 4
    assert runner.peak == 2  # two at once on two workers, never more
    assert runner.envs == ["1"] * 4


def test_150_dpi_scan_is_upsampled(vn_block: np.ndarray, scans_dir: Path, ocr_settings: Settings, tmp_path: Path) -> None:
    low = cv2.resize(vn_block, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    scan = save_image(low, scans_dir / "low.png", dpi=150)
    page = recognise_file(scan, ocr_settings, tmp_path).pages[0]
    assert "upsample150" in page.page.steps and page.page.dpi == 300
    assert cer(expected_text(), page.text) <= MAX_CER, page.text


def test_phone_photo_is_flattened_and_read(vn_block: np.ndarray, scans_dir: Path, ocr_settings: Settings, tmp_path: Path) -> None:
    photo = save_image(phone_photo(vn_block), scans_dir / "photo.jpg")
    page = recognise_file(photo, ocr_settings, tmp_path).pages[0]
    assert "perspective" in page.page.steps
    aspect, original = page.page.width / page.page.height, vn_block.shape[1] / vn_block.shape[0]
    assert abs(aspect / original - 1) < 0.2  # a flat rectangle again (perspective loses the exact ratio)
    assert cer(expected_text(), page.text) <= MAX_CER, page.text


def test_16_bit_scan_is_read(vn_block: np.ndarray, scans_dir: Path, ocr_settings: Settings, tmp_path: Path) -> None:
    scan = scans_dir / "sixteen.png"
    cv2.imwrite(str(scan), vn_block.astype(np.uint16) * 257)
    page = recognise_file(scan, ocr_settings, tmp_path).pages[0]
    assert cer(expected_text(), page.text) <= MAX_CER, page.text


def test_sidecar_from_the_cli_separates_pages_by_form_feed(
    vn_block: np.ndarray, scans_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sohoa import cli

    tiff = save_tiff_pages([vn_block, vn_block], scans_dir / "sidecar.tif")
    sidecar, out = tmp_path / "text.txt", tmp_path / "out.pdf"
    monkeypatch.setattr("sys.argv", ["sohoa", "ocr", str(tiff), "--sidecar", str(sidecar), "-o", str(out)])
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    assert exit_.value.code == 0
    pages = sidecar.read_text(encoding="utf-8").split("\f")
    assert len(pages) == 2 and all(cer(expected_text(), p) <= MAX_CER for p in pages)
    assert out.stat().st_size > 0


def test_page_size_in_the_searchable_pdf_follows_the_scans_dpi(vn_block: np.ndarray, scans_dir: Path, ocr_settings: Settings, tmp_path: Path) -> None:
    """Tesseract learns the dpi from the tags of the image it is fed (not a command-line option)."""
    import pikepdf

    scan = save_image(vn_block, scans_dir / "dpi400.png", dpi=400)
    result = recognise_file(scan, ocr_settings, tmp_path / "work")
    write_searchable_pdf(result, tmp_path / "out.pdf")
    height, width = vn_block.shape[:2]
    with pikepdf.open(tmp_path / "out.pdf") as pdf:
        box = [float(v) for v in pdf.pages[0].mediabox]
    assert box[2] - box[0] == pytest.approx(width * 72 / 400, abs=0.05)
    assert box[3] - box[1] == pytest.approx(height * 72 / 400, abs=0.05)
    assert cer(expected_text(), result.pages[0].text) <= MAX_CER


def test_a_failure_while_cleaning_is_raised_not_masked_by_the_waiting_tesseract(ocr_settings: Settings, tmp_path: Path) -> None:
    """Tesseract is started before the page is cleaned; if cleaning fails, it is given nothing and waited for."""
    from extractors.tesseract import PageRecognition

    with pytest.raises(ZeroDivisionError), PageRecognition(tmp_path / "p0001-ocr", ocr_settings):
        raise ZeroDivisionError  # the page's own error, not Tesseract's complaint about an empty list
