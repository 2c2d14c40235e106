/**
 * `grpc-interceptor/testing`: a real echo service and client to test interceptors end to end.
 * @module
 */
export {
  DummyRequest,
  DummyResponse,
  DummyServiceClient,
  DummyServiceService,
  type DummyServiceServer,
} from "./generated/dummy.js";
export { DummyService, type SpecialCase } from "./testing/DummyService.js";
export { GrpcJsDummyService } from "./testing/GrpcJsDummyService.js";
export { dummyClient, type CallOptions, type DummyClient, type DummyClientOptions } from "./testing/dummyClient.js";
export { raises } from "./testing/raises.js";
