/** The library API: start an emulator from a test suite's global setup. */
export { createEmulator, type Emulator } from "./emulator.js";
export type { EmulatorConfig, EmulatorOptions, EngineMode, ForwarderMode, LifecycleDelays, ProvisioningEntry } from "./config.js";
export { createLogger, type Logger, type LogLevel } from "./logger.js";
export { ProvisioningError } from "./provisioning/provisioner.js";
export type { EndpointListing, ResourceEndpoints } from "./provisioning/endpoints.js";
export { generateIamAuthToken, verifyIamAuthToken, type IamTokenRequest, type IamTokenScope } from "./iam-token.js";
