"""Every file and directory mlflow-upgrade creates goes through here.

The tool writes at predictable paths (the upgrade's run marker next to a SQLite file, fingerprints, ``verify
--save``, backups, migrate-filestore's staging files). Anyone who can write to those folders could plant a
symbolic link there and have the tool overwrite the link's target. So:

* a new file is created with ``O_CREAT | O_EXCL | O_NOFOLLOW`` (an existing path, link or not, is refused),
  owner-only (0600);
* a file replaced in place (:func:`write_atomic`) is written to a fresh ``mkstemp`` file beside it, then renamed
  over it: a rename replaces a link, never the file it points to; a path the user gave that is a link is
  refused (the user may have meant its target);
* a private directory (:func:`private_dir`) is created 0700, or, when it exists, must be a real directory owned
  by this user that no one else can write;
* an ``OSError`` becomes one line naming the path and the reason (:class:`errors.OperationFailed`, exit 8), not
  an "unexpected error".
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from mlflow_upgrade import errors

_READ_OWN = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def cannot_write(what: str, path: str | Path, exc: OSError) -> errors.OperationFailed:
    """The one line for a write that failed (read-only folder, a file where a folder should be, disk full)."""
    reason = exc.strerror or type(exc).__name__
    return errors.OperationFailed(f"cannot write {what} {path}: {reason}; choose a writable location")


def refuse_symlink(path: Path, what: str) -> None:
    """Refuse ``path`` when it is a symbolic link: the tool writes the path it was given, never a link's target."""
    if path.is_symlink():
        raise errors.Refused(f"{what} {path} is a symbolic link: give the real path (nothing is written through a link)")


def read_own(path: str | Path, what: str, fix: str = "give the real file (nothing is read through a link)") -> str:
    """The text of a file the tool wrote (a run marker, a backup manifest), opened without following a link: a
    link there was planted, to make the tool trust another file's contents. FileNotFoundError and other
    OSErrors propagate; a link is refused with one line (``fix`` says what to do)."""
    try:
        fd = os.open(path, _READ_OWN)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # O_NOFOLLOW met a link as the last component
            raise errors.Refused(f"{what} {path} is a symbolic link: {fix}") from None
        raise
    with os.fdopen(fd, encoding="utf-8") as fh:
        return fh.read()


def create_new(path: str | Path, what: str = "file", mode: int = 0o600) -> int:
    """Create ``path``, which must not exist (not even as a link), with ``mode``; return its descriptor."""
    try:
        return os.open(path, _NEW_FILE, mode)
    except FileExistsError:
        raise errors.Refused(f"{what} {path} already exists (or is a link): nothing was overwritten") from None
    except OSError as exc:
        raise cannot_write(what, path, exc) from None


def write_atomic(path: str | Path, data: str | bytes, what: str = "file", *, given: bool = True) -> Path:
    """Write ``data`` to ``path`` (0600) all at once: a fresh temporary file beside it, then a rename.

    ``given``: the user named ``path``, so a link there is refused; a path of the tool's own (a run marker)
    that is a link is replaced by the file, its target untouched."""
    path = Path(path)
    if given:
        refuse_symlink(path, what)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise cannot_write(what, path, exc) from None
    return path


def private_dir(path: str | Path, what: str = "directory") -> Path:
    """Create ``path`` (and missing parents) 0700, or check that the existing one is safe to write into."""
    path = Path(path)
    try:
        path.mkdir(mode=0o700, parents=True)
        os.chmod(path, 0o700)  # mkdir's mode is filtered by the umask
    except FileExistsError:
        _check_private(path, what)
    except OSError as exc:
        raise cannot_write(what, path, exc) from None
    return path


def _check_private(path: Path, what: str) -> None:
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode):
        raise errors.Refused(f"{what} {path} is a symbolic link: remove it (nothing is written through a link)")
    if not stat.S_ISDIR(info.st_mode):
        raise errors.UsageError(f"{what} {path} exists and is not a directory")
    if info.st_uid != os.geteuid() or info.st_mode & 0o022:
        raise errors.Refused(
            f"{what} {path} belongs to another user or others may write to it: remove it, or choose another place"
        )


@contextlib.contextmanager
def private_tempdir(prefix: str = "mlflow-upgrade-") -> Iterator[Path]:
    """A fresh 0700 temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        yield Path(tmp)
