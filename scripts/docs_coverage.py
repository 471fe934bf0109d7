"""Which endpoints lack documentation metadata (a response model, a summary, tags):
they still route and appear in the documents, with fallbacks. DESIGN.md, "Routes", says how to add it.

    .venv/bin/python -m scripts.docs_coverage
"""
from __future__ import annotations


def missing() -> list[str]:
    from chalicelib.api import routing

    out = []
    for (route, method), endpoints in sorted(routing.route_table().items()):
        for e in endpoints:
            lacks = [name for name, absent in (
                # a page or a file (produces= its media type) has no JSON to describe
                ("response", e.response is None and e.status != 204 and e.produces == "application/json"),
                ("summary", not (e.handler.__doc__ or "").strip()),
                ("tags", not e.tags),
            ) if absent]
            if lacks:
                out.append(f"{method} {route} (since {e.since}, {e.handler.__module__}.{e.handler.__name__}): "
                           + ", ".join(lacks))
    return out


if __name__ == "__main__":
    lines = missing()
    print("\n".join(lines) or "every endpoint has its metadata")
