"""CloudWatch metrics and alarms through boto3 (awsJson1_0 on this botocore) and through botocore's own
awsQuery serializer and parser (as older botocore sends): put_metric_data, get_metric_statistics,
get_metric_data, list_metrics, the alarm calls, and the AWS/ElastiCache metrics of a cache cluster
created with boto3's elasticache client; prints one JSON report.

Usage: python3 boto3_metrics.py <endpoint-url>
Run by boto3-metrics.test.ts, which asserts on the report.
"""
import datetime
import json
import sys
import time
import urllib.error
import urllib.request

import boto3
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
report = {"protocol": cloudwatch.meta.service_model.resolved_protocol}

now = datetime.datetime.now(datetime.timezone.utc)
base = now.replace(second=0, microsecond=0) - datetime.timedelta(minutes=10)

cloudwatch.put_metric_data(
    Namespace="Shop",
    MetricData=[
        {"MetricName": "Checkout", "Dimensions": [{"Name": "Region", "Value": "eu"}], "Timestamp": base + datetime.timedelta(seconds=5), "Value": 3.0, "Unit": "Count"},
        {"MetricName": "Checkout", "Dimensions": [{"Name": "Region", "Value": "eu"}], "Timestamp": base + datetime.timedelta(seconds=65), "Value": 4.0, "Unit": "Count"},
    ],
)
stats = cloudwatch.get_metric_statistics(
    Namespace="Shop", MetricName="Checkout", Dimensions=[{"Name": "Region", "Value": "eu"}],
    StartTime=base, EndTime=base + datetime.timedelta(minutes=2), Period=60, Statistics=["Sum", "SampleCount"],
)
report["statistics"] = sorted([[int(p["Timestamp"].timestamp()) - int(base.timestamp()), p["Sum"], p["SampleCount"], p["Unit"]] for p in stats["Datapoints"]])
data = cloudwatch.get_metric_data(
    MetricDataQueries=[{"Id": "c", "MetricStat": {"Metric": {"Namespace": "Shop", "MetricName": "Checkout", "Dimensions": [{"Name": "Region", "Value": "eu"}]}, "Period": 60, "Stat": "Sum"}}],
    StartTime=base, EndTime=base + datetime.timedelta(minutes=2), ScanBy="TimestampAscending",
)
report["metric_data"] = [[r["Id"], r["Values"], r["StatusCode"]] for r in data["MetricDataResults"]]
report["list_metrics"] = cloudwatch.list_metrics(Namespace="Shop")["Metrics"]
report["list_metrics_paginated"] = sum(len(p["Metrics"]) for p in cloudwatch.get_paginator("list_metrics").paginate(Namespace="Shop"))

cloudwatch.put_metric_alarm(
    AlarmName="checkout-high", Namespace="Shop", MetricName="Checkout", Dimensions=[{"Name": "Region", "Value": "eu"}],
    Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=100.0, ComparisonOperator="GreaterThanOrEqualToThreshold",
    TreatMissingData="notBreaching", Tags=[{"Key": "owner", "Value": "shop"}],
)
alarm = cloudwatch.describe_alarms(AlarmNames=["checkout-high"])["MetricAlarms"][0]
report["alarm"] = {k: alarm[k] for k in ["AlarmName", "AlarmArn", "Threshold", "ComparisonOperator", "TreatMissingData", "ActionsEnabled"]}
report["alarm_tags"] = cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]
cloudwatch.set_alarm_state(AlarmName="checkout-high", StateValue="ALARM", StateReason="drill")
report["alarm_state"] = cloudwatch.describe_alarms(AlarmNames=["checkout-high"])["MetricAlarms"][0]["StateValue"]
report["history"] = [h["HistorySummary"] for h in cloudwatch.describe_alarm_history(AlarmName="checkout-high")["AlarmHistoryItems"]]
report["for_metric"] = [a["AlarmName"] for a in cloudwatch.describe_alarms_for_metric(Namespace="Shop", MetricName="Checkout", Dimensions=[{"Name": "Region", "Value": "eu"}])["MetricAlarms"]]


def error_of(call):
    try:
        call()
    except ClientError as e:
        return {"code": e.response["Error"]["Code"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"], "message": e.response["Error"].get("Message")}
    return None


report["errors"] = {
    "aws_namespace": error_of(lambda: cloudwatch.put_metric_data(Namespace="AWS/ElastiCache", MetricData=[{"MetricName": "X", "Value": 1.0}])),
    "expression": error_of(lambda: cloudwatch.get_metric_data(MetricDataQueries=[{"Id": "e", "Expression": "m1 * 2"}], StartTime=base, EndTime=now)),
    "delete_unknown": error_of(lambda: cloudwatch.delete_alarms(AlarmNames=["nope"])),
}
cloudwatch.delete_alarms(AlarmNames=["checkout-high"])
report["after_delete"] = cloudwatch.describe_alarms(AlarmNames=["checkout-high"])["MetricAlarms"]

# awsQuery through botocore's own serializer and parser.
model = botocore.session.get_session().get_service_model("cloudwatch")


def query_call(operation_name, params):
    operation = model.operation_model(operation_name)
    request_dict = serialize.create_serializer("query").serialize_to_request(params, operation)
    request = AWSRequest(method="POST", url=endpoint_url + "/", data=request_dict["body"], headers=request_dict["headers"])
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
    return status, parsed


query_stats = query_call("GetMetricStatistics", {
    "Namespace": "Shop", "MetricName": "Checkout", "Dimensions": [{"Name": "Region", "Value": "eu"}],
    "StartTime": base, "EndTime": base + datetime.timedelta(minutes=2), "Period": 60, "Statistics": ["Maximum"],
})
report["query_statistics"] = [query_stats[0], sorted(p["Maximum"] for p in query_stats[1]["Datapoints"])]
query_data = query_call("GetMetricData", {
    "MetricDataQueries": [{"Id": "c", "MetricStat": {"Metric": {"Namespace": "Shop", "MetricName": "Checkout", "Dimensions": [{"Name": "Region", "Value": "eu"}]}, "Period": 60, "Stat": "Sum"}}],
    "StartTime": base, "EndTime": base + datetime.timedelta(minutes=2),
})
report["query_metric_data"] = [query_data[0], [[r["Id"], r["Values"], len(r["Timestamps"])] for r in query_data[1]["MetricDataResults"]]]
report["query_put"] = query_call("PutMetricData", {"Namespace": "Shop", "MetricData": [{"MetricName": "ViaQuery", "Value": 1.0, "Dimensions": [{"Name": "A", "Value": "b"}]}]})[0]
report["query_list"] = [m["MetricName"] for m in query_call("ListMetrics", {"Namespace": "Shop", "Dimensions": [{"Name": "A"}]})[1]["Metrics"]]

# ElastiCache's own metrics for a cluster created through boto3.
elasticache = boto3.client("elasticache", **common)
elasticache.create_cache_cluster(CacheClusterId="boto-metrics", Engine="redis", CacheNodeType="cache.t3.micro", NumCacheNodes=1)
elasticache.get_waiter("cache_cluster_available").wait(CacheClusterId="boto-metrics", WaiterConfig={"Delay": 1, "MaxAttempts": 60})
dims = [{"Name": "CacheClusterId", "Value": "boto-metrics"}, {"Name": "CacheNodeId", "Value": "0001"}]
found = []
for _ in range(100):
    found = cloudwatch.list_metrics(Namespace="AWS/ElastiCache", MetricName="CurrItems", Dimensions=dims)["Metrics"]
    if found:
        break
    time.sleep(0.2)
report["elasticache_metric"] = found
print(json.dumps(report, default=str))
