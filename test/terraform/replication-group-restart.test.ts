/**
 * A data dir written before member clusters carried the group's settings: after a restart,
 * the provider's read of the first member agrees with the group again (no replacement of
 * the group on the next plan because `at_rest_encryption_enabled` reads back false).
 */
import { CreateReplicationGroupCommand, type ElastiCacheClient } from "@aws-sdk/client-elasticache";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { nodePortRange, sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectMembersMirrorGroup, readReplicationGroup, waitReplicationGroupAvailable } from "./replication-group-provider.js";

let dir: string;
let emulator: Emulator | undefined;
const nodePorts = nodePortRange();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "elasticache-local-tf-rg-"));
});
afterAll(async () => {
  await emulator?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Drops the member-only copies an earlier version did not write (any record with `member` is a member cluster). */
function dropMemberCopies(value: unknown): void {
  if (Array.isArray(value)) return value.forEach(dropMemberCopies);
  if (value === null || typeof value !== "object") return;
  const record = value as Record<string, unknown>;
  if (record.member && typeof record.settings === "object") {
    const settings = record.settings as Record<string, unknown>;
    delete settings.atRestEncryptionEnabled;
    settings.snapshotRetentionLimit = 0;
  }
  Object.values(record).forEach(dropMemberCopies);
}

it("members take the group's settings again when the emulator comes back", async () => {
  emulator = await startEmulator({ dataDir: dir, nodePorts });
  let client: ElastiCacheClient = sdkClient(emulator);
  await client.send(
    new CreateReplicationGroupCommand({
      ReplicationGroupId: "kept",
      ReplicationGroupDescription: "d",
      Engine: "redis",
      CacheNodeType: "cache.t3.micro",
      NumCacheClusters: 2,
      AtRestEncryptionEnabled: true,
      SnapshotRetentionLimit: 2,
    }),
  );
  await waitReplicationGroupAvailable(client, "kept");
  await emulator.stop();
  emulator = undefined;

  const file = join(dir, "state.json");
  const saved = JSON.parse(await readFile(file, "utf8")) as unknown;
  dropMemberCopies(saved);
  await writeFile(file, JSON.stringify(saved));

  emulator = await startEmulator({ dataDir: dir, nodePorts });
  client = sdkClient(emulator);
  await waitReplicationGroupAvailable(client, "kept");
  const { state, group } = await readReplicationGroup(client, "kept");
  expect(state.at_rest_encryption_enabled).toBe("true");
  await expectMembersMirrorGroup(client, group);
});
