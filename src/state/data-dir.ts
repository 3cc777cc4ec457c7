/**
 * Where the emulator keeps files. With a data dir (README: Persistence) everything lives
 * under it and survives restarts; without, under a temporary root removed at stop (the pid
 * records then go to the system temp dir, so a later start still reaps orphans).
 *
 *   <data dir>/state.json   the records (state/persistence.ts)
 *   <data dir>/nodes/       each node's working directory: <account>/<region>/<cluster>/<node>
 *   <data dir>/tls/         the CA and the certificate of every TLS endpoint
 *   <data dir>/snapshots/   snapshot RDB files
 *   <data dir>/exports/     CopySnapshot's S3 stand-in (unless --snapshot-export-dir)
 *   <data dir>/restore/     scratch engines of a restore into another layout
 *   <data dir>/warm/        the serverless warm pair's engines until a cache adopts them (renamed into nodes/)
 *   <data dir>/run/         pid records of the engines (reaped after a crash)
 */
import { join } from "node:path";
import { defaultRunDir } from "../process/pid-registry.js";

export interface DataDirLayout {
  nodes: string;
  tls: string;
  snapshots: string;
  exports: string;
  restore: string;
  /** The serverless warm pair's working directories (on the filesystem of `nodes`: adoption renames them there). */
  warm: string;
  run: string;
}

/** `tempRoot`: the temporary root used without a data dir (node directories go straight under it). */
export function dataDirLayout(opts: { dataDir?: string; tempRoot?: string; snapshotExportDir?: string }): DataDirLayout {
  const { dataDir, tempRoot } = opts;
  if (!dataDir && !tempRoot) throw new Error("a data dir or a temporary root is needed");
  const nodes = dataDir ? join(dataDir, "nodes") : tempRoot!;
  const base = dataDir ?? nodes;
  return {
    nodes,
    tls: join(dataDir ?? tempRoot!, "tls"),
    snapshots: join(base, "snapshots"),
    exports: opts.snapshotExportDir ?? join(base, "exports"),
    restore: join(base, "restore"),
    // "_" cannot start an account id, so without a data dir this never meets a node's directory.
    warm: dataDir ? join(dataDir, "warm") : join(nodes, "_serverless-warm"),
    run: runDir(dataDir),
  };
}

/** The pid records' directory, known before anything else starts (orphans are reaped first). */
export function runDir(dataDir: string | undefined): string {
  return defaultRunDir(dataDir);
}
