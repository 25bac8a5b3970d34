/**
 * Writes a night's KPI report where people read it: the lake bucket's `reports/` in AWS, the local
 * lake folder locally. The nightly job calls it once the night's KPIs are written.
 */
export interface ReportPublisher {
  /**
   * Builds the report of the night `date` from the KPI tables and writes it.
   * @returns the keys written (the night's page, and the `latest` copy when it is the latest night)
   */
  publish(date: string): Promise<{ keys: string[] }>;
}
