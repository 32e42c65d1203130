/** The five fields of a cron expression and the values each accepts (day of week: 0 and 7 are Sunday). */
const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
] as const;

const PART = /^(\*|(\d{1,2})(?:-(\d{1,2}))?)(?:\/(\d{1,2}))?$/;

/**
 * Why `expression` is not a five-field cron expression of numbers (`*`, `n`, `a-b`, lists and `/step`),
 * or undefined when it is one. Schedules are UTC. Names (`MON`, `JAN`) and `@hourly` are not accepted:
 * the job queue takes this exact form.
 */
export function cronProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== FIELDS.length) return `must be a cron expression of 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`;
  for (const [i, field] of fields.entries()) {
    const { name, min, max } = FIELDS[i];
    for (const part of field.split(',')) {
      const m = PART.exec(part);
      const inRange = (v: string | undefined): boolean => v === undefined || (Number(v) >= min && Number(v) <= max);
      if (m === null || !inRange(m[2]) || !inRange(m[3]) || (m[3] !== undefined && Number(m[3]) < Number(m[2])) || (m[4] !== undefined && Number(m[4]) < 1)) {
        return `has an invalid ${name} field "${field}" (numbers ${min}-${max}, *, ranges a-b, lists and /step)`;
      }
    }
  }
  return undefined;
}
