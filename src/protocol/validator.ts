/**
 * Model constraint checks on a parsed input: required members, enums, min/max and
 * patterns. The first violation (in model member order) is thrown as an AwsError,
 * named by its wire path, e.g. `Filters.member.1.Name`.
 */
import { commonErrors, clipValue as clip } from "./aws-error.js";
import { listItemName, type ServiceModel, type Shape, type StructureShape } from "./model.js";

export function validateInput(model: ServiceModel, operationName: string, input: Record<string, unknown>): void {
  const op = model.operation(operationName);
  if (!op) throw commonErrors.invalidAction(operationName);
  if (op.input) validateStructure(model, model.structure(op.input), input, "");
}

const join = (prefix: string, name: string) => (prefix ? `${prefix}.${name}` : name);

function validateStructure(model: ServiceModel, shape: StructureShape, value: unknown, path: string): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw commonErrors.invalidParameterValue(`Parameter ${path} must be a structure.`);
  }
  const obj = value as Record<string, unknown>;
  for (const name of shape.required) {
    const ref = shape.members[name];
    if (obj[name] === undefined || obj[name] === null) throw commonErrors.missingParameter(join(path, ref?.locationName ?? name));
  }
  for (const [name, ref] of Object.entries(shape.members)) {
    const member = obj[name];
    if (member === undefined || member === null) continue;
    validateValue(model, model.shape(ref.shape), member, join(path, ref.locationName ?? name));
  }
}

function validateValue(model: ServiceModel, shape: Shape, value: unknown, path: string): void {
  switch (shape.type) {
    case "structure":
      return validateStructure(model, shape, value, path);
    case "list": {
      if (!Array.isArray(value)) throw commonErrors.invalidParameterValue(`Parameter ${path} must be a list.`);
      checkRange(value.length, shape, path, "number of items");
      const item = model.shape(shape.member.shape);
      const itemPath = `${path}.${listItemName(shape)}`;
      value.forEach((v, i) => {
        if (v !== undefined && v !== null) validateValue(model, item, v, `${itemPath}.${i + 1}`);
      });
      return;
    }
    case "string": {
      if (typeof value !== "string") throw commonErrors.invalidParameterValue(`Parameter ${path} must be a string.`);
      if (shape.enum && !shape.enum.includes(value)) {
        throw commonErrors.invalidParameterValue(
          `Value '${clip(value)}' for parameter ${path} is not valid. Valid values: ${shape.enum.join(", ")}.`,
        );
      }
      // Length in code points, as the Smithy length trait defines it.
      checkRange([...value].length, shape, path, "length");
      if (shape.pattern !== undefined && !anchored(shape.pattern).test(value)) {
        throw commonErrors.invalidParameterValue(
          `Value '${clip(value)}' for parameter ${path} does not match the pattern ${shape.pattern}.`,
        );
      }
      return;
    }
    case "integer":
    case "long":
    case "double":
    case "float":
      if (typeof value !== "number" || Number.isNaN(value)) {
        throw commonErrors.invalidParameterValue(`Parameter ${path} must be a number.`);
      }
      checkRange(value, shape, path, "value");
      return;
    case "boolean":
      if (typeof value !== "boolean") throw commonErrors.invalidParameterValue(`Parameter ${path} must be a boolean.`);
      return;
    case "timestamp":
      if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
        throw commonErrors.invalidParameterValue(`Parameter ${path} must be a timestamp.`);
      }
      return;
  }
}

function checkRange(n: number, c: { min?: number; max?: number }, path: string, what: string): void {
  if (c.min !== undefined && n < c.min) {
    throw commonErrors.invalidParameterValue(`Parameter ${path} is invalid: ${what} ${n} is below the minimum of ${c.min}.`);
  }
  if (c.max !== undefined && n > c.max) {
    throw commonErrors.invalidParameterValue(`Parameter ${path} is invalid: ${what} ${n} is above the maximum of ${c.max}.`);
  }
}

const patterns = new Map<string, RegExp>();
/** Model patterns must match the whole value; `s` lets `.` span lines (e.g. `.*\S.*`). */
function anchored(pattern: string): RegExp {
  let re = patterns.get(pattern);
  if (!re) patterns.set(pattern, (re = new RegExp(`^(?:${pattern})$`, "s")));
  return re;
}
