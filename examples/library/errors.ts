/** Domain errors of the example library: plain classes that know nothing of gRPC (see `@MapErrors`). */
export class BookNotFound extends Error {
  constructor(id: string) {
    super(`No book with id ${JSON.stringify(id)}`);
  }
}

/** A book that fails validation. */
export class InvalidBook extends Error {}

/** The library does not take new books right now. */
export class LibraryClosed extends Error {
  constructor() {
    super("The library is closed for inventory");
  }
}
