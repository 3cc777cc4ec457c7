/**
 * Suite-wide guard: an engine process of this run that is still running after every test
 * file has finished was leaked by the emulator (or a test), and fails the run.
 */
import { belongsToRun, engineProcesses } from "./engine-processes.js";

export default function setup(): () => Promise<void> {
  const before = new Set(engineProcesses().map((p) => p.pid));
  const leaked = () => engineProcesses().filter((p) => !before.has(p.pid) && belongsToRun(p.pid, process.pid));
  return async () => {
    // Engines get SIGTERM then SIGKILL after a grace period; give stragglers that long.
    const deadline = Date.now() + 5_000;
    let left = leaked();
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      left = leaked();
    }
    if (left.length > 0) {
      throw new Error(`engine processes left running after the suite:\n${left.map((p) => `  ${p.pid} ${p.cmdline}`).join("\n")}`);
    }
  };
}
