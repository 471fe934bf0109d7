"""infra/resources.yaml, filled in for a stage, and the table and queues it defines created against
any DynamoDB/SQS endpoint (moto in tests, moto's server in the local stack): one definition for
deploy, tests and local.

"{name}" in the template is a field of chalicelib.settings.Settings naming something (the stage,
the resource prefix, the table, a queue); `render` fills them in. CloudFormation's own "${...}"
is left alone.
"""
from __future__ import annotations

import copy
import functools
import json
import re
from pathlib import Path

import yaml

TEMPLATE = Path(__file__).resolve().parent.parent / "infra" / "resources.yaml"
_PLACEHOLDER = re.compile(r"(?<!\$)\{([a-z_]+)\}")
_NAMING_FIELDS = ("stage", "resource_prefix", "table_name")


class CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation short-form tags (!Ref, !GetAtt, !Sub...) as their long forms."""


def _construct_tag(loader, tag_suffix, node):
    name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


CfnLoader.add_multi_constructor("!", _construct_tag)


@functools.lru_cache(maxsize=None)
def _load(path: str) -> dict:
    return yaml.load(Path(path).read_text(), Loader=CfnLoader)


def naming_values(settings) -> dict[str, str]:
    """The settings a template may refer to: names only, never a secret."""
    values = settings.model_dump()
    return {k: str(v) for k, v in values.items() if k in _NAMING_FIELDS or k.endswith("_queue")}


def render(node, values: dict[str, str]):
    """A copy of `node` with every "{field}" replaced by its value."""
    if isinstance(node, dict):
        return {key: render(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [render(item, values) for item in node]
    if isinstance(node, str):
        def fill(match: re.Match) -> str:
            if match.group(1) not in values:
                raise KeyError(f"infra template refers to {{{match.group(1)}}}, which names no setting; known: {sorted(values)}")
            return values[match.group(1)]

        return _PLACEHOLDER.sub(fill, node)
    return copy.deepcopy(node)


def load_template(settings=None, path: Path = TEMPLATE) -> dict:
    """infra/resources.yaml for the stage of `settings` (default: the current settings)."""
    if settings is None:
        from chalicelib.settings import get_settings

        settings = get_settings()
    return render(_load(str(path)), naming_values(settings))


def resources_of_type(kind: str, template: dict) -> dict[str, dict]:
    return {name: res for name, res in template["Resources"].items() if res.get("Type") == kind}


def table_definitions(template: dict) -> list[dict]:
    """CreateTable arguments for every AWS::DynamoDB::Table in the template."""
    out = []
    for res in resources_of_type("AWS::DynamoDB::Table", template).values():
        props = res["Properties"]
        args = {
            "TableName": props["TableName"],
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        }
        if props.get("GlobalSecondaryIndexes"):
            args["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        out.append({"create": args, "ttl": props.get("TimeToLiveSpecification")})
    return out


def queue_definitions(template: dict) -> list[dict]:
    """(name, attributes, dead-letter queue name or None) for every AWS::SQS::Queue, DLQs first."""
    queues = resources_of_type("AWS::SQS::Queue", template)
    by_logical = {logical: res["Properties"]["QueueName"] for logical, res in queues.items()}
    out = []
    for res in queues.values():
        props = res["Properties"]
        redrive = props.get("RedrivePolicy")
        dlq = None
        if redrive:
            dlq = by_logical[redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]]
        attributes = {}
        if "VisibilityTimeout" in props:
            attributes["VisibilityTimeout"] = str(props["VisibilityTimeout"])
        if "MessageRetentionPeriod" in props:
            attributes["MessageRetentionPeriod"] = str(props["MessageRetentionPeriod"])
        out.append({"name": props["QueueName"], "attributes": attributes, "dlq": dlq,
                    "max_receive_count": redrive["maxReceiveCount"] if redrive else None})
    out.sort(key=lambda q: q["dlq"] is not None)
    return out


def create_all(dynamodb, sqs) -> None:
    """Create every table and queue of the template, named for the current settings' stage."""
    template = load_template()
    for table in table_definitions(template):
        args = table["create"]
        dynamodb.create_table(**args)
        if table["ttl"] and table["ttl"].get("Enabled"):
            dynamodb.update_time_to_live(
                TableName=args["TableName"],
                TimeToLiveSpecification={"Enabled": True, "AttributeName": table["ttl"]["AttributeName"]},
            )
    arns = {}
    for queue in queue_definitions(template):
        attributes = dict(queue["attributes"])
        if queue["dlq"]:
            attributes["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": arns[queue["dlq"]], "maxReceiveCount": str(queue["max_receive_count"])}
            )
        url = sqs.create_queue(QueueName=queue["name"], Attributes=attributes)["QueueUrl"]
        arns[queue["name"]] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
