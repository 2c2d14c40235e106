import { expect } from "chai";
import { readFileSync } from "node:fs";
import {
  credentials,
  loadPackageDefinition,
  Metadata,
  Server,
  ServerCredentials,
  status,
  type ServiceClientConstructor,
  type ServiceDefinition,
  type ServiceError,
} from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { bootstrap } from "grpc-interceptor";
import { ProtoValidate } from "grpc-interceptor/protovalidate";
import { BadRequest, statusDetailsOf } from "grpc-interceptor/error-details";
import { DummyService, DummyServiceService } from "grpc-interceptor/testing";
import { recordingExceptionToStatus } from "../support/calls.js";

// The bookstore example's rules, served from @grpc/proto-loader's definition: ProtoValidate needs no
// particular code generator, only the descriptor set `npm run generate` builds with `buf build`.
const descriptorSet = readFileSync("examples/generated/bookstore.binpb");
const packageDefinition = loadSync("bookstore.proto", { includeDirs: ["examples/protos"], keepCase: false });
const Bookstore = (loadPackageDefinition(packageDefinition).bookstore as Record<string, Record<string, unknown>>).v1!
  .Bookstore as ServiceClientConstructor;
const definition = Bookstore.service as ServiceDefinition;

interface Book {
  title?: string;
  author?: { name?: string };
  tags?: { name?: string }[];
  pages?: number;
}
const valid: Book = { title: "Dune", author: { name: "Frank Herbert" }, tags: [{ name: "sf" }], pages: 412 };

class Store {
  seen: Book[] = [];
  async CreateBook(request: Book) {
    this.seen.push(request);
    return { id: request.title === "no id" ? "" : "b1", title: request.title };
  }
  async ImportBooks(requests: AsyncIterable<Book>) {
    let count = 0;
    for await (const request of requests) {
      this.seen.push(request);
      count++;
    }
    return { count };
  }
  async *WatchBooks(request: { limit: number }) {
    for (let i = 0; i < request.limit; i++) yield { id: `b${i}`, title: "t" };
  }
}

async function serve(
  policy: ReturnType<typeof ProtoValidate>,
  store = new Store(),
  exceptionToStatus = recordingExceptionToStatus(),
) {
  const server = new Server();
  server.addService(definition, bootstrap(definition, store, { policies: [policy], exceptionToStatus }));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  const client = new Bookstore(`127.0.0.1:${port}`, credentials.createInsecure()) as unknown as Record<
    string,
    (...args: any[]) => any
  > & { close(): void };
  const options = () => ({ deadline: Date.now() + 5000 });
  return {
    store,
    exceptionToStatus,
    create: (book: Book) =>
      new Promise<{ id: string }>((resolve, reject) =>
        client.CreateBook!(book, new Metadata(), options(), (error: ServiceError | null, response: { id: string }) =>
          error ? reject(error) : resolve(response),
        ),
      ),
    importBooks: (books: Book[]) =>
      new Promise<{ count: number }>((resolve, reject) => {
        const call = client.ImportBooks!(
          new Metadata(),
          options(),
          (error: ServiceError | null, response: { count: number }) => (error ? reject(error) : resolve(response)),
        );
        for (const book of books) call.write(book);
        call.end();
      }),
    watch: async (limit: number) => {
      const books: unknown[] = [];
      for await (const book of client.WatchBooks!({ limit }, new Metadata(), options())) books.push(book);
      return books;
    },
    [Symbol.asyncDispose]: async () => {
      client.close();
      await new Promise((resolve) => server.tryShutdown(resolve));
    },
  };
}

async function rejection(call: Promise<unknown>): Promise<ServiceError> {
  try {
    await call;
  } catch (error) {
    return error as ServiceError;
  }
  expect.fail("the call succeeded but was expected to fail");
}

function violations(error: ServiceError) {
  expect(error.code).to.equal(status.INVALID_ARGUMENT);
  const [detail] = statusDetailsOf(error) as BadRequest[];
  expect(detail?.$type).to.equal(BadRequest.$type);
  return detail!.fieldViolations.map(({ field, description }) => ({ field, description }));
}

describe("ProtoValidate", () => {
  it("checks the buf.validate rules of a request, with field paths as BadRequest writes them; the handler does not run", async () => {
    await using bookstore = await serve(ProtoValidate(descriptorSet));
    expect(await bookstore.create(valid)).to.deep.include({ id: "b1" });
    const error = await rejection(bookstore.create({ title: "", tags: [{ name: "ok" }, { name: "" }], pages: 0 }));
    expect(error.details).to.match(/^invalid request: title: must be at least 1 characters?$/);
    expect(violations(error).map(({ field }) => field)).to.deep.equal(["title", "author", "tags[1].name", "pages"]);
    expect(bookstore.store.seen).to.have.length(1);
  });

  it("never changes the message the handler gets", async () => {
    await using bookstore = await serve(ProtoValidate(descriptorSet));
    await bookstore.create(valid);
    expect(bookstore.store.seen[0]).to.deep.include({ title: "Dune", pages: 412 });
    expect(bookstore.store.seen[0]!.author).to.deep.include({ name: "Frank Herbert" });
  });

  it("checks each streamed request as the handler reads it, and a server stream's request first", async () => {
    await using bookstore = await serve(
      ProtoValidate(createFileRegistry(fromBinary(FileDescriptorSetSchema, descriptorSet))),
    );
    const error = await rejection(bookstore.importBooks([valid, { ...valid, pages: -1 }, valid]));
    expect(violations(error)).to.deep.equal([{ field: "pages", description: "must be greater than 0" }]);
    expect(bookstore.store.seen).to.have.length(1);
    expect(violations(await rejection(bookstore.watch(0)))[0]!.field).to.equal("limit");
    expect(await bookstore.watch(2)).to.have.length(2);
  });

  it("with responses: true, fails an invalid response INTERNAL and reports it", async () => {
    await using bookstore = await serve(ProtoValidate(descriptorSet, { responses: true }));
    expect(await bookstore.create(valid)).to.deep.include({ id: "b1" });
    const error = await rejection(bookstore.create({ ...valid, title: "no id" }));
    expect(error.code).to.equal(status.INTERNAL);
    expect(error.details).to.equal("The server produced an invalid response.");
    expect(String(bookstore.exceptionToStatus.reported[0])).to.match(/CreateBook: id: must be at least 1 character/);
  });

  it("fails at bootstrap, naming the method and its request type, when the descriptors lack a method", () => {
    const dummy = loadSync("dummy.proto", { includeDirs: ["protos"] });
    const loaded = (loadPackageDefinition(dummy).DummyService as ServiceClientConstructor).service;
    expect(() => bootstrap(loaded, new DummyService(), { policies: [ProtoValidate(descriptorSet)] })).to.throw(
      TypeError,
      /ProtoValidate on DummyService\.(Execute|execute): the descriptors have no method \/DummyService\/Execute \(request type DummyRequest\)/,
    );
    expect(() =>
      bootstrap(DummyServiceService, new DummyService(), { policies: [ProtoValidate(descriptorSet)] }),
    ).to.throw(TypeError, /no method \/DummyService\/Execute;/);
  });

  it("rejects bad options with a TypeError naming the option", () => {
    expect(() => ProtoValidate("set.binpb" as never)).to.throw(
      TypeError,
      /ProtoValidate: descriptors is "set.binpb", expected a FileDescriptorSet/,
    );
    expect(() => ProtoValidate(new Uint8Array([1, 2, 3]))).to.throw(TypeError, /not a usable FileDescriptorSet/);
    expect(() => ProtoValidate(descriptorSet, { responses: "yes" as never })).to.throw(TypeError, /options\.responses/);
    expect(() => ProtoValidate(descriptorSet, { response: true } as never)).to.throw(
      TypeError,
      /options\.response is not an option/,
    );
  });
});
