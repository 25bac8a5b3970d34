import { availableParallelism } from 'node:os';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Where the CPU goes during a load run, read from /proc (Linux): the load generator (this
 * process), the runner's Node process and its main thread (the event loop), DynamoDB Local's
 * Java process and its busiest thread groups, and every other process on the machine. It tells
 * whether the ceiling is a saturated single thread (the event loop, DynamoDB Local's one SQLite
 * thread) or the machine's cores, shared with whatever else runs.
 */

/** CPU time in /proc is in clock ticks of 1/100 s (USER_HZ, fixed at 100 in Linux's ABI). */
const TICKS_PER_SECOND = 100;

/** What to watch; each part is reported in % of one core. */
export interface CpuTargets {
  runnerPid: number;
  javaPid: number;
}

/** The parts reported, by their label; the Java thread groups below come on top. */
export const PARTS = {
  generator: 'load generator (autocannon, this process)',
  runner: 'runner (Node)',
  eventLoop: 'runner: main thread (event loop)',
  java: 'DynamoDB Local (Java)',
  sqlite: 'DynamoDB Local: SQLite thread',
  others: 'other processes on the machine',
} as const;

/** DynamoDB Local's threads, grouped by the name the JVM gives them. */
const JAVA_THREAD_GROUPS: ReadonlyArray<{ label: string; match: RegExp }> = [
  // sqlite4java runs every statement of a database on this one thread, in turn.
  { label: PARTS.sqlite, match: /^SQLiteQueue/ },
  { label: 'DynamoDB Local: Jetty HTTP threads', match: /^qtp/ },
  { label: 'DynamoDB Local: JIT compilers', match: /^C[12] CompilerThre/ },
  { label: 'DynamoDB Local: GC threads', match: /^(GC Thread|G1 )/ },
];

export interface CpuUsage {
  seconds: number;
  cores: number;
  /** Every process on the machine, in % of one core (at most cores × 100). */
  machine: number;
  /** % of one core per part, the parts of {@link PARTS} and the Java thread groups. */
  parts: Map<string, number>;
}

interface Snapshot {
  atMs: number;
  machineBusy: number;
  /** Ticks per `label|id`: a process total, or one thread of a group. */
  ticks: Map<string, number>;
}

/** Starts watching; `stop()` returns the usage since the start. */
export function watchCpu(targets: CpuTargets): { stop(): CpuUsage } {
  const first = snapshot(targets);
  return { stop: () => usageBetween(first, snapshot(targets)) };
}

/** Below this share of one core over a poll, a process counts as idle. */
const IDLE_PERCENT = 10;
const IDLE_POLL_MS = 250;
/** Idle polls in a row that mean it is done, not waiting a moment on DynamoDB Local. */
const IDLE_POLLS = 2;

/**
 * Resolves once `pid` has been idle for {@link IDLE_POLLS} polls in a row, or after `maxMs`:
 * autocannon drops what is in flight when its time is up, and the runner goes on to finish it.
 */
export async function waitUntilIdle(pid: number, maxMs = 60_000): Promise<void> {
  const deadline = performance.now() + maxMs;
  let before = processTicks(`/proc/${pid}/stat`) ?? 0;
  let idlePolls = 0;
  while (idlePolls < IDLE_POLLS && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, IDLE_POLL_MS));
    const now = processTicks(`/proc/${pid}/stat`) ?? before;
    const busyMs = ((now - before) / TICKS_PER_SECOND) * 1000;
    idlePolls = busyMs < (IDLE_POLL_MS * IDLE_PERCENT) / 100 ? idlePolls + 1 : 0;
    before = now;
  }
}

function snapshot({ runnerPid, javaPid }: CpuTargets): Snapshot {
  const ticks = new Map<string, number>();
  const put = (label: string, id: number | string, value: number | undefined) => {
    if (value !== undefined) ticks.set(`${label}|${id}`, value);
  };
  put(PARTS.generator, process.pid, processTicks(`/proc/${process.pid}/stat`));
  put(PARTS.runner, runnerPid, processTicks(`/proc/${runnerPid}/stat`));
  put(PARTS.eventLoop, runnerPid, processTicks(`/proc/${runnerPid}/task/${runnerPid}/stat`));
  put(PARTS.java, javaPid, processTicks(`/proc/${javaPid}/stat`));
  for (const tid of safeReaddir(`/proc/${javaPid}/task`)) {
    const name = safeRead(`/proc/${javaPid}/task/${tid}/comm`)?.trim() ?? '';
    const group = JAVA_THREAD_GROUPS.find((g) => g.match.test(name));
    if (group) put(group.label, tid, processTicks(`/proc/${javaPid}/task/${tid}/stat`));
  }
  return { atMs: performance.now(), machineBusy: machineBusyTicks(), ticks };
}

function usageBetween(first: Snapshot, last: Snapshot): CpuUsage {
  const seconds = (last.atMs - first.atMs) / 1000;
  const toPercent = (ticks: number) => (ticks / TICKS_PER_SECOND / seconds) * 100;
  // Parts in a fixed order: each process, then its threads.
  const parts = new Map<string, number>(
    [PARTS.generator, PARTS.runner, PARTS.eventLoop, PARTS.java, ...JAVA_THREAD_GROUPS.map((g) => g.label)].map((label) => [label, 0]),
  );
  // A thread born during the window counts in full; one that died in it is missed (a slight undercount).
  for (const [key, value] of last.ticks) {
    const label = key.slice(0, key.lastIndexOf('|'));
    parts.set(label, (parts.get(label) ?? 0) + toPercent(value - (first.ticks.get(key) ?? 0)));
  }
  const machine = toPercent(last.machineBusy - first.machineBusy);
  const ours = [PARTS.generator, PARTS.runner, PARTS.java].reduce((sum, label) => sum + (parts.get(label) ?? 0), 0);
  parts.set(PARTS.others, Math.max(0, machine - ours));
  return { seconds, cores: availableParallelism(), machine, parts };
}

/** utime + stime of a process or thread, from its `stat` file; undefined once it is gone. */
function processTicks(statFile: string): number | undefined {
  const stat = safeRead(statFile);
  if (stat === undefined) return undefined;
  // Fields after "pid (comm) ": state is the first, utime the 12th, stime the 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Ticks every CPU spent on anything but idling, from the first line of /proc/stat. */
function machineBusyTicks(): number {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return [user, nice, system, irq, softirq, steal].reduce<number>((sum, value) => sum + (value ?? 0), 0);
}

function safeRead(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function safeReaddir(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch {
    return [];
  }
}
