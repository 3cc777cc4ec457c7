/**
 * Replication groups over raw HTTP form POSTs (as createUntilAvailable does for cache
 * clusters): the timing loops measure the emulator, not the SDK's client-side work. The
 * answers are read with a few regular expressions into the fields the rows need.
 */
import { sleep } from "./procs.js";

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(`${code}: ${message}`);
    this.name = "ApiError";
  }
}

export type Params = Record<string, string | number | boolean>;

/** One raw action; an AWS error answer is thrown as ApiError. */
export async function api(url: string, action: string, params: Params = {}): Promise<string> {
  const body = new URLSearchParams({ Action: action, Version: "2015-02-02" });
  for (const [k, v] of Object.entries(params)) body.set(k, String(v));
  const response = await fetch(`${url}/`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: body.toString() });
  const text = await response.text();
  if (!response.ok) {
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? `HTTP ${response.status}`;
    const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? text.slice(0, 300);
    throw new ApiError(code, message, response.status);
  }
  return text;
}

export interface MemberView {
  clusterId: string;
  /** The node's own endpoint (ReadEndpoint), once it has one. */
  port?: number;
  role?: string;
}

export interface NodeGroupView {
  id: string;
  status: string;
  slots?: string;
  primaryPort?: number;
  readerPort?: number;
  members: MemberView[];
}

export interface GroupView {
  id: string;
  status: string;
  clusterEnabled: boolean;
  configurationPort?: number;
  /** PendingModifiedValues/Resharding/SlotMigration/ProgressPercentage, when reported. */
  reshardingProgress?: number;
  nodeGroups: NodeGroupView[];
}

const tag = (xml: string, name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
const block = (xml: string, name: string): string | undefined => new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml)?.[1];
const blocks = (xml: string, name: string): string[] => [...xml.matchAll(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, "g"))].map((m) => m[1]!);
const portOf = (xml: string | undefined): number | undefined => {
  const p = xml === undefined ? undefined : tag(xml, "Port");
  return p === undefined ? undefined : Number(p);
};

/** The first ReplicationGroup of a Create/Describe/Modify answer. */
export function parseGroup(xml: string): GroupView {
  const g = block(xml, "ReplicationGroup");
  if (g === undefined) throw new Error(`no ReplicationGroup in the answer: ${xml.slice(0, 300)}`);
  const nodeGroupsXml = block(g, "NodeGroups") ?? "";
  const pending = block(g, "PendingModifiedValues") ?? "";
  // The group's own fields: without the nested blocks that carry their own Status.
  const own = g.replace(/<NodeGroups>[\s\S]*?<\/NodeGroups>/, "").replace(/<PendingModifiedValues>[\s\S]*?<\/PendingModifiedValues>/, "");
  const progress = tag(pending, "ProgressPercentage");
  return {
    id: tag(own, "ReplicationGroupId") ?? "",
    status: tag(own, "Status") ?? "",
    clusterEnabled: tag(own, "ClusterEnabled") === "true",
    configurationPort: portOf(block(own, "ConfigurationEndpoint")),
    reshardingProgress: progress === undefined ? undefined : Number(progress),
    nodeGroups: blocks(nodeGroupsXml, "NodeGroup").map((ng) => {
      const membersXml = block(ng, "NodeGroupMembers") ?? "";
      const ngOwn = ng.replace(/<NodeGroupMembers>[\s\S]*?<\/NodeGroupMembers>/, "");
      return {
        id: tag(ngOwn, "NodeGroupId") ?? "",
        status: tag(ngOwn, "Status") ?? "",
        slots: tag(ngOwn, "Slots"),
        primaryPort: portOf(block(ngOwn, "PrimaryEndpoint")),
        readerPort: portOf(block(ngOwn, "ReaderEndpoint")),
        members: blocks(membersXml, "NodeGroupMember").map((m) => ({
          clusterId: tag(m, "CacheClusterId") ?? "",
          port: portOf(block(m, "ReadEndpoint")),
          role: tag(m, "CurrentRole"),
        })),
      };
    }),
  };
}

/** DescribeReplicationGroups for one id; undefined once the group is gone. */
export async function describeGroup(url: string, id: string): Promise<GroupView | undefined> {
  try {
    return parseGroup(await api(url, "DescribeReplicationGroups", { ReplicationGroupId: id }));
  } catch (error) {
    if (error instanceof ApiError && error.code === "ReplicationGroupNotFoundFault") return undefined;
    throw error;
  }
}

const WAITING = new Set(["creating", "modifying", "snapshotting"]);

/** Polls until the group is `available`; throws on any other settled status or the deadline. */
export async function waitGroupAvailable(
  url: string,
  id: string,
  opts: { pollMs?: number; timeoutMs?: number; onPoll?: (g: GroupView) => void } = {},
): Promise<GroupView> {
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  for (;;) {
    const g = await describeGroup(url, id);
    if (!g) throw new Error(`replication group ${id} vanished`);
    opts.onPoll?.(g);
    if (g.status === "available") return g;
    if (!WAITING.has(g.status)) throw new Error(`replication group ${id} went ${g.status} instead of available${await lastFailure(url, id)}`);
    if (Date.now() > deadline) throw new Error(`replication group ${id} not available within ${opts.timeoutMs ?? 120_000} ms (last status ${g.status})`);
    await sleep(opts.pollMs ?? 1);
  }
}

/** The emulator's last "operation failed" event for the group, to explain a failed status. */
async function lastFailure(url: string, id: string): Promise<string> {
  try {
    const xml = await api(url, "DescribeEvents", { SourceIdentifier: id, SourceType: "replication-group", Duration: 60 });
    const messages = blocks(xml, "Event")
      .map((e) => tag(e, "Message") ?? "")
      .filter((m) => /fail/i.test(m));
    return messages.length ? ` (event: ${messages[0]})` : "";
  } catch {
    return "";
  }
}

/**
 * CreateReplicationGroup, then DescribeReplicationGroups every `pollMs` until `available`.
 * Returns the milliseconds from sending the create to the answer that says available.
 */
export async function createGroupUntilAvailable(url: string, params: Params, pollMs = 1): Promise<{ ms: number; group: GroupView }> {
  const id = String(params.ReplicationGroupId);
  const t0 = performance.now();
  await api(url, "CreateReplicationGroup", { ReplicationGroupDescription: "bench", Engine: "redis", CacheNodeType: "cache.t3.micro", ...params });
  const group = await waitGroupAvailable(url, id, { pollMs, timeoutMs: 120_000 });
  return { ms: performance.now() - t0, group };
}

/** DeleteReplicationGroup and wait until it is gone (its members' engines are stopped by then). */
export async function deleteGroupAndWaitGone(url: string, id: string, timeoutMs = 60_000): Promise<void> {
  try {
    await api(url, "DeleteReplicationGroup", { ReplicationGroupId: id });
  } catch (error) {
    if (error instanceof ApiError && error.code === "ReplicationGroupNotFoundFault") return;
    throw error;
  }
  const deadline = Date.now() + timeoutMs;
  while ((await describeGroup(url, id)) !== undefined) {
    if (Date.now() > deadline) throw new Error(`replication group ${id} still there ${timeoutMs} ms after DeleteReplicationGroup`);
    await sleep(5);
  }
}

/** Best effort for finally blocks: delete when it exists, never throw. */
export async function deleteGroupQuietly(url: string, id: string): Promise<void> {
  try {
    const g = await describeGroup(url, id);
    if (!g) return;
    if (WAITING.has(g.status)) await waitGroupAvailable(url, id, { pollMs: 20, timeoutMs: 60_000 }).catch(() => undefined);
    await deleteGroupAndWaitGone(url, id);
  } catch {
    /* the emulator's stop() stops whatever is left */
  }
}

/** Member ports of a group, every member must have one. */
export function memberPorts(g: GroupView): number[] {
  return g.nodeGroups.flatMap((ng) =>
    ng.members.map((m) => {
      if (m.port === undefined) throw new Error(`member ${m.clusterId} of ${g.id} has no ReadEndpoint`);
      return m.port;
    }),
  );
}
