/**
 * Suite-wide guard: an engine process that is still running after every test file has
 * finished was leaked by the emulator (or a test), and fails the run.
 */
import { engineProcesses } from "./engine-processes.js";

export default function setup(): () => Promise<void> {
  const before = new Set(engineProcesses().map((p) => p.pid));
  return async () => {
    // Engines get SIGTERM then SIGKILL after a grace period; give stragglers that long.
    const deadline = Date.now() + 5_000;
    let leaked = engineProcesses().filter((p) => !before.has(p.pid));
    while (leaked.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      leaked = engineProcesses().filter((p) => !before.has(p.pid));
    }
    if (leaked.length > 0) {
      throw new Error(`engine processes left running after the suite:\n${leaked.map((p) => `  ${p.pid} ${p.cmdline}`).join("\n")}`);
    }
  };
}
