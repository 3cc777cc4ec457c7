/** CloudWatch's modeled errors: `modelError("InvalidNextToken", message)` -> InvalidNextToken, 400. */
import type { ErrorShapeName } from "../generated/cloudwatch.js";
import { models } from "../protocol/model.js";
import { modelErrors } from "../protocol/model-errors.js";

export type { ErrorShapeName };

export const modelError = modelErrors<ErrorShapeName>(() => models.model("cloudwatch"));
