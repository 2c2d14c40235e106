import { decorationSite, targetMetadata } from "../decorators/decorationSite.js";
import type { ClassOrMethodDecorator } from "../decorators/Intercept.js";
import { addPolicies, POLICY, type PolicySpec, type PolicyValue } from "../server/policyPlan.js";

export type { PolicyMethod, PolicySpec, DeadlineBounds } from "../server/policyPlan.js";

/**
 * A policy: one value that works as a class or method decorator (legacy and standard decorators alike)
 * and as an element of `bootstrap`'s `options.policies` and `options.methods[name].policies`. One policy
 * of each kind applies to a method: the nearest (method decorator, `options.methods[name].policies`,
 * class decorator, `options.policies`). One value is one instance: its state is shared by every method
 * it applies to.
 */
export type Policy = ClassOrMethodDecorator & PolicyValue;

/**
 * Makes a {@link Policy} from its spec: how the built-in policies are made, and how to write your own.
 * A policy's `stage` is an ordinary interceptor, built once per method it applies to, and runs after
 * every interceptor of the method, just before the handler.
 *
 * @example
 * const RequireTenant = () => definePolicy("RequireTenant", {
 *   kind: "requireTenant",
 *   stage: () => ({
 *     intercept(method, request, context) {
 *       if (!context.metadata.get("x-tenant").length) throw new InvalidArgument("x-tenant is required");
 *       return method(request, context);
 *     },
 *   }),
 * });
 * @param name - the decorator's name in error messages, e.g. `"RateLimit"`.
 */
export function definePolicy(name: string, spec: PolicySpec): Policy {
  const decorator = (...args: unknown[]): void => {
    const site = decorationSite(`@${name}`, args);
    addPolicies(targetMetadata(site).policies, [decorator], `@${name} on ${site.where}`);
  };
  Object.defineProperty(decorator, POLICY, { value: spec });
  Object.defineProperty(decorator, "name", { value: name });
  return decorator as unknown as Policy;
}
