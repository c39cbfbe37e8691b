import type { CompiledQuery, Compilable, DialectAdapter } from 'kysely';
import type { Executor } from './rows.js';

/**
 * A query compiled once and run with new parameters each time. Building and compiling a Kysely query costs
 * about as much as running a cached statement, which matters only on the few queries every call makes
 * (authentication, the target lookup). The query is compiled with marker values; each run puts the
 * caller's values where the markers ended up among the parameters. One compilation per engine: a process
 * may hold both (the tests do).
 */
export function reusable<A extends readonly string[], R>(build: (db: Executor, ...args: A) => Compilable<R>, arity: A['length']) {
  const markers = Array.from({ length: arity }, (_, i) => `\u0000hangar-param-${i}\u0000`);
  const byEngine = new WeakMap<DialectAdapter, { query: CompiledQuery<R>; slots: number[] }>();
  return async (db: Executor, ...args: A): Promise<R[]> => {
    const engine = db.getExecutor().adapter;
    let compiled = byEngine.get(engine);
    if (compiled === undefined) {
      const query = build(db, ...(markers as unknown as A)).compile();
      const slots = query.parameters.map((p) => markers.indexOf(p as string));
      // Every marker must have come through as a parameter, or the cached text would hold a value.
      if (!markers.every((_, i) => slots.includes(i))) throw new Error('reusable(): every argument must become a query parameter');
      compiled = { query, slots };
      byEngine.set(engine, compiled);
    }
    const { query, slots } = compiled;
    const parameters = query.parameters.map((p, i) => {
      const slot = slots[i] ?? -1;
      return slot === -1 ? p : args[slot];
    });
    return (await db.executeQuery<R>({ ...query, parameters })).rows;
  };
}
