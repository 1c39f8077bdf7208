export * from "./policy-checks";
export * from "./rule";
