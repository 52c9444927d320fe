"""``disk_space``: room for the backup (and, for a file database, for rebuilding tables next to it)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from mlflow_upgrade.backup import DEFAULT_PARENT
from mlflow_upgrade.upgrade.preflight.base import FAIL, OK, Check, Context, register

BACKUP_SIZE_FACTOR = 1.2  # logical dumps run a little larger than the live data; leave a margin


@register("disk_space",
          how="database size (file size / `pg_database_size` / `information_schema.TABLES`) × 1.2 against free "
              "space where the backup goes; SQLite also needs room to rebuild tables")
def check_disk_space(ctx: Context) -> Check:
    ref, no_backup = ctx.ref, ctx.no_backup
    size = ctx.dialect.database_size(ref, ctx.conn)
    need_backup = 0 if no_backup else int(size * BACKUP_SIZE_FACTOR)
    where = _existing_parent(Path(ctx.backup_dir) if ctx.backup_dir else default_backup_dir())
    free = shutil.disk_usage(where).free
    problems = []
    if need_backup and free < need_backup:
        problems.append(f"the backup needs ~{mb(need_backup)} but {where} has {mb(free)} free: free space or "
                        "pass --backup-dir on a larger disk")
    if ctx.dialect.is_file_database:
        # Batch mode copies a table while it rebuilds it; the largest table can need its own size again.
        assert ref.path is not None
        db_free = shutil.disk_usage(ref.path.parent).free
        same_disk = os.stat(ref.path.parent).st_dev == os.stat(where).st_dev
        need_here = size + (need_backup if same_disk else 0)
        if db_free < need_here:
            problems.append(f"{ref.path.parent} has {mb(db_free)} free; rebuilding tables (and the backup) needs "
                            f"~{mb(need_here)}")
    details = {"database_bytes": size, "backup_bytes_needed": need_backup, "free_bytes": free,
               "backup_dir": str(where)}
    if problems:
        return Check("disk_space", FAIL, "; ".join(problems), details=details)
    if no_backup:
        return Check("disk_space", OK, f"no backup requested (database ~{mb(size)})", details=details)
    return Check("disk_space", OK, f"backup needs ~{mb(need_backup)}, {mb(free)} free at {where}", details=details)


def default_backup_dir() -> Path:
    return Path(DEFAULT_PARENT)


def _existing_parent(path: Path) -> Path:
    path = path.expanduser().resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n < 1e9 else f"{n / 1e9:.2f} GB"
