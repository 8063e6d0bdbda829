"""The one place where external programs are started.

Each external program (tesseract, qpdf, pdfsig, minio, postgres) has a small
wrapper module in its own concern folder; those wrappers build the command line
and call ``run`` here, which applies a timeout, keeps stderr and turns every
failure into a ``SohoaError``. A fault that cannot be caused for real is injected
in tests by swapping ``RUNNER`` (and the test says it is a fake).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from sohoa.errors import MissingDependencyError, ToolError, ToolTimeoutError

Runner = Callable[..., subprocess.CompletedProcess[bytes]]
RUNNER: Runner = subprocess.run


def require(program: str, *, hint: str | None = None) -> str:
    """Absolute path of ``program`` on PATH, or a MissingDependencyError naming the fix."""
    found = shutil.which(program)
    if found is None:
        fix = hint or "scripts/setup"
        raise MissingDependencyError(
            f"Thiếu chương trình {program}; hãy chạy {fix}",
            f"{program} is not installed; run {fix}",
        )
    return found


def run(
    args: Sequence[str | Path],
    *,
    timeout: float,
    env: Mapping[str, str] | None = None,
    input: bytes | None = None,
    cwd: Path | None = None,
    ok_codes: Sequence[int] = (0,),
    stdin: int | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run a program to completion; raise ToolError (with its stderr) when it fails.

    ``stdin`` (a file descriptor, e.g. a pipe's read end written to later) replaces ``input``
    for a program that must start before its input is known.
    """
    argv = [str(a) for a in args]
    name = Path(argv[0]).name
    try:
        proc = RUNNER(argv, capture_output=True, timeout=timeout, env=env, input=input, stdin=stdin, cwd=cwd, check=False)
    except FileNotFoundError as e:
        raise MissingDependencyError(
            f"Không tìm thấy chương trình {name}; hãy chạy scripts/setup",
            f"{name} was not found; run scripts/setup",
        ) from e
    except subprocess.TimeoutExpired as e:
        raise ToolTimeoutError(
            f"{name} chạy quá {timeout:.0f} giây", f"{name} took longer than {timeout:.0f} s"
        ) from e
    if proc.returncode not in ok_codes:
        stderr = proc.stderr.decode(errors="replace").strip()[-2000:]
        raise ToolError(
            f"{name} thất bại (mã {proc.returncode})",
            f"{name} failed (exit {proc.returncode})",
            detail=stderr or None,
        )
    return proc
