/** Where the CA lives: in the data dir, kept across restarts; else in a temporary dir removed at stop. */
import { access, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { X509Certificate } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { startEmulator } from "../helpers/emulator.js";
import { fetchCa } from "../helpers/tls.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const exists = (file: string) => access(file).then(() => true, () => false);

describe("the emulator's CA", () => {
  it("is kept in the data dir: a restarted emulator serves the same CA", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "elasticache-local-tls-"));
    dirs.push(dataDir);
    const first = await startEmulator({ dataDir });
    const ca = await fetchCa(first);
    expect(first.ca!.file).toBe(join(dataDir, "tls", "ca.pem"));
    await first.stop();

    const second = await startEmulator({ dataDir });
    try {
      expect(await fetchCa(second)).toBe(ca);
    } finally {
      await second.stop();
    }
  });

  it("without a data dir is new per emulator and removed at stop", async () => {
    const a = await startEmulator();
    const b = await startEmulator();
    const caA = await fetchCa(a);
    const caB = await fetchCa(b);
    expect(new X509Certificate(caA).fingerprint256).not.toBe(new X509Certificate(caB).fingerprint256);
    const file = a.ca!.file;
    expect(await exists(file)).toBe(true);
    await a.stop();
    await b.stop();
    expect(await exists(file)).toBe(false);
  });
});
