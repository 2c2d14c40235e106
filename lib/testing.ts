/**
 * `grpc-interceptor/testing`: a real echo service and client to test interceptors end to end.
 *
 * The service is defined by `protos/dummy.proto`, shipped in the package (no proto package: its methods
 * are `/DummyService/Execute`, `/DummyService/ExecuteClientStream`, `/DummyService/ExecuteServerStream`
 * and `/DummyService/ExecuteClientServerStream`); the message and service types below are ts-proto's code
 * generated from it.
 * @module grpc-interceptor/testing
 */
export {
  /** The request message of the dummy service, `{ input: string }`, and its ts-proto encoder/decoder. */
  DummyRequest,
  /** The response message of the dummy service, `{ output: string }`, and its ts-proto encoder/decoder. */
  DummyResponse,
  /** ts-proto's grpc-js client class for `DummyServiceService`; `dummyClient` wraps one. */
  DummyServiceClient,
  /** ts-proto's grpc-js service definition of the dummy service: pass it to `bootstrap` and `Server.addService`. */
  DummyServiceService,
  /** ts-proto's `"grpc-js"`-style handler interface for `DummyServiceService`: `(call, callback)` / `(call)`. */
  type DummyServiceServer,
} from "./generated/dummy.js";
export { DummyService, type SpecialCase } from "./testing/DummyService.js";
export { GrpcJsDummyService } from "./testing/GrpcJsDummyService.js";
export {
  dummyClient,
  type CallOptions,
  type DummyClient,
  type DummyClientOptions,
  type DummyMethodsOptions,
  type DummyServicer,
} from "./testing/dummyClient.js";
export { raises } from "./testing/raises.js";
