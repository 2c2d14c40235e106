import "reflect-metadata";
import { emptyClass, emptyTarget, KEY, type ClassMetadata, type TargetMetadata } from "../server/servicerMetadata.js";

/** How a decorator was applied: which class (when known), which method, and where to keep the metadata. */
export interface DecorationSite {
  /** `"Greeter"`, `"Greeter.sayHello"`, or `"sayHello"` where a standard method decorator cannot know its class. */
  readonly where: string;
  /** The method's name, or `undefined` for the class itself. */
  readonly method: string | symbol | undefined;
  /** The class's own record, created on first use. */
  classMetadata(): ClassMetadata;
}

interface StandardContext {
  kind: string;
  name: string | symbol | undefined;
  static?: boolean;
  metadata?: Record<PropertyKey, unknown>;
}

function isStandardContext(value: unknown): value is StandardContext {
  return typeof value === "object" && value !== null && "kind" in value;
}

function methodLabel(name: string | symbol): string {
  return typeof name === "symbol" ? `[${name.description ?? "symbol"}]` : name;
}

/**
 * Works out the decoration site from a decorator's arguments, under either standard: legacy
 * (`experimentalDecorators`: `(target)` or `(prototype, key, descriptor)`, metadata kept with
 * reflect-metadata on the constructor) or TC39 (`(value, context)`, metadata kept in `context.metadata`).
 */
export function decorationSite(decorator: string, args: readonly unknown[]): DecorationSite {
  const [target, second] = args;
  if (isStandardContext(second)) {
    const { kind, name, metadata } = second;
    if ((kind !== "class" && kind !== "method") || second.static) {
      throw new TypeError(
        `${decorator} applies to a class or an instance method, not to ${second.static ? "static " : ""}${kind} ${String(name)}`,
      );
    }
    if (!metadata)
      throw new TypeError(`${decorator}: this compiler gives decorators no metadata object (context.metadata)`);
    const method = kind === "method" ? name : undefined;
    const className = kind === "class" ? String(name ?? "(anonymous class)") : undefined;
    return {
      where: className ?? methodLabel(name!),
      method,
      classMetadata: () => {
        if (!Object.hasOwn(metadata, KEY)) metadata[KEY] = emptyClass();
        return metadata[KEY] as ClassMetadata;
      },
    };
  }
  const isClass = typeof target === "function" && args.length === 1;
  const isMethod =
    typeof target === "object" && target !== null && (typeof second === "string" || typeof second === "symbol");
  if (!isClass && !isMethod) throw new TypeError(`${decorator} applies to a class or an instance method`);
  const ctor = (isClass ? target : (target as object).constructor) as object & { name: string };
  const method = isMethod ? (second as string | symbol) : undefined;
  return {
    where: method === undefined ? ctor.name : `${ctor.name}.${methodLabel(method)}`,
    method,
    classMetadata: () => {
      let record = Reflect.getOwnMetadata(KEY, ctor) as ClassMetadata | undefined;
      if (!record) {
        record = emptyClass();
        Reflect.defineMetadata(KEY, record, ctor);
      }
      return record;
    },
  };
}

/** The record a decorator at `site` adds to: the class's own, or the method's. */
export function targetMetadata(site: DecorationSite): TargetMetadata {
  const record = site.classMetadata();
  if (site.method === undefined) return record.target;
  let target = record.methods.get(site.method);
  if (!target) {
    target = emptyTarget();
    record.methods.set(site.method, target);
  }
  return target;
}
