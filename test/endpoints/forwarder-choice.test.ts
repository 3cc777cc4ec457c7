/** Picking the endpoints' data path: --forwarder auto | node | haproxy. */
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config.js";
import { chooseForwarder, haproxyVersionSupported, parseHaproxyVersion } from "../../src/nodes/forwarder-choice.js";
import { silentLogger } from "../../src/logger.js";
import { HAPROXY, haveHaproxy } from "../helpers/binaries.js";


describe("forwarder choice", () => {
  it("reads haproxy's version and needs 2.4 or later (servers added at runtime)", () => {
    expect(parseHaproxyVersion("HAProxy version 2.6.12-1+deb12u4 2026/10/17 - https://haproxy.org/")).toBe("2.6.12");
    expect(parseHaproxyVersion("HA-Proxy version 1.8.19 2019/02/11")).toBe("1.8.19");
    expect(haproxyVersionSupported("2.6.12")).toBe(true);
    expect(haproxyVersionSupported("3.0.1")).toBe(true);
    expect(haproxyVersionSupported("2.2.30")).toBe(false);
  });

  it("node never looks for haproxy; auto without it falls back to Node; haproxy without it is a start error", async () => {
    const missing = "/nonexistent/haproxy";
    expect(await chooseForwarder({ mode: "node", haproxyPath: HAPROXY, nodeBindHost: "127.0.0.1" }, silentLogger)).toBeUndefined();
    expect(await chooseForwarder({ mode: "auto", haproxyPath: missing, nodeBindHost: "127.0.0.1" }, silentLogger)).toBeUndefined();
    await expect(chooseForwarder({ mode: "haproxy", haproxyPath: missing, nodeBindHost: "127.0.0.1" }, silentLogger)).rejects.toThrow(/haproxy not found at \/nonexistent\/haproxy.*apt-get install haproxy/);
  });

  it.runIf(haveHaproxy)("auto takes an installed haproxy, unless the node host is a name haproxy would have to resolve", async () => {
    expect(await chooseForwarder({ mode: "auto", nodeBindHost: "0.0.0.0" }, silentLogger)).toMatchObject({ path: HAPROXY, version: expect.stringMatching(/^\d+\.\d+/) });
    expect(await chooseForwarder({ mode: "auto", nodeBindHost: "localhost" }, silentLogger)).toBeUndefined();
  });

  it("rejects an unknown mode", () => {
    expect(() => resolveConfig({ forwarder: "nginx" as never })).toThrow(/invalid forwarder "nginx" \(auto, node or haproxy\)/);
  });
});
