/**
 * `grpc-interceptor/protovalidate`: the {@link ProtoValidate} policy, which checks the `buf.validate`
 * rules of your .proto files for any code generator. Needs the peer dependency `@bufbuild/protovalidate`.
 * @module grpc-interceptor/protovalidate
 */
export { ProtoValidate, type ProtoValidateOptions } from "./policies/ProtoValidate.js";
