/** The dispatch table: Action -> handler. An operation without an entry answers NotImplemented (501). */
import type { ActionTable } from "./context.js";
import { createCacheCluster } from "./cache-clusters/create-cache-cluster.js";
import { deleteCacheCluster } from "./cache-clusters/delete-cache-cluster.js";
import { describeCacheClusters } from "./cache-clusters/describe-cache-clusters.js";
import { modifyCacheCluster } from "./cache-clusters/modify-cache-cluster.js";
import { rebootCacheCluster } from "./cache-clusters/reboot-cache-cluster.js";
import { describeCacheEngineVersions } from "./engine-versions/describe-cache-engine-versions.js";
import { describeEvents } from "./events/describe-events.js";
import { describeCacheParameterGroups } from "./parameter-groups/describe-cache-parameter-groups.js";
import { createReplicationGroup } from "./replication-groups/create-replication-group.js";
import { deleteReplicationGroup } from "./replication-groups/delete-replication-group.js";
import { describeReplicationGroups } from "./replication-groups/describe-replication-groups.js";
import { modifyReplicationGroup } from "./replication-groups/modify-replication-group.js";
import { modifyReplicationGroupShardConfiguration } from "./replication-groups/modify-shard-configuration.js";
import { decreaseReplicaCount, increaseReplicaCount } from "./replication-groups/replica-count.js";
import { testFailover } from "./replication-groups/test-failover.js";
import { copySnapshot } from "./snapshots/copy-snapshot.js";
import { createSnapshot } from "./snapshots/create-snapshot.js";
import { deleteSnapshot } from "./snapshots/delete-snapshot.js";
import { describeSnapshots } from "./snapshots/describe-snapshots.js";
import { describeCacheSubnetGroups } from "./subnet-groups/describe-cache-subnet-groups.js";
import { addTagsToResource } from "./tags/add-tags-to-resource.js";
import { listTagsForResource } from "./tags/list-tags-for-resource.js";
import { removeTagsFromResource } from "./tags/remove-tags-from-resource.js";

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
  IncreaseReplicaCount: increaseReplicaCount,
  ModifyReplicationGroupShardConfiguration: modifyReplicationGroupShardConfiguration,
  DecreaseReplicaCount: decreaseReplicaCount,
  DescribeCacheEngineVersions: describeCacheEngineVersions,
  DescribeCacheParameterGroups: describeCacheParameterGroups,
  DescribeCacheSubnetGroups: describeCacheSubnetGroups,
  DescribeEvents: describeEvents,
  AddTagsToResource: addTagsToResource,
  ListTagsForResource: listTagsForResource,
  RemoveTagsFromResource: removeTagsFromResource,
  CreateSnapshot: createSnapshot,
  DescribeSnapshots: describeSnapshots,
  CopySnapshot: copySnapshot,
  DeleteSnapshot: deleteSnapshot,
};
