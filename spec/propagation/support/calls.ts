// Calls on a grpc-js DummyServiceClient of each kind, through its ordinary callback and stream API.
import { Metadata, type ServiceError } from "@grpc/grpc-js";
import type { DummyResponse, DummyServiceClient } from "grpc-interceptor/testing";

/** What a call ended with: the response messages, and its error if it failed. */
export interface Outcome {
  messages: string[];
  error?: ServiceError;
}

/** A call in progress: cancel it, or await its outcome. */
export interface Started {
  cancel(): void;
  outcome: Promise<Outcome>;
}

export interface CallSettings {
  metadata?: Metadata;
  deadline?: number;
}

export type Kind = "unary" | "client streaming" | "server streaming" | "bidi";
export const kinds: readonly Kind[] = ["unary", "client streaming", "server streaming", "bidi"];

async function read(stream: AsyncIterable<DummyResponse>): Promise<Outcome> {
  const messages: string[] = [];
  try {
    for await (const response of stream) messages.push(response.output);
    return { messages };
  } catch (error) {
    return { messages, error: error as ServiceError };
  }
}

/** Starts a call of `kind` with `input` (the one request message). */
export function start(client: DummyServiceClient, kind: Kind, input: string, settings: CallSettings = {}): Started {
  const metadata = settings.metadata ?? new Metadata();
  const options = settings.deadline === undefined ? {} : { deadline: settings.deadline };
  const unaryOutcome = () => {
    let done!: (outcome: Outcome) => void;
    const outcome = new Promise<Outcome>((resolve) => (done = resolve));
    const callback = (error: ServiceError | null, response?: DummyResponse) =>
      done(error ? { messages: [], error } : { messages: [response!.output] });
    return { outcome, callback };
  };
  switch (kind) {
    case "unary": {
      const { outcome, callback } = unaryOutcome();
      const call = client.execute({ input }, metadata, options, callback);
      return { cancel: () => call.cancel(), outcome };
    }
    case "client streaming": {
      const { outcome, callback } = unaryOutcome();
      const call = client.executeClientStream(metadata, options, callback);
      call.write({ input });
      call.end();
      return { cancel: () => call.cancel(), outcome };
    }
    case "server streaming": {
      const call = client.executeServerStream({ input }, metadata, options);
      return { cancel: () => call.cancel(), outcome: read(call) };
    }
    case "bidi": {
      const call = client.executeClientServerStream(metadata, options);
      call.write({ input });
      call.end();
      return { cancel: () => call.cancel(), outcome: read(call) };
    }
  }
}
