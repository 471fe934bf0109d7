"""README.md's generated parts, each between `<!-- generated:NAME -->` and `<!-- end:NAME -->`:

- `walkthrough`: "Your first ten minutes", rendered from scripts/walkthrough.py's steps;
- `settings`: the settings tables, rendered from chalicelib/settings.py's models.

    .venv/bin/python -m scripts.readme           # rewrite them (make readme)
    .venv/bin/python -m scripts.readme --check   # exit 1 if README differs (tests/unit/test_readme.py)
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def settings_tables() -> str:
    from chalicelib.settings import (
        BootstrapSettings,
        LocalStackSettings,
        Settings,
        expected_value,
        shown_default,
        variable_names,
    )

    groups = [
        ("`make run` (and `make demo`)", LocalStackSettings),
        ("The first super admin and consumer (`make run`, `python -m scripts.bootstrap`)", BootstrapSettings),
        ("The application, in every stage", Settings),
    ]
    out = []
    for title, model in groups:
        out += [f"**{title}**", "", "| variable | default | takes | meaning |", "|---|---|---|---|"]
        for field in model.model_fields.values():
            names = " / ".join(f"`{n}`" for n in variable_names(field))
            meaning = (field.description or "").replace("|", "\\|")
            out.append(f"| {names} | {shown_default(field)} | {expected_value(field)} | {meaning} |")
        out.append("")
    return "\n".join(out)


def walkthrough() -> str:
    from scripts import walkthrough as steps

    return steps.markdown()


SECTIONS = {"walkthrough": walkthrough, "settings": settings_tables}


def _pattern(name: str) -> re.Pattern:
    return re.compile(rf"(<!-- generated:{name} [^\n]*-->\n)(.*?)(<!-- end:{name} -->)", re.S)


def section(text: str, name: str) -> str | None:
    match = _pattern(name).search(text)
    return match.group(2) if match else None


def rendered(text: str) -> str:
    """README's text with every generated section rendered anew."""
    for name, render in SECTIONS.items():
        pattern = _pattern(name)
        if not pattern.search(text):
            raise ValueError(f"README.md has no '<!-- generated:{name} ... -->' ... '<!-- end:{name} -->' section")
        body = render()
        text = pattern.sub(lambda m: m.group(1) + "\n" + body.strip("\n") + "\n\n" + m.group(3), text)
    return text


def main(argv: list[str]) -> int:
    current = README.read_text()
    fresh = rendered(current)
    if "--check" in argv:
        if fresh != current:
            print("README.md's generated sections are stale: run `make readme`", file=sys.stderr)
            return 1
        return 0
    README.write_text(fresh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
