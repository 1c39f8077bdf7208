/**
 * The package: reusable constructs, the environment config, the stack that
 * composes them, and the plan review. `main.ts` (the app) is not part of it.
 */
export * from "./config";
export * from "./constructs";
export * from "./review/summary";
export * from "./stacks";
export * from "./policies";
