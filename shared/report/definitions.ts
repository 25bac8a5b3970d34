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
    term: 'Eligible',
    meaning: 'journeys planned under the policy (worth a touch), per arm; the control arm is planned too, and sent nothing.',
  },
  { term: 'Returned', meaning: 'eligible journeys whose customer came back within the conversion window.' },
  { term: 'Win-back rate', meaning: 'returned / eligible, per arm (by intention to treat: every eligible journey, contacted or not).' },
  {
    term: '95% interval of a rate',
    meaning:
      'Wilson score interval: (p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n), with p the rate, n the eligible (or observed) count and z = 1.959964.',
  },
  { term: 'Lift', meaning: 'treatment win-back rate − control win-back rate, in percentage points (pp).' },
  { term: '95% interval of the lift', meaning: 'lift ± z·√(p_t(1−p_t)/n_t + p_c(1−p_c)/n_c) (Wald, two proportions).' },
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
      'a comparison with fewer than 5 returns or 5 non-returns in either arm: its rates, lift and incremental win-backs say nothing yet.',
  },
  {
    term: 'Lead over the next best',
    meaning: 'a variant’s treatment win-back rate − that of the next best variant of the same cohort month, with its Wald 95% interval.',
  },
  {
    term: 'Winner',
    meaning:
      'the best variant of a cohort month, only when its lead’s interval lies above 0 and both variants have 5 returns and 5 non-returns or more.',
  },
  {
    term: 'By exit reason, segment and channel',
    meaning:
      'the same comparison per value, all cohort months of the night together (counts summed, rates recomputed); channel is the first touch’s.',
  },
  { term: 'Contacted', meaning: 'eligible treatment journeys with at least one message sent.' },
  { term: 'Delivered', meaning: 'eligible treatment journeys with at least one message delivered.' },
  { term: 'Clicked', meaning: 'eligible treatment journeys with at least one message clicked.' },
  { term: 'Returned after a message', meaning: 'eligible treatment journeys returned within the window with at least one message sent.' },
  {
    term: 'Returned before any message',
    meaning: 'eligible treatment journeys returned within the window with no message sent: not won back by a message.',
  },
  { term: 'Share of eligible', meaning: 'a funnel stage’s customers / eligible.' },
  {
    term: 'Observed at 6 (12) months',
    meaning: 'returned customers (both arms) whose 6-month (182 days) or 12-month (365 days) mark has passed by the night.',
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
