"""The browsable documentation: Swagger UI pages over our own documents, with Swagger UI's files
served by the app from chalicelib/static/swagger-ui/ (copied from the pinned swagger-ui-py
package by scripts/vendor_swagger_ui.py): nothing is loaded from the internet.

Every URL in a page is relative, so the pages work under an API Gateway stage prefix too."""
from __future__ import annotations

import functools
import html
import json
from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent.parent.parent / "static" / "swagger-ui"
_CONTENT_TYPES = {".js": "application/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                  "": "text/plain; charset=utf-8"}
ASSETS = ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css", "LICENSE")


@functools.lru_cache(maxsize=None)
def asset(name: str) -> tuple[str, str] | None:
    """(text, content type) of a Swagger UI file, or None for anything else."""
    if name not in ASSETS:
        return None
    path = STATIC_DIR / name
    return path.read_text(encoding="utf-8"), _CONTENT_TYPES[path.suffix]


def swagger_ui_page(title: str, static_prefix: str, documents: list[tuple[str, str]]) -> str:
    """An HTML page showing `documents` ((name, relative URL), the first one first) in Swagger UI."""
    urls = json.dumps([{"name": name, "url": url} for name, url in documents])
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{static_prefix}swagger-ui.css">
<style>body {{ margin: 0; }} .topbar-wrapper img, .topbar-wrapper svg {{ display: none; }}</style>
</head>
<body>
<div id="swagger-ui"></div>
<script src="{static_prefix}swagger-ui-bundle.js"></script>
<script src="{static_prefix}swagger-ui-standalone-preset.js"></script>
<script>
window.ui = SwaggerUIBundle({{
  urls: {urls},
  dom_id: "#swagger-ui",
  deepLinking: true,
  queryConfigEnabled: false,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: "StandaloneLayout"
}});
</script>
</body>
</html>
"""
