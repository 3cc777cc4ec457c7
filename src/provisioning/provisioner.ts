/**
 * Boot-time provisioning: the entries of the init file, applied in order through the same
 * service dispatch as API requests (model validation, the service's handler, its commit), each
 * waited on until its resource is available (or gone, for a Delete*) before the next.
 *
 * With a data dir, a restart does not apply an entry twice (README: Provisioning at start):
 *   - an entry the data dir records as applied (`init-applied.json`: a fingerprint of its
 *     service, region, action and input, counted, so a file may repeat an entry) is skipped;
 *   - a Create* entry whose resource came back from the data dir is skipped too (it was applied
 *     by a run that ended before it could record it).
 * A skipped entry's resource that came back is still waited on until available.
 */
import { createHash, randomUUID } from "node:crypto";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import type { Logger } from "../logger.js";
import { AwsError, commonErrors } from "../protocol/aws-error.js";
import { validateInput } from "../protocol/validator.js";
import type { ApiService } from "../services/service.js";
import type { InitEntry } from "./init-file.js";
import { prepareInput } from "./input.js";
import { describeResource, FAILED_STATUSES, READY_STATUSES, resourceCreatedBy, resourceOf, type ResourceRef } from "./resources.js";

/** What provisioning is doing, for GET /_emulator/health. */
export type ProvisioningProgress =
  | { phase: "restoring"; waitingFor: string }
  | {
      phase: "provisioning";
      entry: number;
      of: number;
      waitingFor: string;
      action: string;
      source: string;
      position: number;
      resource?: string;
      status?: string;
    }
  | { phase: "provisioned"; entries: number; applied: number; skipped: number }
  | { phase: "failed"; error: string };

/** A failing entry: the AWS error (or the reason), the entry, and where it is in its file. */
export class ProvisioningError extends Error {
  constructor(
    message: string,
    readonly entry: InitEntry,
    readonly index: number,
    readonly awsError?: AwsError,
  ) {
    super(message);
    this.name = "ProvisioningError";
  }
}

export interface ProvisionerOptions {
  services: readonly ApiService[];
  defaults: { accountId: string; region: string };
  logger: Logger;
  /** The record of applied entries (in the data dir); undefined without a data dir. */
  ledgerFile?: string;
  /** Between two reads of a resource being waited on. */
  pollMs?: number;
}

const DEFAULT_SERVICE = "elasticache";

export class Provisioner {
  private progressNow: ProvisioningProgress = { phase: "restoring", waitingFor: "resources restored from the data dir" };
  private cancelled = false;

  constructor(private readonly options: ProvisionerOptions) {}

  get progress(): ProvisioningProgress {
    return this.progressNow;
  }

  /** Ends a run in progress at its next step (stop() during start). */
  cancel(): void {
    this.cancelled = true;
  }

  /** Applies the entries in order; rejects with a ProvisioningError on the first that fails. */
  async run(entries: readonly InitEntry[], opts: { restoredState: boolean }): Promise<void> {
    const ledger = await Ledger.open(this.options.ledgerFile);
    const seen = new Map<string, number>();
    let applied = 0;
    let skipped = 0;
    try {
      for (const [index, entry] of entries.entries()) {
        const at = { entry: index + 1, of: entries.length, action: entry.action, source: entry.source, position: entry.position };
        this.progressNow = { phase: "provisioning", ...at, waitingFor: `entry ${index + 1} of ${entries.length}: ${entry.action}` };
        const outcome = await this.apply(entry, index, entries.length, ledger, seen, opts.restoredState);
        if (outcome === "applied") applied++;
        else skipped++;
      }
    } catch (error) {
      this.progressNow = { phase: "failed", error: (error as Error).message };
      throw error;
    }
    this.progressNow = { phase: "provisioned", entries: entries.length, applied, skipped };
    if (entries.length) this.options.logger.info(`provisioned ${entries.length} init entr${entries.length === 1 ? "y" : "ies"} (${applied} applied, ${skipped} already there)`);
  }

  private async apply(entry: InitEntry, index: number, count: number, ledger: Ledger, seen: Map<string, number>, restoredState: boolean): Promise<"applied" | "skipped"> {
    const fail = (error: unknown, resource?: ResourceRef): never => {
      const awsError = error instanceof AwsError ? error : undefined;
      const reason = awsError ? `${awsError.code}: ${awsError.message}` : (error as Error).message;
      const what = `${entry.action}${resource ? ` ${resource.id}` : ""}`;
      throw new ProvisioningError(`init entry ${index + 1} of ${count} (${entry.source}, entry ${entry.position}: ${what}) failed: ${reason}`, entry, index, awsError);
    };
    const region = entry.region ?? this.options.defaults.region;
    const service = this.options.services.find((s) => s.name === (entry.service ?? DEFAULT_SERVICE));
    if (!service) fail(new Error(`unknown service "${entry.service}" (one of ${this.options.services.map((s) => s.name).join(", ")})`));
    const call = { service: service!, region };
    const fingerprint = fingerprintOf(service!.name, region, entry);
    const occurrence = (seen.get(fingerprint) ?? 0) + 1;
    seen.set(fingerprint, occurrence);
    const created = service!.name === DEFAULT_SERVICE ? resourceCreatedBy(entry.action, entry.input) : undefined;

    // Already applied in this data dir: recorded, or a create whose resource came back.
    const recorded = ledger.count(fingerprint) >= occurrence;
    const cameBack = created !== undefined && (recorded || restoredState) && (await this.exists(call, created).catch((e) => fail(e, created)));
    if (recorded || cameBack) {
      this.options.logger.info(`init entry ${index + 1} (${entry.action}) already applied in this data dir`);
      if (!recorded) await ledger.record(fingerprint);
      if (cameBack) await this.settle(call, created!, false).catch((e) => fail(e, created));
      return "skipped";
    }

    let output: unknown;
    try {
      if (!service!.model.operation(entry.action)) throw commonErrors.invalidAction(entry.action);
      const input = prepareInput(service!.model, entry.action, entry.input);
      validateInput(service!.model, entry.action, input, service!.wording);
      output = await this.invoke(call, entry.action, input);
    } catch (error) {
      fail(error, created);
    }
    await ledger.record(fingerprint);
    const resource = service!.name === DEFAULT_SERVICE ? resourceOf(service!.model, entry.action, output) : undefined;
    if (resource) await this.settle(call, resource, entry.action.startsWith("Delete")).catch((e) => fail(e, resource));
    this.options.logger.info(`init entry ${index + 1} of ${count}: ${entry.action}${resource ? ` ${resource.id}` : ""} done`);
    return "applied";
  }

  private invoke(call: { service: ApiService; region: string }, action: string, input: Record<string, unknown>): Promise<unknown> {
    if (this.cancelled) throw new Error("the emulator is stopping");
    const requestId = randomUUID();
    return call.service.invoke(action, input, {
      requestId,
      accountId: this.options.defaults.accountId,
      region: call.region,
      logger: this.options.logger.child({ requestId, init: action }),
    });
  }

  private async exists(call: { service: ApiService; region: string }, ref: ResourceRef): Promise<boolean> {
    try {
      await this.invoke(call, ref.kind.describe, { [ref.kind.id]: ref.id });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** Reads the resource until it is available (or, after a delete, gone); a failed status ends the start. */
  private async settle(call: { service: ApiService; region: string }, ref: ResourceRef, deleting: boolean): Promise<void> {
    const { kind } = ref;
    if (!kind.status && !deleting) return;
    for (;;) {
      let found: Record<string, unknown> | undefined;
      try {
        const output = (await this.invoke(call, kind.describe, { [kind.id]: ref.id })) as Record<string, unknown>;
        found = (output[kind.list] as Record<string, unknown>[] | undefined)?.[0];
      } catch (error) {
        if (!isNotFound(error)) throw error;
        if (deleting) return;
        throw new Error(`${describeResource(ref)} is gone`);
      }
      const status = kind.status ? String(found?.[kind.status] ?? "") : undefined;
      if (this.progressNow.phase === "provisioning") {
        this.progressNow = {
          ...this.progressNow,
          resource: describeResource(ref),
          status,
          waitingFor: `${describeResource(ref)} to be ${deleting ? "deleted" : "available"}${status ? ` (now ${status})` : ""}`,
        };
      }
      if (!deleting && status !== undefined) {
        if (READY_STATUSES.has(status)) return;
        if (FAILED_STATUSES.has(status)) throw new Error(`${describeResource(ref)} is ${status}`);
      }
      await new Promise((resolve) => setTimeout(resolve, this.options.pollMs ?? 50));
    }
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof AwsError && error.httpStatus === 404 && /NotFound/.test(error.code);
}

/** Same service, region, action and input (members in any order) -> same fingerprint. */
function fingerprintOf(service: string, region: string, entry: InitEntry): string {
  return createHash("sha256").update(canonical({ service, region, action: entry.action, input: entry.input })).digest("hex");
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const keys = Object.keys(value as object).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** The data dir's record of applied entries: fingerprints, one per application, written atomically. */
class Ledger {
  private constructor(
    private readonly file: string | undefined,
    private readonly applied: string[],
  ) {}

  static async open(file: string | undefined): Promise<Ledger> {
    if (!file) return new Ledger(undefined, []);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch {
      return new Ledger(file, []);
    }
    const parsed = JSON.parse(text) as { applied?: unknown };
    const applied = Array.isArray(parsed.applied) ? parsed.applied.filter((x): x is string => typeof x === "string") : [];
    return new Ledger(file, applied);
  }

  count(fingerprint: string): number {
    return this.applied.filter((f) => f === fingerprint).length;
  }

  async record(fingerprint: string): Promise<void> {
    this.applied.push(fingerprint);
    if (!this.file) return;
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ version: 1, applied: this.applied }, null, 1) + "\n");
    await rename(tmp, this.file);
  }
}

/** Forgets every applied entry (reset removed their resources: the next start applies the file again). */
export async function forgetAppliedEntries(file: string): Promise<void> {
  await rm(file, { force: true });
}
