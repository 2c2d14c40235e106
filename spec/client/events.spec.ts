import { expect } from "chai";
import { Metadata, type ClientReadableStream, type ServiceError, type StatusObject } from "@grpc/grpc-js";
import type { ServerCallContext } from "grpc-interceptor";
import { NotFound } from "grpc-interceptor/exceptions";
import { dummyClient, type DummyClient, type DummyResponse } from "grpc-interceptor/testing";
import { CountingInterceptor, MetadataInterceptor, passThrough } from "./support/interceptors.js";

/** What a caller of the raw grpc-js API observes of one call. */
interface Observed {
  headers: string[][];
  statuses: Array<{ code: number; details: string; trailer: unknown[] }>;
  error?: { code: number; details: string; message: string; trailer: unknown[] };
  outputs: string[];
}

const md = (key: string, value: string) => {
  const metadata = new Metadata();
  metadata.set(key, value);
  return metadata;
};

/** Sends response headers and trailers; fails for "missing" with trailers of its own. */
const specialCases = {
  decorated: (_input: string, context: ServerCallContext) => {
    context.sendInitialMetadata(md("x-header", "h"));
    context.setTrailingMetadata(md("x-trailer", "t"));
    return "decorated";
  },
  missing: () => {
    throw new NotFound("no such thing", { metadata: md("x-trailer", "nf") });
  },
};

const statusOf = (status: StatusObject) => ({
  code: status.code,
  details: status.details,
  trailer: status.metadata.get("x-trailer"),
});
const errorOf = (error: ServiceError) => ({
  code: error.code,
  details: error.details,
  message: error.message,
  trailer: error.metadata.get("x-trailer"),
});

type Kind = "unary" | "client streaming" | "server streaming" | "bidi";

/** Makes one raw grpc-js call of `kind` with `input` and records its events, callback and errors. */
function observe(client: DummyClient, kind: Kind, input: string): Promise<Observed> {
  const observed: Observed = { headers: [], statuses: [], outputs: [] };
  const options = { deadline: Date.now() + 5000 };
  return new Promise((resolve) => {
    const finish = () => setTimeout(() => resolve(observed), 20); // Let every event arrive.
    const callback = (error: ServiceError | null, response?: DummyResponse) => {
      if (error) observed.error = errorOf(error);
      else observed.outputs.push(response!.output);
    };
    let call;
    if (kind === "unary") call = client.raw.execute({ input }, new Metadata(), options, callback);
    else if (kind === "client streaming") {
      call = client.raw.executeClientStream(new Metadata(), options, callback);
      call.write({ input });
      call.end();
    } else {
      let stream: ClientReadableStream<DummyResponse>;
      if (kind === "server streaming") stream = client.raw.executeServerStream({ input }, new Metadata(), options);
      else {
        const duplex = client.raw.executeClientServerStream(new Metadata(), options);
        duplex.write({ input });
        duplex.end();
        stream = duplex;
      }
      stream.on("data", (response: DummyResponse) => observed.outputs.push(response.output));
      stream.on("error", (error: ServiceError) => (observed.error = errorOf(error)));
      call = stream;
    }
    call.on("metadata", (headers: Metadata) => observed.headers.push(headers.get("x-header") as string[]));
    call.on("status", (status: StatusObject) => {
      observed.statuses.push(statusOf(status));
      finish();
    });
  });
}

const kinds: Kind[] = ["unary", "client streaming", "server streaming", "bidi"];

describe("client interceptors: what the caller observes", () => {
  for (const kind of kinds) {
    for (const input of ["decorated", "missing"]) {
      it(`${kind}, ${input}: the same "metadata" and "status" events, response and ServiceError as without interceptors`, async () => {
        await using plain = await dummyClient({ specialCases });
        await using intercepted = await dummyClient({
          specialCases,
          clientInterceptors: [new CountingInterceptor(), passThrough, new MetadataInterceptor("x-user", "u")],
        });
        const expected = await observe(plain, kind, input);
        const actual = await observe(intercepted, kind, input);
        expect(actual).to.deep.equal(expected);
        // The baseline itself carries what is being compared.
        expect(expected.statuses).to.have.length(1);
        if (input === "decorated") {
          expect(expected.headers).to.deep.equal([["h"]]);
          expect(expected.statuses[0]!.trailer).to.deep.equal(["t"]);
        } else {
          expect(expected.error).to.deep.include({ code: 5, details: "no such thing", trailer: ["nf"] });
        }
      });
    }
  }
});
