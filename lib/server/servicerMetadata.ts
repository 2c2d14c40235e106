import "reflect-metadata";
import type { ErrorClass, ErrorRule } from "./ErrorMapper.js";
import type { PolicySpec } from "./policyPlan.js";
import type { InterceptorLike } from "./ServerInterceptor.js";

// Standard (TC39) decorators only get `context.metadata` when Symbol.metadata exists; Node 20 lacks it.
// TypeScript and esbuild both fall back to Symbol.for("Symbol.metadata"), so this is the same symbol.
(Symbol as { metadata?: symbol }).metadata ??= Symbol.for("Symbol.metadata");

/** Where the decorators keep a class's record (reflect-metadata key, or key in `context.metadata`). */
export const KEY = Symbol.for("grpc-interceptor:servicer");

/** What the decorators recorded on one target (a class, or one method of it). */
export interface TargetMetadata {
  /** Outermost first. */
  readonly interceptors: InterceptorLike[];
  readonly rules: Map<ErrorClass, ErrorRule>;
  /** The target's policies, by kind (one of each kind per target). */
  readonly policies: Map<string, PolicySpec>;
}

/** What the decorators recorded on one class itself (not its base classes). */
export interface ClassMetadata {
  readonly target: TargetMetadata;
  readonly methods: Map<string | symbol, TargetMetadata>;
}

/** A new, empty record of one target. */
export function emptyTarget(): TargetMetadata {
  return { interceptors: [], rules: new Map(), policies: new Map() };
}

/** A new, empty record of one class. */
export function emptyClass(): ClassMetadata {
  return { target: emptyTarget(), methods: new Map() };
}

/** The decorators' record of one class itself, under whichever standard decorated it. */
function ownClassMetadata(ctor: object): ClassMetadata | undefined {
  const legacy = Reflect.getOwnMetadata(KEY, ctor) as ClassMetadata | undefined;
  if (legacy) return legacy;
  const symbol = (Symbol as { metadata?: symbol }).metadata!;
  const standard = Object.hasOwn(ctor, symbol) ? (ctor as Record<symbol, Record<symbol, unknown>>)[symbol] : undefined;
  return standard && Object.hasOwn(standard, KEY) ? (standard[KEY] as ClassMetadata) : undefined;
}

/** A servicer's decorator metadata with inheritance applied: base classes first (outer), the servicer's own class last. */
export function servicerMetadata(servicer: object): ClassMetadata[] {
  const chain: ClassMetadata[] = [];
  for (
    let ctor = servicer.constructor as object | null;
    ctor && ctor !== Function.prototype;
    ctor = Object.getPrototypeOf(ctor) as object | null
  ) {
    const record = ownClassMetadata(ctor);
    if (record) chain.unshift(record);
  }
  return chain;
}
