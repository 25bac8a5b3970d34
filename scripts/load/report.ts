import type autocannon from 'autocannon';
import { PARTS, type CpuUsage } from './cpu-sampler.ts';
import type { Mode } from './drive.ts';
import type { Reconciliation } from './ledger.ts';
import type { StoredEvents } from './read-back.ts';

/** Everything one load run measured. */
export interface RunReport {
  mode: Mode;
  /** Target events per second; undefined for a flat-out run. */
  target: number | undefined;
  eventsPerRequest: number;
  /** autocannon's figures for the measured part (after the warm-up). */
  result: autocannon.Result;
  /** Events answered `accepted` or `duplicate` in the measured part. */
  handled: number;
  /**
   * Events the CPU figures were spent on: those answered in the measured part, and those in
   * flight at its end (or timed out) that the runner went on to apply.
   */
  processed: number;
  reconciliation: Reconciliation;
  readBack: StoredEvents;
  cpu: CpuUsage;
}

/** A single thread this busy (% of one core) is the ceiling: it cannot go faster. */
const SATURATED_THREAD = 85;
/** The machine this busy (share of all its cores) leaves nothing for more load. */
const SATURATED_MACHINE = 0.9;

/** Events answered `accepted` or `duplicate`, per second of the measured part. */
export function eventsPerSecond(run: RunReport): number {
  return run.handled / run.result.duration;
}

/** The run's one-line verdict on correctness: what must be zero. */
export function violations(run: RunReport): string[] {
  const r = run.reconciliation;
  return [
    r.lost.length > 0 ? `${r.lost.length} lost (e.g. ${r.lost.slice(0, 3).join(', ')})` : '',
    r.duplicates.length > 0 ? `${r.duplicates.length} applied twice (e.g. ${r.duplicates.slice(0, 3).join(', ')})` : '',
    r.replaysAppliedAgain > 0 ? `${r.replaysAppliedAgain} replays answered accepted` : '',
    r.answers.rejected > 0 ? `${r.answers.rejected} valid events rejected` : '',
    r.strangers.length > 0 ? `${r.strangers.length} stored events never posted` : '',
  ].filter(Boolean);
}

/** One table per mode: a row per run. */
export function modeTable(mode: Mode, runs: readonly RunReport[]): string {
  const header = ['run', 'target ev/s', 'achieved ev/s', 'req/s', 'p50 ms', 'p97.5 ms', 'p99 ms', 'errors / non-2xx', 'lost', 'duplicates'];
  const rows = runs.map((run) => [
    run.target === undefined ? 'flat out' : 'at target',
    run.target === undefined ? '—' : fmt(run.target),
    fmt(eventsPerSecond(run)),
    fmt(run.result.requests.total / run.result.duration, 1),
    fmt(run.result.latency.p50),
    fmt(run.result.latency.p97_5),
    fmt(run.result.latency.p99),
    failures(run.result),
    String(run.reconciliation.lost.length),
    String(run.reconciliation.duplicates.length),
  ]);
  const events = mode === 'batches' ? `batches of ${runs[0]?.eventsPerRequest ?? '?'} events` : 'one event per request';
  return [`${mode} (${events})`, table(header, rows, [0])].join('\n');
}

/** How the run's events were answered and read back: the evidence behind "lost" and "duplicates". */
export function accounting(run: RunReport): string {
  const r = run.reconciliation;
  const a = r.answers;
  return [
    `  warm-up included: posted ${fmt(r.events)} events + ${fmt(r.replays)} replays (${pct(r.replays / Math.max(1, r.events + r.replays))} of copies); answers: ${fmt(a.accepted)} accepted, ${fmt(a.duplicate)} duplicate, ${fmt(a.rejected)} rejected, ${fmt(a.failed)} failed, ${fmt(a.unanswered)} unanswered (timed out, or in flight when a part ended)`,
    `  replays answered duplicate: ${fmt(r.replaysAnsweredDuplicate)} of ${fmt(r.replays)}; answered accepted again: ${fmt(r.replaysAppliedAgain)}`,
    `  read back ${fmt(run.readBack.customers)} customers (${fmt(run.readBack.applied.size)} events applied) in ${run.readBack.seconds.toFixed(1)} s: ${fmt(r.lost.length)} lost, ${fmt(r.duplicates.length)} applied twice, ${fmt(r.storedWithoutPromise)} stored though unanswered or failed (allowed: at most once), ${fmt(r.strangers.length)} never posted`,
  ].join('\n');
}

/** CPU milliseconds per event processed, from a part's busy share (% of one core) over the window. */
function msPerEvent(run: RunReport, percent: number): number {
  return ((percent / 100) * run.cpu.seconds * 1000) / run.processed;
}

/** Where the CPU went, per part and per event processed. */
export function cpuTable(run: RunReport): string {
  const rows = [...run.cpu.parts].map(([part, percent]) => [
    part,
    `${percent.toFixed(0)}%`,
    run.processed === 0 ? '—' : msPerEvent(run, percent).toFixed(2),
  ]);
  rows.push(['machine, all processes', `${run.cpu.machine.toFixed(0)}% of ${run.cpu.cores * 100}%`, '']);
  return table([`CPU over ${run.cpu.seconds.toFixed(0)} s (% of one core)`, 'busy', 'CPU ms per event'], rows, [0]);
}

/**
 * Why the run went no faster: a saturated single thread, or saturated cores. Then what the
 * same CPU costs per event would allow on this machine's cores with nothing else running (the
 * figure that carries over from a busy machine): a single-threaded part does at most 1,000 ms
 * of CPU a second, all parts together at most cores × 1,000 ms. CPU only: the SQLite thread's
 * waits on the disk come on top.
 */
export function diagnosis(run: RunReport): string {
  const parts = run.cpu.parts;
  const get = (part: string) => parts.get(part) ?? 0;
  const findings: string[] = [];
  if (get(PARTS.eventLoop) >= SATURATED_THREAD)
    findings.push(`the runner's event loop is saturated (${get(PARTS.eventLoop).toFixed(0)}% of a core)`);
  if (get(PARTS.sqlite) >= SATURATED_THREAD)
    findings.push(`DynamoDB Local's single SQLite thread is saturated (${get(PARTS.sqlite).toFixed(0)}% of a core)`);
  if (run.cpu.machine >= SATURATED_MACHINE * run.cpu.cores * 100) {
    findings.push(
      `the machine's ${run.cpu.cores} cores are saturated (${run.cpu.machine.toFixed(0)}%: runner ${get(PARTS.runner).toFixed(0)}%, DynamoDB Local ${get(PARTS.java).toFixed(0)}%, load generator ${get(PARTS.generator).toFixed(0)}%, other processes ${get(PARTS.others).toFixed(0)}%)`,
    );
  }
  if (run.processed === 0) return '  bottleneck: nothing was processed';
  const ms = (part: string) => msPerEvent(run, get(part));
  const ours = ms(PARTS.generator) + ms(PARTS.runner) + ms(PARTS.java);
  const bounds = [
    { what: `all ${run.cpu.cores} cores`, limit: (run.cpu.cores * 1000) / ours },
    { what: 'the event loop', limit: 1000 / ms(PARTS.eventLoop) },
    { what: 'the SQLite thread', limit: 1000 / ms(PARTS.sqlite) },
  ].sort((a, b) => a.limit - b.limit);
  return [
    `  bottleneck: ${findings.length > 0 ? findings.join('; ') : 'no thread and not the machine saturated: the offered load (rate × connections) was the limit'}`,
    `  CPU per event: ${ours.toFixed(2)} ms in all (runner ${ms(PARTS.runner).toFixed(2)}, of which event loop ${ms(PARTS.eventLoop).toFixed(2)}; DynamoDB Local ${ms(PARTS.java).toFixed(2)}, of which SQLite thread ${ms(PARTS.sqlite).toFixed(2)}; load generator ${ms(PARTS.generator).toFixed(2)})`,
    `  on a quiet machine these costs allow at most ${bounds.map((b) => `${fmt(b.limit)} ev/s (${b.what})`).join(', ')}`,
  ].join('\n');
}

function failures(result: autocannon.Result): string {
  const statuses = Object.entries(result.statusCodeStats)
    .filter(([status]) => !status.startsWith('2'))
    .map(([status, { count }]) => `${status}×${count}`);
  const connection = result.errors - result.timeouts;
  const parts = [
    ...statuses,
    ...(result.timeouts > 0 ? [`timeouts×${result.timeouts}`] : []),
    ...(connection > 0 ? [`connection×${connection}`] : []),
  ];
  return parts.length === 0 ? '0' : parts.join(' ');
}

function table(header: readonly string[], rows: readonly string[][], leftAligned: readonly number[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, i) => (leftAligned.includes(i) ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (leftAligned.includes(i) ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

function fmt(value: number, decimals = 0): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: decimals, minimumFractionDigits: decimals });
}

function pct(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}
