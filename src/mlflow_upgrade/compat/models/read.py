"""Read a model directory's small files (``MLmodel``, its environment files, a custom model's pickle) from the
artifact store: local paths directly, every other scheme (``mlflow-artifacts:``, s3, gs, …) through the installed
MLflow's own artifact repositories.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

from mlflow_upgrade.store.masking import mask_uri

MLMODEL = "MLmodel"
MAX_BYTES = 16 * 1024 * 1024  # an MLmodel or requirements file is a few kB; a custom model's pickle may be more


class Unreadable(Exception):
    """One model's files could not be read: its row says why; the inventory goes on."""


class ArtifactReader:
    """Reads files under model directories. ``tracking_uri`` resolves ``mlflow-artifacts:`` locations (the
    tracking server that proxies them)."""

    def __init__(self, tracking_uri: str | None = None) -> None:
        self.tracking_uri = tracking_uri

    def read(self, location: str, name: str, *, optional: bool = False) -> bytes | None:
        """``name`` under the model directory ``location``; None if ``optional`` and absent."""
        local = local_path(location)
        if local is not None:
            return self._read_local(local / name, location, name, optional)
        return self._read_remote(location, name, optional)

    def _read_local(self, path: Path, location: str, name: str, optional: bool) -> bytes | None:
        try:
            if path.stat().st_size > MAX_BYTES:
                raise Unreadable(f"{name} under {mask_uri(location)} is larger than {MAX_BYTES // 2**20} MB")
            return path.read_bytes()
        except FileNotFoundError:
            if optional:
                return None
            raise Unreadable("the model directory does not exist" if not path.parent.exists()
                             else f"no {name} in the model directory") from None
        except OSError as exc:
            raise Unreadable(f"cannot read {name}: {exc.strerror or exc}") from None

    def _read_remote(self, location: str, name: str, optional: bool) -> bytes | None:
        if location.startswith("mlflow-artifacts:") and not self.tracking_uri:
            raise Unreadable(f"{mask_uri(location)} is served by the tracking server: pass --server URL to read it")
        # lazy: MLflow's artifact repositories (boto3, azure, … behind them) only when a remote location occurs
        from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository

        try:
            repo = get_artifact_repository(location, tracking_uri=self.tracking_uri)
            with tempfile.TemporaryDirectory(prefix="mlu-models-") as tmp:
                path = repo.download_artifacts(name, dst_path=tmp)
                if os.path.getsize(path) > MAX_BYTES:
                    raise Unreadable(f"{name} under {mask_uri(location)} is larger than {MAX_BYTES // 2**20} MB")
                return Path(path).read_bytes()
        except Unreadable:
            raise
        except Exception as exc:
            if _is_missing(exc):
                if optional:
                    return None
                raise Unreadable(f"no {name} at this location (the artifact store answers: not found)") from None
            # MLflow's download errors put the cause on the following lines: one line, all of it
            text = " ".join(str(exc).split()) or type(exc).__name__
            raise Unreadable(f"cannot read {name}: {mask_uri(text)[:400]}") from None


def local_path(location: str) -> Path | None:
    """The directory of a ``file:`` URI or a plain path; None for any other scheme."""
    parts = urlsplit(location)
    if parts.scheme == "file":
        return Path(unquote(parts.path))
    if parts.scheme == "" or (len(parts.scheme) == 1 and os.name == "nt"):  # a path (C:\ on Windows)
        return Path(location).expanduser().resolve()
    return None


def _is_missing(exc: Exception) -> bool:
    text = str(exc).lower()
    return isinstance(exc, (FileNotFoundError, OSError)) or any(
        s in text for s in ("404", "not found", "does not exist", "no such file", "nosuchkey"))
