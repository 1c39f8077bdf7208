import { Testing } from "cdktf";
// Types of cdktf's jest matchers (toHaveResourceWithProperties, ...).
import "cdktf/lib/testing/adapters/jest";

// cdktf's own matchers: toHaveResourceWithProperties, toBeValidTerraform, ...
Testing.setupJest();
