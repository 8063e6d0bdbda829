"""Entry point of the development PKI's animator process: certomancer's CLI plus a pid-file watchdog.

``python -m signing.certomancer_animator PID_FILE <certomancer arguments…>`` runs
certomancer's command line *in this process* (no wrapper process: the pid the
starter records is the animator's) and a daemon thread that ends the process
once ``PID_FILE`` no longer names it — its PKI folder was deleted (a temporary
directory cleaned up by a script that never called ``stop_dev_pki``) or another
animator took its place. A long-lived PKI (``sohoa services start``) keeps its
pid file and lives on.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

CHECK_SECONDS = 2.0
GRACE_SECONDS = 60.0  # the starter writes the pid file just after the process starts


def main() -> None:
    pid_file, certomancer_args = Path(sys.argv[1]), sys.argv[2:]
    threading.Thread(target=_watch, args=(pid_file,), name="pid-file-watchdog", daemon=True).start()
    from certomancer.cli import cli

    cli(args=certomancer_args, prog_name="certomancer")


def _watch(pid_file: Path) -> None:
    """Exit once the pid file stops naming us (after it did, or after the start-up grace period)."""
    started, seen = time.monotonic(), False
    while True:
        time.sleep(CHECK_SECONDS)
        if _owner(pid_file) == os.getpid():
            seen = True
        elif seen or time.monotonic() - started > GRACE_SECONDS:
            os._exit(0)  # nothing to clean up: the animator keeps no state


def _owner(pid_file: Path) -> int | None:
    try:
        return int(pid_file.read_text())
    except (OSError, ValueError):
        return None


if __name__ == "__main__":
    main()
