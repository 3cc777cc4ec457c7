/**
 * Row 15: IAM authentication. One replication group (1 node, TLS required) whose user group
 * has an IAM user and a password user: its node has the IAM front (TLS terminated in the
 * emulator, commands followed until authentication). redis-benchmark SET/GET as the IAM user
 * (`--user iam-app -a <token>`) vs as the password user, same node, same run (15a, 15b; goal
 * at least 0.9 after authentication). 15c prices the front itself: the password user on that
 * node vs the same user on a group without IAM users (TLS on the engine's own port). 15d:
 * connection setup (TLS handshake, AUTH, PING), token vs password, same node.
 *
 * Every target runs once per round, the order rotating, after one warm-up each. With
 * taskset, redis-benchmark runs on CPU 0, the emulator and its engines on CPU 1.
 */
import { rmSync, writeFileSync } from "node:fs";
import tls from "node:tls";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { generateIamAuthToken } from "../../src/iam-token.js";
import { PORTS, type RowContext } from "../lib/context.js";
import { startEmulator } from "../lib/emulator.js";
import { pin, pinningAvailable } from "../lib/pin.js";
import { descendantsOf, sleep } from "../lib/procs.js";
import { benchCommand, redisBenchmark, type Rates } from "../lib/redis-bench.js";
import { api, createGroupUntilAvailable, memberPorts } from "../lib/replication.js";
import { row, type RowResult } from "../lib/report.js";
import { median, round3 } from "../lib/stats.js";

const CLIENT_CPU = 0;
const SERVER_CPU = 1;
const TESTS = ["SET", "GET"];
const PASSWORD = "bench-password-0123456789";

interface Target {
  name: string;
  port: number;
  user: string;
  password: () => string;
  results: Rates[];
}

function compare(id: string, name: string, ours: Target, base: Target, test: string, note?: string, goal?: RowResult["goal"]): RowResult {
  const o = ours.results.map((x) => x[test]!);
  const b = base.results.map((x) => x[test]!);
  const paired = o.map((x, i) => x / b[i]!);
  return row({
    id,
    name,
    unit: "req/s",
    ours: median(o),
    baseline: median(b),
    baselineLabel: base.name,
    goal,
    note: `${note ? `${note}; ` : ""}median of paired ratios ${median(paired).toFixed(3)}`,
    samples: { oursRps: o.map(round3), baselineRps: b.map(round3), pairedRatios: paired.map(round3) },
  });
}

async function userGroup(url: string, id: string, userIds: string[]): Promise<void> {
  const params: Record<string, string> = { UserGroupId: id, Engine: "redis" };
  userIds.forEach((u, i) => (params[`UserIds.member.${i + 1}`] = u));
  await api(url, "CreateUserGroup", params);
  for (const deadline = Date.now() + 30_000; ; await sleep(5)) {
    if (/<Status>active<\/Status>/.test(await api(url, "DescribeUserGroups", { UserGroupId: id }))) return;
    if (Date.now() > deadline) throw new Error(`user group ${id} not active`);
  }
}

/** Milliseconds from connect to the PING reply after AUTH, over TLS. */
function connectOnce(port: number, ca: string, user: string, password: string): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port, ca }, () => {
      const args = ["AUTH", user, password];
      socket.write(`*3\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}*1\r\n$4\r\nPING\r\n`);
    });
    let text = "";
    socket.on("data", (d) => {
      text += d.toString("latin1");
      if (text === "+OK\r\n+PONG\r\n") {
        const ms = performance.now() - t0;
        socket.destroy();
        resolve(ms);
      } else if (text.startsWith("-")) {
        socket.destroy();
        reject(new Error(`AUTH refused: ${text.trim()}`));
      }
    });
    socket.on("error", reject);
  });
}

export async function rowIam(ctx: RowContext): Promise<RowResult[]> {
  const rounds = ctx.quick ? 1 : 5;
  const requests = ctx.quick ? 20_000 : 100_000;
  const connections = ctx.quick ? 50 : 300;
  const pinned = pinningAvailable();
  const harness = await startEmulator(PORTS.iam.emulator, "process");
  const caFile = join(tmpdir(), `elasticache-local-bench-iam-ca-${process.pid}.pem`);
  try {
    const ca = await (await fetch(`${harness.url}/_emulator/ca.pem`)).text();
    writeFileSync(caFile, ca);
    const url = harness.url;
    await api(url, "CreateUser", { UserId: "bench-default", UserName: "default", Engine: "redis", AccessString: "off", NoPasswordRequired: true });
    await api(url, "CreateUser", { UserId: "iam-app", UserName: "iam-app", Engine: "redis", AccessString: "on ~* +@all", "AuthenticationMode.Type": "iam" });
    await api(url, "CreateUser", { UserId: "pw-app", UserName: "pw-app", Engine: "redis", AccessString: "on ~* +@all", "Passwords.member.1": PASSWORD });
    await userGroup(url, "with-iam", ["bench-default", "iam-app", "pw-app"]);
    await userGroup(url, "passwords-only", ["bench-default", "pw-app"]);
    const iamId = `bench-iam-${process.pid}`;
    const { group: iamGroup } = await createGroupUntilAvailable(url, {
      ReplicationGroupId: iamId,
      EngineVersion: "7.0",
      NumCacheClusters: 1,
      TransitEncryptionEnabled: true,
      "UserGroupIds.member.1": "with-iam",
    });
    const { group: plainGroup } = await createGroupUntilAvailable(url, {
      ReplicationGroupId: `bench-pw-${process.pid}`,
      EngineVersion: "7.0",
      NumCacheClusters: 1,
      TransitEncryptionEnabled: true,
      "UserGroupIds.member.1": "passwords-only",
    });
    if (pinned) {
      const owner = harness.process?.pid ?? process.pid;
      for (const pid of [...(harness.process ? [owner] : []), ...descendantsOf(owner)]) await pin(pid, SERVER_CPU);
    }
    const iamPort = memberPorts(iamGroup)[0]!;
    // A token lives 15 minutes: a fresh one for every run.
    const token = () => generateIamAuthToken({ cacheName: iamId, userId: "iam-app", region: "us-east-1", accessKeyId: "AKIDBENCH", secretAccessKey: "bench" });
    const iam: Target = { name: "IAM user (token)", port: iamPort, user: "iam-app", password: token, results: [] };
    const password: Target = { name: "password user, same node", port: iamPort, user: "pw-app", password: () => PASSWORD, results: [] };
    const noFront: Target = { name: "password user, group without IAM users", port: memberPorts(plainGroup)[0]!, user: "pw-app", password: () => PASSWORD, results: [] };
    const targets = [iam, password, noFront];
    const run = async (t: Target, record: boolean) => {
      const rates = await redisBenchmark({ port: t.port, tests: TESTS, requests, cacert: caFile, user: t.user, password: t.password(), cpu: pinned ? CLIENT_CPU : undefined });
      if (record) t.results.push(rates);
    };
    for (const t of targets) await run(t, false);
    for (let r = 0; r < rounds; r++) {
      ctx.log(`row 15: round ${r + 1}/${rounds}`);
      for (let k = 0; k < targets.length; k++) await run(targets[(k + r) % targets.length]!, true);
    }

    // Connection setup: alternating token and password connections, one at a time.
    const withToken: number[] = [];
    const withPassword: number[] = [];
    const t = token();
    for (let i = 0; i < connections; i++) {
      withToken.push(await connectOnce(iamPort, ca, "iam-app", t));
      withPassword.push(await connectOnce(iamPort, ca, "pw-app", PASSWORD));
    }

    const cmd = `${benchCommand(TESTS, requests)} --tls --cacert ca.pem --user U -a P; ${rounds} rotating rounds, 1 warm-up each${pinned ? "; client on CPU 0, emulator and engines on CPU 1" : ""}`;
    return [
      compare("15a", "redis-benchmark SET as an IAM user vs a password user, same node", iam, password, "SET", cmd, { on: "ratio", op: ">=", value: 0.9 }),
      compare("15b", "redis-benchmark GET as an IAM user vs a password user, same node", iam, password, "GET", undefined, { on: "ratio", op: ">=", value: 0.9 }),
      compare("15c", "IAM front cost: password user GET on the IAM node vs a node without IAM users", password, noFront, "GET"),
      row({
        id: "15d",
        name: "connection setup (TLS, AUTH, PING): token vs password, same node",
        unit: "ms",
        ours: median(withToken),
        baseline: median(withPassword),
        baselineLabel: "password",
        note: `${connections} sequential connections each, alternating`,
        samples: { tokenMs: withToken.map(round3), passwordMs: withPassword.map(round3) },
      }),
    ];
  } finally {
    await harness.stop();
    rmSync(caFile, { force: true });
  }
}
