/**
 * Runs once before the test files: one `terraform init` fills the shared
 * plugin cache, so the plan tests' parallel inits (in several jest workers)
 * only read it. Concurrent first installs into one cache are not safe.
 */
import { warmPluginCache } from "../../review/terraform";

export default async function globalSetup(): Promise<void> {
  await warmPluginCache();
}
