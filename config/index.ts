export * from "./environment";
export * from "./load";
export * from "./problems";
export * from "./schema";
