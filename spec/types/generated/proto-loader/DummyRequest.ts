// Original file: protos/dummy.proto


export interface DummyRequest {
  'input'?: (string);
}

export interface DummyRequest__Output {
  'input'?: (string);
}
