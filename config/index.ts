export * from "./environment";
export * from "./read";
export * from "./validate";
export { BOOTSTRAP_SUFFIX } from "./resolve";
export * from "./problems";
export * from "./schema";
