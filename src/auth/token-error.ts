/** A token that must be refused with 401; the message says why, never echoes the token. */
export class TokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenError';
  }
}
