import { CreateCacheClusterCommand } from "@aws-sdk/client-elasticache";
import { createEmulator } from "../src/index.js";
import { createLogger } from "../src/logger.js";
import { deleteAndWaitGone, sdkClient, waitAvailable } from "./lib/emulator.js";
const engine = process.argv[2] ?? "redis";
let t0 = 0;
const marks: string[] = [];
const logger = createLogger("debug", (line) => {
  const t = (performance.now() - t0).toFixed(1);
  marks.push(`${t} ${line.slice(25, 140)}`);
});
const e = createEmulator({ port: 0, nodePorts: { from: 21000, to: 21099 }, engineMode: "process", logger });
await e.start();
const c = sdkClient(e.url);
try {
  for (let i = 0; i < 6; i++) {
    marks.length = 0;
    t0 = performance.now();
    await c.send(new CreateCacheClusterCommand({ CacheClusterId: `d${i}`, Engine: engine, CacheNodeType: "cache.t3.micro", NumCacheNodes: engine === "redis" ? 1 : 3 }));
    marks.push(`${(performance.now() - t0).toFixed(1)} <create returned>`);
    await waitAvailable(c, `d${i}`, 2);
    marks.push(`${(performance.now() - t0).toFixed(1)} <available seen>`);
    console.log(marks.filter((m) => !/DescribeCacheClusters/.test(m) || /available/.test(m)).join("\n") + "\n---");
    await deleteAndWaitGone(c, `d${i}`);
  }
} finally { c.destroy(); await e.stop(); }
