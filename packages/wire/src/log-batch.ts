/**
 * Hangar's request header on RobotService/Log: the sender's number for the batch (`<stream> <seq>`, see
 * LogSequence in the store). A batch sent again after its answer was lost carries the same number and is
 * stored once. Official clients never send it; their batches are stored each time they arrive.
 */
export const LOG_BATCH_HEADER = 'hangar-log-batch';

export interface LogBatchNumber {
  /** One run of the sender: 8–64 letters, digits, `-` or `_`. */
  readonly stream: string;
  /** 1, 2, 3, … within the stream; a batch sent again keeps its number. */
  readonly seq: number;
}

const STREAM = /^[A-Za-z0-9_-]{8,64}$/;

export const formatLogBatch = (n: LogBatchNumber): string => `${n.stream} ${n.seq}`;

/** The header's number; undefined when absent; an Error saying what is wrong when malformed. */
export function parseLogBatch(value: string | null): LogBatchNumber | undefined | Error {
  if (value === null) return undefined;
  const [stream, seqText, ...rest] = value.trim().split(/\s+/);
  const seq = Number(seqText);
  if (stream === undefined || !STREAM.test(stream) || rest.length > 0 || !/^[1-9]\d*$/.test(seqText ?? '') || !Number.isSafeInteger(seq)) {
    return new Error(
      `${LOG_BATCH_HEADER} must be "<stream> <seq>": a stream of 8–64 letters, digits, - or _, and a batch number from 1; got "${value}"`,
    );
  }
  return { stream, seq };
}
