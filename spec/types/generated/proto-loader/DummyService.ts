// Original file: protos/dummy.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DummyRequest as _DummyRequest, DummyRequest__Output as _DummyRequest__Output } from './DummyRequest.js';
import type { DummyResponse as _DummyResponse, DummyResponse__Output as _DummyResponse__Output } from './DummyResponse.js';

export interface DummyServiceClient extends grpc.Client {
  Execute(argument: _DummyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_DummyResponse__Output>): grpc.ClientUnaryCall;
  Execute(argument: _DummyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_DummyResponse__Output>): grpc.ClientUnaryCall;
  Execute(argument: _DummyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_DummyResponse__Output>): grpc.ClientUnaryCall;
  Execute(argument: _DummyRequest, callback: grpc.requestCallback<_DummyResponse__Output>): grpc.ClientUnaryCall;
  execute(argument: _DummyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_DummyResponse__Output>): grpc.ClientUnaryCall;
  execute(argument: _DummyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_DummyResponse__Output>): grpc.ClientUnaryCall;
  execute(argument: _DummyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_DummyResponse__Output>): grpc.ClientUnaryCall;
  execute(argument: _DummyRequest, callback: grpc.requestCallback<_DummyResponse__Output>): grpc.ClientUnaryCall;
  
  ExecuteClientServerStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_DummyRequest, _DummyResponse__Output>;
  ExecuteClientServerStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_DummyRequest, _DummyResponse__Output>;
  executeClientServerStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_DummyRequest, _DummyResponse__Output>;
  executeClientServerStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_DummyRequest, _DummyResponse__Output>;
  
  ExecuteClientStream(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_DummyResponse__Output>): grpc.ClientWritableStream<_DummyRequest>;
  ExecuteClientStream(metadata: grpc.Metadata, callback: grpc.requestCallback<_DummyResponse__Output>): grpc.ClientWritableStream<_DummyRequest>;
  ExecuteClientStream(options: grpc.CallOptions, callback: grpc.requestCallback<_DummyResponse__Output>): grpc.ClientWritableStream<_DummyRequest>;
  ExecuteClientStream(callback: grpc.requestCallback<_DummyResponse__Output>): grpc.ClientWritableStream<_DummyRequest>;
  executeClientStream(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_DummyResponse__Output>): grpc.ClientWritableStream<_DummyRequest>;
  executeClientStream(metadata: grpc.Metadata, callback: grpc.requestCallback<_DummyResponse__Output>): grpc.ClientWritableStream<_DummyRequest>;
  executeClientStream(options: grpc.CallOptions, callback: grpc.requestCallback<_DummyResponse__Output>): grpc.ClientWritableStream<_DummyRequest>;
  executeClientStream(callback: grpc.requestCallback<_DummyResponse__Output>): grpc.ClientWritableStream<_DummyRequest>;
  
  ExecuteServerStream(argument: _DummyRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_DummyResponse__Output>;
  ExecuteServerStream(argument: _DummyRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_DummyResponse__Output>;
  executeServerStream(argument: _DummyRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_DummyResponse__Output>;
  executeServerStream(argument: _DummyRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_DummyResponse__Output>;
  
}

export interface DummyServiceHandlers extends grpc.UntypedServiceImplementation {
  Execute: grpc.handleUnaryCall<_DummyRequest__Output, _DummyResponse>;
  
  ExecuteClientServerStream: grpc.handleBidiStreamingCall<_DummyRequest__Output, _DummyResponse>;
  
  ExecuteClientStream: grpc.handleClientStreamingCall<_DummyRequest__Output, _DummyResponse>;
  
  ExecuteServerStream: grpc.handleServerStreamingCall<_DummyRequest__Output, _DummyResponse>;
  
}

export interface DummyServiceDefinition extends grpc.ServiceDefinition {
  Execute: MethodDefinition<_DummyRequest, _DummyResponse, _DummyRequest__Output, _DummyResponse__Output>
  ExecuteClientServerStream: MethodDefinition<_DummyRequest, _DummyResponse, _DummyRequest__Output, _DummyResponse__Output>
  ExecuteClientStream: MethodDefinition<_DummyRequest, _DummyResponse, _DummyRequest__Output, _DummyResponse__Output>
  ExecuteServerStream: MethodDefinition<_DummyRequest, _DummyResponse, _DummyRequest__Output, _DummyResponse__Output>
}
