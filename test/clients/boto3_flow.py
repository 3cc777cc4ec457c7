"""A Memcached cluster's life through boto3, as a Python user writes it; prints one JSON report.

Usage: python3 boto3_flow.py <endpoint-url> <cluster-id>
Run by boto3.test.ts, which asserts on the report.
"""
import json
import socket
import sys

import boto3
from botocore.config import Config

endpoint_url, cluster_id = sys.argv[1], sys.argv[2]
client = boto3.client(
    "elasticache",
    endpoint_url=endpoint_url,
    region_name="us-east-1",
    aws_access_key_id="test",
    aws_secret_access_key="test",
    config=Config(retries={"max_attempts": 1, "mode": "standard"}),
)
report = {"boto3": boto3.__version__}

created = client.create_cache_cluster(
    CacheClusterId=cluster_id,
    Engine="memcached",
    CacheNodeType="cache.t3.micro",
    NumCacheNodes=2,
)["CacheCluster"]
report["created"] = {
    "id": created["CacheClusterId"],
    "status": created["CacheClusterStatus"],
    "nodes": created["NumCacheNodes"],
    "create_time_type": type(created["CacheClusterCreateTime"]).__name__,
}

client.get_waiter("cache_cluster_available").wait(
    CacheClusterId=cluster_id, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
)

cluster = client.describe_cache_clusters(CacheClusterId=cluster_id, ShowCacheNodeInfo=True)["CacheClusters"][0]
report["described"] = {
    "id": cluster["CacheClusterId"],
    "status": cluster["CacheClusterStatus"],
    "engine": cluster["Engine"],
    "engine_version": cluster["EngineVersion"],
    "arn": cluster["ARN"],
    "configuration_endpoint": cluster.get("ConfigurationEndpoint"),
    "nodes": [
        {"id": n["CacheNodeId"], "status": n["CacheNodeStatus"], "endpoint": n["Endpoint"]}
        for n in cluster["CacheNodes"]
    ],
}



def memcached(port, command):
    """One memcached text command over a plain socket; returns the reply up to its terminator."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(command.encode())
        reply = b""
        while not reply.endswith((b"END\r\n", b"STORED\r\n", b"ERROR\r\n")):
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
        return reply.decode()


# Every node is a memcached of its own, and the configuration endpoint lists them all.
node_ports = [n["Endpoint"]["Port"] for n in cluster["CacheNodes"]]
report["data"] = {
    "set": [memcached(p, "set from-python 0 0 %d\r\n%d\r\n" % (len(str(p)), p)) for p in node_ports],
    "get": [memcached(p, "get from-python\r\n") for p in node_ports],
    "config": memcached(cluster["ConfigurationEndpoint"]["Port"], "config get cluster\r\n"),
}

client.add_tags_to_resource(
    ResourceName=cluster["ARN"], Tags=[{"Key": "env", "Value": "test"}, {"Key": "owner", "Value": "boto3"}]
)
report["tags"] = client.list_tags_for_resource(ResourceName=cluster["ARN"])["TagList"]

# A paginator over every cluster.
paginator = client.get_paginator("describe_cache_clusters")
report["paginated_ids"] = [c["CacheClusterId"] for page in paginator.paginate() for c in page["CacheClusters"]]

deleted = client.delete_cache_cluster(CacheClusterId=cluster_id)["CacheCluster"]
report["deleted_status"] = deleted["CacheClusterStatus"]
client.get_waiter("cache_cluster_deleted").wait(
    CacheClusterId=cluster_id, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
)

try:
    client.describe_cache_clusters(CacheClusterId=cluster_id)
    report["not_found"] = None
except client.exceptions.CacheClusterNotFoundFault as error:
    report["not_found"] = {
        "code": error.response["Error"]["Code"],
        "message": error.response["Error"]["Message"],
        "http_status": error.response["ResponseMetadata"]["HTTPStatusCode"],
        "request_id": error.response["ResponseMetadata"].get("RequestId"),
    }

try:
    client.create_cache_cluster(CacheClusterId="Bad--Name", Engine="memcached", CacheNodeType="cache.t3.micro")
    report["invalid"] = None
except client.exceptions.InvalidParameterValueException as error:
    report["invalid"] = {"code": error.response["Error"]["Code"], "class": type(error).__name__}

print(json.dumps(report, default=str))
