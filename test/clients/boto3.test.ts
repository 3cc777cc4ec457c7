/**
 * boto3 (Python) against an in-process emulator: test/clients/boto3_flow.py creates a
 * 2-node Memcached cluster, waits with boto3's waiters, tags it, deletes it and catches the
 * modeled exceptions; this test asserts on the JSON report it prints, and on the engines.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { runTool } from "../helpers/aws-tools.js";
import { portIsClosed } from "../helpers/ports.js";
import { startEmulator } from "../helpers/emulator.js";

const script = join(dirname(fileURLToPath(import.meta.url)), "boto3_flow.py");

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator?.stop();
});

describe("boto3", () => {
  it("runs a Memcached cluster's life: create, waiter, describe, tags, delete, waiter, modeled exceptions", async () => {
    const result = await runTool("python3", [script, emulator.url, "py-mc"]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);

    expect(report.created).toEqual({ id: "py-mc", status: "creating", nodes: 2, create_time_type: "datetime" });

    const described = report.described;
    expect(described).toMatchObject({
      id: "py-mc",
      status: "available",
      engine: "memcached",
      arn: "arn:aws:elasticache:us-east-1:000000000000:cluster:py-mc",
    });
    expect(described.engine_version).toMatch(/^1\.\d+\.\d+$/);
    expect(described.configuration_endpoint.Address).toBe("127.0.0.1");
    expect(described.nodes.map((n: { id: string }) => n.id)).toEqual(["0001", "0002"]);
    for (const node of described.nodes) {
      expect(node.status).toBe("available");
      expect(node.endpoint.Address).toBe("127.0.0.1");
    }
    const ports: number[] = [...described.nodes.map((n: { endpoint: { Port: number } }) => n.endpoint.Port), described.configuration_endpoint.Port];
    expect(new Set(ports).size).toBe(3);

    // The script's own sockets: each node stored its own value, and Auto Discovery lists both nodes.
    const nodePorts = ports.slice(0, 2);
    expect(report.data.set).toEqual(["STORED\r\n", "STORED\r\n"]);
    expect(report.data.get).toEqual(nodePorts.map((p) => `VALUE from-python 0 ${String(p).length}\r\n${p}\r\nEND\r\n`));
    const payload = `1\n${nodePorts.map((p) => `127.0.0.1|127.0.0.1|${p}`).join(" ")}\n`;
    expect(report.data.config).toBe(`CONFIG cluster 0 ${payload.length}\r\n${payload}\r\nEND\r\n`);

    expect(report.tags).toEqual([
      { Key: "env", Value: "test" },
      { Key: "owner", Value: "boto3" },
    ]);
    expect(report.paginated_ids).toEqual(["py-mc"]);
    expect(report.deleted_status).toBe("deleting");

    expect(report.not_found).toMatchObject({
      code: "CacheClusterNotFound",
      message: "CacheCluster not found: py-mc",
      http_status: 404,
    });
    expect(report.not_found.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(report.invalid).toEqual({ code: "InvalidParameterValue", class: "InvalidParameterValueException" });

    // After the deleted-waiter returned, nothing answers on the cluster's ports any more.
    for (const port of ports) expect(await portIsClosed(port), `port ${port}`).toBe(true);
  });
});
