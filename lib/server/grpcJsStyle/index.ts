/**
 * The `"grpc-js"` handler style: grpc-js-style servicer methods as the innermost step of a chain.
 * @module
 */
export { contextOf } from "./common.js";
export { grpcJsStep, type GrpcJsStepOptions } from "./grpcJsStep.js";
export { StreamCallShim } from "./StreamCallShim.js";
export { UnaryCallShim } from "./UnaryCallShim.js";
