"""The gateway's HTML pages: Jinja2 templates shipped in ``cadence/gateway/pages``, autoescaped."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=PackageLoader("cadence.gateway", "pages"), autoescape=select_autoescape(["html.j2"]),
                       undefined=StrictUndefined)


def page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """``pages/<name>.html.j2`` rendered as a response; nothing in it is cached by browsers or proxies."""
    html = _environment().get_template(f"{name}.html.j2").render(**context)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


__all__ = ["page"]
