"""What `make package STAGE=prod` produces: read from the packaged template itself (conftest
builds it once, offline, and the build already ran cfn-lint clean)."""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from scripts import package
from tests.infra.conftest import ROOT, STAGE

CONFIG = json.loads((ROOT / ".chalice" / "config.json").read_text())
PREFIX = CONFIG["stages"][STAGE]["environment_variables"]["OBP_RESOURCE_PREFIX"]


def _functions(packaged) -> dict[str, dict]:
    return packaged.of_type("AWS::Serverless::Function")


def _sqs_triggers(packaged):
    for logical, fn in _functions(packaged).items():
        for event_id, event in fn["Properties"].get("Events", {}).items():
            if event["Type"] == "SQS":
                yield logical, fn, event_id, event["Properties"]


def _queue_by_name(packaged, name: str) -> tuple[str, dict]:
    matches = [(k, q) for k, q in packaged.of_type("AWS::SQS::Queue").items() if q["Properties"]["QueueName"] == name]
    assert len(matches) == 1, f"queue {name} is defined {len(matches)} times"
    return matches[0]


def test_the_table_is_on_demand_with_recovery_expiry_encryption_and_three_indexes(packaged):
    tables = packaged.of_type("AWS::DynamoDB::Table")
    assert list(tables) == ["MainTable"]
    props = tables["MainTable"]["Properties"]
    assert props["TableName"] == PREFIX
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"] == {"SSEEnabled": True}
    assert props["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}
    assert [i["IndexName"] for i in props["GlobalSecondaryIndexes"]] == ["gsi1", "gsi2", "gsi3"]
    assert tables["MainTable"]["DeletionPolicy"] == "Retain"


def test_every_queue_is_encrypted_and_every_work_queue_has_a_dead_letter_queue(packaged):
    queues = packaged.of_type("AWS::SQS::Queue")
    dead_letter_ids = {q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
                       for q in queues.values() if "RedrivePolicy" in q["Properties"]}
    assert dead_letter_ids, "no queue has a dead-letter queue"
    for logical, queue in queues.items():
        props = queue["Properties"]
        assert props.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in props, logical
        if logical in dead_letter_ids:
            assert props["MessageRetentionPeriod"] == 14 * 24 * 3600, logical
        else:
            assert props["RedrivePolicy"]["maxReceiveCount"] >= 5, logical  # AWS's advice: room for retries


def test_every_sqs_trigger_reports_partial_failures_and_its_queue_outlasts_six_function_timeouts(packaged):
    triggers = list(_sqs_triggers(packaged))
    assert {logical for logical, *_ in triggers} >= {"DeliverEmail", "DeliverSms"}
    for logical, fn, _event_id, event in triggers:
        assert event["FunctionResponseTypes"] == ["ReportBatchItemFailures"], logical
        queue_name = event["Queue"]["Fn::Sub"].rpartition(":")[2]
        queue_id, queue = _queue_by_name(packaged, queue_name)
        assert queue["Properties"]["VisibilityTimeout"] >= 6 * fn["Properties"]["Timeout"], logical
        assert queue_id in fn["DependsOn"], f"{logical} may be created before its queue"
        max_receives = queue["Properties"]["RedrivePolicy"]["maxReceiveCount"]
        assert fn["Properties"]["Environment"]["Variables"]["OBP_MAX_RECEIVE_COUNT"] == str(max_receives)


def test_every_function_has_the_configured_memory_and_timeout_its_own_role_and_a_log_group(packaged):
    functions = _functions(packaged)
    assert set(functions) >= {"APIHandler", "DeliverEmail", "DeliverSms", "OutboxSweeper"}
    configured = CONFIG["lambda_functions"]
    roles = [fn["Properties"]["Role"]["Fn::GetAtt"][0] for fn in functions.values()]
    assert len(set(roles)) == len(roles), "functions share a role"
    for logical, fn in functions.items():
        props = fn["Properties"]
        name = props["FunctionName"].removeprefix(f"{PREFIX}-")
        assert props["MemorySize"] == configured[name]["lambda_memory_size"], logical
        assert props["Timeout"] == configured[name]["lambda_timeout"], logical
        log_group = packaged.resources[f"{logical}LogGroup"]
        assert log_group["Properties"]["LogGroupName"] == f"/aws/lambda/{props['FunctionName']}"
        assert log_group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        assert f"{logical}LogGroup" in fn["DependsOn"]
    assert functions["APIHandler"]["Properties"]["Timeout"] <= 29  # API Gateway stops waiting at 29 s


def test_no_role_grants_a_wildcard_and_every_role_has_its_own_policy(packaged):
    assert package.policy_problems(packaged.template) == []
    for logical, role in packaged.of_type("AWS::IAM::Role").items():
        (policy,) = role["Properties"]["Policies"]
        statements = policy["PolicyDocument"]["Statement"]
        # The deny-all placeholder of .chalice/policy-deny-all.json must have been replaced.
        assert not any(st["Effect"] == "Deny" and st["Action"] == "*" for st in statements), logical
        assert any(st["Sid"] == "WriteOwnLogs" for st in statements), logical


def test_the_wildcard_check_fails_on_wildcards_and_accepts_only_the_documented_exceptions():
    def role(*statements):
        return {"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"Policies": [
            {"PolicyName": "p", "PolicyDocument": {"Statement": list(statements)}}]}}}}

    allow = {"Effect": "Allow"}
    assert package.policy_problems(role({**allow, "Action": "dynamodb:*", "Resource": "arn:aws:dynamodb:x:1:table/t"}))
    assert package.policy_problems(role({**allow, "Action": ["dynamodb:GetItem"], "Resource": "*"}))
    assert package.policy_problems(role({**allow, "Action": ["dynamodb:Query"],
                                         "Resource": [{"Fn::Sub": "arn:aws:dynamodb:x:1:table/t/index/*"}]}))
    assert package.policy_problems(role({**allow, "Action": ["sns:Publish", "sqs:SendMessage"], "Resource": "*"}))
    assert package.policy_problems(role({**allow, "NotAction": ["iam:*"], "Resource": "arn:aws:s3:::b"}))
    assert package.policy_problems(role({**allow, "Action": ["sns:Publish"], "Resource": "*"},
                                        {"Effect": "Deny", "Action": "*", "Resource": "*"})) == []
    assert package.policy_problems(role({**allow, "Action": ["logs:PutLogEvents"],
                                         "Resource": "arn:aws:logs:r:1:log-group:/aws/lambda/f:log-stream:*"})) == []


def test_each_function_is_granted_only_what_infra_permissions_lists(packaged):
    def actions(role_id):
        (policy,) = packaged.resources[role_id]["Properties"]["Policies"]
        return {a for st in policy["PolicyDocument"]["Statement"] if st["Effect"] == "Allow" for a in st["Action"]}

    logs = {"logs:CreateLogStream", "logs:PutLogEvents"}
    items = set(package._TABLE_ITEM_ACTIONS)
    assert actions("ApiHandlerRole") == logs | items | {"sqs:SendMessage", "sqs:GetQueueUrl", "ssm:GetParameter"}
    assert actions("DeliverEmailRole") == logs | items | set(package._SQS_TRIGGER_ACTIONS) | {"ssm:GetParameter", "ses:SendEmail"}
    assert actions("DeliverSmsRole") == logs | items | set(package._SQS_TRIGGER_ACTIONS) | {"ssm:GetParameter", "sns:Publish"}
    # The sweeper books transfers a request left unbooked, sealing their webhook events: the data key.
    assert actions("OutboxSweeperRole") == logs | items | {"sqs:SendMessage", "sqs:GetQueueUrl", "ssm:GetParameter"}
    assert "dynamodb:Scan" not in items


def test_secrets_and_settings_come_from_ssm_never_from_literals(packaged):
    from chalicelib.settings import _DEV_DATA_KEY

    text = packaged.path.read_text()
    assert _DEV_DATA_KEY not in text
    params = packaged.template["Parameters"]
    assert params["DataKeyParameterName"]["Default"] == f"/{PREFIX}/data-key"
    for name in ("EmailSender", "EmailIdentity", "SmsType", "PublicHostname"):
        assert params[name]["Type"] == "AWS::SSM::Parameter::Value<String>", name
        assert params[name]["Default"].startswith(f"/{PREFIX}/"), name
    shared = packaged.template["Globals"]["Function"]["Environment"]["Variables"]
    assert shared["OBP_DATA_KEY_PARAMETER"] == {"Ref": "DataKeyParameterName"}
    assert shared["OBP_EMAIL_SENDER"] == {"Ref": "EmailSender"}
    for logical, fn in _functions(packaged).items():
        variables = {**shared, **fn["Properties"]["Environment"]["Variables"]}
        assert "OBP_DATA_KEY" not in variables, logical  # the key itself is read from SSM at run time
        assert variables["OBP_STAGE"] == STAGE and variables["OBP_RESOURCE_PREFIX"] == PREFIX


def test_every_resource_name_carries_the_stage_prefix_and_stages_have_distinct_prefixes(packaged):
    names = []
    for res in packaged.resources.values():
        props = res.get("Properties", {})
        for key in ("TableName", "QueueName", "TopicName", "FunctionName", "AlarmName", "Name", "LogGroupName"):
            if isinstance(props.get(key), str):
                names.append(props[key].removeprefix("/aws/lambda/"))
    assert len(names) > 20
    assert [n for n in names if n != PREFIX and not n.startswith(f"{PREFIX}-")] == []
    deployed = [s for s, c in CONFIG["stages"].items() if s != "local"]
    prefixes = [CONFIG["stages"][s]["environment_variables"]["OBP_RESOURCE_PREFIX"] for s in deployed]
    assert len(set(prefixes)) == len(prefixes) and all(p.startswith("obp-") for p in prefixes)


def test_alarms_watch_each_dead_letter_queue_each_trigger_failure_rate_and_the_api_5xx_rate(packaged):
    alarms = packaged.of_type("AWS::CloudWatch::Alarm")
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    watched_queues = {a["Properties"]["Dimensions"][0]["Value"] for a in alarms.values()
                      if a["Properties"].get("MetricName") == "ApproximateNumberOfMessagesVisible"}
    dead_letter_queues = {q["Properties"]["QueueName"] for q in packaged.of_type("AWS::SQS::Queue").values()
                          if "RedrivePolicy" not in q["Properties"]}
    assert watched_queues == dead_letter_queues
    for logical, _fn, _event_id, event in _sqs_triggers(packaged):
        metrics = alarms[f"{logical}FailureRateAlarm"]["Properties"]["Metrics"]
        stats = {m["Id"]: m["MetricStat"]["Metric"] for m in metrics if "MetricStat" in m}
        assert stats["failures"]["MetricName"] == "DeliveryFailures"
        assert {"Name": "queue", "Value": event["Queue"]["Fn::Sub"].rpartition(":")[2]} in stats["failures"]["Dimensions"]
    rest_api = packaged.resources["RestAPI"]["Properties"]
    assert rest_api["DefinitionBody"]["info"]["title"] == rest_api["Name"] == f"{PREFIX}-api"
    api = alarms["ApiServerErrorRateAlarm"]["Properties"]["Metrics"]
    errors = next(m for m in api if m["Id"] == "errors")["MetricStat"]["Metric"]
    assert (errors["Namespace"], errors["MetricName"]) == ("AWS/ApiGateway", "5XXError")
    assert {d["Name"]: d["Value"] for d in errors["Dimensions"]} == {
        "ApiName": packaged.resources["RestAPI"]["Properties"]["Name"],
        "Stage": CONFIG["stages"][STAGE]["api_gateway_stage"],
    }


def test_api_gateway_answers_unmatched_paths_with_obp_404(packaged):
    from chalicelib.errors import not_found_uri

    responses = packaged.resources["RestAPI"]["Properties"]["DefinitionBody"]["x-amazon-apigateway-gateway-responses"]
    missing = responses["MISSING_AUTHENTICATION_TOKEN"]
    assert missing["statusCode"] == "404"
    body = json.loads(missing["responseTemplates"]["application/json"])
    assert body == not_found_uri().body()
    assert body["message"].startswith("OBP-10404: ")


def test_cfn_lint_reports_a_broken_template(tmp_path: Path):
    broken = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {
        "Q": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": "soon", "NoSuchProperty": 1}}}}
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(broken))
    findings = package.cfn_lint(path)
    assert any("NoSuchProperty" in f for f in findings), findings


def test_size_limits_are_checked():
    paths = {f"/r{i}/x": {} for i in range(200)}
    template = {"Resources": {"RestAPI": {"Properties": {"DefinitionBody": {"paths": paths}}}}}
    problems = package.template_problems(template, template_bytes=2_000_000)
    assert any("bytes" in p for p in problems) and any("resources" in p for p in problems)
    assert package.template_problems(template | {"Resources": {}}, template_bytes=10) == []
