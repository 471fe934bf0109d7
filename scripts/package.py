"""`make package STAGE=prod`: the stage's deployable template, built and validated.

    python -m scripts.package STAGE [--out DIR] [--no-deps | --installed-deps]

1. Copies the app's sources (app.py, chalicelib/, .chalice/, requirements.txt) to a staging folder.
2. Imports the app with the stage's environment from .chalice/config.json (as `chalice package`
   does, so queue and table names agree) and derives the merge template: infra/resources.yaml for
   the stage, plus per function its name, log group, IAM policy (infra/permissions.yaml),
   SQS-trigger settings and alarms, and the API's name and OBP's 404 for unknown paths.
3. Runs `chalice package --stage STAGE --merge-template merge.yaml --template-format yaml OUT`.
4. Byte-compiles deployment.zip (`byte_compile`): a `.pyc` beside every `.py`, for the runtime's
   Python (the one running this script, which is also the runtime chalice writes in the template;
   checked), with unchecked-hash invalidation. Lambda's /var/task is read-only, so without them
   every cold start compiles every module it imports (measured: 757 ms against 329 ms for
   `import app`); unchecked, because the code under a deployed function never changes, so Python
   need not even read the source to validate the cache.
5. Validates OUT/sam.yaml: cfn-lint (no errors, no warnings) and `template_problems` (no IAM
   wildcards, CloudFormation and API Gateway size limits). Any finding fails the command.

Output (default build/STAGE/): sam.yaml, deployment.zip, merge.yaml. `--no-deps` leaves
requirements.txt out, so nothing is downloaded; the template is the same (the tests use it).
`--installed-deps` puts the runtime dependencies in the zip from this environment instead of
downloading them (requirements.txt pins them, and the check below refuses another version or a
machine other than the runtime's: Linux x86_64): the same package without the network
(`make bench` uses it).
"""
from __future__ import annotations

import argparse
import compileall
import fnmatch
import importlib.util
import json
import os
import platform
import py_compile
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PERMISSIONS = ROOT / "infra" / "permissions.yaml"
CHALICE_CONFIG = ROOT / ".chalice" / "config.json"
APP_SOURCES = ("app.py", "chalicelib", ".chalice/config.json", ".chalice/policy-deny-all.json")

# Visibility timeout of an SQS trigger's queue, in multiples of the function timeout (AWS guidance).
VISIBILITY_FACTOR = 6
# CloudFormation's largest template (from S3) and API Gateway's default resources-per-API quota.
MAX_TEMPLATE_BYTES = 1_000_000
MAX_API_RESOURCES = 300
# The only wildcards an Allow statement may hold, each because AWS offers nothing narrower.
ALLOWED_WILDCARDS = {
    ("sns:Publish", "*"): "SMS to a phone number has no resource ARN; a Deny statement excludes every topic",
    ("logs:CreateLogStream", "*:log-stream:*"): "Lambda names its log streams at run time",
    ("logs:PutLogEvents", "*:log-stream:*"): "Lambda names its log streams at run time",
}
# cfn-lint findings accepted, with the reason (keep empty unless a finding is explained here).
CFN_LINT_IGNORED: dict[str, str] = {}

_ARN = "arn:${AWS::Partition}:%s:${AWS::Region}:${AWS::AccountId}:%s"
_TABLE_ITEM_ACTIONS = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem",
                       "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
                       "dynamodb:ConditionCheckItem"]
_SQS_TRIGGER_ACTIONS = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
_PERIOD = 300  # seconds per alarm datapoint
_ALARM_ACTIONS = {"AlarmActions": [{"Ref": "AlarmTopic"}], "OKActions": [{"Ref": "AlarmTopic"}]}


class PackagingError(Exception):
    pass


@dataclass(frozen=True)
class Function:
    name: str  # Chalice's name: api_handler, deliver_email...
    logical_id: str  # its resource in the template
    role_id: str
    queue: str | None = None  # an SQS trigger's queue
    event_id: str | None = None  # the trigger's entry under Properties.Events

    @property
    def log_group_id(self) -> str:
        return f"{self.logical_id}LogGroup"


# --- the stage's environment and the app ------------------------------------------------------

def stage_environment(stage: str, config: dict) -> dict[str, str]:
    stages = config.get("stages", {})
    if stage not in stages:
        raise PackagingError(f"stage {stage!r} is not in .chalice/config.json (stages: {', '.join(stages)})")
    env = {**config.get("environment_variables", {}), **stages[stage].get("environment_variables", {})}
    if not env.get("OBP_RESOURCE_PREFIX"):
        raise PackagingError(f"stage {stage}: set OBP_RESOURCE_PREFIX in .chalice/config.json, so its resources "
                             "are named apart from every other stage's")
    return env


def load_app(src: Path, env: dict[str, str]):
    """Import the staged app with the stage's environment only (no OBP_* from the caller's shell)."""
    for name in [n for n in os.environ if n.startswith("OBP_")]:
        del os.environ[name]
    os.environ.update(env)
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")  # chalice needs one; the template does not use it
    sys.path.insert(0, str(src))
    import app as app_module

    return app_module.app


def app_functions(app) -> list[Function]:
    from chalice.app import ScheduledEventConfig, SQSEventConfig
    from chalice.utils import to_cfn_resource_name

    functions = []
    if app.routes:
        functions.append(Function("api_handler", "APIHandler", "ApiHandlerRole"))
    for source in app.event_sources:
        logical = to_cfn_resource_name(source.name)
        role = to_cfn_resource_name(f"{source.name}_role")
        if isinstance(source, SQSEventConfig):
            if not source.queue:
                raise PackagingError(f"{source.name}: name the queue (queue=settings...), not queue_arn")
            functions.append(Function(source.name, logical, role, source.queue, f"{logical}SqsEventSource"))
        elif isinstance(source, ScheduledEventConfig):
            functions.append(Function(source.name, logical, role))
        else:
            raise PackagingError(f"{source.name}: {type(source).__name__} is not packaged yet (extend scripts/package.py)")
    return functions


# --- the merge template ---------------------------------------------------------------------------

def build_merge_template(stage: str, config: dict, app, settings, resources: dict, permissions: dict,
                         git_commit: str) -> dict:
    functions = app_functions(app)
    _check_permissions_cover(functions, permissions)
    merge = json.loads(json.dumps(resources))  # a deep copy
    merge.setdefault("Globals", {}).setdefault("Function", {}).setdefault("Environment", {}).setdefault(
        "Variables", {})["OBP_GIT_COMMIT"] = git_commit
    out = merge["Resources"]
    for fn in functions:
        out.update(_function_resources(fn, stage, config, settings, resources, permissions[fn.name]))
    for _queue_id, queue in resources_with_dlq(resources):
        dlq_id = queue["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        out[f"{dlq_id}DepthAlarm"] = _dlq_depth_alarm(resources["Resources"][dlq_id]["Properties"]["QueueName"])
    if any(fn.name == "api_handler" for fn in functions):
        api_stage = config["stages"][stage].get("api_gateway_stage") or config.get("api_gateway_stage", "api")
        out.update(_api_resources(settings, api_stage))
    return merge


def _function_resources(fn: Function, stage: str, config: dict, settings, resources: dict, grants: dict) -> dict:
    """The function's patch (name, dependencies, trigger settings), log group, role policy, alarm."""
    timeout = _function_setting(config, stage, fn.name, "lambda_timeout")
    _function_setting(config, stage, fn.name, "lambda_memory_size")
    physical_name = f"{settings.resource_prefix}-{fn.name}"
    queues = _queues_by_name(resources)
    patch: dict = {"DependsOn": [fn.log_group_id], "Properties": {"FunctionName": physical_name}}
    statements = [_log_statement(physical_name)] + _grant_statements(
        fn.name, grants, _table(resources), queues, resources.get("Parameters", {}), settings)
    out = {fn.log_group_id: {
        "Type": "AWS::Logs::LogGroup",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {"LogGroupName": f"/aws/lambda/{physical_name}", "RetentionInDays": {"Ref": "LogRetentionDays"}},
    }}
    if fn.queue:
        queue_id, queue = _queue(queues, fn)
        visibility = queue["Properties"].get("VisibilityTimeout", 30)
        if visibility < VISIBILITY_FACTOR * timeout:
            raise PackagingError(f"queue {fn.queue}: VisibilityTimeout {visibility} s is under {VISIBILITY_FACTOR} x "
                                 f"the {timeout} s timeout of {fn.name}")
        redrive = queue["Properties"].get("RedrivePolicy")
        if not redrive:
            raise PackagingError(f"queue {fn.queue} of {fn.name} has no RedrivePolicy (dead-letter queue)")
        patch["DependsOn"].append(queue_id)
        patch["Properties"]["Environment"] = {"Variables": {"OBP_MAX_RECEIVE_COUNT": str(redrive["maxReceiveCount"])}}
        patch["Properties"]["Events"] = {fn.event_id: {"Properties": {"FunctionResponseTypes": ["ReportBatchItemFailures"]}}}
        statements.append({"Sid": "ReceiveFromTrigger", "Effect": "Allow", "Action": _SQS_TRIGGER_ACTIONS,
                           "Resource": [_sub(_ARN % ("sqs", fn.queue))]})
        out[f"{fn.logical_id}FailureRateAlarm"] = _delivery_failure_alarm(settings, fn)
    out[fn.logical_id] = patch
    out[fn.role_id] = {"Properties": {"Policies": [{
        "PolicyName": f"{fn.role_id}Policy",
        "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
    }]}}
    return out


def _api_resources(settings, api_stage: str) -> dict:
    from chalicelib.errors import not_found_uri

    api_name = f"{settings.resource_prefix}-api"
    body = json.dumps(not_found_uri().body(), separators=(",", ":"))
    return {
        "RestAPI": {"Properties": {"Name": api_name, "DefinitionBody": {
            "info": {"title": api_name},  # the name API Gateway shows and its metrics carry
            # API Gateway answers paths no route matches itself (403 "Missing Authentication Token");
            # make that OBP's 404. Part of the definition, so a change redeploys the stage.
            "x-amazon-apigateway-gateway-responses": {"MISSING_AUTHENTICATION_TOKEN": {
                "statusCode": "404",
                "responseParameters": {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
                "responseTemplates": {"application/json": body},
            }},
        }}},
        "ApiServerErrorRateAlarm": _api_5xx_alarm(settings, api_name, api_stage),
    }


def _check_permissions_cover(functions: list[Function], permissions: dict) -> None:
    names = {fn.name for fn in functions}
    missing = sorted(names - set(permissions))
    unknown = sorted(set(permissions) - names)
    if missing or unknown:
        raise PackagingError(f"infra/permissions.yaml: add {missing}; remove (no such function) {unknown}")


def _function_setting(config: dict, stage: str, name: str, key: str):
    for scope in (config["stages"][stage].get("lambda_functions", {}), config.get("lambda_functions", {})):
        value = scope.get(name, {}).get(key)
        if value is not None:
            return value
    raise PackagingError(f"{name}: set {key} under lambda_functions in .chalice/config.json")


def _queues_by_name(resources: dict) -> dict[str, tuple[str, dict]]:
    from scripts.aws_resources import resources_of_type

    return {res["Properties"]["QueueName"]: (logical, res)
            for logical, res in resources_of_type("AWS::SQS::Queue", resources).items()}


def _queue(queues: dict, fn: Function) -> tuple[str, dict]:
    if fn.queue not in queues:
        raise PackagingError(f"{fn.name} is triggered by queue {fn.queue}, which infra/resources.yaml does not define")
    return queues[fn.queue]


def resources_with_dlq(resources: dict) -> list[tuple[str, dict]]:
    from scripts.aws_resources import resources_of_type

    return [(logical, res) for logical, res in resources_of_type("AWS::SQS::Queue", resources).items()
            if res["Properties"].get("RedrivePolicy")]


def _table(resources: dict) -> dict:
    from scripts.aws_resources import resources_of_type

    tables = list(resources_of_type("AWS::DynamoDB::Table", resources).values())
    if len(tables) != 1:
        raise PackagingError("infra/resources.yaml must define exactly one DynamoDB table (single-table design)")
    return tables[0]["Properties"]


def _sub(text: str) -> dict:
    return {"Fn::Sub": text}


# --- IAM ------------------------------------------------------------------------------------------

def _log_statement(physical_name: str) -> dict:
    group = _ARN % ("logs", f"log-group:/aws/lambda/{physical_name}")
    return {"Sid": "WriteOwnLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [_sub(group), _sub(f"{group}:log-stream:*")]}


def _grant_statements(name: str, grants: dict, table: dict, queues: dict, template_parameters: dict,
                      settings) -> list[dict]:
    known = {"table", "send_to", "read_parameters", "email", "sms"}
    if set(grants) - known:
        raise PackagingError(f"infra/permissions.yaml, {name}: unknown grants {sorted(set(grants) - known)}")
    statements = []
    if grants.get("table"):
        table_arn = _ARN % ("dynamodb", f"table/{table['TableName']}")
        statements.append({"Sid": "TableItems", "Effect": "Allow", "Action": _TABLE_ITEM_ACTIONS,
                           "Resource": [_sub(table_arn)]})
        indexes = [_sub(f"{table_arn}/index/{gsi['IndexName']}") for gsi in table.get("GlobalSecondaryIndexes", [])]
        if indexes:
            statements.append({"Sid": "TableIndexes", "Effect": "Allow", "Action": ["dynamodb:Query"], "Resource": indexes})
    if grants.get("send_to"):
        names = []
        for field in grants["send_to"]:
            queue_name = getattr(settings, field, None)
            if not isinstance(queue_name, str) or queue_name not in queues:
                raise PackagingError(f"infra/permissions.yaml, {name}: send_to {field} names no queue of infra/resources.yaml")
            names.append(queue_name)
        statements.append({"Sid": "SendToQueues", "Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:GetQueueUrl"],
                           "Resource": [_sub(_ARN % ("sqs", q)) for q in names]})
    if grants.get("read_parameters"):
        for parameter in grants["read_parameters"]:
            if template_parameters.get(parameter, {}).get("Type") != "String":
                raise PackagingError(f"infra/permissions.yaml, {name}: read_parameters {parameter} is not a String "
                                     "parameter (holding an SSM name) of infra/resources.yaml")
        statements.append({"Sid": "ReadParameters", "Effect": "Allow", "Action": ["ssm:GetParameter"],
                           "Resource": [_sub(_ARN % ("ssm", f"parameter${{{p}}}")) for p in grants["read_parameters"]]})
    if grants.get("email"):
        statements.append({"Sid": "SendEmail", "Effect": "Allow", "Action": ["ses:SendEmail"],
                           "Resource": [_sub(_ARN % ("ses", "identity/${EmailIdentity}"))]})
    if grants.get("sms"):
        statements.append({"Sid": "SendSms", "Effect": "Allow", "Action": ["sns:Publish"], "Resource": "*"})
        statements.append({"Sid": "NeverToTopics", "Effect": "Deny", "Action": ["sns:Publish"],
                           "Resource": [_sub("arn:${AWS::Partition}:sns:*:*:*")]})
    return statements


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _resource_text(resource) -> str:
    if isinstance(resource, dict) and "Fn::Sub" in resource:
        sub = resource["Fn::Sub"]
        return sub if isinstance(sub, str) else sub[0]
    return resource if isinstance(resource, str) else json.dumps(resource)


def policy_problems(template: dict) -> list[str]:
    """Every role's Allow statements with a wildcard action or resource not in ALLOWED_WILDCARDS."""
    problems = []
    for logical, res in template["Resources"].items():
        if res.get("Type") != "AWS::IAM::Role":
            continue
        for policy in res["Properties"].get("Policies", []):
            for st in _as_list(policy["PolicyDocument"]["Statement"]):
                if st.get("Effect") != "Allow":
                    continue
                if "NotAction" in st or "NotResource" in st:
                    problems.append(f"{logical}: NotAction/NotResource grants more than it names")
                actions = _as_list(st.get("Action", []))
                for action in actions:
                    if "*" in action:
                        problems.append(f"{logical}: wildcard action {action}")
                for resource in _as_list(st.get("Resource", [])):
                    text = _resource_text(resource)
                    if "*" in text and not all(_wildcard_allowed(a, text) for a in actions):
                        problems.append(f"{logical}: wildcard resource {text} for {', '.join(actions)}")
    return problems


def _wildcard_allowed(action: str, resource: str) -> bool:
    return any(action == allowed_action and fnmatch.fnmatchcase(resource, pattern)
               for allowed_action, pattern in ALLOWED_WILDCARDS)


# --- alarms ---------------------------------------------------------------------------------------

def _metric(metric_id: str, namespace: str, name: str, dimensions: dict[str, str], stat: str = "Sum") -> dict:
    return {"Id": metric_id, "ReturnData": False, "MetricStat": {
        "Metric": {"Namespace": namespace, "MetricName": name,
                   "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()]},
        "Period": _PERIOD, "Stat": stat}}


def _rate_alarm(name: str, description: str, errors: dict, total_expression: str, metrics: list[dict],
                threshold: float, minimum: int) -> dict:
    """errors / total over each 5 minutes, ignored below `minimum` events; 2 of 3 periods above `threshold`."""
    return {"Type": "AWS::CloudWatch::Alarm", "Properties": {
        "AlarmName": name, "AlarmDescription": description,
        "Metrics": metrics + [
            errors,
            {"Id": "e", "Expression": f"FILL({errors['Id']}, 0)", "ReturnData": False},
            {"Id": "total", "Expression": total_expression, "ReturnData": False},
            {"Id": "rate", "Expression": f"IF(total >= {minimum}, e / total, 0)", "Label": "rate", "ReturnData": True},
        ],
        "ComparisonOperator": "GreaterThanThreshold", "Threshold": threshold,
        "EvaluationPeriods": 3, "DatapointsToAlarm": 2, "TreatMissingData": "notBreaching", **_ALARM_ACTIONS}}


def _api_5xx_alarm(settings, api_name: str, api_stage: str) -> dict:
    dims = {"ApiName": api_name, "Stage": api_stage}
    return _rate_alarm(
        f"{settings.resource_prefix}-api-5xx-rate",
        "Over 5% of API requests answered 5xx (API Gateway's count: includes Lambda errors, timeouts and "
        "throttles) in 2 of the last 3 five-minute periods with at least 20 requests.",
        _metric("errors", "AWS/ApiGateway", "5XXError", dims),
        "FILL(requests, 0)", [_metric("requests", "AWS/ApiGateway", "Count", dims)],
        threshold=0.05, minimum=20)


def _delivery_failure_alarm(settings, fn: Function) -> dict:
    from chalicelib.observability import METRICS_NAMESPACE_PREFIX, SERVICE

    namespace = f"{METRICS_NAMESPACE_PREFIX}/{settings.stage}"
    dims = {"service": SERVICE, "queue": fn.queue}
    return _rate_alarm(
        f"{settings.resource_prefix}-{fn.name}-failure-rate",
        f"Over 10% of the messages {fn.name} handled failed in 2 of the last 3 five-minute periods "
        "with at least 10 messages (each failure is retried; see the dead-letter queue alarm).",
        _metric("failures", namespace, "DeliveryFailures", dims),
        "e + FILL(deliveries, 0)", [_metric("deliveries", namespace, "Deliveries", dims)],
        threshold=0.1, minimum=10)


def _dlq_depth_alarm(dlq_name: str) -> dict:
    return {"Type": "AWS::CloudWatch::Alarm", "Properties": {
        "AlarmName": f"{dlq_name}-not-empty",
        "AlarmDescription": f"Messages reached the dead-letter queue {dlq_name}: they failed every retry. "
                            "Inspect, fix, then redrive them to the source queue.",
        "Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible",
        "Dimensions": [{"Name": "QueueName", "Value": dlq_name}],
        "Statistic": "Maximum", "Period": _PERIOD, "EvaluationPeriods": 1,
        "ComparisonOperator": "GreaterThanThreshold", "Threshold": 0, "TreatMissingData": "notBreaching",
        **_ALARM_ACTIONS}}


# --- validation -----------------------------------------------------------------------------------

def load_packaged(path: Path) -> dict:
    from scripts.aws_resources import CfnLoader

    return yaml.load(path.read_text(), Loader=CfnLoader)


def template_problems(template: dict, template_bytes: int) -> list[str]:
    problems = policy_problems(template)
    if template_bytes > MAX_TEMPLATE_BYTES:
        problems.append(f"sam.yaml is {template_bytes} bytes; CloudFormation accepts at most {MAX_TEMPLATE_BYTES}")
    paths = template["Resources"].get("RestAPI", {}).get("Properties", {}).get("DefinitionBody", {}).get("paths", {})
    api_resources = {"/".join(p.strip("/").split("/")[:i]) for p in paths for i in range(len(p.strip("/").split("/")) + 1)}
    if len(api_resources) > MAX_API_RESOURCES:
        problems.append(f"the API has {len(api_resources)} resources; API Gateway's default quota is {MAX_API_RESOURCES}")
    return problems


def cfn_lint(path: Path) -> list[str]:
    command = [str(Path(sys.executable).parent / "cfn-lint"), "--format", "parseable"]
    if CFN_LINT_IGNORED:
        command += ["--ignore-checks", *CFN_LINT_IGNORED]
    result = subprocess.run([*command, "--", str(path)], capture_output=True, text=True)
    findings = [line for line in result.stdout.splitlines() if line.strip()]
    if result.returncode and not findings:
        findings = [f"cfn-lint failed: {result.stderr.strip()}"]
    return findings


# --- the command ----------------------------------------------------------------------------------

class _PlainDumper(yaml.SafeDumper):
    """Writes shared lists in full instead of as YAML anchors, for a readable merge.yaml."""

    def ignore_aliases(self, data) -> bool:
        return True


def stage_sources(src: Path, with_requirements: bool) -> None:
    for relative in APP_SOURCES + (("requirements.txt",) if with_requirements else ()):
        target = src / relative
        if target.is_dir():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        source = ROOT / relative
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, target)
    if not with_requirements:
        (src / "requirements.txt").unlink(missing_ok=True)


def git_commit() -> str:
    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return result.stdout.strip() or "unknown"


# --- the deployment package -----------------------------------------------------------------------

def runtime_of(template: dict) -> str:
    """The Lambda runtime the packaged functions run on (chalice writes the packaging Python's)."""
    runtimes = {fn["Properties"].get("Runtime") or template.get("Globals", {}).get("Function", {}).get("Runtime")
                for fn in template["Resources"].values() if fn.get("Type") == "AWS::Serverless::Function"}
    if len(runtimes) != 1:
        raise PackagingError(f"the functions do not share one runtime: {sorted(map(str, runtimes))}")
    return runtimes.pop()


def byte_compile(zip_path: Path, runtime: str) -> int:
    """Rewrite the zip with `__pycache__/<module>.cpython-3XX.pyc` beside every `.py`, compiled by
    compileall with unchecked-hash invalidation; returns how many. Only this interpreter can write
    `.pyc` files its version reads, so it must be the runtime's version."""
    own = f"python{sys.version_info.major}.{sys.version_info.minor}"
    if runtime != own:
        raise PackagingError(f"the functions run on {runtime}, but this is {own}: package with {runtime}, "
                             "whose .pyc files the runtime reads")
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(zip_path) as archive:
        tree = Path(tmp)
        entries = archive.infolist()
        archive.extractall(tree)
        compiled = compileall.compile_dir(
            tree, quiet=1, workers=0, stripdir=str(tree), prependdir="/var/task",
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        if not compiled:
            raise PackagingError("compileall failed on a module of the package (its error is printed above)")
        sources = {entry.filename: entry for entry in entries if entry.filename.endswith(".py")}
        rebuilt = zip_path.with_suffix(".tmp")
        with zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_DEFLATED) as out:
            count = 0
            for entry in entries:
                out.writestr(entry, archive.read(entry), compress_type=zipfile.ZIP_DEFLATED)
                if entry.filename in sources:
                    pyc = Path(importlib.util.cache_from_source(entry.filename))
                    info = zipfile.ZipInfo(str(pyc), date_time=entry.date_time)
                    info.external_attr = 0o644 << 16
                    out.writestr(info, (tree / pyc).read_bytes(), compress_type=zipfile.ZIP_DEFLATED)
                    count += 1
    rebuilt.replace(zip_path)
    return count


def runtime_distributions() -> list:
    """The installed distributions requirements.txt needs, with their own dependencies (markers
    evaluated for this machine, extras followed); a pin that differs from what is installed fails."""
    from importlib import metadata

    from packaging.requirements import Requirement

    found: dict[str, object] = {}
    pending = [(Requirement(line), True) for line in (ROOT / "requirements.txt").read_text().splitlines()
               if line.strip() and not line.lstrip().startswith("#")]
    while pending:
        requirement, pinned = pending.pop()
        key = requirement.name.lower().replace("_", "-")
        try:
            dist = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            raise PackagingError(f"{requirement.name} is not installed here: install requirements.txt first") from None
        if pinned and requirement.specifier and dist.version not in requirement.specifier:
            raise PackagingError(f"requirements.txt asks for {requirement}, this environment has {dist.version}")
        if key in found:
            continue
        found[key] = dist
        for line in dist.requires or ():
            needed = Requirement(line)
            wanted = needed.marker is None or any(
                needed.marker.evaluate({"extra": extra}) for extra in (requirement.extras or {""}))
            if wanted:
                pending.append((needed, False))
    return [found[k] for k in sorted(found)]


# What pip writes into a dist-info when it installs (not part of the wheel chalice unpacks).
_INSTALLER_RECORDS = frozenset({"INSTALLER", "REQUESTED", "direct_url.json"})


def add_installed_dependencies(zip_path: Path) -> int:
    """Add the runtime dependencies' files from this environment to the zip (what chalice would
    download and unpack: the same wheels, when the machine is the runtime's); returns how many."""
    if sys.platform != "linux" or platform.machine() != "x86_64":
        raise PackagingError(f"--installed-deps needs a Linux x86_64 machine (the functions' architecture); "
                             f"this is {sys.platform} {platform.machine()}")
    with zipfile.ZipFile(zip_path, "a", zipfile.ZIP_DEFLATED) as archive:
        present = set(archive.namelist())
        count = 0
        for dist in runtime_distributions():
            for relative in dist.files or ():
                name = relative.as_posix()
                if (name.startswith("../") or "__pycache__/" in name or name.endswith(".pyc") or name in present
                        or name.rsplit("/", 1)[-1] in _INSTALLER_RECORDS):
                    continue  # scripts outside site-packages, caches (byte_compile makes its own), pip's notes
                archive.write(relative.locate(), name)
                present.add(name)
                count += 1
    return count


def package(stage: str, out: Path, dependencies: str = "download") -> Path:
    """Build and validate; returns the path of sam.yaml. Raises PackagingError with every finding.

    dependencies: "download" (chalice downloads requirements.txt), "installed" (copied from this
    environment), "none"."""
    from scripts.aws_resources import load_template

    config = json.loads(CHALICE_CONFIG.read_text())
    env = stage_environment(stage, config)
    src = out / "src"
    stage_sources(src, with_requirements=dependencies == "download")
    app = load_app(src, env)
    from chalicelib.settings import get_settings

    settings = get_settings()
    merge = build_merge_template(stage, config, app, settings, load_template(settings),
                                 yaml.safe_load(PERMISSIONS.read_text()), git_commit())
    merge_path = out / "merge.yaml"
    merge_path.write_text(yaml.dump(merge, Dumper=_PlainDumper, sort_keys=False, width=120))
    for stale in ("sam.yaml", "deployment.zip"):
        (out / stale).unlink(missing_ok=True)
    chalice = [str(Path(sys.executable).parent / "chalice"), "--project-dir", str(src), "package", "--stage", stage,
               "--merge-template", str(merge_path), "--template-format", "yaml", str(out)]
    result = subprocess.run(chalice, capture_output=True, text=True)  # the stage's environment, set by load_app
    if result.returncode:
        raise PackagingError(f"chalice package failed:\n{result.stdout}{result.stderr}")
    sam = out / "sam.yaml"
    template = load_packaged(sam)
    if dependencies == "installed":
        add_installed_dependencies(out / "deployment.zip")
    byte_compile(out / "deployment.zip", runtime_of(template))
    problems = cfn_lint(sam) + template_problems(template, sam.stat().st_size)
    if problems:
        raise PackagingError("the packaged template has problems:\n  " + "\n  ".join(problems))
    return sam


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("stage")
    parser.add_argument("--out", type=Path, help="output folder (default build/STAGE)")
    deps = parser.add_mutually_exclusive_group()
    deps.add_argument("--no-deps", action="store_true", help="leave requirements.txt out (nothing downloaded)")
    deps.add_argument("--installed-deps", action="store_true",
                      help="the dependencies from this environment instead of downloaded ones (no network)")
    args = parser.parse_args(argv)
    out = (args.out or ROOT / "build" / args.stage).resolve()
    out.mkdir(parents=True, exist_ok=True)
    dependencies = "none" if args.no_deps else "installed" if args.installed_deps else "download"
    try:
        sam = package(args.stage, out, dependencies)
    except PackagingError as err:
        print(f"package: {err}", file=sys.stderr)
        return 1
    print(f"packaged {args.stage}: {sam} (byte-compiled, cfn-lint clean)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
