"""infra/resources.yaml agrees with the PynamoDB models, and the route table can be deployed on
API Gateway (one variable name per path level)."""
from scripts.aws_resources import load_template, queue_definitions, resources_of_type


def test_table_in_template_matches_the_models():
    from chalicelib.settings import get_settings
    from chalicelib.store.base import table_schema

    [table] = resources_of_type("AWS::DynamoDB::Table", load_template()).values()
    props = table["Properties"]
    model = table_schema()
    assert sorted(props["KeySchema"], key=str) == sorted(model["key_schema"], key=str)
    assert sorted(props["AttributeDefinitions"], key=str) == sorted(model["attribute_definitions"], key=str)
    template_indexes = {i["IndexName"]: (sorted(i["KeySchema"], key=str), i["Projection"]["ProjectionType"])
                        for i in props["GlobalSecondaryIndexes"]}
    model_indexes = {i["index_name"]: (sorted(i["key_schema"], key=str), i["projection"]["ProjectionType"])
                     for i in model["global_secondary_indexes"]}
    assert template_indexes == model_indexes
    assert props["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["TableName"] == get_settings().table_name  # "{table_name}", filled in per stage


def test_every_queue_has_a_dead_letter_queue():
    queues = queue_definitions(load_template())
    names = {q["name"] for q in queues}
    for q in queues:
        if not q["name"].endswith("-dlq"):
            assert q["dlq"] in names and q["max_receive_count"] >= 5


def test_route_tree_has_one_variable_name_per_level():
    import app as app_module

    children: dict[str, set[str]] = {}
    for path in app_module.app.routes:
        parts = [p for p in path.split("/") if p]
        for depth, part in enumerate(parts):
            if part.startswith("{"):
                children.setdefault("/".join(parts[:depth]), set()).add(part)
    conflicts = {parent: names for parent, names in children.items() if len(names) > 1}
    assert conflicts == {}
