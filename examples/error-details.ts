// Rich error details: a server that validates a request and answers INVALID_ARGUMENT with a `BadRequest`
// listing every bad field, and a client that reads them back. Run it with `npx tsx examples/error-details.ts`
// (after `npm run build` in this repository).
import { credentials, Metadata, Server, ServerCredentials, status, type ServiceError } from "@grpc/grpc-js";
import { bootstrap, MapErrors } from "grpc-interceptor";
import { InvalidArgument } from "grpc-interceptor/exceptions";
import { BadRequest, statusDetailsOf, type BadRequest_FieldViolation } from "grpc-interceptor/error-details";
import { CatalogClient, CatalogService, type CreatedBook, type NewBook } from "./generated/catalog.js";

/** A domain error that knows nothing of gRPC: which fields are wrong, and why. */
class ValidationError extends Error {
  constructor(readonly violations: { field: string; description: string }[]) {
    super(`${violations.length} invalid field(s)`);
  }
}

// The rule turns the domain error into a status with a BadRequest detail, for every method of the class.
const toBadRequest = (error: ValidationError) =>
  new InvalidArgument("The book is not valid", {
    errorDetails: [BadRequest.fromPartial({ fieldViolations: error.violations })],
  });

@MapErrors([ValidationError, toBadRequest])
class Catalog {
  private next = 1;

  async createBook(book: NewBook): Promise<CreatedBook> {
    const violations = [];
    if (book.title.trim() === "") violations.push({ field: "title", description: "must not be empty" });
    if (!/^\d{13}$/.test(book.isbn)) violations.push({ field: "isbn", description: "must be 13 digits" });
    if (book.year > new Date().getFullYear()) violations.push({ field: "year", description: "is in the future" });
    if (violations.length > 0) throw new ValidationError(violations);
    return { id: `book-${this.next++}` };
  }
}

/** The client side: the field violations of a failed call, or none. */
function fieldViolations(error: ServiceError): BadRequest_FieldViolation[] {
  return statusDetailsOf(error).flatMap((detail) => (detail.$type === BadRequest.$type ? detail.fieldViolations : []));
}

function createBook(client: CatalogClient, book: NewBook): Promise<CreatedBook> {
  return new Promise((resolve, reject) =>
    client.createBook(book, new Metadata(), { deadline: Date.now() + 5000 }, (error, created) =>
      error ? reject(error) : resolve(created!),
    ),
  );
}

async function main() {
  const server = new Server();
  server.addService(CatalogService, bootstrap(CatalogService, new Catalog()));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  const client = new CatalogClient(`127.0.0.1:${port}`, credentials.createInsecure());
  try {
    console.log("created", (await createBook(client, { title: "Dune", isbn: "9780441013593", year: 1965 })).id);
    try {
      await createBook(client, { title: " ", isbn: "12-34", year: 3000 });
    } catch (error) {
      const failure = error as ServiceError;
      console.log(`status  ${status[failure.code]}: ${failure.details}`);
      for (const { field, description } of fieldViolations(failure)) console.log(`field   ${field} ${description}`);
    }
  } finally {
    client.close();
    server.forceShutdown();
  }
}

void main();
