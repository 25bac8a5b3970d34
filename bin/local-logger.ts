import { LogFormatter, LogItem, Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';

/**
 * Powertools' JSON log lines, stamped with the runner's virtual clock instead of the wall clock:
 * everything the runner records (decisions, `sentAt`, the outbox) is on the virtual clock, so its
 * log lines are too, and a line can be matched with the decision it reports.
 */
class VirtualTimeFormatter extends LogFormatter {
  constructor(private readonly now: () => number) {
    super();
  }

  formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: attributes.message,
        timestamp: this.formatTimestamp(new Date(this.now())),
        service: attributes.serviceName,
      },
    }).addAttributes(additional);
  }
}

/**
 * The local runner's logger: `timestamp` is `now()` (the virtual clock once it is open; the wall
 * clock before).
 */
export function localLogger(now: () => number): Logger {
  return new Logger({ serviceName: 'winback-local', logFormatter: new VirtualTimeFormatter(now) });
}
