"""Fingerprints of every row of a tracking store, computed inside the database, and their comparison.

A fingerprint holds, per table, the columns and primary key that existed when it was taken and one digest per
*bucket* of rows: ``[row count, one checksum per compared column, row checksum]``. Small tables are bucketed by
their primary key (one row per bucket: a difference names the exact row); large ones by the run, trace,
experiment or model they belong to (a difference names that owner and the columns that differ). The checksums
are SQL aggregates, so the rows never travel to Python:

* integer columns: ``sum(col)`` (exact; the before value of a one-row bucket is its sum);
* float columns: exact text hash on PostgreSQL/MySQL; ``total(col)`` on SQLite (exact for a one-row bucket,
  compared with a 1e-12 relative tolerance for larger buckets because SQLite sums floats in scan order);
* text and other columns: ``hashtext`` (PostgreSQL), ``CRC32`` (MySQL), a registered CRC-32 function (SQLite);
* the row checksum is the sum of squared per-row mixes of all compared columns, so values swapped between rows
  of one bucket are seen too.

A later state is always fingerprinted with the *earlier* fingerprint's specification (its columns, key,
buckets, filters), so columns and tables added by migrations are ignored by construction, and a column type
change (``VARCHAR(250)`` → ``TEXT``, ``FLOAT`` → ``DOUBLE``) is normalised by casting to the earlier kind.
Changes that MLflow's own migrations make on purpose are listed in :mod:`..expectations` and excluded.
"""

from __future__ import annotations

from mlflow_upgrade.upgrade.verify.fingerprint.compare import compare_fingerprints
from mlflow_upgrade.upgrade.verify.fingerprint.model import Difference, Fingerprint, TableFingerprint
from mlflow_upgrade.upgrade.verify.fingerprint.take import expected_changes, take_fingerprint

__all__ = ["Difference", "Fingerprint", "TableFingerprint", "compare_fingerprints", "expected_changes",
           "take_fingerprint"]
