"""Headless Chromium for tests of the HTML report: the DOM after scripts ran, a screenshot, and every request
the page itself made (from Chromium's NetLog), with name resolution and the proxy pointing nowhere.

Debian's ``chromium`` package (``.ci/run`` installs it when absent). Requests the browser makes for itself
(component updates, account checks) are told apart from the page's by their network isolation key: the page's
carry its own ``file://`` site.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

NOWHERE = ["--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9"]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-default-apps", "--hide-scrollbars",
         *NOWHERE]


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        if path := shutil.which(name):
            return path
    pytest.fail("Chromium not found: apt-get install -y chromium (.ci/run does it)")


@dataclass
class PageRun:
    dom: str
    page_requests: list[str]  # URLs the page asked for, other than file: and data:


def open_page(page: Path, workdir: Path, *, timeout: float = 120) -> PageRun:
    netlog = workdir / "netlog.json"
    profile = workdir / "profile"
    done = subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", f"--log-net-log={netlog}",
                           "--dump-dom", page.resolve().as_uri()], capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-2000:]
    return PageRun(done.stdout, page_requests(netlog))


def screenshot(page: Path, out: Path, workdir: Path, *, size: str = "1280,2000", timeout: float = 120) -> Path:
    done = subprocess.run([chromium(), *FLAGS, f"--user-data-dir={workdir / 'profile-shot'}",
                           f"--window-size={size}", f"--screenshot={out}", page.resolve().as_uri()],
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0 and out.exists(), done.stderr[-2000:]
    return out


def page_requests(netlog: Path) -> list[str]:
    data = json.loads(netlog.read_text())
    types = {v: k for k, v in data["constants"]["logEventTypes"].items()}
    urls = []
    for event in data["events"]:
        params = event.get("params") or {}
        if types.get(event["type"]) != "URL_REQUEST_START_JOB" or "url" not in params:
            continue
        if str(params.get("network_isolation_key", "")).startswith("file://") and not params["url"].startswith(
                ("file:", "data:")):
            urls.append(params["url"])
    return urls
