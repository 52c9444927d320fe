"""MLU302: a requirement pin that excludes MLflow 3 (``mlflow<3``, ``mlflow==2.9.2``, ``mlflow=2.9`` in conda)."""

from __future__ import annotations

import re

from mlflow_upgrade.codemod.registry import Rule, register

TARGET = "3.17.2"  # the release the codemod targets (the newest installable 3.x)
# The package name exactly (PEP 503: case and `-`/`_`/`.` are equivalent; `fastapi-mlflow` or `mlflow-export-import`
# are other packages), then the specifier up to a quote, comment, semicolon (markers) or end of line.
PIN = re.compile(
    r"""(?<![\w.-])(?P<pkg>(?i:mlflow)(?:[-_.](?i:skinny))?)(?![\w.-])(?:\[[^\]]*\])?\s*(?P<spec>(?:[<>=!~^]=?|={1,2})\s*[0-9][^"'#;\s,]*"""
    r"""(?:\s*,\s*[<>=!~]=?\s*[0-9][^"'#;\s,]*)*)""")
POETRY = re.compile(r"""^\s*(?P<pkg>(?i:mlflow)(?:[-_.](?i:skinny))?)\s*=\s*(?:\{[^}]*version\s*=\s*)?["'](?P<spec>[^"']+)["']""")


def excludes_target(spec: str, conda: bool) -> bool:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    spec = spec.replace(" ", "")
    if spec.startswith("^"):  # poetry caret: ^2.9 means >=2.9,<3
        major = spec[1:].split(".")[0]
        return major.isdigit() and int(major) < 3
    if conda and re.fullmatch(r"=[0-9][^=<>!,]*", spec):  # conda `mlflow=2.9` means 2.9.*
        spec = "=" + spec + (".*" if spec.count(".") < 2 else "")
    try:
        return not SpecifierSet(spec).contains(TARGET, prereleases=True)
    except InvalidSpecifier:
        return False


@register
class MlflowPin(Rule):
    code = "MLU302"
    name = "mlflow-pin"
    summary = "a requirement pins MLflow below 3 (requirements.txt, pyproject.toml, conda environment)"
    fixable = "never"
    since = "MLflow 3.0.0 (the code fixes of this tool target 3.x; a `<3` pin keeps installing 2.x)."

    def config(self, ctx, kind: str, text: str) -> None:
        if kind not in ("requirements", "pyproject", "conda"):
            return None
        for number, line in enumerate(text.splitlines(), start=1):
            stripped = line.split("#", 1)[0] if kind != "pyproject" or not line.lstrip().startswith("#") else ""
            for match in [*PIN.finditer(stripped), *(POETRY.finditer(stripped) if kind == "pyproject" else [])]:
                spec = match.group("spec")
                if excludes_target(spec, conda=kind == "conda"):
                    pkg = match.group("pkg")
                    ctx.report_at(self, number, match.start() + 1,
                                  f"`{pkg}{spec.strip()}` excludes MLflow 3 (the code upgrade targets {TARGET})",
                                  suggestion=f"`{pkg}>=3,<4` (or `{pkg}=={TARGET}` to pin exactly); upgrade the "
                                  "tracking server first (`mlflow-upgrade upgrade`)")
        return None
