/**
 * No access string the engine would refuse reaches it: the API's check (engines/acl.ts) agrees
 * with redis-server's own `ACL SETUSER` on every rule of a list of valid and invalid ones, and
 * CreateUser / ModifyUser answer InvalidParameterValue for what the engine refuses, instead of
 * leaving that user off the nodes.
 */
import { CreateUserCommand, ModifyUserCommand, type ElastiCacheClient } from "@aws-sdk/client-elasticache";
import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessStringError } from "../../src/engines/acl.js";
import { respRequest } from "../../src/engines/probes.js";
import type { Emulator } from "../../src/index.js";
import { REDIS_SERVER } from "../helpers/binaries.js";
import { nodePortRange, sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";

/** Rules the engine may take or refuse; restricted commands and passwords are AWS's own rules, not the engine's. */
const RULES = [
  "+get", "+GET", "-get", "+nosuchcommand", "-nosuchcommand", "+client|list", "+client|nosuch", "-client|list",
  "+acl|whoami", "+get|foo", "-get|foo", "+select|0", "-select|0", "+xinfo|stream", "+xinfo|nosuch", "+object|encoding",
  "~app:*", "%R~read:*", "%W~write:*", "%RW~both:*", "%WR~both:*", "%~bad", "%X~bad", "&chan:*", "+@read", "-@dangerous",
  "+function|list", "+memory|usage", "+script|exists", "+cluster|slots", "+pubsub|channels", "+command|count", "+latency|latest",
];

let redis: ChildProcess;
let port: number;

beforeAll(async () => {
  port = nodePortRange().to;
  redis = spawn(REDIS_SERVER, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  for (let i = 0; ; i++) {
    try {
      await respRequest({ host: "127.0.0.1", port }, [["PING"]]);
      break;
    } catch (error) {
      if (i > 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
});
afterAll(() => {
  redis?.kill("SIGTERM");
});

/** What redis-server answers ACL SETUSER with this one rule: undefined when it takes it. */
async function engineRefusal(rule: string): Promise<string | undefined> {
  const [reply] = await respRequest({ host: "127.0.0.1", port }, [["ACL", "SETUSER", "probe", "reset", rule]]);
  return reply instanceof Error ? reply.message : undefined;
}

describe("the API's access string check agrees with the engine", () => {
  it.each(RULES)("%s", async (rule) => {
    const engine = await engineRefusal(rule);
    const api = accessStringError(`on ${rule}`);
    expect({ rule, refusedByApi: api !== undefined }).toEqual({ rule, refusedByApi: engine !== undefined });
  });
});

describe("CreateUser and ModifyUser refuse what the engine would", () => {
  let emulator: Emulator;
  let client: ElastiCacheClient;
  beforeAll(async () => {
    emulator = await startEmulator();
    client = sdkClient(emulator);
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  it("an unknown command, an unknown subcommand", async () => {
    const create = (accessString: string) =>
      client.send(new CreateUserCommand({ UserId: "u1", UserName: "u1", Engine: "redis", AccessString: accessString, NoPasswordRequired: true }));
    await expectAwsError(create("on ~* +nosuchcommand"), "InvalidParameterValue", 400, /Unknown command/);
    await expectAwsError(create("on ~* +client|nosuch"), "InvalidParameterValue", 400, /Unknown subcommand/);
    await create("on ~* -@all +client|list +get");
    await expectAwsError(
      client.send(new ModifyUserCommand({ UserId: "u1", AccessString: "on ~* -get|x" })),
      "InvalidParameterValue",
      400,
      /first argument/,
    );
    await expectAwsError(client.send(new ModifyUserCommand({ UserId: "u1", AppendAccessString: "+nosuch" })), "InvalidParameterValue", 400, /Unknown command/);
  });
});
