import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { DummyRequest as _DummyRequest, DummyRequest__Output as _DummyRequest__Output } from './DummyRequest.js';
import type { DummyResponse as _DummyResponse, DummyResponse__Output as _DummyResponse__Output } from './DummyResponse.js';
import type { DummyServiceClient as _DummyServiceClient, DummyServiceDefinition as _DummyServiceDefinition } from './DummyService.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  DummyRequest: MessageTypeDefinition<_DummyRequest, _DummyRequest__Output>
  DummyResponse: MessageTypeDefinition<_DummyResponse, _DummyResponse__Output>
  DummyService: SubtypeConstructor<typeof grpc.Client, _DummyServiceClient> & { service: _DummyServiceDefinition }
}

