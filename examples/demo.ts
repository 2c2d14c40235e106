// `npm run demo`: the decorated LibraryServicer on a loopback port, and a client making successful and
// failing calls of all four kinds. Under each call: what ran on the server, and how the call ended.
import { credentials, Metadata, Server, ServerCredentials, status, type ServiceError } from "@grpc/grpc-js";
import { bootstrap } from "grpc-interceptor";
import { LibraryClient, LibraryService, type Book, type ChatMessage } from "./generated/library.js";
import { serverLog } from "./library/interceptors.js";
import { LibraryServicer } from "./library/LibraryServicer.js";

async function main(): Promise<void> {
  const servicer = new LibraryServicer();
  const server = new Server();
  server.addService(LibraryService, bootstrap(LibraryService, servicer));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  const client = new LibraryClient(`127.0.0.1:${port}`, credentials.createInsecure());
  const deadline = () => ({ deadline: Date.now() + 5000 });
  const token = new Metadata();
  token.set("authorization", "Bearer let-me-in");

  type Outcome = { messages: unknown[]; error?: ServiceError };

  const ended = { ok: 0, failed: 0 };
  async function show(title: string, call: () => Promise<Outcome>): Promise<void> {
    serverLog.length = 0;
    const { messages, error } = await call();
    ended[error ? "failed" : "ok"] += 1;
    console.log(`\n${title}`);
    for (const line of serverLog) console.log(`  server  ${line}`);
    for (const message of messages) console.log(`  client  received ${JSON.stringify(message)}`);
    console.log(error ? `  status  ${status[error.code]}: ${error.details}` : "  status  OK");
  }

  function unary<T>(start: (done: (error: ServiceError | null, response?: T) => void) => void): Promise<Outcome> {
    return new Promise((resolve) =>
      start((error, response) => resolve(error ? { messages: [], error } : { messages: [response] })),
    );
  }

  async function stream(responses: AsyncIterable<unknown>): Promise<Outcome> {
    const messages: unknown[] = [];
    try {
      for await (const message of responses) messages.push(message);
      return { messages };
    } catch (error) {
      return { messages, error: error as ServiceError };
    }
  }

  function addBooks(books: Book[], metadata = new Metadata()): Promise<Outcome> {
    return unary((done) => {
      const call = client.addBooks(metadata, deadline(), done);
      for (const book of books) call.write(book);
      call.end();
    });
  }

  function chat(lines: string[]): Promise<Outcome> {
    const call = client.chat(deadline());
    for (const text of lines) call.write({ text } satisfies ChatMessage);
    call.end();
    return stream(call);
  }

  console.log(`grpc-interceptor demo: the Library service on 127.0.0.1:${port}`);
  await show("GetBook(id 1): unary, found", () =>
    unary((done) => client.getBook({ id: "1" }, new Metadata(), deadline(), done)),
  );
  await show("GetBook(id 42): BookNotFound mapped to NOT_FOUND", () =>
    unary((done) => client.getBook({ id: "42" }, new Metadata(), deadline(), done)),
  );
  await show("AddBooks(2 books) with a token: client streaming, auth on this method only", () =>
    addBooks(
      [
        { id: "4", title: "Hyperion", author: "Dan Simmons" },
        { id: "5", title: "Ubik", author: "Philip K. Dick" },
      ],
      token,
    ),
  );
  await show("AddBooks without a token: the auth interceptor answers UNAUTHENTICATED", () =>
    addBooks([{ id: "6", title: "Solaris", author: "Stanisław Lem" }]),
  );
  await show("AddBooks(a book with no title): InvalidBook mapped to INVALID_ARGUMENT", () =>
    addBooks([{ id: "7", title: "", author: "Anonymous" }], token),
  );
  servicer.closed = true;
  await show("AddBooks while closed: LibraryClosed mapped to FAILED_PRECONDITION", () => addBooks([], token));
  await show("ListBooks(Frank Herbert): server streaming", () =>
    stream(client.listBooks({ author: "Frank Herbert" }, deadline())),
  );
  await show("ListBooks(no author): InvalidBook raised from inside the stream", () =>
    stream(client.listBooks({ author: "" }, deadline())),
  );
  await show("Chat: bidi streaming", () => chat(["hello", "any new sci-fi?"]));
  await show('Chat ending with "bye": context.abort mid-stream, messages before it delivered', () =>
    chat(["hi", "bye", "unheard"]),
  );

  console.log(`\n${ended.ok + ended.failed} calls: ${ended.ok} OK, ${ended.failed} failed`);
  client.close();
  await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
