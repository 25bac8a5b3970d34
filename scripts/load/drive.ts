import autocannon from 'autocannon';
import { answersFromResponse, type Ledger, type PostedCopy } from './ledger.ts';
import type { LoadEvent, Workload } from './workload.ts';

export type Mode = 'singles' | 'batches';

export interface DriveOptions {
  url: string;
  apiKey: string;
  mode: Mode;
  /** Events per request in `batches` mode (1–500). */
  batchSize: number;
  /** Target events per second; undefined runs flat out. */
  eventsPerSecond: number | undefined;
  /** For so many seconds, or until so many events were answered (requests rounded up). */
  length: { seconds: number } | { events: number };
  connections: number;
  timeoutSeconds: number;
  workload: Workload;
  ledger: Ledger;
  /** Ends the drive early (an interrupt), with the answers so far. */
  signal: AbortSignal;
}

/** What one connection has in flight: autocannon keeps it in the connection's context until the answer. */
type InFlight = Array<{ event: LoadEvent; posted: PostedCopy }>;

export interface DriveResult {
  result: autocannon.Result;
  /** Events answered `accepted` or `duplicate` during this drive. */
  handled: number;
}

/**
 * Drives `POST /v1/events` with autocannon: every request gets a fresh body from the workload
 * (`setupRequest`), every answer is written to the ledger per event (`onResponse`). autocannon
 * builds a request only when it sends it, and keeps one request in flight per connection, so
 * the connection's context holds exactly the events awaiting that answer; events whose request
 * never gets one stay `unanswered`.
 */
export async function drive(options: DriveOptions): Promise<DriveResult> {
  const { mode, workload, ledger } = options;
  let handled = 0;
  const eventsPerRequest = mode === 'batches' ? options.batchSize : 1;
  const rate = options.eventsPerSecond === undefined ? undefined : Math.max(1, Math.round(options.eventsPerSecond / eventsPerRequest));
  const run = autocannon({
    url: options.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': options.apiKey },
    connections: options.connections,
    // With `amount`, each connection stops after its last answer: nothing is left in flight.
    ...('seconds' in options.length
      ? { duration: options.length.seconds }
      : { amount: Math.max(options.connections, Math.ceil(options.length.events / eventsPerRequest)) }),
    timeout: options.timeoutSeconds,
    // autocannon 9 "corrects" rate-limited latencies with an expected interval of ceil(1/rate)
    // ms, rate being per connection and per second: always 1 ms, so every slow answer would add
    // synthetic samples 1 ms apart below it and drag the percentiles down. Raw latencies it is.
    ...(rate === undefined ? {} : { overallRate: rate, ignoreCoordinatedOmission: true }),
    requests: [
      {
        path: '/v1/events',
        setupRequest: (request, context) => {
          const inFlight: InFlight = Array.from({ length: eventsPerRequest }, () => {
            const event = workload.next();
            return { event, posted: ledger.post(event.eventId) };
          });
          context.inFlight = inFlight;
          const body = mode === 'batches' ? `{"events":[${inFlight.map(({ event }) => event.json).join(',')}]}` : inFlight[0]!.event.json;
          return { ...request, body };
        },
        onResponse: (status, body, context) => {
          const inFlight = context.inFlight as InFlight;
          const answers = answersFromResponse(status, body, inFlight.length, mode === 'batches');
          inFlight.forEach(({ event, posted }, i) => {
            ledger.answer(posted, answers[i]!);
            workload.answered(event, answers[i]!);
            if (answers[i] === 'accepted' || answers[i] === 'duplicate') handled += 1;
          });
        },
      },
    ],
  });
  const stop = () => run.stop();
  options.signal.addEventListener('abort', stop, { once: true });
  try {
    return { result: await run, handled };
  } finally {
    options.signal.removeEventListener('abort', stop);
  }
}
