"""moto as tuned for the local stack and the tests (scripts/local_aws.py) answers Queries exactly as
moto itself: on the table and on a global index, after puts, updates that move an item between
index keys or out of the index, deletes, batch writes, and transactions that commit or roll back."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from chalicelib import aws as aws_clients
from chalicelib.settings import get_settings


def _table():
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[DEFAULT_ACCOUNT_ID][get_settings().region].get_table(get_settings().table_name)


def _expected(attribute: str, value: str) -> list[tuple[str, str]]:
    """What moto's own Query would consider: every item of the table holding that key value."""
    return sorted((item.attrs["pk"].value, item.attrs["sk"].value) for item in _table().all_items()
                  if attribute in item.attrs and item.attrs[attribute].value == value)


def _queried(index: str | None, attribute: str, value: str) -> list[tuple[str, str]]:
    kwargs = {"IndexName": index} if index else {}
    answer = aws_clients.client("dynamodb").query(
        TableName=get_settings().table_name, KeyConditionExpression="#k = :v", ExpressionAttributeNames={"#k": attribute},
        ExpressionAttributeValues={":v": {"S": value}}, **kwargs)
    return sorted((i["pk"]["S"], i["sk"]["S"]) for i in answer["Items"])


def _check_everything() -> None:
    for value in ("A", "B", "C"):
        assert _queried("gsi1", "gsi1pk", value) == _expected("gsi1pk", value)
    for pk in ("P#1", "P#2"):
        assert _queried(None, "pk", pk) == _expected("pk", pk)


def _item(pk: str, sk: str, gsi: str | None = None) -> dict:
    item = {"pk": {"S": pk}, "sk": {"S": sk}}
    if gsi:
        item.update({"gsi1pk": {"S": gsi}, "gsi1sk": {"S": sk}})
    return item


def test_tuned_queries_match_moto_through_every_kind_of_write(aws):
    db, table = aws_clients.client("dynamodb"), get_settings().table_name
    for n in range(6):
        db.put_item(TableName=table, Item=_item(f"P#{n % 2 + 1}", f"S#{n}", "A" if n % 3 else "B"))
    _check_everything()
    # An update moves one item to another index key, another out of the index; a put replaces one.
    db.update_item(TableName=table, Key={"pk": {"S": "P#1"}, "sk": {"S": "S#0"}},
                   UpdateExpression="SET gsi1pk = :c, gsi1sk = :s", ExpressionAttributeValues={":c": {"S": "C"}, ":s": {"S": "x"}})
    db.update_item(TableName=table, Key={"pk": {"S": "P#2"}, "sk": {"S": "S#1"}}, UpdateExpression="REMOVE gsi1pk, gsi1sk")
    db.put_item(TableName=table, Item=_item("P#1", "S#2", "C"))
    db.update_item(TableName=table, Key={"pk": {"S": "P#2"}, "sk": {"S": "S#9"}},  # creates the item
                   UpdateExpression="SET gsi1pk = :a, gsi1sk = :s", ExpressionAttributeValues={":a": {"S": "A"}, ":s": {"S": "y"}})
    _check_everything()
    db.delete_item(TableName=table, Key={"pk": {"S": "P#2"}, "sk": {"S": "S#3"}})
    db.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": _item("P#1", "S#7", "B")}},
                                              {"DeleteRequest": {"Key": {"pk": {"S": "P#1"}, "sk": {"S": "S#4"}}}}]})
    _check_everything()
    # A transaction that fails rolls back (item by item), one that commits moves index keys too.
    with pytest.raises(ClientError):
        db.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": _item("P#2", "S#8", "C")}},
            {"Update": {"TableName": table, "Key": {"pk": {"S": "P#1"}, "sk": {"S": "S#7"}},
                        "UpdateExpression": "SET gsi1pk = :a", "ExpressionAttributeValues": {":a": {"S": "A"}}}},
            {"Delete": {"TableName": table, "Key": {"pk": {"S": "P#2"}, "sk": {"S": "S#5"}}}},
            {"ConditionCheck": {"TableName": table, "Key": {"pk": {"S": "P#1"}, "sk": {"S": "S#0"}},
                                "ConditionExpression": "attribute_not_exists(pk)"}},
        ])
    _check_everything()
    assert _queried("gsi1", "gsi1pk", "C") == [("P#1", "S#0"), ("P#1", "S#2")]
    db.transact_write_items(TransactItems=[
        {"Put": {"TableName": table, "Item": _item("P#2", "S#8", "C")}},
        {"Update": {"TableName": table, "Key": {"pk": {"S": "P#1"}, "sk": {"S": "S#7"}},
                    "UpdateExpression": "SET gsi1pk = :a", "ExpressionAttributeValues": {":a": {"S": "A"}}}},
        {"Delete": {"TableName": table, "Key": {"pk": {"S": "P#2"}, "sk": {"S": "S#5"}}}},
    ])
    _check_everything()
    assert _queried("gsi1", "gsi1pk", "C") == [("P#1", "S#0"), ("P#1", "S#2"), ("P#2", "S#8")]


def test_the_local_stack_keeps_the_tuning_for_its_whole_life():
    """tune_moto installs the tuning for good: the local stack never runs untuned moto (whose
    transactions copy the whole table) once the call has returned and garbage is collected."""
    import subprocess
    import sys
    from pathlib import Path

    check = (
        "import gc, moto.dynamodb.models as m\n"
        "from moto.dynamodb.models.table import Table\n"
        "from moto.sqs.models import Message\n"
        "untuned = (m.DynamoDBBackend.transact_write_items, Table.query, Message.visible)\n"
        "from scripts.local_aws import tune_moto\n"
        "tune_moto(); gc.collect()\n"
        "tuned = (m.DynamoDBBackend.transact_write_items, Table.query, Message.visible)\n"
        "print([a is not b for a, b in zip(untuned, tuned)])\n"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", check], cwd=root, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "[True, True, True]", result.stderr
