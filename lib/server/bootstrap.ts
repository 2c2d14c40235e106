import type { MethodDefinition, ServiceDefinition, UntypedServiceImplementation } from "@grpc/grpc-js";
import type { MethodKey, ServicerFor, ServicerMethodName } from "./servicerTypes.js";
import { servicerMetadata } from "./servicerMetadata.js";
import { describe } from "../statusCodes.js";
import { checkOptionKeys, configuration, type MethodOptions } from "./bootstrapOptions.js";
import { callKind } from "./CallOutcome.js";
import { composeChain } from "./composeChain.js";
import { ErrorMapper, type ErrorClass, type ErrorMapping, type ErrorRule } from "./ErrorMapper.js";
import { ExceptionToStatusInterceptor, overridesInterception } from "./ExceptionToStatusInterceptor.js";
import { grpcHandler } from "./grpcHandlers.js";
import { grpcJsStep } from "./grpcJsStyle/grpcJsStep.js";
import { announceService, toInterceptor } from "./interceptorLike.js";
import { parseMethodName } from "../MethodName.js";
import type { InterceptorLike, ServerInterceptor, ServerInterceptorClass, ServerMethod } from "./ServerInterceptor.js";
import { methodPolicies, type PolicyValue } from "./policyPlan.js";

/**
 * Options of {@link bootstrap}. With a typed definition `D` (e.g. `typeof GreeterService`), the keys
 * of `methods` are checked against its method names.
 */
export interface BootstrapOptions<D = ServiceDefinition> {
  /** Interceptors for every method of this service, outside the class's and methods' own; first is outermost. */
  interceptors?: InterceptorLike[];
  /** The exception-to-status stage, outermost of all; default `new ExceptionToStatusInterceptor()`. */
  exceptionToStatus?: ExceptionToStatusInterceptor;
  /**
   * How the servicer's methods are written: `"async"` (default) for `(request, context)` methods that
   * return a promise or an async iterable; `"grpc-js"` for grpc-js handlers `(call, callback)` / `(call)`.
   */
  handlerStyle?: "async" | "grpc-js";
  /** Rules like a class-level `@MapErrors`, losing to it for the same error class. */
  errors?: ErrorMapping[];
  /**
   * Policies for every method (`Deadline(…)`, `Validate(…)`, `RateLimit(…)`, `ConcurrencyLimit(…)`): one of
   * each kind applies to a method, the nearest; these lose to the class's and the method's.
   */
  policies?: PolicyValue[];
  /**
   * Per-method interceptors and rules, by the definition's method name (or its `originalName`): the
   * decorator-free form of method-level `@Intercept` and `@MapErrors`. An unknown name is a `TypeError`.
   */
  methods?: MethodsOptions<D>;
  /**
   * Type-level only: accept a servicer that implements some of the definition's methods; the others
   * answer `UNIMPLEMENTED` (as they do at run time whatever this says). Without it, a typed definition
   * requires every method.
   */
  allowUnimplemented?: boolean;
}

/** `options.methods` for a definition: any name for an untyped one, its method names for a typed one. */
export type MethodsOptions<D> = [MethodKey<D>] extends [never]
  ? Record<string, MethodOptions>
  : { [K in ServicerMethodName<D>]?: MethodOptions };

/**
 * Flags option keys that do not exist, at the top level and in `methods`: the options are inferred as
 * their literal type (to read `handlerStyle`), so the compiler's excess-property check does not run.
 */
type OptionsCheck<D, O> = {
  [K in keyof O]: K extends keyof BootstrapOptions
    ? K extends "methods"
      ? MethodsCheck<D, O[K]>
      : unknown
    : `${K & string} is not an option of bootstrap`;
};
type MethodsCheck<D, M> = [MethodKey<D>] extends [never]
  ? unknown
  : string extends keyof NonNullable<M> // a Record<string, MethodOptions>: names not known statically
    ? unknown
    : | {
          [K in keyof NonNullable<M>]: K extends ServicerMethodName<D>
            ? unknown
            : `${K & string} is not a method of this service`;
        }
      | undefined;

type AnyMethod = (...args: unknown[]) => unknown;

/**
 * Builds the grpc-js service implementation of `servicer` for `definition`, with each method's chain
 * (exception-to-status stage, `options.interceptors`, class-level `@Intercept`,
 * `options.methods[name].interceptors`, method-level `@Intercept`) and its rules (`@MapErrors` and the
 * `errors` options) resolved once, here. A method the servicer lacks answers `UNIMPLEMENTED`.
 *
 * @example server.addService(GreeterService, bootstrap(GreeterService, new Greeter()));
 * @throws TypeError naming the class and method for bad arguments, for a decorated method the
 *   definition does not have, and for an `options.methods` key it does not have (listing its methods).
 */
export function bootstrap<D extends ServiceDefinition>(
  definition: D,
  servicer: ServicerFor<D, undefined>,
): UntypedServiceImplementation;
/**
 * {@link bootstrap} with options. With a typed definition the servicer's type follows the options'
 * `handlerStyle` (`"async"` by default) and `allowUnimplemented`, read from their literal type: pass
 * them inline, or declared `satisfies BootstrapOptions`. Unknown option keys and method names are
 * compile errors.
 *
 * @example
 * bootstrap(GreeterService, new GrpcJsGreeter(), { handlerStyle: "grpc-js", methods: { sayHello: { interceptors: [Auth] } } });
 * @throws TypeError as for the form without options, and for a bad option (naming it, e.g. `options.errors[1]`).
 */
export function bootstrap<D extends ServiceDefinition, O extends BootstrapOptions<D>>(
  definition: D,
  servicer: ServicerFor<D, O>,
  options: (O & OptionsCheck<D, O>) | undefined,
): UntypedServiceImplementation;
export function bootstrap(
  definition: ServiceDefinition,
  servicer: object,
  options: BootstrapOptions = {},
): UntypedServiceImplementation {
  const className = (servicer as { constructor?: { name?: string } } | null)?.constructor?.name ?? "servicer";
  const where = `bootstrap(…, ${className})`;
  if (typeof definition !== "object" || definition === null) {
    throw new TypeError(
      `${where}: the service definition is ${describe(definition)}, expected a grpc-js ServiceDefinition`,
    );
  }
  if (typeof servicer !== "object" || servicer === null) {
    throw new TypeError(
      `${where}: the servicer is ${describe(servicer)}, expected an object with the service's methods`,
    );
  }
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${where}: options is ${describe(options)}, expected an object`);
  }
  checkOptionKeys(options, where);
  const handlerStyle = options.handlerStyle ?? "async";
  if (handlerStyle !== "async" && handlerStyle !== "grpc-js") {
    throw new TypeError(`${where}: handlerStyle ${describe(handlerStyle)} is not supported; use "async" or "grpc-js"`);
  }
  const exceptionToStatus = options.exceptionToStatus ?? new ExceptionToStatusInterceptor();
  if (!(exceptionToStatus instanceof ExceptionToStatusInterceptor)) {
    throw new TypeError(
      `${where}: options.exceptionToStatus is ${describe(exceptionToStatus)}, expected an ExceptionToStatusInterceptor`,
    );
  }
  const decorated = servicerMetadata(servicer);
  const definitionKeys = Object.keys(definition);
  const methodNames = new Map<string | symbol, string>(); // servicer method name -> definition key
  for (const [key, method] of Object.entries(definition) as [string, MethodDefinition<unknown, unknown>][]) {
    methodNames.set(key, key);
    if (method.originalName) methodNames.set(method.originalName, key);
  }
  for (const record of decorated) {
    for (const name of record.methods.keys()) {
      if (!methodNames.has(name)) {
        throw new TypeError(
          `${where}: ${className}.${String(name)} is decorated, but the service definition has no method ${String(name)}; ` +
            `its methods are ${definitionKeys.join(", ")}`,
        );
      }
    }
  }

  // The default stage only hands errors to toGrpcException, which the grpc-js handler calls on whatever
  // escapes the chain: out of the chain it saves a promise and a closure per call, and a throw per error.
  const stageInChain = overridesInterception(exceptionToStatus);
  const statusRulesDirect =
    exceptionToStatus.toGrpcException === ExceptionToStatusInterceptor.prototype.toGrpcException;
  const configured = configuration(options, methodNames, definitionKeys, where);
  const instances = new Map<ServerInterceptorClass, ServerInterceptor>();
  const firstPath = Object.values(definition)[0]?.path;
  if (firstPath) {
    announceService(
      configured.interceptors.map((like) => toInterceptor(like, instances)),
      parseMethodName(firstPath).fullyQualifiedService,
    );
  }
  const classInterceptors = decorated.flatMap((record) => record.target.interceptors);
  const classRules = [configured.rules, ...decorated.map((record) => record.target.rules)];
  const implementation: UntypedServiceImplementation = {};
  for (const [key, method] of Object.entries(definition) as [string, MethodDefinition<unknown, unknown>][]) {
    const name = implementedName(servicer, key, method.originalName);
    if (name === undefined) continue; // grpc-js answers UNIMPLEMENTED, and no interceptor runs.
    const handler = (servicer as Record<string, AnyMethod>)[name]!;
    if (handlerStyle === "grpc-js" && isAsyncStyle(handler, method.responseStream)) {
      throw new TypeError(
        `${where}: ${className}.${name} is an async ${method.responseStream ? "generator " : ""}function, but ` +
          `handlerStyle "grpc-js" calls it as (call, callback) and ignores what it returns; ` +
          `drop handlerStyle "grpc-js" to serve (request, context) methods`,
      );
    }
    const own = decorated.map((record) => record.methods.get(name)).filter((target) => target !== undefined);
    const byOptions = configured.methods.get(key);
    const kind = callKind(method.requestStream, method.responseStream);
    const policies = methodPolicies(
      [
        ...own.map((target) => target.policies).reverse(),
        ...(byOptions ? [byOptions.policies] : []),
        ...decorated.map((record) => record.target.policies).reverse(),
        configured.policies,
      ],
      {
        definition: method,
        kind,
        where: `${className}.${name}`,
        report: (error, context) => exceptionToStatus.reportUnknownException(error, method.path, context),
      },
    );
    const interceptors = [
      ...(stageInChain ? [exceptionToStatus] : []),
      ...[
        ...configured.interceptors,
        ...classInterceptors,
        ...(byOptions?.interceptors ?? []),
        ...own.flatMap((target) => target.interceptors),
      ].map((like) => toInterceptor(like, instances)),
      ...policies.stages,
    ];
    const methodRules = own.map((target) => target.rules);
    const rules = mergeRules([...classRules, ...(byOptions ? [byOptions.rules] : []), ...methodRules]);
    const invoke: ServerMethod =
      handlerStyle === "grpc-js"
        ? grpcJsStep({ handler, servicer, exceptionToStatus, ...method })
        : (handler.bind(servicer) as ServerMethod); // bound: no stack frame of its own
    implementation[key] = grpcHandler({
      path: method.path,
      kind,
      requestStream: method.requestStream,
      responseStream: method.responseStream,
      chain: composeChain(interceptors, invoke, method.path, method.responseStream),
      errorMapper: rules.size > 0 ? new ErrorMapper(rules, `${className}.${name}`) : undefined,
      exceptionToStatus,
      statusRulesDirect,
      deadline: policies.deadline,
    });
  }
  return implementation;
}

// grpc-js-style handlers answer through the call. An async generator never does; nor does an async
// unary method written (request, context): it takes one argument less than (call, callback) would use.
function isAsyncStyle(handler: AnyMethod, responseStream: boolean): boolean {
  const kind = (handler as { constructor?: { name?: string } }).constructor?.name;
  if (kind === "AsyncGeneratorFunction") return true;
  return kind === "AsyncFunction" && !responseStream && usesContext(handler);
}

// A second parameter named `context` (or `ctx`): an async-style method, not (call, callback).
function usesContext(handler: AnyMethod): boolean {
  const source = Function.prototype.toString.call(handler);
  return /^[^(]*\(\s*[\w$]+\s*(?::[^,]*)?,\s*(?:context|ctx)\b/.test(source);
}

function implementedName(servicer: object, key: string, originalName: string | undefined): string | undefined {
  const methods = servicer as Record<string, unknown>;
  if (typeof methods[key] === "function") return key;
  if (originalName !== undefined && typeof methods[originalName] === "function") return originalName;
  return undefined;
}

// Later maps win: options.errors, inherited class rules, own class rules, options.methods[name].errors,
// inherited method rules, own method rules.
function mergeRules(layers: readonly ReadonlyMap<ErrorClass, ErrorRule>[]): Map<ErrorClass, ErrorRule> {
  const merged = new Map<ErrorClass, ErrorRule>();
  for (const layer of layers) for (const [errorClass, rule] of layer) merged.set(errorClass, rule);
  return merged;
}
