/**
 * The two scopes of the store: per account and region, and per account across regions
 * (global datastores, whose ARNs have an empty region). Both are saved in the data dir's
 * state file and restored; a state file written before accounts existed still loads, and
 * every region it holds gets AWS's defaults.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logger.js";
import { buildArn, parseArn } from "../../src/state/arn.js";
import { StatePersister } from "../../src/state/persistence.js";
import { allKinds, persistedFields, resources } from "../../src/state/resources.js";
import { AccountState, Store } from "../../src/state/store.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "elasticache-local-scopes-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("account scope", () => {
  it("builds and parses ARNs with an empty region", () => {
    const arn = buildArn("", "123456789012", "globalreplicationgroup", "ldgnf-global");
    expect(arn).toBe("arn:aws:elasticache::123456789012:globalreplicationgroup:ldgnf-global");
    expect(parseArn(arn)).toEqual({ region: "", accountId: "123456789012", resourceType: "globalreplicationgroup", resourceName: "ldgnf-global" });
  });

  it("is one state per account, shared by all its regions", () => {
    const store = new Store();
    expect(store.account("111122223333")).toBe(store.account("111122223333"));
    expect(store.account("111122223333")).not.toBe(store.account("444455556666"));
    expect(store.allAccounts()).toHaveLength(2);
  });

  it("round-trips through the state file beside the regions", async () => {
    const store = new Store();
    const arn = buildArn("", "111122223333", "globalreplicationgroup", "ldgnf-global");
    store.account("111122223333").tags.set(arn, [{ Key: "scope", Value: "account" }]);
    store.region({ accountId: "111122223333", region: "eu-west-1" }).tags.set("arn:regional", [{ Key: "scope", Value: "region" }]);
    const writer = new StatePersister(dir, store, silentLogger);
    await writer.load();
    await writer.commit();

    const doc = JSON.parse(await readFile(join(dir, "state.json"), "utf8"));
    expect(doc.accounts).toHaveLength(1);
    expect(doc.accounts[0].key).toEqual({ accountId: "111122223333" });

    const restored = new Store();
    expect(await new StatePersister(dir, restored, silentLogger).load()).toBe(true);
    expect(restored.account("111122223333").tags.get(arn)).toEqual([{ Key: "scope", Value: "account" }]);
    expect(restored.region({ accountId: "111122223333", region: "eu-west-1" }).tags.get("arn:regional")).toEqual([{ Key: "scope", Value: "region" }]);
  });

  it("persists every field of an account's state", () => {
    const fields = Object.keys(new AccountState({ accountId: "000000000000" })).filter((k) => k !== "key");
    expect(fields.filter((f) => !persistedFields("account").includes(f))).toEqual([]);
  });
});

describe("a state file from before accounts and seeded defaults", () => {
  it("loads, and its regions get AWS's default user, subnet group and security group", async () => {
    const created = "2026-01-02T03:04:05.678Z";
    await writeFile(
      join(dir, "state.json"),
      JSON.stringify({
        version: 1,
        savedAt: created,
        regions: [
          {
            key: { accountId: "000000000000", region: "us-east-1" },
            fields: { tags: { $map: [["arn:x", [{ Key: "k", Value: "v" }]]] }, subnetGroups: { $map: [] }, users: { $map: [] } },
          },
        ],
      }),
    );
    const store = new Store();
    expect(await new StatePersister(dir, store, silentLogger).load()).toBe(true);
    const region = store.region({ accountId: "000000000000", region: "us-east-1" });
    expect(region.tags.get("arn:x")).toEqual([{ Key: "k", Value: "v" }]);
    expect(region.users.get("default")?.arn).toBe("arn:aws:elasticache:us-east-1:000000000000:user:default");
    expect(region.subnetGroups.get("default")?.subnetIds).toHaveLength(3);
    expect(region.cacheSecurityGroups.get("default")?.ownerId).toBe("000000000000");
    expect(store.allAccounts()).toEqual([]);
  });
});

describe("the resource registry", () => {
  it("declares every ElastiCache ARN type once, each with its own not-found error", () => {
    const types = allKinds.map((k) => k.arnType);
    expect(new Set(types).size).toBe(types.length);
    expect([...types].sort()).toEqual(
      ["cluster", "globalreplicationgroup", "parametergroup", "replicationgroup", "reserved-instance", "securitygroup", "serverlesscache", "serverlesscachesnapshot", "snapshot", "subnetgroup", "user", "usergroup"],
    );
    const codes = allKinds.map((k) => k.notFound("x").code);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it("puts global datastores in the account scope and everything else in the region", () => {
    expect(resources.globalReplicationGroup.scope).toBe("account");
    expect(allKinds.filter((k) => k.scope === "account").map((k) => k.arnType)).toEqual(["globalreplicationgroup"]);
  });

  it("settles records without engines after a restart as AWS would show them", () => {
    const snapshot = (status: string) => ({ status }) as never;
    const settle = resources.snapshot.settle!;
    const creating = snapshot("creating");
    expect(settle(creating)).toBe("keep");
    expect((creating as { status: string }).status).toBe("failed");
    const copying = snapshot("copying");
    expect(settle(copying)).toBe("keep");
    expect((copying as { status: string }).status).toBe("available");
    expect(settle(snapshot("deleting"))).toBe("remove");
    const user = { status: "modifying" } as never;
    expect(resources.user.settle!(user)).toBe("keep");
    expect((user as { status: string }).status).toBe("active");
  });
});
