/**
 * AWS's defaults for the settings a cache cluster and a replication group share, from the
 * Create request: one place for the values AWS fills in when the request says nothing.
 */
import type { SharedSettings } from "../../state/records.js";
import { logDeliveryAfter } from "./modify-settings.js";

interface CreateInput {
  SecurityGroupIds?: string[];
  PreferredMaintenanceWindow?: string;
  NotificationTopicArn?: string;
  AutoMinorVersionUpgrade?: boolean;
  SnapshotRetentionLimit?: number;
  NetworkType?: string;
  IpDiscovery?: string;
  LogDeliveryConfigurations?: Array<object>;
}

/** The shared settings a Create request does not decide through a rule (groups, TLS) are its own or AWS's defaults. */
export function defaultSettings(
  input: CreateInput,
): Pick<
  SharedSettings,
  | "securityGroupIds"
  | "preferredMaintenanceWindow"
  | "notificationTopicArn"
  | "autoMinorVersionUpgrade"
  | "snapshotRetentionLimit"
  | "networkType"
  | "ipDiscovery"
  | "logDeliveryConfigurations"
> {
  return {
    securityGroupIds: input.SecurityGroupIds ?? [],
    preferredMaintenanceWindow: input.PreferredMaintenanceWindow ?? "sun:05:00-sun:06:00",
    notificationTopicArn: input.NotificationTopicArn,
    autoMinorVersionUpgrade: input.AutoMinorVersionUpgrade ?? true,
    snapshotRetentionLimit: input.SnapshotRetentionLimit ?? 0,
    networkType: input.NetworkType ?? "ipv4",
    ipDiscovery: input.IpDiscovery ?? "ipv4",
    logDeliveryConfigurations: logDeliveryAfter([], input.LogDeliveryConfigurations ?? []),
  };
}
