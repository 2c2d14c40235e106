import { describe, isErrorCode } from "../statusCodes.js";
import type { ErrorClass, ErrorRule } from "../server/ErrorMapper.js";
import type { ClassOrMethodDecorator } from "./Intercept.js";
import { decorationSite, targetMetadata } from "./servicerMetadata.js";

/** One `@MapErrors` rule: an error class, and the status or exception-building function it maps to. */
export type ErrorMapping = readonly [ErrorClass, ErrorRule];

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

/**
 * Checks `rules` and adds them to `target`; shared by `@MapErrors` and `bootstrap`'s `errors` options.
 * @param label - names a rule in errors, e.g. `rule 2` or `options.errors[1]`.
 * @throws TypeError naming `where` and the rule, as documented on {@link MapErrors}.
 */
export function addErrorRules(
  target: Map<ErrorClass, ErrorRule>,
  rules: readonly unknown[],
  where: string,
  label: (index: number) => string,
): void {
  rules.forEach((rule, index) => {
    if (!Array.isArray(rule) || rule.length !== 2) {
      throw new TypeError(
        `${where}: ${label(index)} is ${describe(rule)}, expected a pair [ErrorClass, status or (error) => GrpcException]`,
      );
    }
    const [errorClass, outcome] = rule as [unknown, unknown];
    if (typeof errorClass !== "function" || typeof errorClass.prototype !== "object") {
      throw new TypeError(`${where}: ${label(index)} maps ${describe(errorClass)}, which is not a class`);
    }
    if (typeof outcome !== "function" && !isErrorCode(outcome)) {
      throw new TypeError(
        `${where}: ${label(index)} maps ${errorClass.name} to ${describe(outcome)}; ` +
          "expected a non-OK gRPC status code (1-16) or a function returning a GrpcException",
      );
    }
    if (target.has(errorClass as ErrorClass)) {
      throw new TypeError(
        `${where}: ${errorClass.name} has two rules (${label(index)} repeats it); give each error class one rule per target`,
      );
    }
    target.set(errorClass as ErrorClass, outcome as ErrorRule);
  });
}
