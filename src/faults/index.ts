/**
 * Fault injection, composed: the registry of active faults and its sources (node faults,
 * zone power interruptions, API chaos), the routes, and the API interceptor the router
 * consults. Further sources (network effects) join with `registry.addSource`.
 */
import type { Logger } from "../logger.js";
import type { ReplacementHolds } from "../lifecycle/replacement-holds.js";
import type { EmulatorRouteFamily } from "../server/emulator-routes.js";
import type { Store } from "../state/store.js";
import { AzPowerInterruptions } from "./az-power.js";
import { ChaosApi } from "./chaos.js";
import { FaultRegistry } from "./fault-registry.js";
import { faultRoutes, type NetworkFaults } from "./fault-routes.js";
import { NodeFaults, type NodeFaultServices } from "./node-faults.js";

export type { ActiveFault, FaultSource } from "./fault-registry.js";
export { FaultRegistry } from "./fault-registry.js";
export type { NetworkFaults } from "./fault-routes.js";

export interface FaultInjection {
  registry: FaultRegistry;
  nodes: NodeFaults;
  chaos: ChaosApi;
  /** Every route family of fault injection, for EmulatorRouteDeps.more. */
  routes: EmulatorRouteFamily[];
}

export function createFaultInjection(deps: { store: Store; services: NodeFaultServices; holds: ReplacementHolds; logger: Logger; networkFaults?: NetworkFaults }): FaultInjection {
  const registry = new FaultRegistry();
  const nodes = new NodeFaults(deps);
  const az = new AzPowerInterruptions(deps);
  const chaos = new ChaosApi();
  registry.addSource(nodes);
  registry.addSource(az);
  registry.addSource(chaos);
  return { registry, nodes, chaos, routes: [registry.routes(), faultRoutes({ nodes, az, chaos, networkFaults: deps.networkFaults })] };
}
