"""``mlflow-upgrade backup`` and ``restore``: parse arguments, call :mod:`mlflow_upgrade.api`, render."""

from __future__ import annotations

import sys

import click
from rich.table import Table

from mlflow_upgrade import api
from mlflow_upgrade.cli.render import escape, print_json, progress, stdout


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def _summary_table() -> Table:
    """Two borderless columns: a dim label, then its value."""
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="dim")
    table.add_column()
    return table


def _progress_wanted(as_json: bool) -> bool:
    return not as_json and sys.stderr.isatty()


@click.command("backup")
@click.argument("uri")
@click.option("--out", "out_dir", metavar="DIR", type=click.Path(file_okay=False),
              help="Backup directory (created 0700). Default: ./mlflow-upgrade-backups/<db>-<UTC time>/.")
@click.option("--method", type=click.Choice(["auto", "native", "logical"]), default="auto", show_default=True,
              help="native: SQLite backup API / pg_dump / mariadb-dump; logical: streamed through SQLAlchemy; "
                   "auto: native when a compatible tool is installed.")
@click.option("--force", is_flag=True, help=(
    "Replace a previous mlflow-upgrade backup in --out (recognised by its manifest.json; only its files are "
    "removed, and any other file in --out refuses the backup)."))
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON.")
def backup_command(uri: str, out_dir: str | None, method: str, force: bool, as_json: bool) -> None:
    """Back up the tracking (or auth) database at URI, with a checksummed manifest.

    URI is a database URI: sqlite:///mlflow.db, postgresql://user:pw@host/db, mysql://user:pw@host/db.
    """
    with progress(_progress_wanted(as_json)) as shown:
        manifest = api.backup(uri, out_dir, method=method, force=force, progress=shown)
    if as_json:
        print_json(manifest)
        return
    stdout.print(f"[bold green]backup written[/] {escape(str(manifest.directory))}")
    summary = _summary_table()
    summary.add_row("source", escape(manifest.source_uri))
    summary.add_row("method", manifest.method)
    summary.add_row("schema revision", escape(_revisions(manifest.version_tables)))
    summary.add_row("tables / rows", f"{len(manifest.row_counts)} / {manifest.total_rows:,}")
    for f in manifest.files:
        summary.add_row("file", f"{escape(f.name)}  {_size(f.size)}  sha256 {f.sha256[:16]}…")
    summary.add_row("manifest", escape(str(manifest.path)))
    stdout.print(summary)
    _print_counts(manifest.row_counts, None)


@click.command("restore")
@click.argument("backup", type=click.Path(exists=True))
@click.option("--to", "target_uri", metavar="URI",
              help="Restore into this database (same dialect) instead of the backup's source. Required when the "
                   "source URI had a password: manifests keep only the masked URI.")
@click.option("--force", is_flag=True, help="Drop the target's tables first when it is not empty (the target only).")
@click.option("--json", "as_json", is_flag=True, help="Print the restore report as JSON.")
def restore_command(backup: str, target_uri: str | None, force: bool, as_json: bool) -> None:
    """Restore BACKUP (a backup directory or its manifest.json), then check every table's row count."""
    with progress(_progress_wanted(as_json)) as shown:
        report = api.restore(backup, target_uri, force=force, progress=shown)
    if as_json:
        print_json(report)
        return
    stdout.print(f"[bold green]restored[/] {escape(str(report.backup.parent))} → {escape(report.target_uri)}")
    summary = _summary_table()
    summary.add_row("method", report.method)
    summary.add_row("schema revision", escape(report.schema_revision or "-"))
    if report.dropped_tables:
        summary.add_row("dropped first", f"{len(report.dropped_tables)} tables (--force)")
    summary.add_row("rows", f"{sum(report.restored_counts.values()):,} in {len(report.restored_counts)} tables, "
                            "all counts match the manifest")
    summary.add_row("time", f"{report.duration_s:.1f} s")
    stdout.print(summary)


def _revisions(versions: dict[str, list[str]]) -> str:
    return ", ".join(f"{t}={'+'.join(v) or '-'}" for t, v in versions.items()) or "- (no alembic version table)"


def _print_counts(counts: dict[str, int], limit: int | None = 12) -> None:
    busiest = sorted(((n, t) for t, n in counts.items() if n), reverse=True)
    if not busiest:
        return
    table = Table(title="largest tables" if limit else None, title_justify="left")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for n, name in busiest[: limit or 12]:
        table.add_row(escape(name), f"{n:,}")
    stdout.print(table)
