"""Regenerate ``tests/codemod/corpus/`` from MLflow source releases (run by hand; the corpus is committed).

MLflow's sdists on PyPI do not ship ``examples/``; the public 1.x/2.x code they do ship is the usage examples in
the API docstrings (``.. code-block:: python``), written for that release. Each block that parses becomes one
file, named after the module it documents, with its origin in a header comment (Apache-2.0, see LICENSE.txt).

    pip download --no-deps --no-binary :all: mlflow==1.30.1 mlflow==2.9.2 -d /tmp/sdists
    tar xzf ... ; python tests/codemod/make_corpus.py /tmp/sdists/mlflow-1.30.1 /tmp/sdists/mlflow-2.9.2

Real projects that use MLflow (``corpus/projects/``): the sdists on PyPI of the packages in :data:`PROJECTS`
(written for MLflow 1.x/2.x, permissive licences). Every file that mentions MLflow is kept at its path in the
sdist, with the project's licence and a line in ``projects/PROVENANCE.md``; ``expected.json`` beside them holds
the hand-checked labels that tests/codemod/test_corpus_precision.py measures recall and precision against.

    pip download --no-deps --no-binary :all: <each name==version of PROJECTS> -d /tmp/sdists
    tar xzf ... ; python tests/codemod/make_corpus.py --projects /tmp/sdists
"""

from __future__ import annotations

import ast
import re
import shutil
import sys
import textwrap
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"
BLOCK = re.compile(r"^(?P<indent>[ \t]*)\.\. code-block:: (?:python|py)\s*\n(?P<body>(?:(?:(?P=indent)[ \t]+.*)?\n)+)",
                   re.MULTILINE)


def blocks(source: str):
    for match in BLOCK.finditer(source):
        body = textwrap.dedent(match.group("body")).strip("\n") + "\n"
        lines = body.splitlines()
        while lines and (lines[0].startswith(":") or not lines[0].strip()):  # rst options (:caption: ...)
            lines.pop(0)
        lines = [line for line in lines if not line.lstrip().startswith((">>>", "..."))]
        body = "\n".join(lines) + "\n"
        if "mlflow" not in body:
            continue
        try:
            ast.parse(body)
        except SyntaxError:
            continue
        yield body


def main(releases: list[str]) -> None:
    for release_dir in map(Path, releases):
        release = release_dir.name  # mlflow-1.30.1
        out = CORPUS / release
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        count = 0
        for py in sorted((release_dir / "mlflow").rglob("*.py")):
            module = ".".join(py.relative_to(release_dir).with_suffix("").parts)
            for n, body in enumerate(blocks(py.read_text(encoding="utf-8")), start=1):
                header = f"# From the {module} docstring, {release} sdist (Apache-2.0, see ../LICENSE.txt).\n"
                (out / f"{module.replace('.', '_')}_{n}.py").write_text(header + body, encoding="utf-8")
                count += 1
        shutil.copy(release_dir / "LICENSE.txt", CORPUS / "LICENSE.txt")
        print(f"{release}: {count} files")


# name==version -> (licence, where the licence text comes from)
PROJECTS = {
    "actarius==0.0.2": ("MIT", "PKG-INFO classifier; sdist ships no licence file"),
    "aim-mlflow==0.2.1": ("Apache-2.0", "LICENSE"),
    "airflow-provider-mlflow==1.1.0": ("Apache-2.0", "LICENSE"),
    "bigmlflow==1.0.2": ("Apache-2.0", "LICENSE"),
    "mlflavors==0.1.0": ("BSD-3-Clause", "PKG-INFO License field; sdist ships no licence file"),
    "mlflow-extend==0.1.6": ("MIT", "PKG-INFO classifier; sdist ships no licence file"),
    "mlflow-vizmod==1.1.3": ("MIT", "PKG-INFO classifier; sdist ships no licence file"),
}
KEEP = (".py", ".ipynb", ".yaml", ".yml", ".txt", ".toml", ".cfg", ".sh")
SKIP = ("egg-info", "versioneer.py", "_version.py")


def projects(sdists: Path) -> None:
    out = CORPUS / "projects"
    lines = ["# Provenance of corpus/projects/", "",
             "Each folder is the part of one PyPI sdist that mentions MLflow, unchanged, at its path in the sdist.",
             "", "| Folder | PyPI release | Licence | Licence text |", "|---|---|---|---|"]
    for spec, (licence, source) in PROJECTS.items():
        name, version = spec.split("==")
        found = [d for d in sdists.iterdir() if d.is_dir() and d.name.lower().replace("_", "-") ==
                 f"{name}-{version}".lower()]
        src = found[0]
        dest = out / f"{name}-{version}"
        shutil.rmtree(dest, ignore_errors=True)
        for path in sorted(src.rglob("*")):
            rel = path.relative_to(src)
            if not path.is_file() or any(s in str(rel) for s in SKIP) or not path.name.endswith(KEEP):
                continue
            data = path.read_bytes()
            if b"mlflow" not in data:
                continue
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            (dest / rel).write_bytes(data)
        for meta in ("LICENSE", "PKG-INFO"):
            if (src / meta).exists():
                shutil.copy(src / meta, dest / (meta + ".txt" if meta == "LICENSE" else meta))
        lines.append(f"| {dest.name} | https://pypi.org/project/{name}/{version}/ | {licence} | {source} |")
    (out / "PROVENANCE.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--projects"]:
        projects(Path(sys.argv[2]))
    else:
        main(sys.argv[1:])
