/**
 * The part of autocannon 9's programmatic API `npm run load` uses. autocannon ships no types
 * and @types/autocannon is not a dependency; these follow its README ("API" and "Results").
 */
declare module 'autocannon' {
  namespace autocannon {
    /** The raw request autocannon is about to build; `setupRequest` returns a changed copy. */
    interface RequestParams {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
    }

    /** Per-connection scratch space, kept from `setupRequest` until the matching `onResponse`. */
    type Context = Record<string, unknown>;

    interface Request extends RequestParams {
      setupRequest?: (request: RequestParams, context: Context) => RequestParams | undefined;
      onResponse?: (status: number, body: string, context: Context, headers: Record<string, string>) => void;
    }

    interface Options {
      url: string;
      connections?: number;
      /** Seconds. */
      duration?: number;
      /** Requests to complete, instead of a duration; at least `connections`. */
      amount?: number;
      /** Seconds to wait for a response before the request counts as a timeout. @default 10 */
      timeout?: number;
      /** Requests per second over all connections, spread evenly across them. */
      overallRate?: number;
      ignoreCoordinatedOmission?: boolean;
      method?: string;
      headers?: Record<string, string>;
      requests?: Request[];
    }

    /** Summary statistics of one measured quantity. */
    interface Histogram {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      total: number;
      p50: number;
      p90: number;
      p97_5: number;
      p99: number;
    }

    interface Result {
      /** Seconds the run took. */
      duration: number;
      /** Milliseconds. */
      latency: Histogram;
      /** Completed responses per second (sampled each second); `total` is every response. */
      requests: Histogram;
      /** Connection errors, timeouts included. */
      errors: number;
      timeouts: number;
      non2xx: number;
      statusCodeStats: Record<string, { count: number }>;
    }
  }

  /** Runs the load; the result is awaited, `stop()` ends the run early (the result still comes). */
  function autocannon(options: autocannon.Options): PromiseLike<autocannon.Result> & { stop(): void };
  export default autocannon;
}
