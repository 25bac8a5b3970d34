import { afterEach, describe, expect, it, vi } from 'vitest';
import { PowertoolsEngineMetrics, SEND_METRICS, sendMetricDimensions } from '#shared/adapters/aws/send-metrics';

/** Every line the adapter writes to stdout while `act` runs, parsed as JSON. */
function emitted(act: () => void): Array<Record<string, unknown>> {
  const lines: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    act();
  } finally {
    write.mockRestore();
  }
  return lines
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

afterEach(() => vi.restoreAllMocks());

describe('PowertoolsEngineMetrics', () => {
  it('emits one embedded-metric line per send outcome, in the namespace and dimensions the dashboard graphs', () => {
    // Prepare
    const metrics = new PowertoolsEngineMetrics();

    // Act
    const lines = emitted(() => {
      metrics.countSend('sms', 'sent');
      metrics.countSend('email', 'failed');
    });

    // Assess
    expect(lines).toHaveLength(2);
    const [sent, failed] = lines as [Record<string, unknown>, Record<string, unknown>];
    expect(sent).toMatchObject({ ...sendMetricDimensions('sms'), [SEND_METRICS.names.sent]: 1 });
    expect(failed).toMatchObject({ ...sendMetricDimensions('email'), [SEND_METRICS.names.failed]: 1 });
    for (const line of lines) {
      const [directive] = (line._aws as { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][] }> }).CloudWatchMetrics;
      expect(directive!.Namespace).toBe(SEND_METRICS.namespace);
      // Exactly the dimensions the dashboard's metrics carry: CloudWatch matches the full set.
      expect(directive!.Dimensions.map((set) => [...set].sort())).toEqual([Object.keys(sendMetricDimensions('sms')).sort()]);
    }
  });
});
