/**
 * The subscription / e-commerce preset: each released version lives, frozen, in a file of its
 * own; `subscription` is the one that plans new journeys.
 */
export { subscriptionV1 } from './subscription.v1.ts';
export { subscriptionV2 } from './subscription.v2.ts';
export { subscriptionV2 as subscription } from './subscription.v2.ts';
