"""Create the table and queues of infra/resources.yaml against any DynamoDB/SQS endpoint
(moto in tests, moto's server in the local stack): one definition for deploy, tests and local."""
from __future__ import annotations

import functools
from pathlib import Path

import yaml

TEMPLATE = Path(__file__).resolve().parent.parent / "infra" / "resources.yaml"


class _CfnLoader(yaml.SafeLoader):
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


_CfnLoader.add_multi_constructor("!", _construct_tag)


@functools.lru_cache(maxsize=None)
def load_template(path: str = str(TEMPLATE)) -> dict:
    return yaml.load(Path(path).read_text(), Loader=_CfnLoader)


def resources_of_type(kind: str, template: dict | None = None) -> dict[str, dict]:
    template = template or load_template()
    return {name: res for name, res in template["Resources"].items() if res.get("Type") == kind}


def table_definitions() -> list[dict]:
    """CreateTable arguments for every AWS::DynamoDB::Table in the template."""
    out = []
    for res in resources_of_type("AWS::DynamoDB::Table").values():
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


def queue_definitions() -> list[dict]:
    """(name, attributes, dead-letter queue name or None) for every AWS::SQS::Queue, DLQs first."""
    queues = resources_of_type("AWS::SQS::Queue")
    by_logical = {logical: res["Properties"]["QueueName"] for logical, res in queues.items()}
    out = []
    for logical, res in queues.items():
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


def create_all(dynamodb, sqs, table_name: str | None = None) -> None:
    """Create every table and queue. `table_name` overrides the template's name (per stage)."""
    import json

    for table in table_definitions():
        args = dict(table["create"])
        if table_name:
            args["TableName"] = table_name
        dynamodb.create_table(**args)
        if table["ttl"] and table["ttl"].get("Enabled"):
            dynamodb.update_time_to_live(
                TableName=args["TableName"],
                TimeToLiveSpecification={"Enabled": True, "AttributeName": table["ttl"]["AttributeName"]},
            )
    arns = {}
    for queue in queue_definitions():
        attributes = dict(queue["attributes"])
        if queue["dlq"]:
            attributes["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": arns[queue["dlq"]], "maxReceiveCount": str(queue["max_receive_count"])}
            )
        url = sqs.create_queue(QueueName=queue["name"], Attributes=attributes)["QueueUrl"]
        arns[queue["name"]] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
