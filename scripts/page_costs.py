"""What a page costs at 10,000 records: DynamoDB round trips and items read (a Query's
ScannedCount, the items a Get returned) of one request, counted on the botocore client, for a
bank's customers at offset 0 and 9,950 and for phone searches with a leading wildcard. Runs on
moto in-process (no network, no AWS account); the records are written through the store in
batches. A measuring tool, not a test: the tests assert these bounds (tests/api/pages).

    .venv/bin/python -m scripts.page_costs
"""
from __future__ import annotations

import os
import uuid

os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                   "AWS_REGION": "us-east-1", "OBP_STAGE": "test", "OBP_PASSWORD_SCRYPT_N": "1024",
                   "POWERTOOLS_METRICS_DISABLED": "true"})
for _var in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE"):
    os.environ.pop(_var, None)

import moto  # noqa: E402,F401  (before any botocore client)

from tests.support import Api, DynamoCalls, fresh_aws, record_dynamo_calls  # noqa: E402

SIZE = 10_000
CALLS = DynamoCalls()


def main() -> None:
    record_dynamo_calls(CALLS)
    from chalice.test import Client

    from app import app
    from chalicelib.store import customers as store
    from chalicelib.store import positions
    from scripts.bootstrap import bootstrap

    with fresh_aws(), Client(app) as client:
        api = Api(client)
        creds = bootstrap(username="admin", password="Admin-Passw0rd!", email="admin@example.com", consumer_key="k")
        admin = api.login(creds.username, creds.password, creds.consumer_key)
        bank = admin.create_bank("bank-x")
        admin.grant(admin.user_id, "CanGetCustomers", bank)
        with store.CustomerRecord.batch_write() as batch:
            for i, number in enumerate(positions.bulk_append(store.bank_customers(bank), SIZE)):
                record = store.new_customer_record(customer_id=str(uuid.uuid4()), bank_id=bank, customer_number=str(i),
                                                   legal_name=f"C{i}", mobile_phone_number=f"+44 7{i:09d}")
                store.number_customer(record, number)
                batch.save(record)
        search = f"/obp/v4.0.0/banks/{bank}/search/customers/mobile-phone-number"
        cases = [
            ("GET customers, offset 0, limit 50", lambda: admin.get(f"/obp/v5.0.0/banks/{bank}/customers?limit=50")),
            ("GET customers, offset 9,950, limit 50",
             lambda: admin.get(f"/obp/v5.0.0/banks/{bank}/customers?limit=50&offset=9950")),
            ("phone search '%0001' (leading %, a literal suffix)",
             lambda: admin.post(search, {"mobile_phone_number": "%0001"})),
            ("phone search '%00%' (leading %, matches often)",
             lambda: admin.post(search, {"mobile_phone_number": "%00%"})),
            ("phone search '%0123%' (leading %, matches rarely)",
             lambda: admin.post(search, {"mobile_phone_number": "%0123%"})),
        ]
        admin.get("/obp/v5.1.0/users/current")
        print(f"{SIZE:,} customers at one bank; each request's DynamoDB calls (the caller's token and user included)")
        for label, request in cases:
            CALLS.reset()
            r = request()
            found = len(r.body.get("customers", [])) if r.status < 300 else r.body.get("message", "")[:9]
            print(f"  {label}: status {r.status} ({found}), {CALLS.round_trips()} sequential round trips of "
                  f"{CALLS.count()} calls ({', '.join(CALLS.operations())}), {CALLS.items_read():,} items read")


if __name__ == "__main__":
    main()
