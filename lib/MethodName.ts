/** The three parts of a gRPC method path such as `"/foo.bar.SearchService/Search"`. */
export class MethodName {
  /** The proto package, e.g. `"foo.bar"`; `""` when there is none. */
  readonly package: string;
  /** The service name, e.g. `"SearchService"`. */
  readonly service: string;
  /** The method name, e.g. `"Search"`. */
  readonly method: string;

  /**
   * @param pkg - the proto package, e.g. `"foo.bar"`; `""` when the proto file declares none.
   * @param service - the service name, e.g. `"SearchService"`.
   * @param method - the method name, e.g. `"Search"`.
   */
  constructor(pkg: string, service: string, method: string) {
    this.package = pkg;
    this.service = service;
    this.method = method;
  }

  /** The service name with its package: `"foo.bar.SearchService"`, or `"SearchService"` without one. */
  get fullyQualifiedService(): string {
    return this.package ? `${this.package}.${this.service}` : this.service;
  }

  /** The method path: `"/foo.bar.SearchService/Search"`. */
  toString(): string {
    return `/${this.fullyQualifiedService}/${this.method}`;
  }
}

const METHOD_PATH = /^\/(?:([^/]+)\.)?([^./]+)\/([^/]+)$/;

/**
 * Splits a method path into package, service and method.
 * @example parseMethodName("/foo.bar.SearchService/Search") // package "foo.bar", service "SearchService", method "Search"
 * @throws TypeError quoting the input when it is not of the form `/[package.]Service/Method`.
 */
export function parseMethodName(methodName: string): MethodName {
  const match = typeof methodName === "string" ? METHOD_PATH.exec(methodName) : null;
  if (!match) {
    throw new TypeError(`Invalid gRPC method name ${JSON.stringify(methodName)}: expected "/[package.]Service/Method"`);
  }
  return new MethodName(match[1] ?? "", match[2]!, match[3]!);
}
