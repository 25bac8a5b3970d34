/**
 * What the load run posted and what the API answered, copy by copy, and the reconciliation
 * against what was read back from the store: the proof that nothing was lost and nothing was
 * applied twice.
 */

/**
 * The answer to one posted copy of an event: `accepted` and `duplicate` are the API's per-event
 * statuses, `rejected` a 400 for it, `failed` any other status (429, 5xx), `unanswered` no
 * answer at all (a timeout, a dropped connection, or still in flight when the run ended).
 */
export type Answer = 'accepted' | 'duplicate' | 'rejected' | 'failed' | 'unanswered';

/** Answers that promise the event is stored. */
const STORED_ANSWERS: ReadonlySet<Answer> = new Set(['accepted', 'duplicate']);

/** One copy of an event in flight: the event, and which of its copies this is (0: the original). */
export interface PostedCopy {
  eventId: string;
  copy: number;
}

/** Every event posted, with the answer to each of its copies in posting order. */
export class Ledger {
  private readonly answers = new Map<string, Answer[]>();

  /** Records a copy as posted (unanswered until {@link answer} says otherwise). */
  post(eventId: string): PostedCopy {
    const copies = this.answers.get(eventId) ?? [];
    copies.push('unanswered');
    this.answers.set(eventId, copies);
    return { eventId, copy: copies.length - 1 };
  }

  answer({ eventId, copy }: PostedCopy, answer: Answer): void {
    const copies = this.answers.get(eventId);
    if (!copies || copy >= copies.length) throw new Error(`copy ${copy} of ${eventId} was never posted`);
    copies[copy] = answer;
  }

  entries(): ReadonlyMap<string, readonly Answer[]> {
    return this.answers;
  }
}

export interface Reconciliation {
  /** Distinct events posted. */
  events: number;
  /** Copies posted after the first: the deliberate replays. */
  replays: number;
  /** Copies answered, by answer, replays included. */
  answers: Record<Answer, number>;
  /** Replays answered `duplicate`, as an idempotent API must when an earlier copy was stored. */
  replaysAnsweredDuplicate: number;
  /** Replays answered `accepted` although an earlier copy was already answered stored: idempotency broken. */
  replaysAppliedAgain: number;
  /** Events answered `accepted` or `duplicate` at least once but not stored: lost. */
  lost: string[];
  /** Events stored more than once: applied twice. */
  duplicates: string[];
  /** Events never answered stored (timed out, or answered 5xx) yet stored once: a lost answer, not a lost event. */
  storedWithoutPromise: number;
  /** Events in the store this run never posted (another writer, or a generator bug). */
  strangers: string[];
}

/**
 * Reconciles the ledger with `stored`: how many times each event id was applied, as read back
 * from the store. Every event promised stored must be there exactly once; an event never
 * promised may be there at most once (its request may have been processed after its answer
 * was lost).
 */
export function reconcile(entries: ReadonlyMap<string, readonly Answer[]>, stored: ReadonlyMap<string, number>): Reconciliation {
  const result: Reconciliation = {
    events: entries.size,
    replays: 0,
    answers: { accepted: 0, duplicate: 0, rejected: 0, failed: 0, unanswered: 0 },
    replaysAnsweredDuplicate: 0,
    replaysAppliedAgain: 0,
    lost: [],
    duplicates: [],
    storedWithoutPromise: 0,
    strangers: [],
  };
  for (const [eventId, copies] of entries) {
    let promised = false;
    copies.forEach((answer, copy) => {
      result.answers[answer] += 1;
      if (copy > 0) {
        result.replays += 1;
        if (answer === 'duplicate') result.replaysAnsweredDuplicate += 1;
        if (answer === 'accepted' && promised) result.replaysAppliedAgain += 1;
      }
      promised ||= STORED_ANSWERS.has(answer);
    });
    const times = stored.get(eventId) ?? 0;
    if (times > 1) result.duplicates.push(eventId);
    if (promised && times === 0) result.lost.push(eventId);
    if (!promised && times === 1) result.storedWithoutPromise += 1;
  }
  for (const eventId of stored.keys()) if (!entries.has(eventId)) result.strangers.push(eventId);
  return result;
}

/**
 * The answers to the `count` events of one request, from its status and body (the v1 contract:
 * one event answers 202 `accepted` or 200 `duplicate`; a batch answers 200 with a result per
 * event; 400 rejects what was sent). Any other status — 429 or 503 from overload, 500 — fails
 * every event of the request, as does a 2xx body that does not say what happened to each.
 */
export function answersFromResponse(status: number, body: string, count: number, batch: boolean): Answer[] {
  const all = (answer: Answer) => Array.from({ length: count }, () => answer);
  if (status === 400) return all('rejected');
  if (status < 200 || status > 299) return all('failed');
  if (!batch) {
    if (status === 202) return all('accepted');
    return all(statusOf(parseJson(body)) === 'duplicate' ? 'duplicate' : 'failed');
  }
  const results = (parseJson(body) as { results?: unknown } | undefined)?.results;
  const answers = all('failed');
  if (!Array.isArray(results)) return answers;
  for (const result of results as Array<{ index?: unknown; status?: unknown }>) {
    const status = statusOf(result);
    if (
      typeof result.index === 'number' &&
      result.index < count &&
      (status === 'accepted' || status === 'duplicate' || status === 'rejected')
    )
      answers[result.index] = status;
  }
  return answers;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function statusOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? (value as { status?: unknown }).status : undefined;
}
