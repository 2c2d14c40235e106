import { addErrorRules, type ErrorMapping } from "./ErrorMapper.js";
import { describe } from "../statusCodes.js";
import type { ErrorClass, ErrorRule } from "./ErrorMapper.js";
import { assertInterceptorLike } from "./interceptorLike.js";
import { addPolicies, type PolicySpec, type PolicyValue } from "./policyPlan.js";
import type { InterceptorLike } from "./ServerInterceptor.js";

/** The decorator-free form of method-level `@Intercept` and `@MapErrors`, for one method. */
export interface MethodOptions {
  /** Run inside the class-level `@Intercept` interceptors and outside the method-level ones; first is outermost. */
  interceptors?: InterceptorLike[];
  /** Rules like a method-level `@MapErrors`: they beat class-level rules, and lose to the method's own `@MapErrors`. */
  errors?: ErrorMapping[];
  /** Policies of this method (`Deadline(…)`, `Validate(…)`, …): they beat the class's and `options.policies`, and lose to the method's decorators. */
  policies?: PolicyValue[];
}

/** What `bootstrap` takes from `options.interceptors`, `options.errors` and `options.methods`, checked. */
export interface Configuration {
  readonly interceptors: readonly InterceptorLike[];
  readonly rules: ReadonlyMap<ErrorClass, ErrorRule>;
  readonly policies: ReadonlyMap<string, PolicySpec>;
  /** By definition key. */
  readonly methods: ReadonlyMap<string, MethodConfiguration>;
}

/** What `options.methods[name]` configures, checked. */
export interface MethodConfiguration {
  readonly interceptors: readonly InterceptorLike[];
  readonly rules: Map<ErrorClass, ErrorRule>;
  readonly policies: ReadonlyMap<string, PolicySpec>;
}

/** The option subset this module reads. */
interface ConfigurationOptions {
  interceptors?: readonly InterceptorLike[];
  errors?: readonly ErrorMapping[];
  policies?: readonly unknown[];
  methods?: Readonly<Record<string, MethodOptions | undefined>>;
}

const methodOptionKeys = new Set(["interceptors", "errors", "policies"]);
// Keep in step with BootstrapOptions (bootstrap.ts).
const optionKeys = [
  "interceptors",
  "exceptionToStatus",
  "handlerStyle",
  "errors",
  "methods",
  "allowUnimplemented",
  "policies",
];

/** @throws TypeError naming `where` and a key of `options` that is not an option of `bootstrap`. */
export function checkOptionKeys(options: object, where: string): void {
  const unknown = Object.keys(options).find((key) => !(optionKeys as readonly string[]).includes(key));
  if (unknown !== undefined) {
    throw new TypeError(
      `${where}: options.${unknown} is not an option of bootstrap; its options are ${optionKeys.join(", ")}`,
    );
  }
}

/**
 * Checks and collects the configuration options. `methodNames` maps every name a servicer method may
 * have (definition key or `originalName`) to its definition key; `definitionKeys` are listed in errors.
 * @throws TypeError naming `where` and the option, e.g. `options.methods.sayHello.errors[1]`.
 */
export function configuration(
  options: ConfigurationOptions,
  methodNames: ReadonlyMap<string | symbol, string>,
  definitionKeys: readonly string[],
  where: string,
): Configuration {
  const interceptors = checkedInterceptors(options.interceptors, `${where} options.interceptors`);
  const rules = checkedRules(options.errors, where, "options.errors");
  const policies = checkedPolicies(options.policies, `${where}: options.policies`);
  const methods = new Map<string, MethodConfiguration>();
  const byName = options.methods ?? {};
  if (typeof byName !== "object" || byName === null || Array.isArray(byName)) {
    throw new TypeError(`${where}: options.methods is ${describe(byName)}, expected an object keyed by method name`);
  }
  for (const [name, method] of Object.entries(byName)) {
    const path = `options.methods.${name}`;
    const key = methodNames.get(name);
    if (key === undefined) {
      throw new TypeError(
        `${where}: ${path}: the service definition has no method ${name}; its methods are ${definitionKeys.join(", ")}`,
      );
    }
    if (methods.has(key)) throw new TypeError(`${where}: ${path} configures method ${key} a second time`);
    if (method === undefined) continue;
    if (typeof method !== "object" || method === null) {
      throw new TypeError(`${where}: ${path} is ${describe(method)}, expected { interceptors?, errors?, policies? }`);
    }
    const unknown = Object.keys(method).find((option) => !methodOptionKeys.has(option));
    if (unknown !== undefined) {
      throw new TypeError(
        `${where}: ${path}.${unknown} is not an option; a method takes interceptors, errors and policies`,
      );
    }
    methods.set(key, {
      interceptors: checkedInterceptors(method.interceptors, `${where} ${path}.interceptors`),
      rules: checkedRules(method.errors, where, `${path}.errors`),
      policies: checkedPolicies(method.policies, `${where}: ${path}.policies`),
    });
  }
  return { interceptors, rules, policies, methods };
}

function checkedPolicies(list: unknown, where: string): ReadonlyMap<string, PolicySpec> {
  const byKind = new Map<string, PolicySpec>();
  if (list === undefined) return byKind;
  if (!Array.isArray(list)) throw new TypeError(`${where} is ${describe(list)}, expected an array of policies`);
  addPolicies(byKind, list, where);
  return byKind;
}

function checkedInterceptors(list: unknown, where: string): readonly InterceptorLike[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new TypeError(`${where} is ${describe(list)}, expected an array of interceptors`);
  list.forEach((interceptor, index) => assertInterceptorLike(interceptor, index, where));
  return list as InterceptorLike[];
}

function checkedRules(list: unknown, where: string, path: string): Map<ErrorClass, ErrorRule> {
  const rules = new Map<ErrorClass, ErrorRule>();
  if (list === undefined) return rules;
  if (!Array.isArray(list)) {
    throw new TypeError(`${where}: ${path} is ${describe(list)}, expected an array of [ErrorClass, rule] pairs`);
  }
  addErrorRules(rules, list, where, (index) => `${path}[${index}]`);
  return rules;
}
