"""The verdicts against what really happens: servers and clients of real releases (the research's 5 x 5 matrix).

One test (one xdist worker) starts the five servers from their own venvs on loopback ports, probes each, runs each
release's client against all five (tests/compat/client_probe.py) and checks every pair:
  * BREAKING exactly when a core feature (tracking, log_model, register_model) failed, naming those features;
  * every feature that failed is flagged, and every feature flagged as missing (no fallback) failed when run.
Servers are stopped as process groups at the end, also on failure.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlflow_upgrade import errors
from mlflow_upgrade.catalog import routes
from mlflow_upgrade.compat import judge, known_releases, server_release
from mlflow_upgrade.compat.verdict import FEATURES
from tests.cli_helpers import run_cli
from tests.compat import servers

pytestmark = pytest.mark.slow


def _check_pair(client: str, server: str, outcome: dict[str, str]) -> list[str]:
    verdict = judge(client, server)
    failed = {f for f, o in outcome.items() if o.startswith("error")}
    ran = {f for f, o in outcome.items() if o == "ok" or o.startswith("error")}
    flagged = {r.feature for r in verdict.reasons if not r.works}
    problems = []
    core_failed = {f for f in failed if FEATURES[f].core}
    if set(verdict.breaking) != core_failed:
        problems.append(f"BREAKING for {sorted(verdict.breaking)}, core features that failed: {sorted(core_failed)}")
    if failed - flagged:
        problems.append(f"failed but not flagged: {sorted(failed - flagged)}")
    if (flagged & ran) - failed:
        problems.append(f"flagged but worked: {sorted((flagged & ran) - failed)}")
    return [f"{client} -> {server} ({verdict.level.name}): {p} | {json.dumps(outcome)}" for p in problems]


def test_matrix_against_real_servers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    table = routes.load()
    auth = "2.9.2" + servers.AUTH
    with servers.servers((*servers.MATRIX, auth), tmp_path) as urls:
        # basic auth (2.9.2 protects /version): 401 said plainly, then the version with MLflow's credentials
        auth_url = urls.pop(auth)
        for name in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN"):
            monkeypatch.delenv(name, raising=False)
        with pytest.raises(errors.ConnectionFailed, match="401 Unauthorized"):
            server_release(auth_url, table, known_releases())
        monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "admin")
        monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "wrong")
        with pytest.raises(errors.ConnectionFailed, match="credentials given"):
            server_release(auth_url, table, known_releases())
        monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "password")
        assert server_release(auth_url, table, known_releases())[1] == "2.9.2"
        monkeypatch.delenv("MLFLOW_TRACKING_USERNAME")
        monkeypatch.delenv("MLFLOW_TRACKING_PASSWORD")

        # the probe on every release of the matrix: /version from 2.1.0, routes before
        for release, url in urls.items():
            info, version, evidence = server_release(url, table, known_releases())
            assert version == release, (release, evidence, info.endpoints, info.routes)
            assert (evidence == "GET /version") == (release != "1.30.1"), evidence
        cli = run_cli("compat", "--server", urls["1.30.1"], "--client", "2.9.2", "--target", "2.9.2", "--json")
        data = json.loads(cli.stdout)
        assert data["server"] == "1.30.1" and "no /version" in data["server_source"], cli.output
        # 2.9.2 against 1.30.1 now: aliases and log_input missing (CAUTION); against the 2.9.2 target: SAFE (exit 0)
        assert data["clients"][0]["before"]["verdict"] == "CAUTION" and cli.returncode == 0, cli.output

        procs = {c: servers.run_client(c, list(urls.values()), tmp_path) for c in servers.MATRIX}
        by_url = {url: release for release, url in urls.items()}
        results = {c: {by_url[u]: o for u, o in servers.client_results(p).items()} for c, p in procs.items()}
    problems = [p for c, row in results.items() for s, outcome in row.items() for p in _check_pair(c, s, outcome)]
    assert not problems, "\n".join(problems)
    # the research's headline facts, seen again
    assert "404" in results["3.17.2"]["2.9.2"]["log_model"] and "logged-models" in results["3.17.2"]["2.9.2"][
        "log_model"]
    assert "preview/mlflow/registered-models/create" in results["1.30.1"]["3.17.2"]["register_model"]
    assert results["2.16.2"]["3.17.2"]["tracing"] == "ok"
