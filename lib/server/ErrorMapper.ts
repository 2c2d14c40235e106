/* eslint-disable @typescript-eslint/no-explicit-any -- rules accept the user's own error types */
import type { status } from "@grpc/grpc-js";
import { GrpcException } from "../exceptions/GrpcException.js";
import { withoutStackTrace } from "../exceptions/withoutStackTrace.js";
import { describe, isErrorCode } from "../statusCodes.js";

/** A class of errors: anything with a prototype that thrown errors can inherit from. */
export type ErrorClass = abstract new (...args: any[]) => unknown;

/**
 * What an error class maps to: a non-OK status (details = the error's `message`) or a function building
 * the exception. `status.OK` is a compile error here, as it is a `TypeError` at decoration time.
 */
export type ErrorRule = Exclude<status, status.OK> | ((error: any) => GrpcException);

/** One `@MapErrors` rule: an error class, and the status or exception-building function it maps to. */
export type ErrorMapping = readonly [ErrorClass, ErrorRule];

/**
 * One method's `@MapErrors` rules, merged and resolved once at `bootstrap`. Finds the rule of the nearest
 * class in an error's prototype chain, caching the answer per error class.
 */
export class ErrorMapper {
  private readonly resolved = new Map<object, ErrorRule | null>();

  constructor(
    private readonly rules: ReadonlyMap<object, ErrorRule>,
    /** Names the method in error messages, e.g. `"Greeter.sayHello"`. */
    private readonly where: string,
  ) {}

  /** The exception the rules turn `error` into, or `undefined` when no rule matches. */
  map(error: unknown): GrpcException | undefined {
    if (typeof error !== "object" || error === null) return undefined;
    const rule = this.ruleFor(error);
    if (rule === null) return undefined;
    if (typeof rule === "number") {
      const details = messageOf(error);
      return withoutStackTrace(() => new GrpcException(details, { statusCode: rule, cause: error }));
    }
    const mapped: unknown = rule(error);
    if (mapped instanceof GrpcException) return mapped;
    throw new TypeError(
      `@MapErrors rule of ${this.where} for ${error.constructor?.name ?? "an error"} returned ${describe(mapped)}, ` +
        "expected a GrpcException",
    );
  }

  /** True when a rule matches `error` (without running it). */
  hasRuleFor(error: object): boolean {
    return this.ruleFor(error) !== null;
  }

  /** The status code of the rule that matches `error`, when that rule is a plain status (not a function). */
  statusRuleFor(error: unknown): status | undefined {
    if (typeof error !== "object" || error === null) return undefined;
    const rule = this.ruleFor(error);
    return typeof rule === "number" ? rule : undefined;
  }

  private ruleFor(error: object): ErrorRule | null {
    const type = Object.getPrototypeOf(error) as object | null;
    if (type === null) return null;
    let rule = this.resolved.get(type);
    if (rule === undefined) {
      rule = null;
      for (let proto: object | null = type; proto !== null; proto = Object.getPrototypeOf(proto) as object | null) {
        const found = Object.hasOwn(proto, "constructor") ? this.rules.get(proto.constructor) : undefined;
        if (found !== undefined) {
          rule = found;
          break;
        }
      }
      this.resolved.set(type, rule);
    }
    return rule;
  }
}

/** The error's `message` when it is a readable string, else `String(error)`, else a placeholder. */
export function messageOf(error: unknown): string {
  try {
    const message = (error as { message?: unknown }).message;
    return typeof message === "string" ? message : String(error);
  } catch {
    return "(the error's message could not be read)";
  }
}

/**
 * Checks `rules` and adds them to `target`; shared by `@MapErrors` and `bootstrap`'s `errors` options.
 * @param label - names a rule in errors, e.g. `rule 2` or `options.errors[1]`.
 * @throws TypeError naming `where` and the rule, as documented on `@MapErrors`.
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
    if (errorClass !== Error && !(errorClass.prototype instanceof Error)) {
      throw new TypeError(`${where}: ${label(index)} maps ${errorClass.name}, which does not extend Error`);
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
