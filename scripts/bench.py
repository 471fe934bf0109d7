"""`make bench`: the cold start of the packaged function, against its bare dependencies.

    python -m scripts.bench [--runs N] [--zip PATH] [--stage STAGE]

1. Builds the deployment package as `make package` does (scripts/package.py: chalice package,
   then byte-compiled), with the runtime dependencies taken from this environment instead of
   downloaded (`--installed-deps`: the same pinned versions, no network). `--zip` measures a
   package already built instead (`make package` writes build/STAGE/deployment.zip).
2. Unzips it and times fresh interpreters on it as Lambda runs them: only the unzipped folder on
   the path (`-S`, PYTHONPATH), no `.pyc` written (Lambda's /var/task is read-only), the stage's
   environment, no AWS credentials and no instance metadata (nothing may call AWS: the requests
   below are answered before any).
3. Runs the cases in interleaved rounds (each round in another order) and prints, per case, the
   median wall and CPU (user + system) time of the whole process and its ratio of medians to the
   bare dependencies. CPU is the steadier figure on a shared machine.

Cases: the bare dependencies (`import chalice, boto3, pynamodb, pydantic, jwt`), `import app`,
and `import app` followed by a first request, through the Lambda entry point, of a few typical
paths (each loads its own area's route modules; see chalicelib/api/areas.py).
Target (issue 12): `import app` at most 1.2 x the bare dependencies.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.2
BARE = "bare dependencies"


@dataclass(frozen=True)
class Case:
    name: str
    code: str


# A first request through the Lambda entry point, as API Gateway's REST proxy sends it; prints its status.
_REQUEST = """
import json, sys
import app
class Context:
    function_name = "obp-bench-api_handler"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:obp-bench-api_handler"
    aws_request_id = "00000000-0000-4000-8000-000000000000"
method, path, headers = {method!r}, {path!r}, {headers!r}
parts = path.strip("/").split("/")
names = ["p%d" % (i + 1) for i in range(len(parts))]
event = {{"httpMethod": method, "path": path, "headers": headers, "multiValueHeaders": {{}},
         "queryStringParameters": None, "multiValueQueryStringParameters": None,
         "pathParameters": dict(zip(names, parts)), "stageVariables": None, "body": None, "isBase64Encoded": False,
         "requestContext": {{"httpMethod": method, "resourcePath": "".join("/{{%s}}" % n for n in names),
                            "path": "/api" + path, "requestId": "bench", "stage": "api"}}}}
response = app.app(event, Context())
sys.stdout.write("\\nSTATUS %d\\n" % response["statusCode"])
"""

# (label, method, path, headers): requests without credentials or with a malformed BANK_ID, answered
# before any AWS call. There are no AWS credentials, so a call would fail: the answer must be under 500.
REQUESTS = (
    ("GET /obp/v5.1.0/root", "GET", "/obp/v5.1.0/root", {}),
    ("GET /obp/v5.1.0/users/current (no login)", "GET", "/obp/v5.1.0/users/current", {}),
    ("GET .../banks/BANK/accounts/private (bad BANK_ID)", "GET", "/obp/v5.1.0/banks/bad!bank/accounts/private", {}),
    ("POST .../transaction-requests (bad BANK_ID)", "POST",
     "/obp/v5.1.0/banks/bad!bank/accounts/a1/owner/transaction-request-types/SEPA/transaction-requests",
     {"Content-Type": "application/json"}),
    ("GET .../banks/BANK/customers (bad BANK_ID)", "GET", "/obp/v5.1.0/banks/bad!bank/customers", {}),
    ("POST /my/logins/direct (no header)", "POST", "/my/logins/direct", {"Content-Type": "application/json"}),
    ("GET /v1/profiles (no token)", "GET", "/v1/profiles", {}),
)


def cases() -> list[Case]:
    found = [Case(BARE, "import chalice, boto3, pynamodb, pydantic, jwt"), Case("import app", "import app")]
    for label, method, path, headers in REQUESTS:
        found.append(Case(f"first request: {label}", _REQUEST.format(method=method, path=path, headers=headers)))
    return found


def is_request(case: Case) -> bool:
    return case.name.startswith("first request: ")


def environment(folder: Path, stage_env: dict[str, str]) -> dict[str, str]:
    keep = ("PATH", "LANG", "LC_ALL", "TMPDIR")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(stage_env)
    # No AWS credentials from anywhere (environment, ~/.aws, instance metadata): nothing reaches AWS.
    env.update({"PYTHONPATH": str(folder), "PYTHONDONTWRITEBYTECODE": "1", "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_EC2_METADATA_DISABLED": "true", "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                "AWS_CONFIG_FILE": os.devnull})
    return env


def _interpreter() -> str:
    """The base interpreter, not the virtualenv's: only the unzipped package is on the path."""
    return getattr(sys, "_base_executable", sys.executable)


def run_once(case: Case, folder: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one fresh interpreter running the case."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run([_interpreter(), "-S", "-c", case.code], cwd=folder, env=env, capture_output=True,
                            text=True, timeout=120)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode:
        raise SystemExit(f"{case.name} failed:\n{result.stderr}")
    if is_request(case):
        statuses = [int(line.split()[1]) for line in result.stdout.splitlines() if line.startswith("STATUS ")]
        if len(statuses) != 1 or statuses[0] >= 500:
            raise SystemExit(f"{case.name}: answered {statuses}, not before any AWS call:\n{result.stdout[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def measure(folder: Path, env: dict[str, str], runs: int, chosen: list[Case]) -> dict[str, dict[str, list[float]]]:
    samples = {case.name: {"wall": [], "cpu": []} for case in chosen}
    for case in chosen:  # a warm-up each: the page cache, not .pyc files (none are written)
        run_once(case, folder, env)
    for round_number in range(runs):
        shift = round_number % len(chosen)
        for case in chosen[shift:] + chosen[:shift]:
            wall, cpu = run_once(case, folder, env)
            samples[case.name]["wall"].append(wall)
            samples[case.name]["cpu"].append(cpu)
    return samples


def build_package(stage: str, out: Path) -> Path:
    from scripts import package

    package.package(stage, out, dependencies="installed")
    return out / "deployment.zip"


def report(samples: dict[str, dict[str, list[float]]], runs: int) -> list[str]:
    bare = {kind: statistics.median(samples[BARE][kind]) for kind in ("wall", "cpu")}
    lines = [f"{'case':<66} {'wall ms':>8} {'ratio':>6} {'cpu ms':>8} {'ratio':>6}"]
    for name, figures in samples.items():
        wall, cpu = statistics.median(figures["wall"]), statistics.median(figures["cpu"])
        lines.append(f"{name:<66} {wall * 1000:8.1f} {wall / bare['wall']:5.2f}x {cpu * 1000:8.1f} "
                     f"{cpu / bare['cpu']:5.2f}x")
    app_wall = statistics.median(samples["import app"]["wall"]) / bare["wall"]
    app_cpu = statistics.median(samples["import app"]["cpu"]) / bare["cpu"]
    verdict = "met" if max(app_wall, app_cpu) <= TARGET else "NOT met"
    lines.append(f"medians of {runs} interleaved rounds; target import app <= {TARGET}x the bare dependencies: "
                 f"{verdict} (wall {app_wall:.2f}x, cpu {app_cpu:.2f}x)")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="interleaved rounds (default 15)")
    parser.add_argument("--zip", type=Path, help="measure this deployment.zip instead of building one")
    parser.add_argument("--stage", default="prod", help="the stage whose environment the package runs with")
    parser.add_argument("--only", action="append", default=[], help="only the first requests whose name contains "
                        "this (repeatable; the bare dependencies and `import app` always run)")
    args = parser.parse_args(argv)
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    from scripts.package import stage_environment

    stage_env = stage_environment(args.stage, config)
    with tempfile.TemporaryDirectory(prefix="obp-bench-") as tmp:
        zip_path = args.zip or build_package(args.stage, ROOT / "build" / "bench")
        folder = Path(tmp) / "task"
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(folder)
            compiled = sum(1 for name in archive.namelist() if name.endswith(".pyc"))
        chosen = [c for c in cases() if c.name in (BARE, "import app") or not args.only
                  or any(o in c.name for o in args.only)]
        print(f"{zip_path} ({compiled} .pyc), {_interpreter()} "
              f"(Python {sys.version.split()[0]}), stage {args.stage}", flush=True)
        samples = measure(folder, environment(folder, stage_env), args.runs, chosen)
    print("\n".join(report(samples, args.runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
