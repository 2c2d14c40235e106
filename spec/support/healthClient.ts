import { credentials, makeGenericClientConstructor, Metadata } from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";

const HealthClient = makeGenericClientConstructor(healthService, "grpc.health.v1.Health");

/** Asks the health service at `address` for the serving status of `service` (`""`: the whole server). */
export function checkHealth(address: string, service = ""): Promise<string> {
  const client = new HealthClient(address, credentials.createInsecure());
  return new Promise<string>((resolve, reject) =>
    (client as unknown as Record<string, (...args: unknown[]) => void>).check!(
      { service },
      new Metadata(),
      { deadline: Date.now() + 2000 },
      (error: Error | null, response: { status: string | number }) => {
        client.close();
        if (error) reject(error);
        else resolve(String(response.status));
      },
    ),
  );
}
