import type { MethodDefinition } from "@grpc/grpc-js";
import { describe } from "../statusCodes.js";
import type { CallKind } from "./CallOutcome.js";
import type { ServerCallContext } from "./ServerCallContext.js";
import type { ServerInterceptor } from "./ServerInterceptor.js";

/** Where a `Policy` value keeps its spec. */
export const POLICY: unique symbol = Symbol.for("grpc-interceptor:policy") as never;

/** What `bootstrap`'s `policies` options accept: a `Policy` value (made by `Deadline(…)`, `definePolicy(…)`, …). */
export interface PolicyValue {
  /** The policy's spec. */
  readonly [POLICY]: PolicySpec;
}

/** A method as a policy sees it when `bootstrap` builds the method's chain. */
export interface PolicyMethod {
  /** The method's grpc-js definition: `path`, stream flags, (de)serializers, and `requestType` where present. */
  readonly definition: MethodDefinition<unknown, unknown>;
  /** The method's kind. */
  readonly kind: CallKind;
  /** `"Library.createBook"`: for error messages. */
  readonly where: string;
  /** Hands an error to the exception-to-status stage's `onUnknownException` reporter. */
  report(error: unknown, context: ServerCallContext): void;
}

/** The deadline bounds a `Deadline` policy sets: see {@link PolicySpec.deadline}. */
export interface DeadlineBounds {
  /** A call whose client sent no deadline gets one, this many milliseconds after it started. */
  readonly defaultMs?: number;
  /** A call's deadline is never later than this many milliseconds after it started. */
  readonly maxMs?: number;
}

/** What a policy is: a kind (one of each kind applies to a method, the nearest) and what it adds to a method. */
export interface PolicySpec {
  /**
   * One policy of each kind applies to a method. The built-in stage kinds run in this order: `rateLimit`,
   * `concurrencyLimit`, `validate`; other kinds after them, in the alphabetical order of their kind.
   */
  readonly kind: string;
  /** The stage this policy adds to a method's chain, built once per method at `bootstrap`; `undefined` adds none. */
  stage?(method: PolicyMethod): Pick<ServerInterceptor, "intercept"> | undefined;
  /** Deadline bounds applied when the call starts, before the first interceptor runs. */
  readonly deadline?: DeadlineBounds;
}

/**
 * Built-in stage kinds, in the order they run (outermost first), after every interceptor. Other kinds
 * run after these, in the alphabetical order of their kind.
 */
export const POLICY_ORDER: readonly string[] = ["rateLimit", "concurrencyLimit", "validate"];

/** The spec of a `Policy` value, or `undefined` for anything else. */
export function policySpec(value: unknown): PolicySpec | undefined {
  return typeof value === "function" ? (value as { [POLICY]?: PolicySpec })[POLICY] : undefined;
}

/**
 * Adds `policies` (one level: a decorated target or one option list) to `byKind`, the policies of that
 * level by kind. @throws TypeError naming `where` for a non-policy, or two of one kind at one level.
 */
export function addPolicies(byKind: Map<string, PolicySpec>, policies: readonly unknown[], where: string): void {
  policies.forEach((value, index) => {
    const spec = policySpec(value);
    if (!spec) {
      throw new TypeError(
        `${where}[${index}] is ${describe(value)}, not a policy; use Deadline(…), Validate(…), RateLimit(…), ConcurrencyLimit(…) or definePolicy(…)`,
      );
    }
    if (byKind.has(spec.kind)) throw new TypeError(`${where}: two ${spec.kind} policies at one level; keep one`);
    byKind.set(spec.kind, spec);
  });
}

/** What a method's policies add: stages to append after every interceptor, and deadline bounds. */
export interface MethodPolicies {
  readonly stages: Pick<ServerInterceptor, "intercept">[];
  readonly deadline: DeadlineBounds | undefined;
}

/**
 * Resolves a method's policies from its levels, nearest first (method decorator, `options.methods[name]`,
 * class decorator, `options.policies`): the nearest of each kind wins.
 */
export function methodPolicies(
  levels: readonly ReadonlyMap<string, PolicySpec>[],
  method: PolicyMethod,
): MethodPolicies {
  const nearest = new Map<string, PolicySpec>();
  for (const level of levels) for (const [kind, spec] of level) if (!nearest.has(kind)) nearest.set(kind, spec);
  const specs = [...nearest.values()].sort((a, b) => rank(a.kind) - rank(b.kind) || a.kind.localeCompare(b.kind));
  const stages: Pick<ServerInterceptor, "intercept">[] = [];
  for (const spec of specs) {
    const stage = spec.stage?.(method);
    if (stage) stages.push(stage);
  }
  return { stages, deadline: specs.find((spec) => spec.deadline)?.deadline };
}

function rank(kind: string): number {
  const index = POLICY_ORDER.indexOf(kind);
  return index === -1 ? POLICY_ORDER.length : index;
}
