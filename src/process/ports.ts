/**
 * Ports for cache nodes come from a configurable range. We never "check then spawn":
 * the engine itself binds, and a PortInUseError from start() moves on to the next port.
 * The pool only remembers what this process's own nodes hold, so two creates in
 * flight never pick the same port.
 */

/** A port someone already listens on: an engine, a listener or haproxy reports its bind failure as this. */
export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(`port ${port} is in use`);
    this.name = "PortInUseError";
  }
}

export interface PortRange {
  from: number;
  to: number;
}

export class NoFreePortError extends Error {
  constructor(readonly range: PortRange, attempts: number) {
    super(`no free port in ${range.from}-${range.to} after ${attempts} attempts`);
    this.name = "NoFreePortError";
  }
}

export class PortPool {
  private readonly held = new Set<number>();
  /** Ports kept for their owner (a restored node, by its recorded port): skipped unless asked for by number. */
  private readonly reserved = new Set<number>();
  /** Next port to try per range, so retries and later allocations move on instead of reusing a taken port. */
  private readonly cursors = new Map<string, number>();
  /** Ports on their way back (a holder stopping to make room): allocations that find none free wait for them. */
  private readonly releasing = new Set<Promise<void>>();

  /** A port of `range` not held by our nodes (or `preferred`, which must not be held). Marks it held. */
  allocate(range: PortRange, preferred?: number): number {
    checkRange(range);
    const key = `${range.from}-${range.to}`;
    if (preferred !== undefined) {
      if (this.held.has(preferred)) throw new PortInUseError(preferred);
      this.held.add(preferred);
      this.reserved.delete(preferred);
      // The next port handed out is not one just given by number (a pair of ports held, then started side by side).
      if (this.cursors.get(key) === preferred) this.cursors.set(key, preferred + 1 > range.to ? range.from : preferred + 1);
      return preferred;
    }
    const size = range.to - range.from + 1;
    const start = this.cursors.get(key) ?? range.from;
    for (let i = 0; i < size; i++) {
      const port = range.from + ((start - range.from + i) % size);
      if (this.held.has(port) || this.reserved.has(port)) continue;
      this.held.add(port);
      this.cursors.set(key, port + 1 > range.to ? range.from : port + 1);
      return port;
    }
    throw new NoFreePortError(range, 0);
  }

  release(port: number): void {
    this.held.delete(port);
  }

  /** Ports held now will be released when `done` settles (e.g. the serverless warm pair ending to make room for nodes). */
  releaseSoon(done: Promise<void>): void {
    const settled: Promise<void> = done.then(
      () => void this.releasing.delete(settled),
      () => void this.releasing.delete(settled),
    );
    this.releasing.add(settled);
  }

  /** Waits for the ports on their way back; false when none were. */
  async releases(): Promise<boolean> {
    if (this.releasing.size === 0) return false;
    await Promise.all([...this.releasing]);
    return true;
  }

  /** Keeps `ports` for whoever asks for them by number; returns the function that lifts what is left. */
  reserve(ports: Iterable<number>): () => void {
    const mine = [...ports].filter((p) => !this.held.has(p) && !this.reserved.has(p));
    for (const p of mine) this.reserved.add(p);
    return () => {
      for (const p of mine) this.reserved.delete(p);
    };
  }

  isHeld(port: number): boolean {
    return this.held.has(port);
  }

  /** How many ports of `range` our nodes and listeners hold. */
  heldIn(range: PortRange): number {
    let count = 0;
    for (const port of this.held) if (port >= range.from && port <= range.to) count++;
    return count;
  }
}

function checkRange(range: PortRange): void {
  if (!Number.isInteger(range.from) || !Number.isInteger(range.to) || range.from < 1 || range.to > 65535 || range.from > range.to) {
    throw new RangeError(`invalid port range ${range.from}-${range.to}`);
  }
}

/** The pool shared by this process's nodes. */
export const defaultPortPool = new PortPool();

export function allocatePort(range: PortRange, preferred?: number, pool: PortPool = defaultPortPool): number {
  return pool.allocate(range, preferred);
}

export function releasePort(port: number, pool: PortPool = defaultPortPool): void {
  pool.release(port);
}

/**
 * allocatePort, except that when the range has no free port but some are on their way back
 * (PortPool.releaseSoon), it waits for them and tries again.
 */
export async function allocatePortWhenFree(range: PortRange, preferred?: number, pool: PortPool = defaultPortPool): Promise<number> {
  try {
    return pool.allocate(range, preferred);
  } catch (error) {
    if (!(error instanceof NoFreePortError) || !(await pool.releases())) throw error;
    return pool.allocate(range, preferred);
  }
}

/** Reserves recorded ports while resources come back, so no other start takes them first; returns the release. */
export function reservePorts(ports: Iterable<number>, pool: PortPool = defaultPortPool): () => void {
  return pool.reserve(ports);
}

/** What startOnFreePort starts (an engine node): it holds its port until it stops or exits. */
export interface PortHolder {
  stop(opts?: { graceMs?: number }): Promise<void>;
  onExit(cb: () => void): void;
}

/**
 * Starts a node on a port of `range`, retrying the next port on PortInUseError.
 * A `preferred` (user-requested) port that is taken throws PortInUseError: the caller decides.
 * The port is released back to the pool when the node stops or exits.
 */
export async function startOnFreePort<T extends PortHolder>(
  range: PortRange,
  preferred: number | undefined,
  start: (port: number) => Promise<T>,
  opts: { pool?: PortPool; maxAttempts?: number } = {},
): Promise<T> {
  const pool = opts.pool ?? defaultPortPool;
  const maxAttempts = opts.maxAttempts ?? Math.min(range.to - range.from + 1, 200);
  for (let attempt = 1; ; attempt++) {
    const port = await allocatePortWhenFree(range, preferred, pool);
    let node: T;
    try {
      node = await start(port);
    } catch (err) {
      pool.release(port);
      if (!(err instanceof PortInUseError) || preferred !== undefined) throw err;
      if (attempt >= maxAttempts) throw new NoFreePortError(range, attempt);
      continue;
    }
    releaseWhenGone(node, () => pool.release(port));
    return node;
  }
}

function releaseWhenGone(node: PortHolder, release: () => void): void {
  const stop = node.stop.bind(node);
  node.stop = async (o) => {
    try {
      await stop(o);
    } finally {
      release();
    }
  };
  node.onExit(() => release());
}
