/**
 * An account's value as an operator writes it in a policy: arithmetic over named numbers, e.g. a
 * VoIP carrier's `subscriptions - totalBuyCost + totalSaleCost` or `monthlyRevenue * tenureMonths`.
 *
 * The grammar is deliberately tiny (numbers, names, `+ - * /`, unary minus, parentheses) and is
 * parsed here, never evaluated as code: a policy file must not be a way to run JavaScript, and an
 * expression library would bring functions, assignments and property access we would then have to
 * forbid. A formula is parsed once, when the policy is validated, so a typo fails the policy with
 * its position instead of failing a journey.
 *
 *     expression := term (('+' | '-') term)*
 *     term       := factor (('*' | '/') factor)*
 *     factor     := number | name | '-' factor | '(' expression ')'
 */

type Node =
  | { kind: 'number'; value: number }
  | { kind: 'name'; name: string }
  | { kind: 'negate'; operand: Node }
  | { kind: 'binary'; operator: '+' | '-' | '*' | '/'; left: Node; right: Node };

/** A parsed formula: the names it reads, and its value for given numbers. */
export interface ValueFormula {
  readonly source: string;
  readonly names: readonly string[];
  /** The value, or undefined when a name it reads is missing or the result is not a finite number (e.g. a division by zero). */
  evaluate(values: (name: string) => number | undefined): number | undefined;
}

export class FormulaError extends Error {}

const TOKEN = /(\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|([-+*/()])/y;
/** Bounds what a policy can ask of the evaluator; real formulas have a handful of terms. */
const MAX_SOURCE_LENGTH = 500;
const MAX_DEPTH = 32;

interface Token {
  text: string;
  /** 1-based column, for error messages. */
  at: number;
  kind: 'number' | 'name' | 'symbol';
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  for (let index = 0; ; ) {
    while (index < source.length && /\s/.test(source[index]!)) index++;
    if (index >= source.length) return tokens;
    TOKEN.lastIndex = index;
    const match = TOKEN.exec(source);
    if (!match) throw new FormulaError(`unexpected "${source[index]}" at ${index + 1}`);
    const [text, number, name] = match;
    tokens.push({ text, at: index + 1, kind: number ? 'number' : name ? 'name' : 'symbol' });
    index = TOKEN.lastIndex;
  }
}

/** Parses a formula; throws {@link FormulaError} naming the position of the first problem. */
export function parseFormula(source: string): ValueFormula {
  if (source.length > MAX_SOURCE_LENGTH) throw new FormulaError(`is longer than ${MAX_SOURCE_LENGTH} characters`);
  const tokens = tokenize(source);
  let position = 0;
  const peek = () => tokens[position]?.text;
  const fail = (expected: string): never => {
    const token = tokens[position];
    throw new FormulaError(token ? `expected ${expected} at ${token.at}, found "${token.text}"` : `expected ${expected} at the end`);
  };

  const expression = (depth: number): Node => {
    let node = term(depth);
    for (let op = peek(); op === '+' || op === '-'; op = peek()) {
      position++;
      node = { kind: 'binary', operator: op, left: node, right: term(depth) };
    }
    return node;
  };
  const term = (depth: number): Node => {
    let node = factor(depth);
    for (let op = peek(); op === '*' || op === '/'; op = peek()) {
      position++;
      node = { kind: 'binary', operator: op, left: node, right: factor(depth) };
    }
    return node;
  };
  const factor = (depth: number): Node => {
    if (depth > MAX_DEPTH) throw new FormulaError(`is nested more than ${MAX_DEPTH} levels deep`);
    const token = tokens[position];
    if (!token) return fail('a number, a name or "("');
    position++;
    if (token.kind === 'number') return { kind: 'number', value: Number(token.text) };
    if (token.kind === 'name') return { kind: 'name', name: token.text };
    if (token.text === '-') return { kind: 'negate', operand: factor(depth + 1) };
    if (token.text === '(') {
      const inner = expression(depth + 1);
      if (peek() !== ')') fail('")"');
      position++;
      return inner;
    }
    position--;
    return fail('a number, a name or "("');
  };

  const root = expression(0);
  if (position < tokens.length) fail('an operator');
  const names = [...new Set(tokens.filter((t) => t.kind === 'name').map((t) => t.text))];
  return {
    source,
    names,
    evaluate(values) {
      const result = evaluateNode(root, values);
      return result !== undefined && Number.isFinite(result) ? result : undefined;
    },
  };
}

function evaluateNode(node: Node, values: (name: string) => number | undefined): number | undefined {
  switch (node.kind) {
    case 'number':
      return node.value;
    case 'name':
      return values(node.name);
    case 'negate': {
      const operand = evaluateNode(node.operand, values);
      return operand === undefined ? undefined : -operand;
    }
    case 'binary': {
      const left = evaluateNode(node.left, values);
      const right = evaluateNode(node.right, values);
      if (left === undefined || right === undefined) return undefined;
      if (node.operator === '+') return left + right;
      if (node.operator === '-') return left - right;
      if (node.operator === '*') return left * right;
      return left / right;
    }
  }
}
