import { describe } from "../statusCodes.js";
import { policySpec } from "./policyPlan.js";
import type { InterceptorLike, ServerInterceptor, ServerInterceptorClass } from "./ServerInterceptor.js";

function isInterceptorClass(value: unknown): value is ServerInterceptorClass {
  return typeof value === "function" && typeof (value.prototype as { intercept?: unknown })?.intercept === "function";
}

// A `class` declaration (not a plain function, which is an intercept function).
function isClass(value: object): boolean {
  return Function.prototype.toString.call(value).startsWith("class");
}

/** True for the three interceptor forms. Classes are recognised by an `intercept` method on the prototype. */
function isInterceptorLike(value: unknown): value is InterceptorLike {
  if (typeof value === "function") return true;
  return typeof value === "object" && value !== null && typeof (value as ServerInterceptor).intercept === "function";
}

/**
 * Throws a `TypeError` naming `where` and the argument's position when `value` is not an interceptor.
 * `undefined` usually means an import cycle: the interceptor's module had not finished loading.
 */
export function assertInterceptorLike(value: unknown, index: number, where: string): asserts value is InterceptorLike {
  if (policySpec(value)) {
    throw new TypeError(
      `${where}: argument ${index + 1} is a policy (${(value as () => void).name}), not an interceptor; list it in policies`,
    );
  }
  if (typeof value === "function" && !isInterceptorClass(value) && isClass(value)) {
    throw new TypeError(
      `${where}: argument ${index + 1} is class ${value.name}, which has no intercept method; ` +
        "an interceptor class extends ServerInterceptor (or defines intercept(method, requestOrIterator, context, methodName))",
    );
  }
  if (isInterceptorLike(value)) return;
  const hint = value === undefined ? " (an import cycle can make an imported interceptor undefined here)" : "";
  throw new TypeError(
    `${where}: argument ${index + 1} is ${describe(value)}, not an interceptor${hint}; ` +
      "expected a ServerInterceptor instance, a ServerInterceptor subclass with a no-argument constructor, " +
      "or a function (method, requestOrIterator, context, methodName) => response",
  );
}

/**
 * Turns an {@link InterceptorLike} into an object with `intercept`. Classes are constructed once per
 * `instances` map (one map per `bootstrap` call), so every method that lists a class shares one instance.
 */
export function toInterceptor(
  like: InterceptorLike,
  instances: Map<ServerInterceptorClass, ServerInterceptor>,
): Pick<ServerInterceptor, "intercept"> {
  if (isInterceptorClass(like)) {
    let instance = instances.get(like);
    if (!instance) {
      instance = new like();
      instances.set(like, instance);
    }
    return instance;
  }
  if (typeof like === "function") return { intercept: like };
  return like;
}

/**
 * An interceptor that wants to know the services it serves (e.g. `GracefulShutdown`, for health) has a
 * method under this key: `bootstrap` calls it with the service's name (`"acme.v1.Echo"`) for each
 * service whose `options.interceptors` list it.
 */
export const SERVES = Symbol.for("grpc-interceptor.serves");

/** Tells the interceptors of `options.interceptors` that want to know that they serve `service`. */
export function announceService(interceptors: readonly Pick<ServerInterceptor, "intercept">[], service: string): void {
  for (const interceptor of interceptors) {
    (interceptor as { [SERVES]?: (service: string) => void })[SERVES]?.(service);
  }
}
