import { Testing } from "cdktf";

// cdktf's own matchers: toHaveResourceWithProperties, toBeValidTerraform, ...
Testing.setupJest();
