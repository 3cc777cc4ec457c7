/**
 * ElastiCache's modeled errors: `modelError("CacheClusterNotFoundFault", message)` -> CacheClusterNotFound, 404.
 * One module per service, typed by its generated error shape names; it sits beside protocol/
 * (below state/ and actions/, which raise these errors), not in services/, which is above them.
 */
import type { ErrorShapeName } from "../generated/elasticache.js";
import { models } from "../protocol/model.js";
import { modelErrors } from "../protocol/model-errors.js";

export type { ErrorShapeName };

export const modelError = modelErrors<ErrorShapeName>(() => models.model("elasticache"));
