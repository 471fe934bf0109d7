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


def test_api_gateway_sees_a_handful_of_generic_routes_whatever_the_number_of_endpoints():
    import app as app_module
    from chalicelib.api import routing

    assert len({route for route, _ in routing.route_table()}) > 80  # the paths...
    assert sorted(app_module.app.routes, key=len) == ["/"] + [
        "".join(f"/{{p{i}}}" for i in range(1, depth + 1)) for depth in range(1, 17)]  # ...behind 17 routes
