"""The ``sohoa`` command line (``contract.md``).

Commands only parse options, call one function of a concern folder and render
its result; every ``SohoaError`` is mapped to its exit code in ``main``. Heavy
imports (OpenCV, pyHanko, Prefect) happen inside the commands so ``--help`` is
instant.
"""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Optional

import typer

from sohoa.errors import ExitCode, SohoaError
from sohoa.settings import Settings, load_settings

app = typer.Typer(
    name="sohoa",
    help="Số hoá, trích xuất, ký số, lưu trữ và tái sử dụng hồ sơ hành chính.\n\n"
    "Digitise, extract, sign, store and reuse Vietnamese administrative documents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
audit_app = typer.Typer(help="Nhật ký truy cập / audit log", no_args_is_help=True)
services_app = typer.Typer(help="Dịch vụ cục bộ (MinIO, PKI phát triển) / local services", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
app.add_typer(services_app, name="services")


def _settings() -> Settings:
    from sohoa import logs

    logs.configure()
    return load_settings()


def _write_json(data: object, out: Path | None) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if out is None:
        sys.stdout.write(text + "\n")
    else:
        out.write_text(text + "\n", encoding="utf-8")


@app.command()
def ocr(
    input: Annotated[Path, typer.Argument(help="Ảnh, TIFF nhiều trang hoặc PDF / image, multi-page TIFF or PDF")],
    sidecar: Annotated[Optional[Path], typer.Option("--sidecar", help="Văn bản nhận dạng (trang cách bằng \\f) / recognised text")] = None,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="PDF có thể tìm kiếm / searchable PDF")] = None,
) -> None:
    """Tiền xử lý và nhận dạng chữ một tệp / preprocess and OCR one file."""
    from extractors import recognise_file, write_searchable_pdf

    settings = _settings()
    with tempfile.TemporaryDirectory(prefix="sohoa-ocr-") as work:
        result = recognise_file(input, settings, Path(work))
        if sidecar is not None:
            sidecar.write_text(result.text, encoding="utf-8")
        if output is not None:
            write_searchable_pdf(result, output)
    if sidecar is None and output is None:
        sys.stdout.write(result.text + "\n")


@app.command()
def extract(
    input: Annotated[Path, typer.Argument(help="Tệp cần trích xuất / file to extract")],
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Ghi JSON ra tệp / write JSON to file")] = None,
) -> None:
    """Phân loại và trích xuất trường thông tin / classify and extract fields."""
    from extractors import extract as extract_fields
    from extractors import recognise_file

    settings = _settings()
    with tempfile.TemporaryDirectory(prefix="sohoa-extract-") as work:
        result = recognise_file(input, settings, Path(work))
        extraction = extract_fields(result, settings)
    _write_json(extraction.to_json(), json_out)


@app.command()
def ingest(
    directory: Annotated[Path, typer.Argument(help="Thư mục lô hồ sơ (mỗi hồ sơ một thư mục con) / batch folder")],
    manifest: Annotated[Optional[Path], typer.Option("--manifest", help="CSV/JSON: mã hồ sơ, mã TTHC, chủ sở hữu / manifest")] = None,
) -> None:
    """Số hoá cả lô hồ sơ / run the batch flow over a folder of dossiers."""
    from flows.cli import run_ingest

    summary = run_ingest(directory, manifest, _settings())
    raise typer.Exit(int(ExitCode.OK if summary.complete else ExitCode.FAILURE))


@app.command()
def sign(
    input: Annotated[Path, typer.Argument(help="PDF cần ký / PDF to sign")],
    output: Annotated[Path, typer.Argument(help="PDF đã ký / signed PDF")],
) -> None:
    """Ký số PAdES có dấu thời gian / sign a PDF (PAdES with timestamp)."""
    from signing import sign_pdf

    signed = sign_pdf(input, output, _settings())
    typer.echo(f"Đã ký / signed: {output} ({signed.level}, {signed.signer})", err=True)


@app.command()
def find(
    owner: Annotated[str, typer.Option("--owner", help="Số định danh hoặc mã doanh nghiệp / citizen ID or enterprise code")],
    doc_type: Annotated[Optional[str], typer.Option("--type", help="Loại giấy tờ / document type")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="In JSON / print JSON")] = False,
) -> None:
    """Giấy tờ còn hiệu lực của một chủ thể / an owner's valid stored documents."""
    from storage import open_storage
    from storage.render import render_find

    settings = _settings()
    with open_storage(settings) as store:
        documents = store.find_for_cli(owner_id=owner, doc_type=doc_type)
    render_find(documents, as_json=as_json)


@app.command()
def get(
    document_id: Annotated[str, typer.Argument(help="Mã tài liệu / document id")],
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Tệp PDF ra / output PDF")] = None,
) -> None:
    """Tải tài liệu đã ký đúng như cổng nhận / fetch the signed result document."""
    from storage import open_storage

    settings = _settings()
    with open_storage(settings) as store:
        data = store.signed_pdf_for_cli(document_id)
    if output is None:
        sys.stdout.buffer.write(data)
    else:
        output.write_bytes(data)


def _validation_time(text: str) -> datetime:
    """``--at``: an ISO 8601 date or date-time; without a zone it is UTC (a date alone: 00:00 UTC)."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError as e:
        raise typer.BadParameter(f"'{text}' không phải ngày giờ ISO 8601 / is not an ISO 8601 date-time", param_hint="--at") from e
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@app.command()
def verify(
    target: Annotated[str, typer.Argument(help="Tệp PDF đã ký hoặc mã tài liệu / signed PDF or document id")],
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Ghi báo cáo JSON / write the JSON report")] = None,
    at: Annotated[Optional[datetime], typer.Option(
        "--at", parser=_validation_time, metavar="ISO-8601", help="Thời điểm kiểm tra, ISO 8601, mặc định UTC (ví dụ 2052-06-01) / validation time, e.g. years after signing",
    )] = None,
    crl: Annotated[Optional[list[Path]], typer.Option(
        "--crl", help="CRL hiện hành (DER/PEM) cho kiểm tra dài hạn, lặp lại được / current CRL for --at, repeatable",
    )] = None,
) -> None:
    """Kiểm tra chữ ký cho kiểm toán viên / auditor verification.

    Với --at: kiểm tra như ở thời điểm đó, ngoại tuyến, bằng dữ liệu nhúng trong tệp và các CRL đưa vào
    / with --at: verify as of that time, offline, from the file's own evidence and the CRLs given."""
    from signing.cli import read_crls, verify_target, verdict_exit_code

    report = verify_target(target, _settings(), at=at, fresh_crls=read_crls(crl or []))
    if json_out is not None:
        _write_json(report.to_json(), json_out)
    for check in report.checks:
        mark = {True: "✓", False: "✗", None: "?"}[check.ok]
        typer.echo(f"{mark} {check.vi} / {check.en}", err=True)
    typer.echo(f"Kết luận / verdict: {report.verdict.value}", err=True)
    raise typer.Exit(int(verdict_exit_code(report.verdict)))


@app.command()
def serve(
    host: Annotated[Optional[str], typer.Option(help="Địa chỉ / bind address")] = None,
    port: Annotated[Optional[int], typer.Option(help="Cổng / port")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Số tiến trình / worker processes (settings from SOHOA_*)")] = 1,
) -> None:
    """Dịch vụ HTTP và giao diện duyệt hồ sơ / the HTTP API and review UI."""
    import uvicorn

    from api import create_app

    settings = _settings()
    # uvicorn's own access line carries the raw path and query string, i.e. citizens' ID numbers;
    # api.limits.AccessLogMiddleware logs every request by its route template instead
    options = {"host": host or settings.api_host, "port": port or settings.api_port, "access_log": False}
    if workers == 1:
        uvicorn.run(create_app(settings), **options)  # type: ignore[arg-type]
    else:  # each worker process builds its app from the environment
        # uvicorn gives a worker 5 s to come up by default: importing the stack (OpenCV, pyHanko,
        # SQLAlchemy) on a busy machine takes longer, and the worker would be killed and restarted forever
        uvicorn.run("api.app:app_from_environment", factory=True, workers=workers,  # type: ignore[arg-type]
                    timeout_worker_healthcheck=120, **options)


@app.command()
def reconcile() -> None:
    """Hoàn tất tài liệu bị dở dang giữa kho và danh mục / complete orphaned writes."""
    from storage import open_storage

    with open_storage(_settings()) as store:
        fixed = store.reconcile()
    typer.echo(f"Đã hoàn tất / completed: {fixed}")


@app.command()
def reindex() -> None:
    """Dựng lại danh mục từ manifest trong MinIO / rebuild the catalog from MinIO."""
    from storage import open_storage

    with open_storage(_settings()) as store:
        count = store.reindex()
    typer.echo(f"Đã lập chỉ mục / indexed: {count}")


@app.command()
def retimestamp() -> None:
    """Gia hạn dấu thời gian lưu trữ các tài liệu đến hạn (PAdES B-LTA) / renew archive timestamps that are due."""
    from flows.runtime import configure_prefect

    settings = _settings()
    configure_prefect(settings)
    from flows.maintenance import retimestamp_archive

    result = retimestamp_archive(settings)
    typer.echo(f"Đã khảo sát / surveyed: {result.surveyed}; đã gia hạn / re-timestamped: {len(result.retimestamped)}")
    for document_id, reason in result.failed:
        typer.echo(f"Lỗi / failed: {document_id} — {reason}", err=True)
    raise typer.Exit(int(ExitCode.FAILURE if result.failed else ExitCode.OK))


@audit_app.command("verify")
def audit_verify() -> None:
    """Kiểm tra chuỗi băm của nhật ký / verify the audit hash chain."""
    from storage import open_storage

    with open_storage(_settings()) as store:
        result = store.audit.verify()
    typer.echo(result.describe())
    raise typer.Exit(0 if result.ok else int(ExitCode.FAILURE))


@services_app.command("start")
def services_start() -> None:
    """Khởi động MinIO và PKI phát triển cục bộ / start local MinIO and the dev PKI."""
    from signing.devpki import ensure_dev_pki
    from storage.local_minio import ensure_local_minio

    settings = _settings()
    typer.echo(f"MinIO: {ensure_local_minio(settings)}")
    typer.echo(f"PKI: {ensure_dev_pki(settings).base_url}")


@services_app.command("stop")
def services_stop() -> None:
    """Dừng các dịch vụ cục bộ / stop local services."""
    from signing.devpki import stop_dev_pki
    from storage.local_minio import stop_local_minio

    settings = _settings()
    stop_local_minio(settings)
    stop_dev_pki(settings)


@app.command()
def demo() -> None:
    """Chạy thử trên hồ sơ mẫu đi kèm / ingest the bundled samples and query them."""
    from flows.demo import run_demo

    summary = run_demo(_settings())
    raise typer.Exit(int(ExitCode.OK if summary.complete else ExitCode.FAILURE))


def main() -> None:
    """Console entry point: one handler maps every SohoaError to its exit code."""
    try:
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except SohoaError as e:
        typer.echo(f"Lỗi / error [{e.code}]: {e.message}", err=True)
        sys.exit(int(e.exit_code))
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("Đã huỷ / aborted", err=True)
        sys.exit(130)
    except typer.TyperException as e:  # usage errors (typer's own click): message and their exit code, 2
        show = getattr(e, "show", None)
        if show is None:
            raise
        show()
        sys.exit(getattr(e, "exit_code", int(ExitCode.BAD_INPUT)))


if __name__ == "__main__":
    main()
