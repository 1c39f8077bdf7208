/** Stops the provider pool globalSetup started. */
import { ProviderPool } from "../../terraform";

export default async function globalTeardown(): Promise<void> {
  (globalThis as { providerPool?: ProviderPool }).providerPool?.stop();
}
