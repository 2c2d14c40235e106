import { describe } from "../statusCodes.js";
import { checkOptions } from "./checkOptions.js";
import { definePolicy, type Policy } from "./definePolicy.js";

/** Options of {@link Deadline}: at least one. */
export interface DeadlineOptions {
  /** A call whose client sent no deadline gets one, this many milliseconds after it started. */
  defaultMs?: number;
  /** A call's deadline is never later than this many milliseconds after it started. */
  maxMs?: number;
}

/**
 * Bounds a call's deadline on the server: a default for clients that send none, and a maximum for
 * clients that send a later one. The effective deadline is the call's deadline everywhere:
 * `context.deadline`, `context.signal`, the `DEADLINE_EXCEEDED` sent when it passes (even if the
 * handler ignores the signal), `onComplete`, and `Propagate`. It applies when the call starts, before
 * the first interceptor runs.
 *
 * @example \@Deadline({ defaultMs: 2_000, maxMs: 30_000 })
 * @throws TypeError naming the option: neither given, not a positive finite number, or `defaultMs > maxMs`.
 */
export function Deadline(options: DeadlineOptions): Policy {
  checkOptions("Deadline", options, ["defaultMs", "maxMs"]);
  const { defaultMs, maxMs } = options;
  if (defaultMs === undefined && maxMs === undefined) {
    throw new TypeError("Deadline: give options.defaultMs, options.maxMs or both");
  }
  for (const [name, value] of [
    ["defaultMs", defaultMs],
    ["maxMs", maxMs],
  ] as const) {
    if (value !== undefined && !(typeof value === "number" && Number.isFinite(value) && value > 0)) {
      throw new TypeError(`Deadline: options.${name} is ${describe(value)}, expected a positive finite number`);
    }
  }
  if (defaultMs !== undefined && maxMs !== undefined && defaultMs > maxMs) {
    throw new TypeError(`Deadline: options.defaultMs (${defaultMs}) is more than options.maxMs (${maxMs})`);
  }
  return definePolicy("Deadline", { kind: "deadline", deadline: { defaultMs, maxMs } });
}
