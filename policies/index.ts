export * from "./policy-checks";
export * from "./rule";
export * from "./rules";
