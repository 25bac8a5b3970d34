/**
 * Closes a `switch` over a union: a new member that nobody handles fails to compile here, and an
 * unexpected value at run time (a record written by a newer version) fails loudly, naming it.
 */
export function assertUnreachable(value: never, message: string): never {
  throw new Error(`${message}: ${JSON.stringify(value)}`);
}
