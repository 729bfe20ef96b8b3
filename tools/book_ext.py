"""Sphinx extension of the book: execution-cache invalidation and the claims ledger.

Cache invalidation
    jupyter-cache keys a notebook on its code cells only, so a change to ``lib/`` or to the pins
    would silently reuse stale outputs. At start-up we hash every file named by
    ``book_lib_paths`` (default ``lib`` and ``requirements.txt``) together with the Python
    version and the ``BOOK_SEED`` and ``BOOK_SCALE`` in force. When the hash differs from the one stored beside the cache, the cache is deleted, and
    because the hash is also a Sphinx config value that rebuilds the environment, every chapter
    is read (and so executed) again.

Claims ledger
    Every check in a chapter (``lib.checks``) displays an HTML record carrying its data as JSON in
    a ``data-claim`` attribute. Those records are part of the notebook's outputs, so they are
    equally present when the notebook was executed now or taken from the cache. We collect them
    from each document's doctree and the ``claims-ledger`` directive renders all of them as one
    table, linked to the chapters.
"""
from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
import sys
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.util import logging

logger = logging.getLogger(__name__)

_CLAIM = re.compile(r'data-claim="([^"]*)"')


# ----------------------------------------------------------------------------- cache guard
def source_hash(root: Path, paths) -> str:
    """SHA-256 over the files under ``paths`` (relative to ``root``), names and contents."""
    # the seed changes every stochastic output, so it is part of the key too
    seed = os.environ.get("BOOK_SEED", "").strip()
    scale = os.environ.get("BOOK_SCALE", "").strip()
    h = hashlib.sha256(f"python {sys.version_info[:3]}; BOOK_SEED={seed}; BOOK_SCALE={scale}".encode())
    for rel in sorted(paths):
        p = root / rel
        files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
        for f in files:
            if "__pycache__" in f.parts or f.suffix in {".pyc", ".pyo"}:
                continue
            h.update(str(f.relative_to(root)).encode())
            h.update(b"\0")
            h.update(f.read_bytes() if f.exists() else b"<missing>")
            h.update(b"\0")
    return h.hexdigest()


def guard_cache(cache: Path, digest: str) -> bool:
    """Delete ``cache`` if it was made for another digest; record ``digest``. True if deleted."""
    stamp = cache.parent / (cache.name + ".libhash")
    old = stamp.read_text().strip() if stamp.exists() else None
    cleared = False
    if old != digest and cache.exists():
        shutil.rmtree(cache)
        cleared = True
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(digest + "\n")
    return cleared


def _on_config_inited(app, config):
    root = Path(app.confdir)
    digest = source_hash(root, config.book_lib_paths)
    config.book_lib_hash = digest
    cache_path = getattr(config, "nb_execution_cache_path", "") or ""
    if cache_path:
        cache = Path(cache_path)
        if not cache.is_absolute():
            cache = root / cache
        if guard_cache(cache, digest):
            logger.info("book_ext: lib/ or the pins changed since the last build; execution cache cleared")


# ----------------------------------------------------------------------------- claims ledger
class claims_ledger(nodes.General, nodes.Element):
    """Placeholder replaced by the ledger table once all documents are read."""


class ClaimsLedgerDirective(Directive):
    has_content = False

    def run(self):
        env = self.state.document.settings.env
        if not hasattr(env, "book_ledger_docs"):
            env.book_ledger_docs = set()
        env.book_ledger_docs.add(env.docname)
        return [claims_ledger("")]


def claims_in_html(text: str) -> list[dict]:
    """The check records (lib.checks) carried in a piece of HTML output, in order."""
    return [json.loads(html.unescape(m.group(1))) for m in _CLAIM.finditer(text)]


def claims_in(doctree) -> list[dict]:
    """The check records embedded in a document's raw HTML outputs, in order."""
    found = []
    for raw in doctree.findall(nodes.raw):
        if "html" in raw.get("format", ""):
            found += claims_in_html(raw.astext())
    return found


def _on_doctree_read(app, doctree):
    env = app.env
    if not hasattr(env, "book_claims"):
        env.book_claims = {}
    claims = claims_in(doctree)
    if claims:
        env.book_claims[env.docname] = claims
    else:
        env.book_claims.pop(env.docname, None)


def _on_purge(app, env, docname):
    getattr(env, "book_claims", {}).pop(docname, None)
    getattr(env, "book_ledger_docs", set()).discard(docname)


def _on_merge(app, env, docnames, other):
    env.book_claims = getattr(env, "book_claims", {})
    env.book_claims.update({d: c for d, c in getattr(other, "book_claims", {}).items() if d in docnames})
    env.book_ledger_docs = getattr(env, "book_ledger_docs", set()) | (getattr(other, "book_ledger_docs", set()) & set(docnames))


def _on_get_outdated(app, env, added, changed, removed):
    # the ledger depends on every chapter: always rebuild the pages that show it; so are the pages
    # named in book_always_rebuild (they read result files that Sphinx does not track)
    always = set(getattr(env, "book_ledger_docs", set())) | set(app.config.book_always_rebuild)
    return [d for d in always if d in env.found_docs]


def _cell(text, *, literal=False):
    entry = nodes.entry()
    para = nodes.paragraph()
    para += nodes.literal(text=text) if literal else nodes.Text(text)
    entry += para
    return entry


def _ledger_table(app, fromdoc, claims_by_doc) -> list[nodes.Node]:
    """One table per chapter, in reading order, each headed by a link to the chapter."""
    env = app.env
    cols = ("claim", "source", "statement", "measured", "predicted", "verdict")
    widths = (14, 16, 30, 18, 14, 8)
    order = [d for d in env.found_docs if d in claims_by_doc]
    order.sort(key=lambda d: _toc_position(env, d))
    total = sum(len(claims_by_doc[d]) for d in order)
    passed = sum(c.get("verdict") == "PASS" for d in order for c in claims_by_doc[d])
    out: list[nodes.Node] = [nodes.paragraph(
        text=f"{total} checks in {len(order)} chapters; {passed} passed at the last execution.")]
    for doc in order:
        title = env.titles[doc].astext() if doc in env.titles else doc
        head = nodes.paragraph(classes=["claims-ledger-chapter"])
        ref = nodes.reference("", "", internal=True)
        try:
            ref["refuri"] = app.builder.get_relative_uri(fromdoc, doc)
        except Exception:  # builders without URIs
            ref["refuri"] = doc
        ref += nodes.strong(text=title)
        head += ref
        head += nodes.Text(f"  ({len(claims_by_doc[doc])} checks)")
        out.append(head)
        table = nodes.table(classes=["claims-ledger"])
        group = nodes.tgroup(cols=len(cols))
        table += group
        for w in widths:
            group += nodes.colspec(colwidth=w)
        thead = nodes.thead()
        row = nodes.row()
        for c in cols:
            row += _cell(c)
        thead += row
        group += thead
        body = nodes.tbody()
        for c in claims_by_doc[doc]:
            row = nodes.row()
            row += _cell(c.get("claim", "?"), literal=True)
            for key in ("source", "statement", "measured", "predicted", "verdict"):
                row += _cell(str(c.get(key, "")))
            body += row
        group += body
        out.append(table)
    return out


def _toc_position(env, doc):
    # reading order: the position of the document in the flattened toctree
    try:
        return env.book_reading_order.index(doc)
    except (AttributeError, ValueError):
        return 10**6


def _on_env_updated(app, env):
    order = []
    def walk(doc):
        if doc in order:
            return
        order.append(doc)
        for child in env.toctree_includes.get(doc, []):
            walk(child)
    walk(app.config.root_doc)
    env.book_reading_order = order


def _on_doctree_resolved(app, doctree, docname):
    claims = getattr(app.env, "book_claims", {})
    for node in list(doctree.findall(claims_ledger)):
        node.replace_self(_ledger_table(app, docname, claims))


def setup(app):
    app.add_config_value("book_lib_paths", ["lib", "requirements.txt"], "env")
    app.add_config_value("book_lib_hash", "", "env")
    app.add_config_value("book_always_rebuild", [], "env")
    app.connect("config-inited", _on_config_inited, priority=100)
    app.add_node(claims_ledger)
    app.add_directive("claims-ledger", ClaimsLedgerDirective)
    app.connect("doctree-read", _on_doctree_read)
    app.connect("env-purge-doc", _on_purge)
    app.connect("env-merge-info", _on_merge)
    app.connect("env-get-outdated", _on_get_outdated)
    app.connect("env-updated", _on_env_updated)
    app.connect("doctree-resolved", _on_doctree_resolved)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
