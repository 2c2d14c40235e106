// Plain JavaScript (CommonJS, no decorators, no build step): a @grpc/proto-loader service whose
// interceptors and error rules are all given as bootstrap options. Run it with
// `node examples/javascript/library.js` (after `npm run build` in this repository).
"use strict";
const path = require("node:path");
const grpc = require("@grpc/grpc-js");
const protoLoader = require("@grpc/proto-loader");
const { bootstrap } = require("grpc-interceptor");

const { status } = grpc;
const definition = protoLoader.loadSync(path.join(__dirname, "../protos/library.proto"));
const { Library } = grpc.loadPackageDefinition(definition).library;

class BookNotFound extends Error {}
class InvalidBook extends Error {}

const books = new Map([["1", { id: "1", title: "Dune", author: "Frank Herbert" }]]);

// An ordinary object: methods by the proto's camelCase names (bootstrap also accepts "GetBook").
const servicer = {
  async getBook({ id }) {
    const book = books.get(id);
    if (!book) throw new BookNotFound(`No book with id ${JSON.stringify(id)}`);
    return book;
  },
  async addBooks(requests) {
    let added = 0;
    for await (const book of requests) {
      if (!book.title) throw new InvalidBook(`Book ${JSON.stringify(book.id)} has no title`);
      books.set(book.id, book);
      added++;
    }
    return { added };
  },
  async *listBooks({ author }) {
    for (const book of books.values()) if (!author || book.author === author) yield book;
  },
};

// Interceptors are plain functions with the signature of ServerInterceptor.intercept.
function logging(method, request, context, methodName) {
  console.log(`server  ${methodName}`);
  return method(request, context);
}
function requireToken(method, request, context) {
  if (context.metadata.get("authorization")[0] !== "Bearer let-me-in") {
    context.abort(status.UNAUTHENTICATED, "A valid token is required to add books");
  }
  return method(request, context);
}

const implementation = bootstrap(Library.service, servicer, {
  interceptors: [logging], // every method, outermost
  errors: [[BookNotFound, status.NOT_FOUND]], // like a class-level @MapErrors
  methods: {
    addBooks: { interceptors: [requireToken], errors: [[InvalidBook, status.INVALID_ARGUMENT]] },
  },
});

function unary(client, method, request, metadata = new grpc.Metadata()) {
  return new Promise((resolve) =>
    client[method](request, metadata, { deadline: Date.now() + 5000 }, (error, response) =>
      resolve(error ? `status  ${status[error.code]}: ${error.details}` : response),
    ),
  );
}

function addBooks(client, list, token) {
  const metadata = new grpc.Metadata();
  if (token) metadata.set("authorization", `Bearer ${token}`);
  return new Promise((resolve) => {
    const call = client.addBooks(metadata, { deadline: Date.now() + 5000 }, (error, response) =>
      resolve(error ? `status  ${status[error.code]}: ${error.details}` : `added   ${response.added}`),
    );
    for (const book of list) call.write(book);
    call.end();
  });
}

async function main() {
  const server = new grpc.Server();
  server.addService(Library.service, implementation);
  const port = await new Promise((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  const client = new Library(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  try {
    console.log("book   ", (await unary(client, "getBook", { id: "1" })).title);
    console.log(await unary(client, "getBook", { id: "42" }));
    console.log(await addBooks(client, [{ id: "2", title: "Emma" }]));
    console.log(await addBooks(client, [{ id: "2", title: "Emma" }], "let-me-in"));
    console.log(await addBooks(client, [{ id: "3", title: "" }], "let-me-in"));
    for await (const book of client.listBooks({ author: "" }, { deadline: Date.now() + 5000 })) {
      console.log("listed ", book.title);
    }
  } finally {
    client.close();
    await new Promise((resolve) => server.tryShutdown(resolve));
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
