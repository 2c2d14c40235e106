// Your own service: the Greeter of proto/greeter/v1/greeter.proto, generated into src/gen by `npx buf
// generate`, served by a decorated servicer and called by the generated client (docs/own-service.md).
import { credentials, Metadata, Server, ServerCredentials, status, type ServiceError } from "@grpc/grpc-js";
import { bootstrap, Intercept, MapErrors, type AsyncServicer, type InterceptFunction } from "grpc-interceptor";
import { GreeterClient, GreeterService, type HelloReply, type HelloRequest } from "./gen/greeter/v1/greeter.js";

class UnknownNameError extends Error {}

const logging: InterceptFunction = (method, request, context, methodName) => {
  context.onComplete(({ code }) => console.log(`${methodName}: ${status[code]}`));
  return method(request, context);
};

@Intercept(logging)
@MapErrors([UnknownNameError, status.NOT_FOUND])
class Greeter implements AsyncServicer<typeof GreeterService> {
  async sayHello({ name }: HelloRequest): Promise<HelloReply> {
    if (name === "") throw new UnknownNameError("say who you are");
    return { message: `Hello, ${name}!` };
  }

  async *sayHelloStream({ name }: HelloRequest): AsyncIterable<HelloReply> {
    for (const greeting of ["Hello", "Bonjour"]) yield { message: `${greeting}, ${name}!` };
  }
}

const server = new Server();
server.addService(GreeterService, bootstrap(GreeterService, new Greeter()));
const port = await new Promise<number>((resolve, reject) =>
  server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, port) =>
    error ? reject(error) : resolve(port),
  ),
);

const client = new GreeterClient(`127.0.0.1:${port}`, credentials.createInsecure());
const deadline = () => ({ deadline: Date.now() + 5_000 });
const sayHello = (name: string) =>
  new Promise<HelloReply>((resolve, reject) =>
    client.sayHello({ name }, new Metadata(), deadline(), (error, reply) => (error ? reject(error) : resolve(reply))),
  );

console.log((await sayHello("Ada")).message);
await sayHello("").catch((error: ServiceError) => console.log(status[error.code], error.details));
for await (const reply of client.sayHelloStream({ name: "Ada" }, deadline())) console.log(reply.message);

client.close();
server.forceShutdown();
