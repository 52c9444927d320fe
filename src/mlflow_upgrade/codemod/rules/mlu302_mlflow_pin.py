"""MLU302: a requirement pin that excludes MLflow 3 (``mlflow<3``, ``mlflow==2.9.2``, ``mlflow=2.9`` in conda)."""

from __future__ import annotations

from mlflow_upgrade.codemod.registry import Rule, register
from mlflow_upgrade.compat.pins import PIN, POETRY, excludes

TARGET = "3.17.2"  # the release the codemod targets (the newest installable 3.x)


def excludes_target(spec: str, conda: bool) -> bool:
    """The pin excludes TARGET (what a pin is and how conda/Poetry specifiers read: compat.pins, the one owner)."""
    return excludes(spec, TARGET, conda=conda)


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
