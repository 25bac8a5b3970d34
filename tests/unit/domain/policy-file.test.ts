import { describe, expect, it } from 'vitest';
import { checkPolicyText, labelPath, loadPolicyFiles, PolicyFileError } from '#shared/domain/policy-file';
// The file checks were written against version 2 of the port-out policy (English only, one SMS part).
import { telecomPortOutV2 as telecomPortOut } from '#shared/domain/policies/telecom-port-out';

const json = (value: unknown) => JSON.stringify(value, null, 2);
const problemsOf = (text: string) => {
  const result = checkPolicyText(text);
  if (result.ok) throw new Error('expected problems');
  return result.problems;
};

describe('checkPolicyText', () => {
  it('accepts a valid policy file and answers the parsed policy', () => {
    const result = checkPolicyText(json({ $schema: '../../docs/schemas/policy.schema.json', ...telecomPortOut }));
    expect(result.ok && `${result.policy.id}@${result.policy.version}`).toBe('telecom-port-out@2');
  });

  it('names a JSON syntax error by line and column', () => {
    const text = '{\n  "id": "x",\n  "version": 2,,\n}';
    expect(problemsOf(text)).toEqual([{ path: '', message: expect.stringMatching(/^not valid JSON: .+ \(line 3, column 16\)$/) }]);
    expect(problemsOf('  \n')).toEqual([{ path: '', message: 'the file is empty: a policy is a JSON object' }]);
  });

  it('names an offer by its id and a touch by its number and angle, with the JSON path', () => {
    const offers = telecomPortOut.offers.map((offer) =>
      offer.id === 'fix-support' ? { ...offer, text: `${offer.text} And a lot more words to make it far too long for one part.` } : offer,
    );
    const touches = [telecomPortOut.touches[0], { ...telecomPortOut.touches[1]!, dayFrom: 40 }];
    expect(problemsOf(json({ ...telecomPortOut, offers, touches }))).toEqual([
      { path: 'touches[1].dayFrom (touch 2, angle "offer")', message: 'must be after the previous touch window' },
      {
        path: 'offers[2].text (offer "fix-support")',
        message: 'as an SMS with the footer it takes 2 parts, more than smsMaxParts (1): shorten it, or raise smsMaxParts',
      },
    ]);
  });

  it('refuses a field the schema does not know, suggesting the one meant', () => {
    const { quietDays, ...rest } = telecomPortOut;
    expect(problemsOf(json({ ...rest, quietDay: quietDays, tiers: [{ name: 'all', minRevenue: 3 }] }))).toEqual([
      { path: 'tiers[0].minRevenue (tier "all")', message: 'unknown field "minRevenue": the policy schema has no such field' },
      { path: 'quietDay', message: 'unknown field "quietDay" (did you mean "quietDays"?): the policy schema has no such field' },
      { path: 'quietDays', message: 'is required (a number), and missing' },
    ]);
  });

  it('answers a file that is not an object for the whole file', () => {
    expect(problemsOf('[]')).toEqual([{ path: '', message: 'Invalid input: expected object, received array' }]);
  });

  it('checks the policy’s market windows against the deployment’s law', () => {
    const policy = { ...telecomPortOut, markets: [{ market: 'FR', start: '14:00', end: '18:00' }] };
    const legal = [{ market: 'FR', start: '09:00', end: '12:00', weekdays: [1, 2, 3, 4, 5] }];
    expect(checkPolicyText(json(policy)).ok).toBe(true);
    const result = checkPolicyText(json(policy), { legal });
    expect(!result.ok && result.problems).toEqual([
      {
        path: 'markets[0]',
        message:
          '14:00–18:00 every day lies entirely outside the legal send window of FR (09:00–12:00 on weekdays 1,2,3,4,5): nothing could ever be sent there',
      },
    ]);
  });
});

describe('labelPath', () => {
  it('labels offers, touches, tiers and variants, falling back to the number where the id is missing', () => {
    const input = { offers: [{ angle: 'x' }], touches: [{}], variants: [{ id: 'B' }] };
    expect(labelPath(['offers', 0, 'id'], input)).toBe('offers[0].id (offer 1)');
    expect(labelPath(['touches', 0], input)).toBe('touches[0] (touch 1)');
    expect(labelPath(['variants', 0, 'weight'], input)).toBe('variants[0].weight (variant "B")');
    expect(labelPath(['sendWindow', 'end'], input)).toBe('sendWindow.end');
    expect(labelPath([], input)).toBe('');
  });
});

describe('loadPolicyFiles', () => {
  it('answers the policies of good files, in order', () => {
    const files: Record<string, string> = { 'a.json': json(telecomPortOut), 'b.json': json({ ...telecomPortOut, version: '3' }) };
    expect(loadPolicyFiles(['b.json', 'a.json'], (file) => files[file]!).map((p) => p.version)).toEqual(['3', '2']);
  });

  it('reports every bad file at once, a missing one as such, in the format every tool prints', () => {
    const read = (file: string) => {
      if (file === 'missing.json') throw Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT' });
      return file === 'good.json' ? json(telecomPortOut) : '{"id": "x"';
    };
    let error: unknown;
    try {
      loadPolicyFiles(['missing.json', 'good.json', 'broken.json'], read);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PolicyFileError);
    expect((error as PolicyFileError).message).toMatch(
      /^Invalid policy file missing\.json:\n {2}no such file\nInvalid policy file broken\.json:\n {2}not valid JSON: .+ \(line 1, column 11\)$/,
    );
    expect((error as PolicyFileError).details.map((d) => d.path)).toEqual(['missing.json', 'broken.json']);
  });
});
