import { status } from "@grpc/grpc-js";
import { Intercept, MapErrors, type AsyncServicer, type ServerCallContext } from "grpc-interceptor";
import type {
  AddBooksResponse,
  Book,
  ChatMessage,
  GetBookRequest,
  LibraryService,
  ListBooksRequest,
} from "../generated/library.js";
import { BookNotFound, InvalidBook, LibraryClosed } from "./errors.js";
import { AuthInterceptor, LoggingInterceptor, serverLog } from "./interceptors.js";

/**
 * An "async"-style servicer: the class-level interceptor logs every call, the auth interceptor guards
 * `addBooks` only, and `@MapErrors` turns the domain errors into statuses.
 */
@Intercept(new LoggingInterceptor())
@MapErrors(
  [BookNotFound, status.NOT_FOUND],
  [InvalidBook, status.INVALID_ARGUMENT],
  [LibraryClosed, status.FAILED_PRECONDITION],
)
export class LibraryServicer implements AsyncServicer<typeof LibraryService> {
  private readonly books = new Map<string, Book>([
    ["1", { id: "1", title: "Dune", author: "Frank Herbert" }],
    ["2", { id: "2", title: "Children of Dune", author: "Frank Herbert" }],
    ["3", { id: "3", title: "The Left Hand of Darkness", author: "Ursula K. Le Guin" }],
  ]);
  closed = false;

  async getBook(request: GetBookRequest): Promise<Book> {
    serverLog.push("handler: getBook");
    const book = this.books.get(request.id);
    if (!book) throw new BookNotFound(request.id);
    return book;
  }

  @Intercept(AuthInterceptor)
  async addBooks(books: AsyncIterable<Book>): Promise<AddBooksResponse> {
    serverLog.push("handler: addBooks");
    if (this.closed) throw new LibraryClosed();
    let added = 0;
    for await (const book of books) {
      if (!book.title) throw new InvalidBook(`Book ${JSON.stringify(book.id)} has no title`);
      this.books.set(book.id, book);
      added++;
    }
    return { added };
  }

  async *listBooks(request: ListBooksRequest): AsyncGenerator<Book> {
    serverLog.push("handler: listBooks");
    for (const book of this.books.values()) {
      if (book.author === request.author) yield book;
    }
    if (request.author === "") throw new InvalidBook("author is required");
  }

  async *chat(messages: AsyncIterable<ChatMessage>, context: ServerCallContext): AsyncGenerator<ChatMessage> {
    serverLog.push("handler: chat");
    for await (const message of messages) {
      if (message.text === "bye") context.abort(status.ABORTED, "The librarian left the chat");
      yield { text: `librarian: you said "${message.text}"` };
    }
  }
}
