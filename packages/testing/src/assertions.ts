import { Code, HangarError, codeName } from '@hangar/sdk';

/** For `assert.rejects(promise, hasCode(Code.NotFound))`: matches our SDK's and the official SDK's errors. */
export function hasCode(code: Code, messagePart?: string | RegExp) {
  return (err: unknown): true => {
    const actual = codeOf(err);
    if (actual !== code) {
      throw new Error(
        `expected ${codeName(code)}, got ${actual === undefined ? String(err) : `${codeName(actual)}: ${(err as Error).message}`}`,
      );
    }
    if (messagePart !== undefined) {
      const message = (err as Error).message;
      const ok = typeof messagePart === 'string' ? message.includes(messagePart) : messagePart.test(message);
      if (!ok) throw new Error(`expected the message to match ${String(messagePart)}, got ${JSON.stringify(message)}`);
    }
    return true;
  };
}

/** The gRPC code of an error from our SDK or the official one (a bundled ConnectError with a numeric code). */
export function codeOf(err: unknown): Code | undefined {
  if (err instanceof HangarError) return err.code;
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'number') {
    return (err as { code: Code }).code;
  }
  return undefined;
}

/** The code a call ends with: Code.Ok-like 0 for success. */
export async function outcome(call: Promise<unknown>): Promise<Code | 0> {
  try {
    await call;
    return 0;
  } catch (err) {
    const code = codeOf(err);
    if (code === undefined) throw err;
    return code;
  }
}

export { Code };
