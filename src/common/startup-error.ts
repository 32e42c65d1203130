/**
 * A start that cannot succeed until the operator changes something: its message is one line naming the
 * variable to change (PORT, DATABASE_URL, EMBEDDED_PG_PORT, DATA_DIR…). main.ts logs it as one fatal line,
 * without a stack, and exits with code 1.
 */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}
