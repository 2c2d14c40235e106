// Original file: protos/dummy.proto


export interface DummyResponse {
  'output'?: (string);
}

export interface DummyResponse__Output {
  'output'?: (string);
}
