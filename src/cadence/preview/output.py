"""Write a preview: one self-contained page, or a directory of files; never half-written.

The page is written to a temporary name and renamed. A directory is built aside
and swapped in whole; only a directory that is missing, empty, or an earlier
preview (it holds :data:`MARKER`) is replaced, so a mistyped ``-o`` cannot wipe
someone's folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from cadence.channels.ids import safe_name
from cadence.channels.outbox import atomic_write
from cadence.preview.html import render_page
from cadence.preview.model import Preview, PreviewError

MARKER = ".cadence-preview"
"""A directory written by :func:`write_directory` holds this file."""

PAGE_SUFFIXES = (".html", ".htm")
_EXTENSIONS = {"email": ".eml", "letter": ".html"}


def write_output(preview: Preview, target: Path) -> list[Path]:
    """Write ``preview`` to ``target``: one page when it ends in ``.html``/``.htm``, else a directory.

    Raises:
        PreviewError: the target cannot be written (nothing is left half-written).
    """
    if target.suffix.lower() in PAGE_SUFFIXES:
        return [write_page(preview, target)]
    return write_directory(preview, target)


def write_page(preview: Preview, path: Path) -> Path:
    """Write the self-contained page (:func:`cadence.preview.html.render_page`).

    Raises:
        PreviewError: when it cannot be written.
    """
    if path.is_dir():
        raise PreviewError(f"{path} is a directory; give a file name ending in .html for one page")
    try:
        return atomic_write(path, render_page(preview))
    except OSError as exc:
        raise PreviewError(f"cannot write {path}: {exc.strerror or exc}") from None


def output_files(preview: Preview) -> Iterator[tuple[str, str | bytes]]:
    """The directory's files as ``(relative path, content)``: each lead's, then ``index.html`` (the page).

    A lead's files are ``<lead>/<cadence>/<N>-<step>[-<variant>]`` with ``.eml`` (emails, the whole
    message), ``.html`` (letters, print-ready) or the template's own extension (``.md`` call briefs,
    ``.txt`` scripts); a touch the lead does not get has no file.
    """
    width = len(str(len(preview.touchpoints)))
    for lead in preview.leads:
        for n, point in enumerate(preview.touchpoints, start=1):
            r = preview.rendering(point, lead)
            if r.skipped:
                continue
            name = f"{lead.key}/{safe_name(point.plan)}/{n:0{width}d}-{safe_name(point.step_id)}"
            name += f"-{safe_name(point.variant)}" if point.variant else ""
            ext = _EXTENSIONS.get(point.channel) or _template_extension(point.template)
            content: str | bytes = (r.message if point.channel == "email" else
                                    r.html if point.channel == "letter" else r.text)
            yield name + ext, content
    yield "index.html", render_page(preview)


def write_directory(preview: Preview, path: Path) -> list[Path]:
    """Write :func:`output_files` into directory ``path``.

    Raises:
        PreviewError: ``path`` is a file, or a directory holding something else, or cannot be written.
    """
    if path.exists() and not path.is_dir():
        raise PreviewError(f"{path} is a file; give a directory, or a file name ending in .html for one page")
    if path.is_dir() and any(path.iterdir()) and not (path / MARKER).is_file():
        raise PreviewError(f"{path} is not empty and not an earlier preview; give a new or empty directory")
    written: list[Path] = []
    try:
        parent = path.absolute().parent
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{path.name}.", suffix=".tmp"))
        try:
            for rel, content in output_files(preview):
                target = staging / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
                written.append(path / rel)
            (staging / MARKER).write_text(f"written by cadence preview of {preview.file}\n", encoding="utf-8")
            _swap(staging, path)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    except OSError as exc:
        raise PreviewError(f"cannot write {path}: {exc.strerror or exc}") from None
    return written


def _swap(staging: Path, path: Path) -> None:
    """Put ``staging`` at ``path``; what was there (an earlier preview, or nothing) is moved aside, then removed."""
    aside = None
    if path.is_dir():
        aside = Path(tempfile.mkdtemp(dir=staging.parent, prefix=f".{path.name}.", suffix=".old"))
        os.replace(path, aside / "previous")
    try:
        os.replace(staging, path)
    except OSError:
        if aside is not None:
            os.replace(aside / "previous", path)
        raise
    finally:
        if aside is not None:
            shutil.rmtree(aside, ignore_errors=True)


def _template_extension(template: str) -> str:
    name = template.rsplit("/", 1)[-1].removesuffix(".j2")
    return "." + name.rsplit(".", 1)[-1] if "." in name else ".txt"


__all__ = ["MARKER", "output_files", "write_directory", "write_output", "write_page"]
