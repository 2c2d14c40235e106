// Policies declared on the class: a bookstore whose requests are checked against the buf.validate rules
// of examples/protos/bookstore.proto (ProtoValidate, from the descriptor set `buf build` makes), one
// method checked by a zod schema instead (Validate), a server-side deadline (Deadline), and admission
// control (ConcurrencyLimit). Code by ts-proto; descriptors by
// `buf build examples/protos --path examples/protos/bookstore.proto -o examples/generated/bookstore.binpb`.
// Run it with `npx tsx examples/policies/bookstore.ts` (after `npm run build` in this repository).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { credentials, Metadata, Server, ServerCredentials, status, type ServiceError } from "@grpc/grpc-js";
import { z } from "zod";
import {
  bootstrap,
  ConcurrencyLimit,
  Deadline,
  Validate,
  type AsyncServicer,
  type ServerCallContext,
} from "grpc-interceptor";
import { ProtoValidate } from "grpc-interceptor/protovalidate";
import { BadRequest, statusDetailsOf } from "grpc-interceptor/error-details";
import {
  BookstoreClient,
  BookstoreService,
  type Book,
  type CreateBookRequest,
  type ImportSummary,
  type WatchBooksRequest,
} from "../generated/bookstore.js";

const descriptors = readFileSync(join(__dirname, "../generated/bookstore.binpb"));

@ProtoValidate(descriptors)
@Deadline({ defaultMs: 2_000, maxMs: 10_000 })
@ConcurrencyLimit({ max: 8, queue: 16 })
class Bookstore implements AsyncServicer<typeof BookstoreService> {
  private readonly books: Book[] = [];

  async createBook(request: CreateBookRequest, context: ServerCallContext): Promise<Book> {
    const left = Math.round((context.deadline!.getTime() - Date.now()) / 1000);
    console.log(`server  createBook "${request.title}" by ${request.author!.name}, ${left} s left`);
    const book = { id: `b${this.books.length + 1}`, title: request.title };
    this.books.push(book);
    return book;
  }

  async importBooks(requests: AsyncIterable<CreateBookRequest>, context: ServerCallContext): Promise<ImportSummary> {
    let count = 0;
    for await (const request of requests) {
      await this.createBook(request, context);
      count++;
    }
    return { count };
  }

  // Replaces the class's ProtoValidate for this method: one policy of each kind applies, the nearest.
  @Validate(z.object({ limit: z.number().int().max(100, "at most 100 books at a time") }))
  async *watchBooks(request: WatchBooksRequest): AsyncIterable<Book> {
    yield* this.books.slice(0, request.limit);
  }
}

/** What a failed call tells the client: its status, and the fields the server's BadRequest names. */
function explain(error: ServiceError): string {
  const fields = statusDetailsOf(error).flatMap((detail) =>
    detail.$type === BadRequest.$type ? detail.fieldViolations.map((violation) => violation.field) : [],
  );
  return `${status[error.code]}: ${error.details}${fields.length ? ` (fields: ${fields.join(", ")})` : ""}`;
}

async function main(): Promise<void> {
  const server = new Server();
  server.addService(BookstoreService, bootstrap(BookstoreService, new Bookstore()));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  const client = new BookstoreClient(`127.0.0.1:${port}`, credentials.createInsecure());
  const create = (request: Partial<CreateBookRequest>) =>
    new Promise<Book>((resolve, reject) =>
      client.createBook(request as CreateBookRequest, (error, book) => (error ? reject(error) : resolve(book))),
    );
  const report = (call: Promise<unknown>) =>
    call.then(
      (value) => console.log("client  ok", value),
      (error: ServiceError) => console.log("client ", explain(error)),
    );

  await report(create({ title: "Dune", author: { name: "Frank Herbert" }, tags: [{ name: "sf" }], pages: 412 }));
  await report(create({ title: "", tags: [{ name: "" }], pages: 0 }));
  await report(
    new Promise((resolve, reject) => {
      const call = client.importBooks(new Metadata(), { deadline: Date.now() + 60_000 }, (error, summary) =>
        error ? reject(error) : resolve(summary),
      );
      call.write({ title: "Emma", author: { name: "Jane Austen" }, tags: [], pages: 474 });
      call.write({ title: "Untitled", author: { name: "" }, tags: [], pages: 1 });
      call.end();
    }),
  );
  await report(
    new Promise((resolve, reject) => {
      const books: Book[] = [];
      client
        .watchBooks({ limit: 500 })
        .on("data", (book: Book) => books.push(book))
        .on("error", reject)
        .on("end", () => resolve(books));
    }),
  );
  client.close();
  server.forceShutdown();
}

void main();
