import { Clock } from '../src/common/clock';
import { JwtService } from '@nestjs/jwt';
import { decodeToken } from '../src/auth/decoded-token';
import { signDevToken } from '../src/auth/dev-token';
import { UserTokenVerifier } from '../src/auth/user-token.verifier';
import { AuthConfig } from '../src/config/auth.config';

/** Verifications per second of a user token through the service's own verifier, on one core. */
export async function measureTokenVerification(secret: string, iterations: number): Promise<{ verificationsPerSecond: number; microsPerVerify: number }> {
  const verifier = new UserTokenVerifier(AuthConfig.fromEnv({ JWT_SECRET: secret }), new Clock(), new JwtService({ secret, verifyOptions: { algorithms: ['HS256'] } }));
  const token = signDevToken({ secret, customerId: 'cus_bench' });
  for (let i = 0; i < 1000; i++) await verifier.verify(decodeToken(token), []);
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await verifier.verify(decodeToken(token), []);
  const micros = Number(process.hrtime.bigint() - started) / 1000 / iterations;
  return { verificationsPerSecond: Math.round(1e6 / micros), microsPerVerify: micros };
}
