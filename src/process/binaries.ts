/** Finding engine binaries and asking them their version. */
import { execFile } from "node:child_process";
import { promises as fs, constants as fsc } from "node:fs";
import path from "node:path";

/** Where package managers put engines but PATH may not reach (sbin, Homebrew). */
const EXTRA_DIRS = ["/usr/local/bin", "/usr/sbin", "/usr/local/sbin", "/opt/homebrew/bin", "/opt/homebrew/sbin"];

async function isExecutable(file: string): Promise<boolean> {
  try {
    const st = await fs.stat(file);
    if (!st.isFile()) return false;
    await fs.access(file, fsc.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Absolute path of `name` on PATH (then a few well-known dirs), or undefined. */
export async function findOnPath(name: string, envPath = process.env.PATH ?? ""): Promise<string | undefined> {
  const dirs = [...envPath.split(path.delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** An explicit path if it is executable (a bare name is looked up on PATH). */
export async function resolveBinary(explicit: string | undefined, name: string): Promise<string | undefined> {
  if (explicit) {
    if (!explicit.includes("/")) return findOnPath(explicit);
    return (await isExecutable(explicit)) ? path.resolve(explicit) : undefined;
  }
  return findOnPath(name);
}

/** Output of `<binary> <args>` (stdout + stderr), or undefined when it cannot run. */
export async function runVersion(binary: string, args: string[]): Promise<string | undefined> {
  if (binary.includes("/") && !(await isExecutable(binary))) return undefined;
  return new Promise((resolve) => {
    execFile(binary, args, { timeout: 5000 }, (err, stdout, stderr) => {
      const out = `${stdout}${stderr}`;
      resolve(err && !out ? undefined : out);
    });
  });
}
