"""The result document: PDF/A-3b + the extraction JSON as an associated file + XMP.

``build_result_pdf`` converts the OCR stage's searchable PDF to PDF/A-3b with
Ghostscript's ``pdfwrite`` directly (the arguments OCRmyPDF ``--output-type
pdfa-3`` passes it, without OCRmyPDF's own start-up: ~0.5 s of a ~0.8 s call
per document; no OCR is redone), then with pikepdf:

* embeds ``Extraction.canonical_json()`` as ``extraction.json``, an associated
  file of the document (``/AF`` on the catalog, ``/AFRelationship /Data``) —
  the machine-readable twin of the page images, covered by the signature;
* writes XMP: ``dc:title``/``dc:description`` and, in the ``sohoa:`` namespace
  (declared by a PDF/A extension schema, as PDF/A requires), the document
  type, dossier, procedure, agency and the extraction's SHA-256.

Signing happens afterwards as an incremental update, which keeps PDF/A.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

import pikepdf
from PIL import ImageCms

from sohoa.errors import CorruptFileError, FileNotFound, InputFileError
from sohoa.model import DocumentMeta, Extraction
from sohoa.tools import require, run

ATTACHMENT_NAME = "extraction.json"
NS = "https://sohoa.example.vn/ns/result/1.0/"
GHOSTSCRIPT_TIMEOUT = 300.0

_PROPERTIES = (  # (XMP property name, description) — order is the schema's
    ("docType", "Loại giấy tờ / document type"),
    ("dossierCode", "Mã hồ sơ / dossier code"),
    ("procedureCode", "Mã thủ tục / procedure code"),
    ("agency", "Cơ quan / agency"),
    ("extractionSha256", "SHA-256 of the embedded extraction.json"),
)


def build_result_pdf(searchable_pdf: Path, extraction: Extraction, meta: DocumentMeta, out: Path) -> Path:
    """Write the unsigned PDF/A-3b result document to ``out`` and return ``out``."""
    if not searchable_pdf.is_file():
        raise FileNotFound(f"Không tìm thấy tệp {searchable_pdf}", f"file not found: {searchable_pdf}")
    pdfa = out.with_name(f".{out.name}.pdfa.pdf")
    try:
        to_pdfa3(searchable_pdf, pdfa)
        payload = extraction.canonical_json()
        with pikepdf.open(pdfa) as pdf:
            _attach(pdf, payload)
            _write_xmp(pdf, extraction, meta, hashlib.sha256(payload).hexdigest())
            pdf.save(out, fix_metadata_version=False)
    finally:
        pdfa.unlink(missing_ok=True)
    return out


def to_pdfa3(src: Path, dst: Path) -> None:
    """PDF/A-3b conversion by Ghostscript (pages keep their images and text layer)."""
    definition = dst.with_name(f".{dst.name}.ps")
    definition.write_bytes(_pdfa_definition())
    try:
        run(
            [require("gs"), "-q", "-dBATCH", "-dNOPAUSE", "-dSAFER", "-dCompatibilityLevel=1.6",
             "-sDEVICE=pdfwrite", "-dAutoRotatePages=/None", "-sColorConversionStrategy=LeaveColorUnchanged",
             "-dAutoFilterColorImages=true", "-dAutoFilterGrayImages=true", "-dJPEGQ=95",
             "-dPDFA=3", "-dPDFACompatibilityPolicy=1", "-o", dst, src, definition],
            timeout=GHOSTSCRIPT_TIMEOUT,
        )  # fmt: skip
    finally:
        definition.unlink(missing_ok=True)


@cache
def _pdfa_definition() -> bytes:
    """PostScript run after the document: the sRGB output intent PDF/A requires (ICC profile from
    littlecms, inline so ``-dSAFER`` needs no file permission) and the creator Ghostscript writes to XMP."""
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return b"".join((
        b"%!\n/ICCProfile <", icc.hex().encode(), b"> def\n",
        b"[/_objdef {icc_PDFA} /type /stream /OBJ pdfmark\n",
        b"[{icc_PDFA} << /N 3 >> /PUT pdfmark\n",
        b"[{icc_PDFA} ICCProfile /PUT pdfmark\n",
        b"[/_objdef {OutputIntent_PDFA} /type /dict /OBJ pdfmark\n",
        b"[{OutputIntent_PDFA} << /Type /OutputIntent /S /GTS_PDFA1 /DestOutputProfile {icc_PDFA}",
        b" /OutputConditionIdentifier (sRGB) >> /PUT pdfmark\n",
        b"[{Catalog} << /OutputIntents [ {OutputIntent_PDFA} ] >> /PUT pdfmark\n",
        b"[ /Creator (sohoa) /DOCINFO pdfmark\n",
    ))  # fmt: skip


def _attach(pdf: pikepdf.Pdf, payload: bytes) -> None:
    now = _pdf_date(datetime.now(UTC))
    spec = pikepdf.AttachedFileSpec(
        pdf, payload, description="Kết quả trích xuất / extraction result", filename=ATTACHMENT_NAME,
        mime_type="application/json", creation_date=now, mod_date=now, relationship=pikepdf.Name.Data,
    )  # fmt: skip
    pdf.attachments[ATTACHMENT_NAME] = spec
    pdf.Root.AF = pikepdf.Array([pdf.attachments[ATTACHMENT_NAME].obj])


def _pdf_date(moment: datetime) -> str:
    return moment.strftime("D:%Y%m%d%H%M%SZ")


def _write_xmp(pdf: pikepdf.Pdf, extraction: Extraction, meta: DocumentMeta, digest: str) -> None:
    """Standard fields through pikepdf, then the ``sohoa:`` description and its extension schema."""
    with pdf.open_metadata(set_pikepdf_as_editor=False) as xmp:
        xmp["dc:title"] = f"{extraction.doc_type.value} {meta.dossier_code or ''}".strip()
        xmp["dc:description"] = "Bản sao điện tử kèm dữ liệu trích xuất / electronic copy with extracted data"
    values = (extraction.doc_type.value, meta.dossier_code, meta.procedure_code, meta.agency, digest)
    raw = pdf.Root.Metadata.read_bytes().decode()
    addition = _sohoa_description(values) + _extension_schema()
    if "</rdf:RDF>" not in raw:
        raise CorruptFileError("Siêu dữ liệu XMP không hợp lệ", "the PDF/A XMP packet is malformed")
    raw = raw.replace("</rdf:RDF>", addition + "</rdf:RDF>", 1)
    pdf.Root.Metadata = pdf.make_stream(raw.encode(), Type=pikepdf.Name.Metadata, Subtype=pikepdf.Name.XML)


def _sohoa_description(values: tuple[str | None, ...]) -> str:
    props = "".join(
        f"<sohoa:{name}>{escape(value)}</sohoa:{name}>"
        for (name, _), value in zip(_PROPERTIES, values, strict=True)
        if value is not None
    )
    return f'<rdf:Description rdf:about="" xmlns:sohoa="{NS}">{props}</rdf:Description>'


def _extension_schema() -> str:
    """The PDF/A extension schema that declares every ``sohoa:`` property (ISO 19005-1 §6.7.8)."""
    props = "".join(
        "<rdf:li rdf:parseType=\"Resource\">"
        f"<pdfaProperty:name>{name}</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType>"
        f"<pdfaProperty:category>external</pdfaProperty:category>"
        f"<pdfaProperty:description>{escape(desc)}</pdfaProperty:description></rdf:li>"
        for name, desc in _PROPERTIES
    )
    return (
        '<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"'
        ' xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"'
        ' xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">'
        "<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType=\"Resource\">"
        "<pdfaSchema:schema>sohoa result document</pdfaSchema:schema>"
        f"<pdfaSchema:namespaceURI>{NS}</pdfaSchema:namespaceURI><pdfaSchema:prefix>sohoa</pdfaSchema:prefix>"
        f"<pdfaSchema:property><rdf:Seq>{props}</rdf:Seq></pdfaSchema:property>"
        "</rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description>"
    )


def extraction_evidence(path: Path) -> tuple[bytes | None, str | None]:
    """The bytes of ``extraction.json`` (newest revision) and the hash the XMP records, each or None."""
    try:
        with pikepdf.open(path) as pdf:
            spec = pdf.attachments.get(ATTACHMENT_NAME)
            data = None if spec is None else spec.get_file().read_bytes()
            xmp = pdf.Root.Metadata.read_bytes().decode(errors="replace") if "/Metadata" in pdf.Root else ""
    except pikepdf.PdfError as e:
        raise CorruptFileError("Tệp PDF hỏng", "the PDF is corrupt", detail=str(e)) from e
    return data, _recorded_sha256(xmp)


def _recorded_sha256(xmp: str) -> str | None:
    tag = "<sohoa:extractionSha256>"
    start = xmp.find(tag)
    if start < 0:
        return None
    start += len(tag)
    return xmp[start : xmp.find("<", start)]


def read_embedded_extraction(path: Path) -> dict:
    """The extraction JSON embedded in a result document (as ``Extraction.to_json``)."""
    data, _ = extraction_evidence(path)
    if data is None:
        raise InputFileError(
            "Tài liệu không có dữ liệu trích xuất đính kèm", "the document has no embedded extraction.json"
        )
    return json.loads(data)


def extraction_sha256_of(path: Path) -> str | None:
    data, _ = extraction_evidence(path)
    return None if data is None else hashlib.sha256(data).hexdigest()


def xmp_extraction_sha256(path: Path) -> str | None:
    """The extraction hash recorded in the XMP metadata, or None."""
    return extraction_evidence(path)[1]
