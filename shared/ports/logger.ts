/**
 * The structured logger the engine writes to: Powertools Logger fits it as is. Callers pass
 * ids and reasons only; phone numbers, e-mail addresses and names never go into a log line.
 */
export interface EngineLogger {
  info(message: string, ...attributes: Array<Record<string, unknown>>): void;
  warn(message: string, ...attributes: Array<Record<string, unknown>>): void;
  error(message: string, ...attributes: Array<Record<string, unknown>>): void;
}

export const silentLogger: EngineLogger = { info() {}, warn() {}, error() {} };
