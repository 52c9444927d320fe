"""Regenerate ``tests/codemod/corpus/`` from MLflow source releases (run by hand; the corpus is committed).

MLflow's sdists on PyPI do not ship ``examples/``; the public 1.x/2.x code they do ship is the usage examples in
the API docstrings (``.. code-block:: python``), written for that release. Each block that parses becomes one
file, named after the module it documents, with its origin in a header comment (Apache-2.0, see LICENSE.txt).

    pip download --no-deps --no-binary :all: mlflow==1.30.1 mlflow==2.9.2 -d /tmp/sdists
    tar xzf ... ; python tests/codemod/make_corpus.py /tmp/sdists/mlflow-1.30.1 /tmp/sdists/mlflow-2.9.2
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


if __name__ == "__main__":
    main(sys.argv[1:])
