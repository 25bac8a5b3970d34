/**
 * What every number on the report means, with its formula: printed at the foot of the page and,
 * word for word, in docs/kpis.md ("The report"), which a test keeps in step.
 */
export interface Definition {
  term: string;
  meaning: string;
}

export const REPORT_DEFINITIONS: readonly Definition[] = [
  { term: 'Night', meaning: 'the dt partition of the KPI tables the page reads: a full snapshot as of that date.' },
  {
    term: 'Programme and variants',
    meaning: 'the kpis table’s programme and variant rows of the night, as they are (treatment rows, with their control group’s counts).',
  },
  {
    term: 'Eligible',
    meaning: 'journeys planned under the policy (worth a touch), per arm (n); the control arm is planned too, and sent nothing.',
  },
  {
    term: 'Returned',
    meaning:
      'win-backs (x): eligible journeys back within the conversion window at or after the first contact; returns before it are counted apart.',
  },
  { term: 'Win-back rate', meaning: 'p = returned / eligible, per arm (by intention to treat: every eligible journey, contacted or not).' },
  {
    term: '95% interval of a rate',
    meaning:
      'Wilson score interval: (p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n), with p the rate, n the eligible (or observed) count and z = 1.959964.',
  },
  { term: 'Lift', meaning: 'treatment win-back rate − control win-back rate, in percentage points (pp).' },
  { term: '95% interval of the lift', meaning: 'lift ± z·√(v_t + v_c), with v = p(1−p)/n per arm (Wald, two proportions).' },
  {
    term: 'Relative lift',
    meaning: 'p_t / p_c − 1; 95% interval: ± z·√(v_t/p_c² + p_t²·v_c/p_c⁴) (delta method); none when the control rate is 0.',
  },
  {
    term: 'Detectable lift',
    meaning:
      'the smallest lift these group sizes find 80% of the time at 5% (two-sided): 2.801585 × √(p̄(1−p̄)(1/n_t + 1/n_c)), p̄ = (x_t + x_c)/(n_t + n_c).',
  },
  {
    term: 'Incremental win-backs',
    meaning:
      'customers won back because of the programme: treatment returned − control rate × treatment eligible; interval: treatment eligible × the lift’s interval.',
  },
  { term: 'Cost', meaning: 'message cost + offer cost of the treatment arm (the control arm is sent nothing).' },
  {
    term: 'Cost per incremental win-back',
    meaning: 'cost / incremental win-backs; none when there are no incremental win-backs (0 or fewer).',
  },
  { term: 'Cost per acquisition', meaning: 'what acquiring a new customer costs, as configured (costPerAcquisition).' },
  {
    term: 'Of acquisition cost',
    meaning: 'cost per incremental win-back / cost per acquisition: below 100%, an extra customer won back costs less than a new one.',
  },
  {
    term: 'Too small to read',
    meaning:
      'no control group, or fewer than 5 returns or 5 non-returns in an arm: the normal approximation behind the intervals does not hold, and the lift says nothing yet.',
  },
  {
    term: 'Lead over the next best',
    meaning:
      'a variant’s treatment win-back rate − that of the next best variant of the same cohort month and policy, with its Wald 95% interval.',
  },
  {
    term: 'Winner',
    meaning:
      'the best variant of a cohort month and policy, only when its lead’s interval lies above 0 and both variants have 5 returns and 5 non-returns or more.',
  },
  {
    term: 'By exit reason, segment and channel',
    meaning:
      'the kpis rows of that grain, all cohort months of the night together: counts summed, then every rate and statistic recomputed with the formulas above; channel is the first touch’s.',
  },
  { term: 'Contacted', meaning: 'eligible treatment journeys with at least one message sent.' },
  { term: 'Delivered', meaning: 'eligible treatment journeys with at least one message delivered.' },
  { term: 'Clicked', meaning: 'eligible treatment journeys with at least one message clicked.' },
  { term: 'Won back', meaning: 'eligible treatment journeys back within the window at or after the first contact (returned, above).' },
  {
    term: 'Back before the first contact',
    meaning: 'eligible treatment journeys back within the window before their first message or task: not won back.',
  },
  { term: 'Share of eligible', meaning: 'a funnel stage’s customers / eligible.' },
  {
    term: 'Messages failed',
    meaning:
      'treatment messages recorded failed, whatever the reason: refused by the channel, no sender for the channel, or outcome unknown.',
  },
  {
    term: 'Outcome unknown',
    meaning:
      'failed messages that may or may not have gone out: the sender stopped after claiming the touch, or the answer to the send was lost; never sent again.',
  },
  {
    term: 'Observed at 6 (12) months',
    meaning:
      'returned customers (both arms; win-backs and those back before the first contact) whose 6-month (182 days) or 12-month (365 days) mark has passed by the night.',
  },
  {
    term: 'Retained at 6 (12) months',
    meaning:
      'share of the observed with no new churn before the mark; too small to read below 10 observed (one customer would move it by more than 10 points).',
  },
  {
    term: 'NPS',
    meaning:
      '100 × (promoters (9–10) − detractors (0–6)) / answers of returned customers, −100 to 100; too small to read below 10 answers (one answer would move it by more than 10 points).',
  },
  {
    term: 'Retention tasks',
    meaning:
      'accounts escalated to a retention team, by team and the task’s status (open, follow up, retained, ported away, customer returned).',
  },
];
