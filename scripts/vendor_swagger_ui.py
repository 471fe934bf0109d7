"""Copy Swagger UI's static files from the pinned swagger-ui-py package (requirements-dev.txt)
into chalicelib/static/swagger-ui/, which the docs pages serve: the viewer ships with the app and
loads nothing from the internet. Run after changing the pin; a test checks the copies match it.

    .venv/bin/python -m scripts.vendor_swagger_ui
"""
from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

FILES = ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css", "LICENSE")
TARGET = Path(__file__).resolve().parent.parent / "chalicelib" / "static" / "swagger-ui"


def package_static_dir() -> Path:
    """The static folder of the installed swagger-ui-py (found without importing the package)."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("swagger-ui-py is not installed: make test installs requirements-dev.txt")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def main() -> None:
    source = package_static_dir()
    TARGET.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        shutil.copyfile(source / name, TARGET / name)
        print(f"{TARGET / name} <- {source / name}")


if __name__ == "__main__":
    main()
