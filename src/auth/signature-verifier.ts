import { JwtPayload } from './claims';
import { DecodedToken } from './decoded-token';

/** The service's clock and tolerance, handed to the JOSE library so its `exp`/`nbf` checks agree with ours. */
export interface VerificationTime {
  nowSeconds: number;
  clockToleranceSeconds: number;
}

/**
 * Checks a token's signature with a JOSE library, the algorithm pinned, and returns the payload
 * the library verified; a TokenError (401) saying why otherwise.
 */
export interface SignatureVerifier {
  verify(token: DecodedToken, time: VerificationTime): Promise<JwtPayload>;
}
