import type { Metadata } from "@grpc/grpc-js";
import type { DummyClient } from "grpc-interceptor/testing";
import { collect, soon } from "../../support/calls.js";

/** Per-call options the kinds below accept. */
export interface KindCallOptions {
  metadata?: Metadata;
  deadline?: number;
  signal?: AbortSignal;
}

/** One of the four kinds of RPC, called through the promise-style dummy client. */
export interface Kind {
  name: "unary" | "client streaming" | "server streaming" | "bidi";
  requestStream: boolean;
  responseStream: boolean;
  /** Calls the kind's method with `inputs` (one request for unary requests) and returns the outputs. */
  call(client: DummyClient, inputs: string[], options?: KindCallOptions): Promise<string[]>;
  /** The outputs the echo service answers `inputs` with. */
  echo(inputs: string[]): string[];
}

const requests = (inputs: string[]) => inputs.map((input) => ({ input }));

/** The four kinds, with a deadline on every call so a hang fails fast. */
export const kinds: Kind[] = [
  {
    name: "unary",
    requestStream: false,
    responseStream: false,
    call: async (client, inputs, options) => [
      (await client.execute({ input: inputs[0]! }, { ...soon(), ...options })).output,
    ],
    echo: (inputs) => [inputs[0]!],
  },
  {
    name: "client streaming",
    requestStream: true,
    responseStream: false,
    call: async (client, inputs, options) => [
      (await client.executeClientStream(requests(inputs), { ...soon(), ...options })).output,
    ],
    echo: (inputs) => [inputs.join("")],
  },
  {
    name: "server streaming",
    requestStream: false,
    responseStream: true,
    call: async (client, inputs, options) =>
      (await collect(client.executeServerStream({ input: inputs[0]! }, { ...soon(), ...options }))).map(
        (r) => r.output,
      ),
    echo: (inputs) => [...inputs[0]!],
  },
  {
    name: "bidi",
    requestStream: true,
    responseStream: true,
    call: async (client, inputs, options) =>
      (await collect(client.executeClientServerStream(requests(inputs), { ...soon(), ...options }))).map(
        (r) => r.output,
      ),
    echo: (inputs) => [...inputs],
  },
];
