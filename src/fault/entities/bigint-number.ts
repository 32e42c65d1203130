/** A bigint column's transformer: pg answers bigints as strings; Unix-second ttls stay numbers in the code. */
export const bigintNumber = { to: (v: number): number => v, from: (v: string | null): number | null => (v === null ? null : Number(v)) };
