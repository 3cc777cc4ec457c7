/**
 * Replacements of lost replication group members that must wait: while a zone has no power
 * (the emulator's Availability Zone power interruption, as AWS FIS does it), the nodes of the
 * zone stay down and their replacements start only once it ends. Keyed by cluster ARN.
 */
import type { CacheClusterRecord } from "../state/records.js";

export class ReplacementHolds {
  private readonly held = new Map<string, { until: Promise<void>; release: () => void }>();

  /** Blocks the replacement of these clusters' nodes; the returned function lets them go. */
  hold(clusters: CacheClusterRecord[]): () => void {
    const mine: Array<() => void> = [];
    for (const cluster of clusters) {
      if (this.held.has(cluster.arn)) continue;
      let release!: () => void;
      const until = new Promise<void>((resolve) => (release = resolve));
      const entry = { until, release };
      this.held.set(cluster.arn, entry);
      mine.push(() => {
        if (this.held.get(cluster.arn) === entry) this.held.delete(cluster.arn);
        release();
      });
    }
    return () => mine.forEach((release) => release());
  }

  /** Undefined when the cluster's node may be replaced now, else resolves when it may. */
  allowed(cluster: CacheClusterRecord): Promise<void> | undefined {
    return this.held.get(cluster.arn)?.until;
  }

  /** Lets every held replacement go. */
  releaseAll(): void {
    for (const entry of [...this.held.values()]) entry.release();
    this.held.clear();
  }
}
