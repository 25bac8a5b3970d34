// Values the global setup (tests/support/global-setup.ts) provides to every test file.
declare module 'vitest' {
  export interface ProvidedContext {
    /** Endpoint of the DynamoDB Local started for this run, e.g. `http://127.0.0.1:43817`. */
    dynamodbEndpoint: string;
  }
}

export {};
