"""One error root for the whole project.

Each subclass carries its CLI exit code (``contract.md``), its HTTP status and a
stable machine ``code`` (used as the quarantine reason). Messages are given in
Vietnamese and English and say what to do next. Library errors (pikepdf,
pyHanko, minio, OpenCV) are translated where the library is called
(``raise ... from e``) and never escape a module.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1  # system failure; for ``verify``: invalid
    BAD_INPUT = 2
    INDETERMINATE = 3
    NOT_FOUND = 4


class SohoaError(Exception):
    """Root of every error sohoa raises on purpose."""

    exit_code: ExitCode = ExitCode.FAILURE
    http_status: int = 500
    code: str = "error"

    def __init__(self, vi: str, en: str, *, detail: str | None = None) -> None:
        self.vi = vi
        self.en = en
        self.detail = detail
        super().__init__(self.message)

    @property
    def message(self) -> str:
        text = f"{self.vi} / {self.en}"
        return f"{text} ({self.detail})" if self.detail else text

    def to_json(self) -> dict[str, str | None]:
        return {"code": self.code, "vi": self.vi, "en": self.en, "detail": self.detail}

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle with both messages, so the error survives worker processes (Dask, process pools)."""
        return (_rebuild, (type(self), self.vi, self.en, self.detail))


def _rebuild(kind: type[SohoaError], vi: str, en: str, detail: str | None) -> SohoaError:
    return kind(vi, en, detail=detail)


# --- bad input: exit 2, HTTP 422, quarantine in batches -------------------------------


class InputFileError(SohoaError):
    exit_code = ExitCode.BAD_INPUT
    http_status = 422
    code = "bad_input"


class FileNotFound(InputFileError):
    code = "file_not_found"


class EmptyFileError(InputFileError):
    code = "empty_file"


class UnsupportedFormatError(InputFileError):
    code = "unsupported_format"


class MislabelledFileError(InputFileError):
    """The extension promises one format and the bytes are another."""

    code = "mislabelled_file"


class CorruptFileError(InputFileError):
    code = "corrupt_file"


class TruncatedFileError(CorruptFileError):
    code = "truncated_file"


class EncryptedPdfError(InputFileError):
    code = "encrypted_pdf"


class TooLargeError(InputFileError):
    code = "too_large"


class TooManyPagesError(InputFileError):
    code = "too_many_pages"


class DecompressionBombError(InputFileError):
    code = "too_many_pixels"


class NoPagesError(InputFileError):
    code = "no_pages"


class InvalidManifestError(InputFileError):
    code = "invalid_manifest"


# --- not found / not allowed: exit 4 ---------------------------------------------------


class NotFoundError(SohoaError):
    exit_code = ExitCode.NOT_FOUND
    http_status = 404
    code = "not_found"


class PermissionDeniedError(SohoaError):
    exit_code = ExitCode.NOT_FOUND
    http_status = 403
    code = "forbidden"


class AuthenticationError(SohoaError):
    exit_code = ExitCode.NOT_FOUND
    http_status = 401
    code = "unauthenticated"


class ConflictError(SohoaError):
    http_status = 409
    code = "conflict"


# --- system failures: exit 1 -----------------------------------------------------------


class ConfigurationError(SohoaError):
    code = "configuration"


class MissingDependencyError(SohoaError):
    http_status = 503
    code = "missing_dependency"


class ToolError(SohoaError):
    """An external program failed, timed out or printed something unexpected."""

    code = "tool_failed"


class ToolTimeoutError(ToolError):
    code = "tool_timeout"


class StorageError(SohoaError):
    http_status = 503
    code = "storage"


class ObjectLockError(StorageError):
    """A bucket lacks object lock, or a locked version was to be changed."""

    code = "object_lock"


class IntegrityError(StorageError):
    """Read-back content does not match the hash that was written."""

    code = "integrity"


class CatalogError(SohoaError):
    http_status = 503
    code = "catalog"


class SigningError(SohoaError):
    code = "signing"


class TimestampError(SigningError):
    http_status = 503
    code = "timestamp"


class AuditChainError(SohoaError):
    code = "audit_chain"
