/** DescribeCacheSubnetGroups: the `default` group every account has, one subnet per AZ. */
import { modelError } from "../../protocol/model-errors.js";
import { buildArn } from "../../state/arn.js";
import type { ActionHandler } from "../context.js";
import { paginate } from "../pagination.js";

const DEFAULT_VPC = "vpc-00000000000000000";

export const describeCacheSubnetGroups: ActionHandler<"DescribeCacheSubnetGroups"> = async (ctx, input) => {
  if (input.CacheSubnetGroupName !== undefined && input.CacheSubnetGroupName !== "default") {
    throw modelError("CacheSubnetGroupNotFoundFault", `Cache subnet group ${input.CacheSubnetGroupName} not found.`);
  }
  const page = paginate(["default"], (name) => name, input);
  return {
    Marker: page.marker,
    CacheSubnetGroups: page.items.map((name) => ({
      CacheSubnetGroupName: name,
      CacheSubnetGroupDescription: "default",
      VpcId: DEFAULT_VPC,
      Subnets: ["a", "b", "c"].map((zone, i) => ({
        SubnetIdentifier: `subnet-0000000000000000${i}`,
        SubnetAvailabilityZone: { Name: `${ctx.region}${zone}` },
        SupportedNetworkTypes: ["ipv4" as const],
      })),
      ARN: buildArn(ctx.region, ctx.accountId, "subnetgroup", name),
      SupportedNetworkTypes: ["ipv4" as const],
    })),
  };
};
