/**
 * DescribeEvents: lifecycle events of the caller's region, oldest first. Without a time
 * filter AWS returns the last hour; events are kept for 14 days.
 */
import { commonErrors } from "../../protocol/aws-error.js";
import { eventToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { describe } from "../shared/describe.js";

const MINUTE = 60_000;
const MAX_DURATION_MINUTES = 14 * 24 * 60;

export const describeEvents: ActionHandler<"DescribeEvents"> = async (ctx, input) => {
  if (input.SourceIdentifier !== undefined && input.SourceType === undefined) {
    throw commonErrors.invalidParameterCombination("SourceType must be provided when SourceIdentifier is provided.");
  }
  if (input.Duration !== undefined && (input.Duration < 1 || input.Duration > MAX_DURATION_MINUTES)) {
    throw commonErrors.invalidParameterValue(`Duration must be between 1 and ${MAX_DURATION_MINUTES} minutes.`);
  }
  const { start, end } = timeWindow(input.StartTime, input.EndTime, input.Duration);
  const page = describe("DescribeEvents", input, {
    all: () => ctx.state.events,
    where: (e) =>
      (input.SourceType === undefined || e.sourceType === input.SourceType) &&
      (input.SourceIdentifier === undefined || e.sourceIdentifier === input.SourceIdentifier) &&
      e.date.getTime() >= start &&
      e.date.getTime() <= end,
    // Oldest first: the log is in emission order.
    keyOf: (e) => String(e.seq).padStart(12, "0"),
    ordered: true,
  });
  return { Marker: page.next, Events: page.items.map(eventToWire) };
};

function timeWindow(startTime?: Date, endTime?: Date, duration?: number): { start: number; end: number } {
  const now = Date.now();
  if (startTime && endTime && startTime.getTime() > endTime.getTime()) {
    throw commonErrors.invalidParameterValue("StartTime must be before EndTime.");
  }
  if (startTime && endTime) return { start: startTime.getTime(), end: endTime.getTime() };
  const span = (duration ?? 60) * MINUTE;
  if (startTime) return { start: startTime.getTime(), end: duration ? startTime.getTime() + span : now };
  if (endTime) return { start: endTime.getTime() - span, end: endTime.getTime() };
  return { start: now - span, end: now };
}
