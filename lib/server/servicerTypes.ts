/**
 * The servicer types a service definition implies. Type-level only: nothing here exists at run time.
 * ts-proto definitions (`as const` kind flags, typed (de)serializers) give each method's kind, request
 * and response; proto-loader-gen-types definitions (plain `boolean` flags) give request and response;
 * untyped definitions (an index signature only) give nothing, and any object is accepted.
 * @module
 */
import type {
  handleBidiStreamingCall,
  handleClientStreamingCall,
  handleServerStreamingCall,
  handleUnaryCall,
  ServerMethodDefinition,
} from "@grpc/grpc-js";
import type { ServerCallContext } from "./ServerCallContext.js";

/** The method names of a definition, without grpc-js's index signature (`[index: string]`). */
export type MethodKey<D> = keyof {
  [K in keyof D as string extends K ? never : number extends K ? never : K]: 0;
} &
  keyof D &
  string;

/** The request message a method's handler receives: what its `requestDeserialize` returns. */
export type RequestOf<M> = M extends ServerMethodDefinition<infer Q, infer _R> ? Q : unknown;

/** The response message a method's handler gives: what its `responseSerialize` takes. */
export type ResponseOf<M> = M extends ServerMethodDefinition<infer _Q, infer R> ? R : unknown;

type Kind<M> = M extends { requestStream: infer Q; responseStream: infer R } ? [Q, R] : [boolean, boolean];

// Literal kind flags (ts-proto's `as const`) make a method required; plain `boolean` ones
// (proto-loader-gen-types) leave the kind unknown, and the method optional under either of its names.
type TypedKeys<D> = {
  [K in MethodKey<D>]: boolean extends Kind<D[K]>[0] ? never : boolean extends Kind<D[K]>[1] ? never : K;
}[MethodKey<D>];
type LooseKeys<D> = Exclude<MethodKey<D>, TypedKeys<D>>;

/**
 * The names a servicer method may have for `D`: its keys, and for proto-loader definitions (keys
 * `"SayHello"`, `originalName` `"sayHello"`) the lowerCamelCase name too, as `bootstrap` finds either.
 */
export type ServicerMethodName<D> = TypedKeys<D> | LooseKeys<D> | Uncapitalize<LooseKeys<D>>;

// Prints a mapped type's members in compiler messages, instead of the expression that built it.
type Flat<T> = T extends infer U ? { [K in keyof U]: U[K] } : never;

/** What a streaming-response method may return: any sync or async iterable of responses, or a promise of one. */
export type ResponseStream<R> = AsyncIterable<R> | Iterable<R> | Promise<AsyncIterable<R> | Iterable<R>>;

/** An `"async"`-style unary method: `(request, context) => response` or a promise of it. */
export type UnaryMethod<Q, R> = (request: Q, context: ServerCallContext) => R | Promise<R>;

/** An `"async"`-style client-streaming method: reads the requests, returns the one response. */
export type ClientStreamingMethod<Q, R> = (requests: AsyncIterable<Q>, context: ServerCallContext) => R | Promise<R>;

/** An `"async"`-style server-streaming method, e.g. an `async *` method: one request, a stream of responses. */
export type ServerStreamingMethod<Q, R> = (request: Q, context: ServerCallContext) => ResponseStream<R>;

/** An `"async"`-style bidi method: a stream of requests in, a stream of responses out. */
export type BidiStreamingMethod<Q, R> = (requests: AsyncIterable<Q>, context: ServerCallContext) => ResponseStream<R>;

type ByKind<M, Unary, ClientStream, ServerStream, Bidi> =
  Kind<M> extends [false, false]
    ? Unary
    : Kind<M> extends [true, false]
      ? ClientStream
      : Kind<M> extends [false, true]
        ? ServerStream
        : Kind<M> extends [true, true]
          ? Bidi
          : Unary | ClientStream | ServerStream | Bidi;

/** One method of a definition in the `"async"` style. */
export type AsyncMethod<M, Q = RequestOf<M>, R = ResponseOf<M>> = ByKind<
  M,
  UnaryMethod<Q, R>,
  ClientStreamingMethod<Q, R>,
  ServerStreamingMethod<Q, R>,
  BidiStreamingMethod<Q, R>
>;

/** One method of a definition in the `"grpc-js"` style: grpc-js's `handleUnaryCall` and its siblings. */
export type GrpcJsMethod<M, Q = RequestOf<M>, R = ResponseOf<M>> = ByKind<
  M,
  handleUnaryCall<Q, R>,
  handleClientStreamingCall<Q, R>,
  handleServerStreamingCall<Q, R>,
  handleBidiStreamingCall<Q, R>
>;

type Methods<D, Style> = {
  [K in TypedKeys<D>]: Style extends "async" ? AsyncMethod<D[K]> : GrpcJsMethod<D[K]>;
} & {
  [K in LooseKeys<D> as K | Uncapitalize<K>]?: Style extends "async" ? AsyncMethod<D[K]> : GrpcJsMethod<D[K]>;
};

/**
 * A servicer of definition `D` in the `"async"` handler style (the default), e.g. for ts-proto's
 * `GreeterService`: `{ sayHello(request: HelloRequest, context: ServerCallContext): HelloReply | Promise<HelloReply>; … }`.
 * Streaming methods may return any sync or async iterable (an `async *` method works); parameters may
 * be left out, extra members are fine.
 *
 * @example
 * class Greeter implements AsyncServicer<typeof GreeterService> {
 *   async sayHello(request: HelloRequest) { return { message: `Hello, ${request.name}` }; }
 * }
 */
export type AsyncServicer<D> = Flat<Methods<D, "async">>;

/**
 * A servicer of definition `D` in the `"grpc-js"` handler style (`handlerStyle: "grpc-js"`): grpc-js's
 * `handleUnaryCall<Request, Response>` and its siblings, i.e. ts-proto's `XxxServer` without its index signature.
 */
export type GrpcJsServicer<D> = Flat<Methods<D, "grpc-js">>;

/** The handler style `bootstrap` options select: their `handlerStyle`, `"async"` when absent. */
type StyleOf<O> = "handlerStyle" extends keyof O ? NonNullable<O["handlerStyle" & keyof O]> : "async";

type ServicerOfStyle<D, Style> = 0 extends 1 & Style // `any`
  ? AsyncServicer<D> | GrpcJsServicer<D>
  : [Style] extends ["async"]
    ? AsyncServicer<D>
    : [Style] extends ["grpc-js"]
      ? GrpcJsServicer<D>
      : AsyncServicer<D> | GrpcJsServicer<D>; // the style is not known statically: either

/**
 * The servicer `bootstrap(definition, servicer, options)` accepts for a definition `D` and options `O`
 * (`undefined`: no options): the style's servicer, with every method unless `O` has
 * `allowUnimplemented: true`; any object for an untyped definition. Options whose `allowUnimplemented`
 * is not known statically (a `BootstrapOptions` variable) accept any subset of the methods.
 */
export type ServicerFor<D, O> = [D] extends [never]
  ? object
  : [MethodKey<D>] extends [never]
    ? object
    : [O] extends [undefined]
      ? AsyncServicer<D>
      : MayBeUnimplemented<O> extends true
        ? Partial<ServicerOfStyle<D, StyleOf<O>>>
        : ServicerOfStyle<D, StyleOf<O>>;

// `true` when the options' `allowUnimplemented` is or may be `true` (a key check: `O extends {...}`
// would trip on weak-type detection for options that share no key with the tested type).
type MayBeUnimplemented<O> = "allowUnimplemented" extends keyof O
  ? true extends O["allowUnimplemented" & keyof O]
    ? true
    : false
  : false;
