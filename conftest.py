"""Let nbval run the book's MyST-Markdown chapters, not only ``.ipynb`` files.

nbval collects ``.ipynb`` files and reads them with ``nbformat.read``. For a ``.md`` file whose
front matter declares a jupytext notebook, we collect it with nbval's own ``IPyNbFile`` and hand
it the notebook that jupytext reads from the Markdown. Plain Markdown pages are left alone.

Two things happen to every chapter that nbval runs:

* **No network.** A first cell, added here and not part of the chapter, replaces the socket
  functions in the kernel with ones that raise: a chapter that tries to download anything fails
  (the kernel's own messages go through ZeroMQ, which this does not touch). nbval reports it as
  ``Cell 0``, so a chapter's own code cells are numbered from 1.
* **Seed subset.** With ``BOOK_SEED_ROTATE=FIRST:COUNT`` (``make test`` sets it), each chapter runs
  under one of the sweep seeds ``FIRST … FIRST+COUNT-1``, chosen by a hash of its path, so every
  ``make test`` checks the chapters under seeds other than the default that the book build uses.
  A failing chapter's report names the seed to reproduce it with.
"""
from __future__ import annotations

import os
import re
import types
import zlib
from pathlib import Path

import jupytext
from nbformat import v4 as nbformat_v4
import nbval.plugin
import pytest
from nbval.plugin import IPyNbFile

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
ROOT = Path(__file__).resolve().parent

# Run in the kernel before the chapter: every way to open a network connection raises.
NO_NETWORK = """\
import socket as _socket
def _blocked(*args, **kwargs):
    raise OSError("network access is blocked while a chapter executes (tests: conftest.py)")
for _name in ("connect", "connect_ex", "sendto", "sendmsg"):
    setattr(_socket.socket, _name, _blocked)
_socket.create_connection = _socket.getaddrinfo = _socket.gethostbyname = _blocked
del _socket, _blocked, _name
"""


def rotated_seed(path: Path):
    """The sweep seed this chapter runs under when ``BOOK_SEED_ROTATE=FIRST:COUNT`` is set, else None."""
    spec = os.environ.get("BOOK_SEED_ROTATE", "").strip()
    if not spec:
        return None
    try:
        first, count = (int(x) for x in spec.split(":"))
        assert first >= 0 and count >= 1
    except (ValueError, AssertionError) as exc:
        raise ValueError(f"BOOK_SEED_ROTATE must be FIRST:COUNT with FIRST >= 0, COUNT >= 1; got {spec!r}") from exc
    path = Path(path).resolve()
    rel = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.as_posix()
    return first + zlib.crc32(rel.encode()) % count


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
        shim = types.SimpleNamespace(read=lambda path, as_version=4: _with_guard(jupytext.read(path)))
        real = nbval.plugin.nbformat
        nbval.plugin.nbformat = shim
        try:
            return list(super().collect())
        finally:
            nbval.plugin.nbformat = real

    def setup(self):
        """Start the kernel with this chapter's rotated seed (if any) in its environment."""
        self.book_seed = rotated_seed(self.path)
        if self.book_seed is None:
            return super().setup()
        old = os.environ.get("BOOK_SEED")
        os.environ["BOOK_SEED"] = str(self.book_seed)
        try:
            return super().setup()
        finally:
            if old is None:
                os.environ.pop("BOOK_SEED")
            else:
                os.environ["BOOK_SEED"] = old


def _with_guard(nb):
    nb.cells.insert(0, nbformat_v4.new_code_cell(NO_NETWORK, metadata={"tags": ["network-guard"]}))
    return nb


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
        seed = getattr(item.parent, "book_seed", None)
        if seed is not None:
            rep.longrepr += f"\n\n(this chapter ran with BOOK_SEED={seed}; rerun it with that value to reproduce)"
    return rep
