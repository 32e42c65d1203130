import { JwtService } from '@nestjs/jwt';
import { JwtPayload, validateClaims } from './claims';
import { DecodedToken } from './decoded-token';
import { BAD_SIGNATURE, refusalOf } from './library-errors';
import { SignatureVerifier, VerificationTime } from './signature-verifier';

/**
 * HS256 under one shared secret (development and tests): `@nestjs/jwt`'s JwtService, registered
 * with the secret by the AuthModule, verifies with the algorithm pinned to HS256.
 */
export class SharedSecretVerifier implements SignatureVerifier {
  constructor(
    private readonly jwt: JwtService,
    /** Added to a bad-signature message, e.g. where development tokens come from. */
    private readonly signatureHint?: string,
  ) {}

  async verify(token: DecodedToken, time: VerificationTime): Promise<JwtPayload> {
    try {
      return this.jwt.verify<JwtPayload>(token.raw, { algorithms: ['HS256'], clockTimestamp: time.nowSeconds, clockTolerance: time.clockToleranceSeconds });
    } catch (error) {
      const badSignature = this.signatureHint === undefined ? BAD_SIGNATURE : `${BAD_SIGNATURE}: ${this.signatureHint}`;
      throw refusalOf(error, token, () => validateClaims(token.payload, time), badSignature);
    }
  }
}
