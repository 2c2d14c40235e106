// Real grpc-js servers for the propagation specs: C (a Leaf), B and A (Relays), each a separate server
// on 127.0.0.1:0, each relay calling the next through a client with Propagate.
import { credentials, Server, ServerCredentials } from "@grpc/grpc-js";
import {
  bootstrap,
  CallScope,
  Propagate,
  type AsyncServicer,
  type InterceptorLike,
  type PropagateOptions,
} from "grpc-interceptor";
import { DummyServiceClient, DummyServiceService } from "grpc-interceptor/testing";
import { Leaf } from "./Leaf.js";
import { Relay, type RelayOptions } from "./Relay.js";

/** A started server and how to stop it. */
export interface Started {
  address: string;
  close(): Promise<void>;
}

/** Serves `servicer` (bootstrapped with `interceptors`) on 127.0.0.1, port 0. */
export async function serve(
  servicer: Partial<AsyncServicer<typeof DummyServiceService>>,
  interceptors: InterceptorLike[] = [CallScope],
): Promise<Started> {
  const server = new Server();
  server.addService(
    DummyServiceService,
    bootstrap(DummyServiceService, servicer, { interceptors, allowUnimplemented: true }),
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.forceShutdown(), 1000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

/** A client of `address` with Propagate (options `propagate`) installed, unless `propagate` is false. */
export function clientOf(address: string, propagate: PropagateOptions | false = {}): DummyServiceClient {
  return new DummyServiceClient(address, credentials.createInsecure(), {
    interceptors: propagate === false ? [] : [new Propagate(propagate)],
  });
}

/** Options of {@link startChain}. */
export interface ChainOptions {
  /** The address of an already running C (e.g. in a child process); default a Leaf in this process. */
  leafAddress?: string;
  /** Propagate's options on B's client of C and A's client of B. */
  propagate?: PropagateOptions;
  /** Propagate's options on B's client of C only (overrides `propagate`). */
  propagateToLeaf?: PropagateOptions;
  /** What B adds to its calls to C. */
  b?: RelayOptions;
}

/** The chain A -> B -> C, and a client of A (without Propagate) for the test. */
export interface Chain {
  a: Relay;
  b: Relay;
  /** The in-process leaf, unless `leafAddress` was given. */
  c: Leaf | undefined;
  /** C's address. */
  leafAddress: string;
  client: DummyServiceClient;
  close(): Promise<void>;
}

export async function startChain(options: ChainOptions = {}): Promise<Chain> {
  const propagate = { metadata: ["x-request-id"], ...options.propagate };
  const leaf = options.leafAddress === undefined ? new Leaf() : undefined;
  const servedLeaf = leaf === undefined ? undefined : await serve(leaf);
  const leafAddress = options.leafAddress ?? servedLeaf!.address;
  const toC = clientOf(leafAddress, options.propagateToLeaf ?? propagate);
  const b = new Relay(() => toC, options.b);
  const servedB = await serve(b);
  const toB = clientOf(servedB.address, propagate);
  const a = new Relay(() => toB);
  const servedA = await serve(a);
  const client = clientOf(servedA.address, false);
  return {
    a,
    b,
    c: leaf,
    leafAddress,
    client,
    async close() {
      for (const each of [client, toB, toC]) each.close();
      await Promise.all([servedA.close(), servedB.close(), servedLeaf?.close()]);
    },
  };
}
