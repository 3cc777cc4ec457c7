/**
 * Closing an engine's client connections: those it accepted on some of its listening ports,
 * never replication links (flags S and M) nor the emulator's own (its admin user). Used when
 * what stands between clients and the engine changes (a network effect, a serverless cache's
 * front coming or going), so every client reconnects through the new path.
 */
import type { EngineNode } from "./engine.js";

/** Closes the client connections `engine` accepted on `ports` (CLIENT LIST / CLIENT KILL over the admin connection). */
export async function closeClientConnections(engine: EngineNode, ports: ReadonlySet<number>): Promise<void> {
  if (!engine.adminCommand) return;
  const list = String(await engine.adminCommand(["CLIENT", "LIST"]));
  for (const line of list.split("\n")) {
    const fields = new Map(line.trim().split(" ").map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)] as const));
    const port = Number((fields.get("laddr") ?? "").split(":").pop());
    const flags = fields.get("flags") ?? "";
    if (!ports.has(port) || flags.includes("S") || flags.includes("M") || fields.get("user") === engine.adminAuth?.user) continue;
    await engine.adminCommand(["CLIENT", "KILL", "ID", fields.get("id")!]).catch(() => undefined);
  }
}
