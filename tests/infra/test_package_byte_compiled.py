"""The deployment package ships byte-compiled for the runtime's Python (Lambda's /var/task is
read-only: without .pyc files every cold start compiles every module it imports)."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from scripts import package
from tests.infra.conftest import ROOT, offline_environment


def _zip(packaged) -> Path:
    return packaged.path.parent / "deployment.zip"


def test_every_module_has_an_unchecked_hash_pyc_of_its_own_source_for_the_runtime(packaged):
    assert package.runtime_of(packaged.template) == f"python{sys.version_info.major}.{sys.version_info.minor}"
    with zipfile.ZipFile(_zip(packaged)) as archive:
        names = set(archive.namelist())
        sources = sorted(n for n in names if n.endswith(".py"))
        assert "app.py" in sources and "chalicelib/api/routing.py" in sources and len(sources) > 100
        assert [s for s in sources if importlib.util.cache_from_source(s) not in names] == []
        for source in ("app.py", "chalicelib/api/routing.py", "chalice/app.py"):
            header = archive.read(importlib.util.cache_from_source(source))[:16]
            assert header[:4] == importlib.util.MAGIC_NUMBER
            assert int.from_bytes(header[4:8], "little") == 0b01  # hash-based, source not checked
            assert header[8:16] == importlib.util.source_hash(archive.read(source))


def test_the_unzipped_package_imports_from_its_pyc_files(packaged, tmp_path):
    """Proof that the .pyc files are what runs, unchecked: a source changed after packaging is
    not even read."""
    with zipfile.ZipFile(_zip(packaged)) as archive:
        archive.extractall(tmp_path)
    (tmp_path / "app.py").write_text("raise SystemExit('the source was compiled at import')\n")
    env = offline_environment(OBP_STAGE="prod", OBP_RESOURCE_PREFIX="obp-prod", AWS_DEFAULT_REGION="us-east-1",
                              PYTHONDONTWRITEBYTECODE="1")
    env["PYTHONPATH"] = f"{tmp_path}:{env['PYTHONPATH']}"  # the package first; its dependencies from here (--no-deps)
    result = subprocess.run([sys.executable, "-c", "import app, chalice; print(app.__file__, chalice.__file__)"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(tmp_path / "app.py"), str(tmp_path / "chalice" / "__init__.py")]


def test_packaging_for_another_runtime_fails_rather_than_ship_unreadable_pyc(tmp_path):
    archive = tmp_path / "deployment.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("app.py", "x = 1\n")
    with pytest.raises(package.PackagingError, match="python3.99"):
        package.byte_compile(archive, "python3.99")
    assert package.byte_compile(archive, f"python{sys.version_info.major}.{sys.version_info.minor}") == 1
    with zipfile.ZipFile(archive) as packed:
        assert sorted(packed.namelist()) == sorted(["app.py", importlib.util.cache_from_source("app.py")])


def test_the_runtime_dependencies_resolve_from_requirements_txt_with_their_own():
    names = {dist.metadata["Name"].lower().replace("_", "-") for dist in package.runtime_distributions()}
    assert {"boto3", "botocore", "pynamodb", "pydantic", "pydantic-core", "pyjwt", "cryptography", "cffi",
            "aws-lambda-powertools"} <= names
    assert not names & {"chalice", "moto", "pytest", "cfn-lint"}  # dev tools stay out of the function
    assert (ROOT / "requirements.txt").is_file()
