/** AccessString -> ACL SETUSER, and AWS's checks on access strings (pure). */
import { describe, expect, it } from "vitest";
import {
  accessStringError,
  aclRules,
  DISABLED_DEFAULT,
  passwordHash,
  setUserCommand,
  tokenDefaultUser,
} from "../../src/engines/acl.js";
import { RESTRICTED_COMMANDS } from "../../src/engines/restricted.js";

const restrictions = RESTRICTED_COMMANDS.map((c) => `-${c}`);

describe("rendering", () => {
  it("renders a password user after reset, with channels open and the restricted commands taken away", () => {
    const cmd = setUserCommand({ name: "app", accessString: "on ~app:* +@all", auth: { kind: "passwords", sha256: [passwordHash("a".repeat(16))] } });
    expect(cmd).toEqual(["ACL", "SETUSER", "app", "reset", "&*", "on", "~app:*", "+@all", `#${passwordHash("a".repeat(16))}`, ...restrictions]);
  });

  it("keeps the channels the access string names, and nothing more", () => {
    expect(aclRules({ name: "u", accessString: "on ~* &news:* +@pubsub", auth: { kind: "nopass" } })).toEqual([
      "on", "~*", "&news:*", "+@pubsub", "nopass", ...restrictions,
    ]);
  });

  it("lifts the restrictions with --allow-restricted-commands", () => {
    expect(aclRules({ name: "u", accessString: "on ~* +@all", auth: { kind: "nopass" } }, { allowRestrictedCommands: true })).toEqual([
      "&*", "on", "~*", "+@all", "nopass",
    ]);
  });

  it("renders the default user behind AUTH tokens: both while rotating, any password while still open", () => {
    const [h1, h2] = [passwordHash("token-one-0123456789"), passwordHash("token-two-0123456789")];
    expect(aclRules(tokenDefaultUser({ hashes: [h1, h2], openToo: false }))).toEqual(["&*", "on", "~*", "+@all", `#${h1}`, `#${h2}`, ...restrictions]);
    expect(aclRules(tokenDefaultUser({ hashes: [h1], openToo: true }))).toContain("nopass");
    expect(aclRules(tokenDefaultUser({ hashes: [], openToo: false }))).toContain("nopass");
  });

  it("gives a user that is off no password, whatever its authentication", () => {
    expect(aclRules({ name: "u", accessString: "on ~* +@all off", auth: { kind: "nopass" } })).toEqual(["&*", "on", "~*", "+@all", "off", ...restrictions]);
    expect(aclRules({ name: "u", accessString: "~* +@all", auth: { kind: "passwords", sha256: ["ab"] } })).toEqual(["&*", "~*", "+@all", ...restrictions]);
  });

  it("renders a group without a default user as a default user that lets nobody in", () => {
    expect(setUserCommand(DISABLED_DEFAULT)).toEqual(["ACL", "SETUSER", "default", "reset", "&*", "off", ...restrictions]);
  });
});

describe("AWS's access string rules", () => {
  it.each(["on ~* +@all", "off ~app:* -@all +get +set", "on %R~read:* %W~write:* &* +@read +client|setname", "on allkeys allcommands -flushall"])(
    "accepts %s",
    (s) => expect(accessStringError(s)).toBeUndefined(),
  );

  it.each([
    ["on ~* +@all reset", /reset/],
    ["on nopass ~* +@all", /password/],
    ["on >secret ~* +@all", /password/],
    ["on #abcd ~* +@all", /password/],
    ["on ~* +@nosuchcategory", /category/],
    ["on ~* +@all +config", /restricted/],
    ["on ~* +@all +config|get", /restricted/],
    ["on ~* +@all bogus", /Invalid/],
    ["   ", /empty/],
  ])("refuses %s", (s, why) => expect(accessStringError(s)).toMatch(why));
});
