/** The engine's only source of "now": the system clock in AWS, a virtual clock locally. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
