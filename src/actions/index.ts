/** The dispatch table: Action -> handler. An operation without an entry answers NotImplemented (501). */
import { createCacheCluster } from "./cache-clusters/create-cache-cluster.js";
import { deleteCacheCluster } from "./cache-clusters/delete-cache-cluster.js";
import { describeCacheClusters } from "./cache-clusters/describe-cache-clusters.js";
import { modifyCacheCluster } from "./cache-clusters/modify-cache-cluster.js";
import { rebootCacheCluster } from "./cache-clusters/reboot-cache-cluster.js";
import { describeCacheEngineVersions } from "./engine-versions/describe-cache-engine-versions.js";
import { describeEvents } from "./events/describe-events.js";
import { listAllowedNodeTypeModifications } from "./node-types/list-allowed-node-type-modifications.js";
import { createGlobalReplicationGroup } from "./global-replication-groups/create-global-replication-group.js";
import { deleteGlobalReplicationGroup } from "./global-replication-groups/delete-global-replication-group.js";
import { describeGlobalReplicationGroups } from "./global-replication-groups/describe-global-replication-groups.js";
import { disassociateGlobalReplicationGroup } from "./global-replication-groups/disassociate-global-replication-group.js";
import { failoverGlobalReplicationGroup } from "./global-replication-groups/failover-global-replication-group.js";
import { modifyGlobalReplicationGroup } from "./global-replication-groups/modify-global-replication-group.js";
import {
  decreaseNodeGroupsInGlobalReplicationGroup,
  increaseNodeGroupsInGlobalReplicationGroup,
  rebalanceSlotsInGlobalReplicationGroup,
} from "./global-replication-groups/node-groups.js";
import { createCacheParameterGroup } from "./parameter-groups/create-cache-parameter-group.js";
import { deleteCacheParameterGroup } from "./parameter-groups/delete-cache-parameter-group.js";
import { describeCacheParameterGroups } from "./parameter-groups/describe-cache-parameter-groups.js";
import { describeCacheParameters } from "./parameter-groups/describe-cache-parameters.js";
import { describeEngineDefaultParameters } from "./parameter-groups/describe-engine-default-parameters.js";
import { modifyCacheParameterGroup } from "./parameter-groups/modify-cache-parameter-group.js";
import { resetCacheParameterGroup } from "./parameter-groups/reset-cache-parameter-group.js";
import { createReplicationGroup } from "./replication-groups/create-replication-group.js";
import { deleteReplicationGroup } from "./replication-groups/delete-replication-group.js";
import { describeReplicationGroups } from "./replication-groups/describe-replication-groups.js";
import { modifyReplicationGroup } from "./replication-groups/modify-replication-group.js";
import { completeMigration, startMigration, testMigration } from "./replication-groups/migration.js";
import { modifyReplicationGroupShardConfiguration } from "./replication-groups/modify-shard-configuration.js";
import { decreaseReplicaCount, increaseReplicaCount } from "./replication-groups/replica-count.js";
import { testFailover } from "./replication-groups/test-failover.js";
import { describeReservedCacheNodes } from "./reserved-cache-nodes/describe-reserved-cache-nodes.js";
import { describeReservedCacheNodesOfferings } from "./reserved-cache-nodes/describe-reserved-cache-nodes-offerings.js";
import { purchaseReservedCacheNodesOffering } from "./reserved-cache-nodes/purchase-reserved-cache-nodes-offering.js";
import { createCacheSecurityGroup } from "./security-groups/create-cache-security-group.js";
import { deleteCacheSecurityGroup } from "./security-groups/delete-cache-security-group.js";
import { describeCacheSecurityGroups } from "./security-groups/describe-cache-security-groups.js";
import { authorizeCacheSecurityGroupIngress, revokeCacheSecurityGroupIngress } from "./security-groups/ingress.js";
import { createServerlessCache } from "./serverless-caches/create-serverless-cache.js";
import { deleteServerlessCache } from "./serverless-caches/delete-serverless-cache.js";
import { describeServerlessCaches } from "./serverless-caches/describe-serverless-caches.js";
import { modifyServerlessCache } from "./serverless-caches/modify-serverless-cache.js";
import { copyServerlessCacheSnapshot } from "./serverless-cache-snapshots/copy-serverless-cache-snapshot.js";
import { createServerlessCacheSnapshot } from "./serverless-cache-snapshots/create-serverless-cache-snapshot.js";
import { deleteServerlessCacheSnapshot } from "./serverless-cache-snapshots/delete-serverless-cache-snapshot.js";
import { describeServerlessCacheSnapshots } from "./serverless-cache-snapshots/describe-serverless-cache-snapshots.js";
import { exportServerlessCacheSnapshot } from "./serverless-cache-snapshots/export-serverless-cache-snapshot.js";
import { batchApplyUpdateAction } from "./service-updates/batch-apply-update-action.js";
import { batchStopUpdateAction } from "./service-updates/batch-stop-update-action.js";
import { describeServiceUpdates } from "./service-updates/describe-service-updates.js";
import { describeUpdateActions } from "./service-updates/describe-update-actions.js";
import type { ActionTable } from "./shared/context.js";
import { copySnapshot } from "./snapshots/copy-snapshot.js";
import { createSnapshot } from "./snapshots/create-snapshot.js";
import { deleteSnapshot } from "./snapshots/delete-snapshot.js";
import { describeSnapshots } from "./snapshots/describe-snapshots.js";
import { createCacheSubnetGroup } from "./subnet-groups/create-cache-subnet-group.js";
import { deleteCacheSubnetGroup } from "./subnet-groups/delete-cache-subnet-group.js";
import { describeCacheSubnetGroups } from "./subnet-groups/describe-cache-subnet-groups.js";
import { modifyCacheSubnetGroup } from "./subnet-groups/modify-cache-subnet-group.js";
import { addTagsToResource } from "./tags/add-tags-to-resource.js";
import { listTagsForResource } from "./tags/list-tags-for-resource.js";
import { removeTagsFromResource } from "./tags/remove-tags-from-resource.js";
import { createUserGroup } from "./user-groups/create-user-group.js";
import { deleteUserGroup } from "./user-groups/delete-user-group.js";
import { describeUserGroups } from "./user-groups/describe-user-groups.js";
import { modifyUserGroup } from "./user-groups/modify-user-group.js";
import { createUser } from "./users/create-user.js";
import { deleteUser } from "./users/delete-user.js";
import { describeUsers } from "./users/describe-users.js";
import { modifyUser } from "./users/modify-user.js";

export const actions: ActionTable = {
  CreateCacheCluster: createCacheCluster,
  DescribeCacheClusters: describeCacheClusters,
  ModifyCacheCluster: modifyCacheCluster,
  DeleteCacheCluster: deleteCacheCluster,
  RebootCacheCluster: rebootCacheCluster,
  CreateReplicationGroup: createReplicationGroup,
  DescribeReplicationGroups: describeReplicationGroups,
  ModifyReplicationGroup: modifyReplicationGroup,
  DeleteReplicationGroup: deleteReplicationGroup,
  TestFailover: testFailover,
  StartMigration: startMigration,
  TestMigration: testMigration,
  CompleteMigration: completeMigration,
  IncreaseReplicaCount: increaseReplicaCount,
  ModifyReplicationGroupShardConfiguration: modifyReplicationGroupShardConfiguration,
  DecreaseReplicaCount: decreaseReplicaCount,
  DescribeCacheEngineVersions: describeCacheEngineVersions,
  DescribeCacheParameterGroups: describeCacheParameterGroups,
  CreateCacheParameterGroup: createCacheParameterGroup,
  ModifyCacheParameterGroup: modifyCacheParameterGroup,
  ResetCacheParameterGroup: resetCacheParameterGroup,
  DeleteCacheParameterGroup: deleteCacheParameterGroup,
  DescribeCacheParameters: describeCacheParameters,
  DescribeEngineDefaultParameters: describeEngineDefaultParameters,
  DescribeCacheSubnetGroups: describeCacheSubnetGroups,
  CreateCacheSubnetGroup: createCacheSubnetGroup,
  ModifyCacheSubnetGroup: modifyCacheSubnetGroup,
  DeleteCacheSubnetGroup: deleteCacheSubnetGroup,
  CreateCacheSecurityGroup: createCacheSecurityGroup,
  DescribeCacheSecurityGroups: describeCacheSecurityGroups,
  DeleteCacheSecurityGroup: deleteCacheSecurityGroup,
  AuthorizeCacheSecurityGroupIngress: authorizeCacheSecurityGroupIngress,
  RevokeCacheSecurityGroupIngress: revokeCacheSecurityGroupIngress,
  DescribeEvents: describeEvents,
  AddTagsToResource: addTagsToResource,
  ListTagsForResource: listTagsForResource,
  RemoveTagsFromResource: removeTagsFromResource,
  CreateUser: createUser,
  ModifyUser: modifyUser,
  DeleteUser: deleteUser,
  DescribeUsers: describeUsers,
  CreateUserGroup: createUserGroup,
  ModifyUserGroup: modifyUserGroup,
  DeleteUserGroup: deleteUserGroup,
  DescribeUserGroups: describeUserGroups,
  CreateSnapshot: createSnapshot,
  DescribeSnapshots: describeSnapshots,
  CopySnapshot: copySnapshot,
  DeleteSnapshot: deleteSnapshot,
  CreateServerlessCache: createServerlessCache,
  DescribeServerlessCaches: describeServerlessCaches,
  ModifyServerlessCache: modifyServerlessCache,
  DeleteServerlessCache: deleteServerlessCache,
  CreateServerlessCacheSnapshot: createServerlessCacheSnapshot,
  DescribeServerlessCacheSnapshots: describeServerlessCacheSnapshots,
  CopyServerlessCacheSnapshot: copyServerlessCacheSnapshot,
  DeleteServerlessCacheSnapshot: deleteServerlessCacheSnapshot,
  ExportServerlessCacheSnapshot: exportServerlessCacheSnapshot,
  DescribeServiceUpdates: describeServiceUpdates,
  DescribeUpdateActions: describeUpdateActions,
  BatchApplyUpdateAction: batchApplyUpdateAction,
  BatchStopUpdateAction: batchStopUpdateAction,
  DescribeReservedCacheNodesOfferings: describeReservedCacheNodesOfferings,
  PurchaseReservedCacheNodesOffering: purchaseReservedCacheNodesOffering,
  DescribeReservedCacheNodes: describeReservedCacheNodes,
  ListAllowedNodeTypeModifications: listAllowedNodeTypeModifications,
  CreateGlobalReplicationGroup: createGlobalReplicationGroup,
  DescribeGlobalReplicationGroups: describeGlobalReplicationGroups,
  ModifyGlobalReplicationGroup: modifyGlobalReplicationGroup,
  DeleteGlobalReplicationGroup: deleteGlobalReplicationGroup,
  DisassociateGlobalReplicationGroup: disassociateGlobalReplicationGroup,
  FailoverGlobalReplicationGroup: failoverGlobalReplicationGroup,
  IncreaseNodeGroupsInGlobalReplicationGroup: increaseNodeGroupsInGlobalReplicationGroup,
  DecreaseNodeGroupsInGlobalReplicationGroup: decreaseNodeGroupsInGlobalReplicationGroup,
  RebalanceSlotsInGlobalReplicationGroup: rebalanceSlotsInGlobalReplicationGroup,
};
