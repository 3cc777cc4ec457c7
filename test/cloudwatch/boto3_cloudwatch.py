"""CloudWatch DescribeAlarms through botocore, in the protocol boto3 picks (awsJson1_0 on botocore >= 1.42.7)
and in awsQuery (botocore's own query serializer and parser, as older botocore and the AWS CLI v1 of
that time send it), next to an ElastiCache call on the same endpoint; prints one JSON report.

Usage: python3 boto3_cloudwatch.py <endpoint-url>
Run by boto3-cloudwatch.test.ts, which asserts on the report.
"""
import json
import sys
import urllib.error
import urllib.request

import boto3
import botocore
import botocore.session
from botocore import parsers, serialize
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

endpoint_url = sys.argv[1]
common = dict(
    endpoint_url=endpoint_url,
    region_name="us-east-1",
    aws_access_key_id="test",
    aws_secret_access_key="test",
    config=Config(retries={"max_attempts": 1, "mode": "standard"}),
)
cloudwatch = boto3.client("cloudwatch", **common)
elasticache = boto3.client("elasticache", **common)
report = {"botocore": botocore.__version__, "protocol": cloudwatch.meta.service_model.resolved_protocol}


def error_of(call):
    try:
        call()
    except ClientError as e:
        return {
            "code": e.response["Error"]["Code"],
            "message": e.response["Error"].get("Message"),
            "status": e.response["ResponseMetadata"]["HTTPStatusCode"],
        }
    return None


described = cloudwatch.describe_alarms()
report["json"] = {
    "metric_alarms": described["MetricAlarms"],
    "has_next_token": "NextToken" in described,
    "request_id": bool(described["ResponseMetadata"].get("RequestId")),
}
report["json_errors"] = {
    "state_value": error_of(lambda: cloudwatch.describe_alarms(StateValue="SOMETIMES")),
    "max_records": error_of(lambda: cloudwatch.describe_alarms(MaxRecords=101)),
    "names_and_prefix": error_of(lambda: cloudwatch.describe_alarms(AlarmNames=["a"], AlarmNamePrefix="a")),
}
report["paginator_pages"] = [
    page["MetricAlarms"] for page in cloudwatch.get_paginator("describe_alarms").paginate(PaginationConfig={"PageSize": 10})
]
report["elasticache"] = elasticache.describe_cache_clusters()["CacheClusters"]

# awsQuery: botocore's own serializer and parser for CloudWatch's query protocol.
model = botocore.session.get_session().get_service_model("cloudwatch")
operation = model.operation_model("DescribeAlarms")


def query_call(params, signed):
    request_dict = serialize.create_serializer("query").serialize_to_request(params, operation)
    request = AWSRequest(method="POST", url=endpoint_url + "/", data=request_dict["body"], headers=request_dict["headers"])
    if signed:
        SigV4Auth(Credentials("test", "test"), "monitoring", "us-east-1").add_auth(request)
    prepared = request.prepare()
    http_request = urllib.request.Request(prepared.url, data=prepared.body.encode() if isinstance(prepared.body, str) else prepared.body, headers=dict(prepared.headers), method="POST")
    try:
        with urllib.request.urlopen(http_request) as response:
            status, headers, body = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as e:
        status, headers, body = e.code, dict(e.headers), e.read()
    parsed = parsers.create_parser("query").parse({"body": body, "headers": headers, "status_code": status}, operation.output_shape)
    parsed.pop("ResponseMetadata", None)
    return {"status": status, "parsed": parsed, "namespace": "http://monitoring.amazonaws.com/doc/2010-08-01/" in body.decode()}


report["query"] = {
    "signed": query_call({}, signed=True),
    "unsigned_by_version": query_call({"MaxRecords": 5}, signed=False),
    "state_value": query_call({"StateValue": "SOMETIMES"}, signed=True),
}
print(json.dumps(report, default=str))
