/**
 * TabularDataBySQL's first guard: the query must be one SELECT that reads only the `readings` relation
 * (or `sensorData.readings`, as Viam names it) and common table expressions of its own, and calls no
 * function that reaches outside it (files, settings, other queries). What passes is rewritten so that
 * `readings` is the organization's readings and nothing else; the runner (sql-runner.ts) adds the second
 * guard, a read-only transaction on a connection of its own with a time limit.
 */
import { invalid } from '@hangar/domain';
import sqlParser from 'node-sql-parser';

export type SqlEngine = 'sqlite' | 'postgres';

const MAX_QUERY_CHARS = 64 * 1024;

/**
 * Functions that read files, change settings, run other SQL or reach other databases. Read-only
 * transactions stop writes; these would still read past `readings`, or sleep past the limit's reach.
 */
const DENIED_FUNCTION = [
  /^pg_/,
  /^lo_/,
  /^dblink/,
  /^set_config$/,
  /^current_setting$/,
  /_to_xml/,
  /^xml/,
  /^query_to/,
  /^txid_/,
  /^nextval$/,
  /^setval$/,
  /^currval$/,
  /^lastval$/,
  /^load_extension$/,
  /^readfile$/,
  /^writefile$/,
  /^edit$/,
  /^fts3_tokenizer$/,
  /^sqlite_/,
];

const SCHEMA_QUALIFIED_READINGS = /(?:"sensorData"|\bsensorData\b)\s*\.\s*(?:"readings"|\breadings\b)/gi;

type AstNode = Readonly<Record<string, unknown>>;

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null;
}

/** Calls `fn` on every object node of a parsed statement, at any depth. */
function visit(node: unknown, fn: (node: AstNode) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) visit(item, fn);
    return;
  }
  if (!isNode(node)) return;
  fn(node);
  for (const value of Object.values(node)) visit(value, fn);
}

/** Every function a parsed statement calls, lower-cased, wherever it sits. */
function functionNames(statement: unknown): Set<string> {
  const names = new Set<string>();
  visit(statement, (node) => {
    if (node.type !== 'function' && node.type !== 'aggr_func') return;
    const name = node.name;
    if (typeof name === 'string') names.add(name.toLowerCase());
    // A schema-qualified call (pg_catalog.pg_sleep) names every part: each is checked.
    else if (isNode(name) && Array.isArray(name.name))
      for (const part of name.name as unknown[]) if (isNode(part) && typeof part.value === 'string') names.add(part.value.toLowerCase());
  });
  return names;
}

/** Names the statement defines in WITH clauses, at any depth. */
function cteNames(statement: unknown): Set<string> {
  const names = new Set<string>();
  visit(statement, (node) => {
    if (!Array.isArray(node.with)) return;
    for (const cte of node.with as unknown[]) {
      if (!isNode(cte)) continue;
      const name = cte.name;
      if (isNode(name) && typeof name.value === 'string') names.add(name.value.toLowerCase());
      else if (typeof name === 'string') names.add(name.toLowerCase());
    }
  });
  return names;
}

function stripLeadingComments(text: string): string {
  let rest = text;
  for (;;) {
    const trimmed = rest.replace(/^\s+/, '');
    if (trimmed.startsWith('--')) {
      const end = trimmed.indexOf('\n');
      rest = end < 0 ? '' : trimmed.slice(end + 1);
    } else if (trimmed.startsWith('/*')) {
      const end = trimmed.indexOf('*/');
      rest = end < 0 ? '' : trimmed.slice(end + 2);
    } else return trimmed;
  }
}

/**
 * The user's query with `readings` bound to `relation` (a SELECT over the organization's rows): the
 * binding joins the query's own WITH list when it has one, so the query runs as written.
 */
export function bindReadings(query: string, relation: string): string {
  const body = stripLeadingComments(query).replace(/;\s*$/, '');
  const withClause = /^with\s+(recursive\s+)?/i.exec(body);
  if (withClause !== null) {
    return `WITH ${withClause[1] ?? ''}readings AS (${relation}), ${body.slice(withClause[0].length)}`;
  }
  return `WITH readings AS (${relation}) ${body}`;
}

/**
 * Checks a TabularDataBySQL query and returns it with `sensorData.readings` spelled `readings`; any
 * failure is INVALID_ARGUMENT saying what is accepted.
 */
export function checkReadingsQuery(query: string, engine: SqlEngine): string {
  if (query.trim() === '') throw invalid('sql_query is empty: give one SELECT over readings, e.g. SELECT count(*) FROM readings');
  if (query.length > MAX_QUERY_CHARS) throw invalid(`sql_query is longer than ${MAX_QUERY_CHARS} characters`);
  const text = query.replace(SCHEMA_QUALIFIED_READINGS, 'readings');
  const parser = new sqlParser.Parser();
  const options = { database: engine === 'postgres' ? 'postgresql' : 'sqlite' };
  let ast: unknown;
  let tables: string[];
  try {
    ast = parser.astify(text, options);
    tables = parser.tableList(text, options);
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw invalid(`sql_query does not parse as ${engine === 'postgres' ? 'PostgreSQL' : 'SQLite'} SQL: ${reason}`);
  }
  const statements = Array.isArray(ast) ? ast : [ast];
  if (statements.length !== 1) throw invalid('sql_query must be exactly one statement: one SELECT over readings');
  const statement: unknown = statements[0];
  if (!isNode(statement) || statement.type !== 'select')
    throw invalid('sql_query must be a SELECT: data is read here, never changed (use the delete calls to remove data)');
  if (isNode(statement.into) && statement.into.expr !== undefined && statement.into.expr !== null)
    throw invalid('SELECT … INTO is not allowed: a query only reads readings');

  const own = cteNames(statement);
  if (own.has('readings')) throw invalid('readings is the name of your data: give your WITH query another name');
  for (const entry of tables) {
    const [, schema, table] = entry.split('::');
    const name = (table ?? '').toLowerCase();
    const qualified = schema !== undefined && schema !== 'null';
    if (qualified || (name !== 'readings' && !own.has(name))) {
      const shown = qualified ? `${schema}.${table}` : table;
      throw invalid(`sql_query may read only readings (or sensorData.readings), not ${shown ?? 'that table'}`);
    }
  }
  for (const fn of functionNames(statement)) {
    if (DENIED_FUNCTION.some((pattern) => pattern.test(fn))) throw invalid(`sql_query may not call ${fn}(): it reaches outside readings`);
  }
  return text;
}
