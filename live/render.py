"""The kit's text files (Maven poms, NiFi's conf/) come from templates in `live/templates/`."""
from __future__ import annotations

from pathlib import Path

import jinja2

_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
                          autoescape=jinja2.select_autoescape(["xml.j2"]), undefined=jinja2.StrictUndefined,
                          keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)


def render(name: str, **values) -> str:
    return _ENV.get_template(name).render(**values)
