import { JsonWebTokenError, NotBeforeError, TokenExpiredError } from '@nestjs/jwt';
import { errors as jose } from 'jose';
import { DecodedToken } from './decoded-token';
import { TokenError } from './token-error';

/** What to say for a signature that does not verify (development adds where its key comes from). */
export const BAD_SIGNATURE = 'Token signature is invalid';

/**
 * Why `@nestjs/jwt` (jsonwebtoken) or `jose` refused a token, in the service's words: a 401 says
 * why without echoing the token. A malformed claim is explained by the service's own claim rules
 * (`explainClaims` throws the precise TokenError), so both libraries give the same answers.
 */
export function refusalOf(error: unknown, token: DecodedToken, explainClaims: () => void, badSignature = BAD_SIGNATURE): TokenError {
  if (error instanceof TokenError) return error;
  if (error instanceof TokenExpiredError || error instanceof jose.JWTExpired) return new TokenError('Token has expired');
  if (error instanceof NotBeforeError || (error instanceof jose.JWTClaimValidationFailed && error.claim === 'nbf' && error.reason === 'check_failed')) {
    return new TokenError('Token is not valid yet (nbf)');
  }
  if (error instanceof jose.JWSSignatureVerificationFailed) return new TokenError(badSignature);
  if (error instanceof jose.JOSEAlgNotAllowed) return new TokenError(`Token algorithm ${token.header.alg} is not accepted`);
  if (error instanceof jose.JWKSNoMatchingKey) return new TokenError("No key of the identity provider matches the token's key id (kid) and algorithm");
  if (error instanceof jose.JWKSMultipleMatchingKeys) return new TokenError('Token has no key id (kid) and the identity provider has several keys');
  if (error instanceof JsonWebTokenError) {
    if (error.message === 'invalid signature') return new TokenError(badSignature);
    if (error.message === 'invalid algorithm' || error.message === 'jwt signature is required') {
      return new TokenError(`Token algorithm ${token.header.alg} is not accepted`);
    }
  }
  if (error instanceof JsonWebTokenError || error instanceof jose.JOSEError) {
    try {
      explainClaims();
    } catch (precise) {
      if (precise instanceof TokenError) return precise;
      throw precise;
    }
    return new TokenError('Malformed token');
  }
  throw error;
}
