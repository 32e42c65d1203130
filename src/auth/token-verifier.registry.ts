import { Injectable } from '@nestjs/common';
import { DecodedToken } from './decoded-token';
import { Principal } from './principal';

/** Verifies one kind of token this service mints itself (e.g. fault dashboard tokens). */
export interface OwnTokenVerifier {
  /** The audience that marks this kind of token; user sessions naming it are refused. */
  readonly audience: string;
  verify(token: DecodedToken): Promise<Principal>;
}

/**
 * Feature modules register the verifiers of the tokens they mint, so the one
 * global guard can accept them without depending on those modules.
 */
@Injectable()
export class TokenVerifierRegistry {
  private readonly byAudience = new Map<string, OwnTokenVerifier>();

  register(verifier: OwnTokenVerifier): void {
    this.byAudience.set(verifier.audience, verifier);
  }

  get audiences(): string[] {
    return [...this.byAudience.keys()];
  }

  /** The verifier whose audience the (not yet verified) token names, if any. */
  find(token: DecodedToken): OwnTokenVerifier | undefined {
    const aud = token.payload.aud;
    if (typeof aud !== 'string') return undefined;
    return this.byAudience.get(aud);
  }
}
