import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePolicy, type PolicyInput } from '#shared/domain/policy';
import { EMBEDDED_POLICIES } from '#shared/domain/policy-registry';
import { telecomPortOutV1, telecomPortOutV2 } from '#shared/domain/policies/telecom-port-out';

/**
 * Released policy versions are frozen: a journey runs to its end on the version that planned it.
 * `tests/fixtures/released-policies.json` maps each released `id@version` to the SHA-256 of its
 * parsed policy (defaults filled in) as canonical JSON. A new version is added to it on purpose,
 * when it is released; an entry never changes.
 */
const FINGERPRINTS: Record<string, string> = JSON.parse(
  readFileSync(new URL('../../fixtures/released-policies.json', import.meta.url), 'utf8'),
);

/** JSON with object keys sorted at every level, so the fingerprint does not depend on key order. */
function canonicalJson(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v && typeof v === 'object')
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((key) => [key, sorted((v as Record<string, unknown>)[key])]),
      );
    return v;
  };
  return JSON.stringify(sorted(value));
}

function fingerprint(input: PolicyInput): { key: string; sha256: string } {
  const policy = parsePolicy(input);
  return { key: `${policy.id}@${policy.version}`, sha256: createHash('sha256').update(canonicalJson(policy)).digest('hex') };
}

/** What is wrong between the embedded versions and the released fingerprints; empty when nothing is. */
function releaseProblems(embedded: readonly PolicyInput[], released: Record<string, string>): string[] {
  const prints = embedded.map(fingerprint);
  return [
    ...prints.flatMap(({ key, sha256 }) => {
      if (released[key] === undefined)
        return [`policy ${key} is not released yet: once it is, add "${key}": "${sha256}" to tests/fixtures/released-policies.json`];
      return released[key] === sha256 ? [] : [`released policy ${key} changed: release a new version instead`];
    }),
    ...Object.keys(released)
      .filter((key) => !prints.some((print) => print.key === key))
      .map((key) => `released policy ${key} is no longer embedded: the journeys planned with it could not finish`),
  ];
}

const embedded = [...EMBEDDED_POLICIES.current, ...EMBEDDED_POLICIES.retired];

describe('released policy versions', () => {
  it('are exactly as released', () => {
    expect(releaseProblems(embedded, FINGERPRINTS)).toEqual([]);
  });

  it('names a released version that changed, one that is missing and one not yet released', () => {
    // Prepare: what an edit of version 2 that leaked into version 1 would look like.
    const leaked = { ...structuredClone(telecomPortOutV1), churnKinds: ['port_out' as const] };
    const next = { ...structuredClone(telecomPortOutV2), version: '99' };

    // Act
    const problems = releaseProblems([leaked, next], FINGERPRINTS);

    // Assess
    expect(problems).toEqual([
      'released policy telecom-port-out@1 changed: release a new version instead',
      expect.stringMatching(/^policy telecom-port-out@99 is not released yet: once it is, add "telecom-port-out@99": "[0-9a-f]{64}"/),
      'released policy subscription@1 is no longer embedded: the journeys planned with it could not finish',
      'released policy subscription@2 is no longer embedded: the journeys planned with it could not finish',
      'released policy telecom-port-out@2 is no longer embedded: the journeys planned with it could not finish',
      'released policy telecom-port-out@3 is no longer embedded: the journeys planned with it could not finish',
    ]);
  });

  it('does not depend on key order', () => {
    const reversed = Object.fromEntries(Object.entries(structuredClone(telecomPortOutV2)).reverse()) as PolicyInput;
    expect(fingerprint(reversed)).toEqual(fingerprint(telecomPortOutV2));
  });

  it('cannot be changed at run time', () => {
    expect(() => {
      (telecomPortOutV2.touches[0] as { dayFrom: number }).dayFrom = 31;
    }).toThrow(TypeError);
    expect(() => {
      (telecomPortOutV1 as { churnKinds: string[] }).churnKinds = ['port_out'];
    }).toThrow(TypeError);
    expect(telecomPortOutV1.churnKinds).toEqual(['port_out', 'cancellation', 'lapse']);
  });
});
