import * as z from 'zod';

/** Channels Winback can reach a customer on. USSD is deliberately absent: never used. */
export const CHANNELS = ['sms', 'email', 'push'] as const;
export const Channel = z.enum(CHANNELS);
export type Channel = z.infer<typeof Channel>;

export const ChurnKind = z.enum(['port_out', 'cancellation', 'lapse']);
export type ChurnKind = z.infer<typeof ChurnKind>;

export const ExitReason = z.enum(['coverage', 'price', 'support', 'tariff_complexity', 'moved', 'other', 'unknown']);
export type ExitReason = z.infer<typeof ExitReason>;

export const EngagementKind = z.enum(['delivered', 'bounced', 'complained', 'opened', 'clicked', 'replied']);
export type EngagementKind = z.infer<typeof EngagementKind>;

/** What a retention team reports after working a task. */
export const TaskOutcomeKind = z.enum(['retained', 'ported_away', 'follow_up']);
export type TaskOutcomeKind = z.infer<typeof TaskOutcomeKind>;

export const DAY_MS = 86_400_000;
