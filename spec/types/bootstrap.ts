// Type tests (compiled, never run): bootstrap's servicer checked against the definition and the options'
// handlerStyle / allowUnimplemented; options.methods keys; typed, gen-types and untyped definitions.
import { loadPackageDefinition, status, type ServiceClientConstructor, type ServiceDefinition } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { bootstrap, type BootstrapOptions, type InterceptFunction } from "grpc-interceptor";
import { NotFound } from "grpc-interceptor/exceptions";
import {
  DummyService,
  DummyServiceClient,
  DummyServiceService,
  GrpcJsDummyService,
  type DummyRequest,
  type DummyResponse,
} from "grpc-interceptor/testing";
import type { ProtoGrpcType } from "./generated/proto-loader/dummy.js";
import type { DummyRequest__Output } from "./generated/proto-loader/DummyRequest.js";
import type { DummyResponse as DummyResponseIn } from "./generated/proto-loader/DummyResponse.js";
import type { DummyServiceHandlers } from "./generated/proto-loader/DummyService.js";

class NotFoundError extends Error {}
const logging: InterceptFunction = (method, request, context) => method(request, context);

/** Implements only `execute`: a partial servicer. */
class OnlyExecute {
  async execute(request: DummyRequest): Promise<DummyResponse> {
    return { output: request.input };
  }
}

// --- must compile -------------------------------------------------------------------------------

bootstrap(DummyServiceService, new DummyService());
bootstrap(DummyServiceService, new DummyService(), {});
bootstrap(DummyServiceService, new DummyService(), undefined);
bootstrap(DummyServiceService, new DummyService(), { handlerStyle: "async" });
bootstrap(DummyServiceService, new GrpcJsDummyService(), { handlerStyle: "grpc-js" });
bootstrap(DummyServiceService, new OnlyExecute(), { allowUnimplemented: true });
bootstrap(
  DummyServiceService,
  { execute: new GrpcJsDummyService().execute },
  {
    handlerStyle: "grpc-js",
    allowUnimplemented: true,
  },
);

// Options of every kind, interceptor functions written inline (contextually typed).
bootstrap(DummyServiceService, new OnlyExecute(), {
  allowUnimplemented: true,
  interceptors: [logging, (method, request, context) => method(request, context)],
  errors: [
    [NotFoundError, status.NOT_FOUND],
    [RangeError, (error: RangeError) => new NotFound(error.message)],
  ],
  methods: {
    execute: { interceptors: [(method, request, context) => method(request, context)] },
    executeServerStream: { errors: [[NotFoundError, status.NOT_FOUND]] },
  },
});
bootstrap(DummyServiceService, new GrpcJsDummyService(), {
  handlerStyle: "grpc-js",
  interceptors: [(method, request, context) => method(request, context)],
});

// Object-literal servicers, contextually typed (no parameter annotations).
bootstrap(DummyServiceService, {
  async execute(request, context) {
    return { output: request.input + context.methodName };
  },
  async executeClientStream(requests) {
    for await (const request of requests) return { output: request.input };
    return { output: "" };
  },
  async *executeServerStream(request) {
    yield { output: request.input };
  },
  *executeClientServerStream() {},
});
bootstrap(
  DummyServiceService,
  { execute: async (request) => ({ output: request.input }) },
  { allowUnimplemented: true },
);

// A BootstrapOptions variable (its handlerStyle and allowUnimplemented are not known statically: a
// servicer of either style, any subset of its methods), and a `satisfies` one (known statically).
const options: BootstrapOptions<typeof DummyServiceService> = { interceptors: [logging], methods: { execute: {} } };
bootstrap(DummyServiceService, new DummyService(), options);
bootstrap(DummyServiceService, new GrpcJsDummyService(), options);
const untypedOptions: BootstrapOptions = { methods: { execute: {} } };
bootstrap(DummyServiceService, new DummyService(), untypedOptions);
const grpcJsOptions = { handlerStyle: "grpc-js" } satisfies BootstrapOptions;
bootstrap(DummyServiceService, new GrpcJsDummyService(), grpcJsOptions);

// The client constructor's `.service` is the same typed definition.
bootstrap(DummyServiceClient.service, new DummyService());

// Untyped definitions (proto-loader at run time, a plain ServiceDefinition): any object, as before.
const loaded = loadPackageDefinition(loadSync("protos/dummy.proto"));
const untyped = (loaded["DummyService"] as ServiceClientConstructor).service;
bootstrap(untyped, new OnlyExecute());
bootstrap(untyped, { anything: 1 }, { methods: { Execute: {}, whatever: {} } });
const plain: ServiceDefinition = DummyServiceService;
bootstrap(plain, new OnlyExecute(), { handlerStyle: "grpc-js" });

// proto-loader-gen-types: the kind is unknown (boolean flags), so methods are optional under either name
// and parameters need annotations, but request and response types are checked.
const generated = (loaded as unknown as ProtoGrpcType).DummyService.service;
class GeneratedTypes {
  async Execute(request: DummyRequest__Output): Promise<DummyResponseIn> {
    return { output: request.input };
  }
  async *executeServerStream(request: DummyRequest__Output) {
    yield { output: request.input };
  }
}
bootstrap(generated, new GeneratedTypes());
bootstrap(generated, new GeneratedTypes(), { methods: { Execute: {}, execute: {}, ExecuteServerStream: {} } });
bootstrap(generated, { execute: async (request: DummyRequest__Output) => ({ output: request.input }) });
const handlers = {} as DummyServiceHandlers; // gen-types' grpc-js-style interface
bootstrap(generated, handlers, { handlerStyle: "grpc-js" });

// --- must fail ----------------------------------------------------------------------------------

// @ts-expect-error a partial servicer needs allowUnimplemented: true
bootstrap(DummyServiceService, new OnlyExecute());
// @ts-expect-error a partial servicer needs allowUnimplemented: true, with options too
bootstrap(DummyServiceService, new OnlyExecute(), {
  interceptors: [(method, request, context) => method(request, context)],
});
// @ts-expect-error allowUnimplemented: false is the default
bootstrap(DummyServiceService, new OnlyExecute(), { allowUnimplemented: false });
// @ts-expect-error a grpc-js-style servicer without handlerStyle: "grpc-js"
bootstrap(DummyServiceService, new GrpcJsDummyService());
// @ts-expect-error a grpc-js-style servicer with handlerStyle: "async"
bootstrap(DummyServiceService, new GrpcJsDummyService(), { handlerStyle: "async", allowUnimplemented: true });
// @ts-expect-error an "async"-style servicer with handlerStyle: "grpc-js"
bootstrap(DummyServiceService, new DummyService(), { handlerStyle: "grpc-js" });
// @ts-expect-error allowUnimplemented does not excuse a wrong method
bootstrap(DummyServiceService, { execute: async () => 42 }, { allowUnimplemented: true });
// @ts-expect-error the client's definition is typed too
bootstrap(DummyServiceClient.service, new OnlyExecute());

// @ts-expect-error a method name the definition lacks
bootstrap(DummyServiceService, new DummyService(), { methods: { exeucte: {} } });
// @ts-expect-error a method name the definition lacks, next to a real one
bootstrap(DummyServiceService, new DummyService(), { methods: { execute: {}, exeucte: {} } });
// @ts-expect-error the proto name is not a ts-proto key
bootstrap(DummyServiceService, new DummyService(), { methods: { Execute: {} } });
// @ts-expect-error an option that does not exist
bootstrap(DummyServiceService, new DummyService(), { handlerStyle: "async", interceptor: [logging] });
// @ts-expect-error a method option that does not exist
bootstrap(DummyServiceService, new DummyService(), { methods: { execute: { interceptor: [logging] } } });
// @ts-expect-error status.OK is not an error rule
bootstrap(DummyServiceService, new DummyService(), { errors: [[NotFoundError, status.OK]] });
// @ts-expect-error status.OK is not an error rule, per method either
bootstrap(DummyServiceService, new DummyService(), { methods: { execute: { errors: [[NotFoundError, status.OK]] } } });
// @ts-expect-error a rule maps a class
bootstrap(DummyServiceService, new DummyService(), { errors: [["NotFoundError", status.NOT_FOUND]] });
// @ts-expect-error not an interceptor
bootstrap(DummyServiceService, new DummyService(), { interceptors: [42] });
// @ts-expect-error not a handler style
bootstrap(DummyServiceService, new DummyService(), { handlerStyle: "callback" });

// proto-loader-gen-types: the request and response are checked, under either name.
bootstrap(generated, {
  // @ts-expect-error the request has `input`, not `id`
  async Execute(request: { id: number }) {
    return { output: String(request.id) };
  },
});
bootstrap(generated, {
  // @ts-expect-error the response is a DummyResponse
  async execute(_request: DummyRequest__Output) {
    return { outptu: "" };
  },
});
// @ts-expect-error ts-proto's DummyRequest requires `input`; gen-types' leaves it optional
bootstrap(generated, new DummyService());
// @ts-expect-error a grpc-js-style servicer without handlerStyle: "grpc-js"
bootstrap(generated, handlers);
// @ts-expect-error a method name the gen-types definition lacks
bootstrap(generated, new GeneratedTypes(), { methods: { Exec: {} } });
