import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs on stderr. Authorization headers and secrets never reach a log call, and the
 * redaction list is a second fence in case a future call passes a whole request.
 */
export function createLogger(level: string, destination: NodeJS.WritableStream = process.stderr): Logger {
  return pino(
    {
      level,
      base: { service: 'hangar' },
      redact: {
        paths: ['authorization', '*.authorization', 'password', '*.password', 'secret', '*.secret', 'key', '*.key', 'token', '*.token'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
