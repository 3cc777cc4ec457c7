/** Runs AWS tooling outside Node (the aws CLI, python3 with boto3) against an emulator, for client tests. */
import { execFile } from "node:child_process";

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** This environment without the developer's AWS_* settings, plus dummy credentials. */
export function awsEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("AWS_")) env[key] = value;
  return {
    ...env,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_PAGER: "",
    AWS_MAX_ATTEMPTS: "1",
    // Nothing from the developer's own AWS set-up.
    AWS_CONFIG_FILE: "/nonexistent/aws-config",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
    ...extra,
  };
}

/** Runs a command to its end (or the timeout, which rejects); a non-zero exit is a result, not an error. */
export function runTool(command: string, args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: opts.timeoutMs ?? 120_000, env: opts.env ?? awsEnv(), maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") {
        reject(new Error(`${command} ${args.join(" ")}: ${error.message}\nstdout: ${stdout}\nstderr: ${stderr}`));
        return;
      }
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}
