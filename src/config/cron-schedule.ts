import { parseExpression } from 'cron-parser';

/** The fields of the minute-based schedules the job queue runs (it reads them with cron-parser too). */
const FIELD_NAMES = ['minute', 'hour', 'day-of-month', 'month', 'day-of-week'];

/**
 * Why `expression` is not a five-field cron expression, or undefined when it is one: parsed by
 * `cron-parser`, the library pg-boss schedules with, so what passes here is what the job queue
 * runs. Schedules are UTC; five fields only (the queue's granularity is a minute, no seconds).
 */
export function cronProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/).filter(Boolean);
  if (fields.length !== FIELD_NAMES.length) return `must be a cron expression of 5 fields (${FIELD_NAMES.join(' ')}), got ${fields.length}`;
  try {
    parseExpression(fields.join(' '), { utc: true });
    return undefined;
  } catch (error) {
    return `is not a valid cron expression: ${(error as Error).message}`;
  }
}
