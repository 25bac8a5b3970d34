import * as z from 'zod';

export const ChurnKind = z.enum(['port_out', 'cancellation', 'lapse']);
export type ChurnKind = z.infer<typeof ChurnKind>;

export const ExitReason = z.enum(['coverage', 'price', 'support', 'tariff_complexity', 'moved', 'other', 'unknown']);
export type ExitReason = z.infer<typeof ExitReason>;

export const EngagementKind = z.enum(['delivered', 'bounced', 'complained', 'opened', 'clicked', 'replied']);
export type EngagementKind = z.infer<typeof EngagementKind>;

/** ISO 3166-1 country (`US`) or ISO 3166-2 subdivision (`US-FL`): a market with its own legal send window, or a policy's market. */
export const Market = z.string().regex(/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/, 'must be an ISO 3166 code such as US or US-FL');

/** A retention team, as policies route to it, settings subscribe it and `GET /v1/tasks` filters by it. */
export const TeamName = z.string().regex(/^[a-z0-9-]{1,32}$/, 'must be a team name: lowercase letters, digits and dashes');

/** What a retention team reports after working a task. */
export const TaskOutcomeKind = z.enum(['retained', 'ported_away', 'follow_up']);
export type TaskOutcomeKind = z.infer<typeof TaskOutcomeKind>;

export const DAY_MS = 86_400_000;
