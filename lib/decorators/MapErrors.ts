import { addErrorRules, type ErrorMapping } from "../server/ErrorMapper.js";
import type { ClassOrMethodDecorator } from "./Intercept.js";
import { decorationSite, targetMetadata } from "./decorationSite.js";

export type { ErrorMapping };

/**
 * Maps your own error classes to gRPC statuses, for every method of a class or for one method. The
 * exception-to-status stage consults the rules for errors that are not `GrpcException`s: the nearest
 * class in the error's prototype chain that has a rule wins, and a method's rule beats its class's.
 * A bare status sends the error's `message` as details; a function returns the `GrpcException` to send.
 *
 * @example
 * @MapErrors([NotFoundError, status.NOT_FOUND], [ValidationError, (e) => new InvalidArgument(e.message)])
 * class Greeter { ... }
 * @throws TypeError at decoration time, naming the class and method, for a key that is not a class, a
 *   status that is `OK` or not a gRPC code, or an error class that already has a rule on the same target.
 */
export function MapErrors(...rules: ErrorMapping[]): ClassOrMethodDecorator {
  return ((...args: unknown[]) => {
    const site = decorationSite("@MapErrors", args);
    addErrorRules(targetMetadata(site).rules, rules, `@MapErrors on ${site.where}`, (index) => `rule ${index + 1}`);
  }) as ClassOrMethodDecorator;
}
