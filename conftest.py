"""Let nbval run the book's MyST-Markdown chapters, not only ``.ipynb`` files.

nbval collects ``.ipynb`` files and reads them with ``nbformat.read``. For a ``.md`` file whose
front matter declares a jupytext notebook, we collect it with nbval's own ``IPyNbFile`` and hand
it the notebook that jupytext reads from the Markdown. Plain Markdown pages are left alone.
"""
from __future__ import annotations

import re
import types
from pathlib import Path

import jupytext
import nbval.plugin
import pytest
from nbval.plugin import IPyNbFile

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def is_text_notebook(path: Path) -> bool:
    """True for a ``.md`` file whose YAML front matter has a ``jupytext`` or ``kernelspec`` key."""
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---"):
        return False
    header = text.split("---", 2)[1]
    return bool(re.search(r"^(jupytext|kernelspec):", header, flags=re.M))


class MystNotebookFile(IPyNbFile):
    """nbval's notebook collector, fed by jupytext instead of nbformat."""

    def collect(self):
        shim = types.SimpleNamespace(read=lambda path, as_version=4: jupytext.read(path))
        real = nbval.plugin.nbformat
        nbval.plugin.nbformat = shim
        try:
            return list(super().collect())
        finally:
            nbval.plugin.nbformat = real


def pytest_collect_file(file_path: Path, parent):
    opt = parent.config.option
    if (opt.nbval or opt.nbval_lax) and file_path.suffix == ".md" and is_text_notebook(file_path):
        return MystNotebookFile.from_parent(parent, path=file_path)
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Strip the kernel's colour codes so a failing chapter's traceback reads cleanly."""
    rep = yield
    if rep.failed and isinstance(rep.longrepr, str):
        rep.longrepr = _ANSI.sub("", rep.longrepr)
    return rep
