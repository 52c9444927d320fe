"""Running the servers' own dump and restore tools (pg_dump, mariadb-dump, …) for the dialect modules: finding
them, streaming into and out of them, and turning their failures into one masked line."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from mlflow_upgrade import errors, safe_files
from mlflow_upgrade.store.masking import mask_uri


def find_tool(names: Sequence[str], extra_dirs: Sequence[str] = ()) -> list[str]:
    """Absolute paths of executables called ``names``, from $PATH then ``extra_dirs`` (globs allowed)."""
    found: list[str] = []
    for name in names:
        path = shutil.which(name)
        if path and path not in found:
            found.append(path)
    for pattern in extra_dirs:
        for directory in sorted(Path("/").glob(pattern.lstrip("/")), reverse=True):
            for name in names:
                candidate = directory / name
                if candidate.is_file() and os.access(candidate, os.X_OK) and str(candidate) not in found:
                    found.append(str(candidate))
    return found


def tool_version(path: str) -> str:
    """First line of ``tool --version``."""
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30, check=False)
    except OSError as exc:
        return f"unavailable ({exc})"
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr).strip() else ""


def tool_failed(tool: str, stderr: bytes | str, secrets: Sequence[str] = ()) -> errors.OperationFailed:
    """One line for a failed dump/restore tool: its first meaningful stderr line, passwords masked."""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    first = mask_uri(lines[0]) if lines else "no error output"
    if any("no space left on device" in line.lower() for line in lines):
        return errors.OperationFailed(f"{Path(tool).name} failed: disk full ({first}); free space and retry")
    return errors.OperationFailed(f"{Path(tool).name} failed: {first}")


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def run_tool(
    cmd: Sequence[str],
    env: dict[str, str],
    *,
    stdin_chunks: Iterable[bytes] | None = None,
    stdout_sink: Any = None,
    on_stderr_line: Any = None,
    secrets: Sequence[str] = (),
) -> None:
    """Run a dump/restore tool; stream ``stdin_chunks`` into it or its stdout into ``stdout_sink.write``.

    Stderr is read on a thread (``on_stderr_line`` sees each line, e.g. to advance a progress bar). A non-zero
    exit raises :func:`tool_failed` with the first stderr line, secrets and URIs masked.
    """
    stderr_lines: list[bytes] = []

    def read_stderr(stream: Any) -> None:
        for raw in stream:
            stderr_lines.append(raw)
            if on_stderr_line is not None:
                on_stderr_line(raw.decode("utf-8", "replace").rstrip())

    try:
        proc = subprocess.Popen(
            list(cmd), env=env, stdin=subprocess.PIPE if stdin_chunks is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE if stdout_sink is not None else subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
    except OSError as exc:
        raise errors.OperationFailed(f"cannot run {Path(cmd[0]).name}: {exc.strerror}") from None
    reader = threading.Thread(target=read_stderr, args=(proc.stderr,), daemon=True)
    reader.start()
    try:
        if stdin_chunks is not None:
            _feed(proc, stdin_chunks)
        elif stdout_sink is not None:
            assert proc.stdout is not None
            while chunk := proc.stdout.read(1 << 20):
                stdout_sink.write(chunk)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    rc = proc.wait()
    reader.join(timeout=30)
    if rc != 0:
        raise tool_failed(cmd[0], b"".join(_error_lines(stderr_lines)), secrets)


def _feed(proc: subprocess.Popen, chunks: Iterable[bytes]) -> None:
    assert proc.stdin is not None
    try:
        for chunk in chunks:
            proc.stdin.write(chunk)
        proc.stdin.close()
    except BrokenPipeError:  # the tool stopped reading: its exit code and stderr say why
        pass


def _error_lines(lines: list[bytes]) -> list[bytes]:
    """Prefer lines that report an error over verbose progress lines."""
    markers = (b"error", b"fatal", b"failed", b"denied", b"no space", b"could not")
    errs = [line for line in lines if any(m in line.lower() for m in markers)]
    return errs or lines


def private_file(path: Path) -> int:
    """Create ``path`` (which must not exist, not even as a link) readable and writable by its owner only."""
    return safe_files.create_new(path, "backup file")
