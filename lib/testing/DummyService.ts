import type { DummyRequest, DummyResponse, DummyServiceService } from "../generated/dummy.js";
import type { ServerCallContext } from "../server/ServerCallContext.js";
import type { AsyncServicer } from "../server/servicerTypes.js";

/** Replaces the echo of one input: its result (awaited) is the output, its error fails the call. */
export type SpecialCase = (input: string, context: ServerCallContext) => string | Promise<string>;

/**
 * The testing kit's echo service, an `"async"`-style servicer of `DummyServiceService`. Each method
 * echoes its input; an input equal to a key of `specialCases` gets that function's result instead.
 */
export class DummyService implements AsyncServicer<typeof DummyServiceService> {
  /** @param specialCases - inputs that run a function instead of being echoed. */
  constructor(private readonly specialCases: Record<string, SpecialCase> = {}) {}

  /** Returns the input (or its special case's result). */
  async execute(request: DummyRequest, context: ServerCallContext): Promise<DummyResponse> {
    return { output: await this.output(request.input, context) };
  }

  /** Returns the concatenation of the inputs. */
  async executeClientStream(requests: AsyncIterable<DummyRequest>, context: ServerCallContext): Promise<DummyResponse> {
    let output = "";
    for await (const request of requests) output += await this.output(request.input, context);
    return { output };
  }

  /** Streams the output one character a message. */
  async *executeServerStream(request: DummyRequest, context: ServerCallContext): AsyncGenerator<DummyResponse> {
    for (const character of await this.output(request.input, context)) yield { output: character };
  }

  /** Answers each request with its output. */
  async *executeClientServerStream(
    requests: AsyncIterable<DummyRequest>,
    context: ServerCallContext,
  ): AsyncGenerator<DummyResponse> {
    for await (const request of requests) yield { output: await this.output(request.input, context) };
  }

  private async output(input: string, context: ServerCallContext): Promise<string> {
    const special = Object.hasOwn(this.specialCases, input) ? this.specialCases[input] : undefined;
    return special ? await special(input, context) : input;
  }
}
