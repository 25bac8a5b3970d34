/**
 * Text files a Lambda bundle embeds with esbuild's `text` loader (`bundling.loader` in lib/),
 * e.g. `import kpiSql from '../../sql/kpis.sql'`: the file's content as a string. Only handlers
 * import them; tsx and vitest cannot, so nothing under `shared/` or `tests/` does.
 */
declare module '*.sql' {
  const text: string;
  export default text;
}
