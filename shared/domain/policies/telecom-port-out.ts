/**
 * The telecom port-out policy: each released version lives, frozen, in a file of its own;
 * `telecomPortOut` is the one that plans new journeys.
 */
export { telecomPortOutV1 } from './telecom-port-out.v1.ts';
export { telecomPortOutV2 } from './telecom-port-out.v2.ts';
export { telecomPortOutV3 } from './telecom-port-out.v3.ts';
export { telecomPortOutV3 as telecomPortOut } from './telecom-port-out.v3.ts';
