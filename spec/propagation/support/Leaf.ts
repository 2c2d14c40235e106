// The last service of the chain (C): reports what each call arrived with, and waits on request until
// the call is cancelled, recording when and how.
import { status } from "@grpc/grpc-js";
import type { ServerCallContext } from "grpc-interceptor";
import type { DummyRequest, DummyResponse } from "grpc-interceptor/testing";

/** What a call arrived with, as `seen` answers it. */
export interface Seen {
  /** The call's deadline (epoch ms), or null without one. */
  deadline: number | null;
  /** When C's handler ran (epoch ms). */
  at: number;
  requestId: string[];
  caller: string[];
  other: string[];
}

/** How a `hang:<key>` call ended: cancelled by its client or by its deadline, and when (epoch ms). */
export interface Ended {
  code: "CANCELLED" | "DEADLINE_EXCEEDED";
  at: number;
}

function values(context: ServerCallContext, key: string): string[] {
  return context.metadata.get(key).map(String);
}

/**
 * Inputs: `seen` -> JSON of {@link Seen}; `hang:<key>` -> waits until the call ends early, recorded in
 * `ended`; `status:<key>` -> JSON of the record (`"started"` while waiting, `"unknown"` never seen);
 * anything else is echoed.
 */
export class Leaf {
  readonly started = new Set<string>();
  readonly ended = new Map<string, Ended>();

  async execute(request: DummyRequest, context: ServerCallContext): Promise<DummyResponse> {
    return { output: await this.output(request.input, context) };
  }

  async executeClientStream(requests: AsyncIterable<DummyRequest>, context: ServerCallContext): Promise<DummyResponse> {
    let output = "";
    for await (const request of requests) output += await this.output(request.input, context);
    return { output };
  }

  async *executeServerStream(request: DummyRequest, context: ServerCallContext): AsyncGenerator<DummyResponse> {
    yield { output: "first" };
    yield { output: await this.output(request.input, context) };
  }

  async *executeClientServerStream(
    requests: AsyncIterable<DummyRequest>,
    context: ServerCallContext,
  ): AsyncGenerator<DummyResponse> {
    for await (const request of requests) yield { output: await this.output(request.input, context) };
  }

  private async output(input: string, context: ServerCallContext): Promise<string> {
    if (input === "seen") {
      const seen: Seen = {
        deadline: context.deadline?.getTime() ?? null,
        at: Date.now(),
        requestId: values(context, "x-request-id"),
        caller: values(context, "x-caller"),
        other: values(context, "x-other"),
      };
      return JSON.stringify(seen);
    }
    if (input.startsWith("hang:")) return this.hang(input.slice(5), context);
    if (input.startsWith("status:")) {
      const key = input.slice(7);
      return JSON.stringify(this.ended.get(key) ?? (this.started.has(key) ? "started" : "unknown"));
    }
    return input;
  }

  // Waits for the signal only: a timer here could hide a cancellation that never arrives.
  private hang(key: string, context: ServerCallContext): Promise<never> {
    this.started.add(key);
    return new Promise<never>((_, reject) => {
      const ended = () => {
        const code = (context.signal.reason as { statusCode?: status }).statusCode;
        this.ended.set(key, {
          code: code === status.DEADLINE_EXCEEDED ? "DEADLINE_EXCEEDED" : "CANCELLED",
          at: Date.now(),
        });
        reject(context.signal.reason);
      };
      if (context.signal.aborted) ended();
      else context.signal.addEventListener("abort", ended, { once: true });
    });
  }
}
