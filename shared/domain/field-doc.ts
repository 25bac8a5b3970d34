/**
 * The documentation a schema field carries into the generated JSON Schema and field reference
 * (docs/policies.md): what it means and, for a quantity, its unit (the `x-unit` keyword).
 */
export const doc = (description: string, unit?: string) => ({ description, ...(unit ? { 'x-unit': unit } : {}) });
