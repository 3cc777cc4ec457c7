import { CreateCacheClusterCommand } from "@aws-sdk/client-elasticache";
import { startEmulator } from "./lib/emulator.js";
import { runLoad } from "./lib/load.js";
import { sleep } from "./lib/procs.js";
const h = await startEmulator({ from: 21400, to: 21699 }, "embedded");
try {
  for (let i = 0; i < 100; i += 10) await Promise.all(Array.from({ length: 10 }, (_, k) => h.client.send(new CreateCacheClusterCommand({ CacheClusterId: `c-${i + k}`, Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 }))));
  await sleep(500);
  const r = await runLoad({ url: h.emulator.url, mode: "raw", body: "Action=DescribeCacheClusters&Version=2015-02-02&MaxRecords=100", concurrency: 8, warmupMs: 300, durationMs: 4000 });
  console.log(r.summary);
} finally { await h.stop(); }
