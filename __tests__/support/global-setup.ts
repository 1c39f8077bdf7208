/**
 * Runs once before the test files: one `terraform init` fills the plugin
 * cache, so the first plans do not all wait on it. (Inits in the test
 * workers take turns anyway: review/terraform.ts locks around them.)
 */
import { warmPluginCache } from "../../review/terraform";

export default async function globalSetup(): Promise<void> {
  await warmPluginCache();
}
