/**
 * Keeps an engine's ACL equal to the records: the users of the user groups attached to a
 * replication group, or the default user behind a cluster's AUTH tokens. Every node gets
 * them when it starts (create, failover replacement, new replicas and shards, reboot), and
 * live nodes get every change over the emulator's admin connection (serverless caches add
 * their own denials, lifecycle/serverless-lifecycle.ts). The emulator's own
 * admin user is never touched, so replication and resharding keep working.
 */
import { createHmac, randomBytes } from "node:crypto";
import { DISABLED_DEFAULT, setUserCommand, tokenDefaultUser, type AclAuth, type AclUser } from "../engines/acl.js";
import type { EngineNode } from "../engines/engine.js";
import type { Logger } from "../logger.js";
import type { AccessSettings, CacheClusterRecord } from "../state/records.js";
import type { RegionState } from "../state/store.js";
import type { NodeAccess } from "./node-runner.js";

export interface NodeAclOptions {
  allowRestrictedCommands: boolean;
  logger: Logger;
}

/** The access settings that govern a cluster: its replication group's, or its own. */
export function accessOf(region: RegionState, cluster: CacheClusterRecord): AccessSettings | undefined {
  if (cluster.member) return region.replicationGroups.get(cluster.member.replicationGroupId)?.access;
  return cluster.access;
}

/** Whether anything else than AWS's open default user governs these settings. */
export function isManaged(access: AccessSettings | undefined): boolean {
  return !!access && (access.userGroupIds.length > 0 || access.authTokenHashes.length > 0);
}

/** The engine users for access settings: the user groups' users, else the default user (open or behind tokens). */
export function usersFor(region: RegionState, access: AccessSettings | undefined): AclUser[] {
  if (!access?.userGroupIds.length) {
    return [tokenDefaultUser({ hashes: access?.authTokenHashes ?? [], openToo: access?.authTokenOpenToo ?? false })];
  }
  const byName = new Map<string, AclUser>();
  for (const groupId of access.userGroupIds) {
    for (const userId of region.userGroups.get(groupId)?.userIds ?? []) {
      const user = region.users.get(userId);
      if (!user || byName.has(user.name)) continue;
      byName.set(user.name, {
        name: user.name,
        accessString: user.accessString,
        auth: aclAuth(user.authentication),
      });
    }
  }
  // A group without a `default` user (Valkey) leaves connections that do not AUTH with nothing.
  if (!byName.has("default")) byName.set("default", DISABLED_DEFAULT);
  return [...byName.values()];
}

function aclAuth(authentication: { type: string; passwordHashes: string[] }): AclAuth {
  if (authentication.type === "password") return { kind: "passwords", sha256: authentication.passwordHashes };
  if (authentication.type === "iam") return { kind: "iam" };
  return { kind: "nopass" };
}

export class NodeAcl implements NodeAccess {
  /**
   * The key IAM users' internal engine passwords derive from: new at each start (every node
   * gets its users again when it starts), never shown to clients; only a node's IAM front,
   * after checking a token, authenticates with one.
   */
  private readonly iamKey = randomBytes(32);

  constructor(private readonly options: NodeAclOptions) {}

  private iamPassword(userName: string): string {
    return createHmac("sha256", this.iamKey).update(userName, "utf8").digest("hex");
  }

  managed(region: RegionState, cluster: CacheClusterRecord): boolean {
    return isManaged(accessOf(region, cluster));
  }

  /** A node of the cluster just started (closed): give it the cluster's users. */
  async applyToNode(region: RegionState, cluster: CacheClusterRecord, engine: EngineNode): Promise<void> {
    await this.apply(engine, usersFor(region, accessOf(region, cluster)));
  }

  async refresh(region: RegionState, cluster: CacheClusterRecord, engines: EngineNode[]): Promise<void> {
    const access = accessOf(region, cluster);
    if (!isManaged(access) && !access?.pending) return; // nothing but the engine's open default user
    const users = usersFor(region, access);
    await Promise.all(engines.map((engine) => this.apply(engine, users)));
    if (!cluster.member && cluster.access) cluster.access.pending = undefined;
  }

  /**
   * Makes the engine's users exactly `users`: each one is set from scratch (`reset` first),
   * and client users that are no longer wanted are deleted, which also closes their
   * connections, as AWS does when a user leaves the group.
   */
  async apply(engine: EngineNode, users: AclUser[], denials?: readonly string[]): Promise<void> {
    const run = engine.adminCommand?.bind(engine);
    if (!run || !engine.adminAuth) return; // the embedded engine has no ACLs
    const opts = { allowRestrictedCommands: this.options.allowRestrictedCommands, iamPassword: (name: string) => this.iamPassword(name), denials };
    for (const user of users) {
      try {
        await run(setUserCommand(user, opts));
      } catch (error) {
        // The engine refuses what AWS's check could not know (e.g. an unknown command): that user stays off.
        this.options.logger.warn("engine refused a user's access string", { node: engine.spec.nodeName, user: user.name, error: String(error) });
        await run(["ACL", "SETUSER", user.name, "reset"]).catch(() => undefined);
      }
    }
    const iamUsers = new Map(users.filter((u) => u.auth.kind === "iam").map((u) => [u.name, this.iamPassword(u.name)]));
    // Only a node with an IAM front checks tokens; every node that may have IAM users starts with one (node-runner.ts iamScopeOf).
    engine.setIamUsers?.(iamUsers);
    const wanted = new Set(users.map((u) => u.name));
    const existing = (await run(["ACL", "USERS"])) as string[];
    for (const name of existing) {
      if (wanted.has(name) || name === "default" || name === engine.adminAuth?.user) continue;
      await run(["ACL", "DELUSER", name]);
    }
  }
}
