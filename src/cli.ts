#!/usr/bin/env node
/** The `elasticache-local` command: options -> emulator; SIGINT/SIGTERM/SIGHUP stop every engine before exiting. */
import { readFileSync } from "node:fs";
import { parseCli, parseEndpointsCommand, usage } from "./cli-options.js";
import { resolveConfig } from "./config.js";
import { createEmulator } from "./emulator.js";
import { fixturePath } from "./paths.js";

/** `elasticache-local endpoints`: asks a running emulator for its endpoints and prints them. */
async function printEndpoints(argv: string[]): Promise<void> {
  let request;
  try {
    request = parseEndpointsCommand(argv, process.env);
  } catch (error) {
    process.stderr.write(`elasticache-local endpoints: ${(error as Error).message}\n\n${usage()}`);
    process.exit(2);
  }
  const address = `${request.url}/_emulator/${request.format === "env" ? "endpoints.env" : "endpoints"}`;
  try {
    const response = await fetch(address);
    if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
    process.stdout.write(await response.text());
    if (request.format === "json") process.stdout.write("\n");
  } catch (error) {
    const cause = (error as Error).cause as Error | undefined;
    process.stderr.write(`elasticache-local endpoints: cannot read ${address}: ${(error as Error).message}${cause?.message ? ` (${cause.message})` : ""}\n`);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === "endpoints") return printEndpoints(process.argv.slice(3));
  let request;
  let config;
  try {
    request = parseCli(process.argv.slice(2), process.env);
    config = resolveConfig(request.env, request.flags);
  } catch (error) {
    process.stderr.write(`elasticache-local: ${(error as Error).message}\n\n${usage()}`);
    process.exit(2);
  }
  if (request.help) {
    process.stdout.write(usage());
    return;
  }
  if (request.version) {
    const pkg = JSON.parse(readFileSync(fixturePath("..", "package.json"), "utf8"));
    process.stdout.write(`${pkg.version}\n`);
    return;
  }
  const emulator = createEmulator(config);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`elasticache-local: ${signal}, stopping every engine\n`);
    await emulator.stop();
    process.exit(0);
  };
  // SIGHUP too: closing the terminal must not leave the engines running (its default would exit at once).
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void shutdown(signal));
  try {
    await emulator.start();
  } catch (error) {
    // A signal during start (provisioning included): the shutdown above ends the process.
    if (stopping) return;
    process.stderr.write(`elasticache-local: cannot start: ${(error as Error).message}\n`);
    await emulator.stop();
    process.exit(1);
  }
  process.stdout.write(`elasticache-local ready at ${emulator.url}\n`);
  // What TLS clients trust (TransitEncryptionEnabled); the same PEM is served over HTTP.
  if (emulator.ca) process.stdout.write(`TLS CA certificate: ${emulator.ca.file} (${emulator.url}/_emulator/ca.pem)\n`);
}

void main();
