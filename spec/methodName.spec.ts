import { expect } from "chai";
import { MethodName, parseMethodName } from "grpc-interceptor";

describe("MethodName and parseMethodName", () => {
  it("parses a method with a dotted package", () => {
    const name = parseMethodName("/foo.bar.SearchService/Search");
    expect(name).to.be.instanceOf(MethodName);
    expect([name.package, name.service, name.method]).to.deep.equal(["foo.bar", "SearchService", "Search"]);
    expect(name.fullyQualifiedService).to.equal("foo.bar.SearchService");
    expect(String(name)).to.equal("/foo.bar.SearchService/Search");
  });

  it("parses a method with no package", () => {
    const name = parseMethodName("/DummyService/Execute");
    expect([name.package, name.service, name.method]).to.deep.equal(["", "DummyService", "Execute"]);
    expect(name.fullyQualifiedService).to.equal("DummyService");
  });

  it("builds fully qualified names as the Python package does", () => {
    expect(new MethodName("foo.bar", "SearchService", "Search").fullyQualifiedService).to.equal(
      "foo.bar.SearchService",
    );
    expect(new MethodName("", "SearchService", "Search").fullyQualifiedService).to.equal("SearchService");
  });

  for (const bad of [
    "",
    "Search",
    "/Search",
    "/Svc/",
    "//Method",
    "/pkg.Svc/M/extra",
    "pkg.Svc/M",
    "/.Svc/M",
    "/pkg./M",
  ]) {
    it(`rejects ${JSON.stringify(bad)} with a TypeError quoting it`, () => {
      expect(() => parseMethodName(bad)).to.throw(TypeError, JSON.stringify(bad));
    });
  }

  it("rejects a value that is not a string", () => {
    expect(() => parseMethodName(undefined as unknown as string)).to.throw(TypeError, /Invalid gRPC method name/);
  });
});
