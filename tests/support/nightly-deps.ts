import { FileObjectStore } from '#shared/adapters/local/file-object-store';
import { encodeParquet } from '#shared/adapters/parquet';
import type { NightlyDeps } from '#shared/engine/nightly-job';
import type { TestDeps } from './fakes.ts';

/**
 * The nightly job over a test engine's store, policies, clock and key, writing Parquet to a lake
 * folder, at a cost per acquisition of 150: how it scans, and what else a test varies, go in `overrides`.
 */
export function nightlyDepsOf(
  deps: TestDeps,
  lakeRoot: string,
  overrides: Partial<NightlyDeps> & Pick<NightlyDeps, 'scanSegments'>,
): NightlyDeps {
  return {
    store: deps.store,
    lake: new FileObjectStore(lakeRoot),
    encode: encodeParquet,
    policies: deps.policies,
    clock: deps.clock,
    logger: deps.logger,
    idHashKey: deps.idHashKey,
    costPerAcquisition: 150,
    ...overrides,
  };
}
