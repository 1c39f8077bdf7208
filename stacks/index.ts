export * from "./app";
export * from "./docker-pull-stack";
export * from "./retained";
export * from "./teardown-stack";
