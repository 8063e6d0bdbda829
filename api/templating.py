"""Jinja2 rendering of the review UI and the evidence report (templates in ``api/templates``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from api.i18n import translator

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"

ENV = Environment(
    loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), undefined=StrictUndefined
)


def render(name: str, lang: str, **context: Any) -> str:
    """A page in ``lang`` (``vi`` or ``en``); ``t(key)`` in templates gives the interface text."""
    return ENV.get_template(name).render(lang=lang, t=translator(lang), **context)
