export * from "./app";
export * from "./bootstrap-stack";
export * from "./docker-pull-stack";
export * from "./retained";
export * from "./teardown-stack";
