import { Global, Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { AuthConfig } from '../config/auth.config';
import { AuthGuard } from './auth.guard';
import { OffboardedTenants } from './offboarded-tenants';
import { TenantAccess } from './tenant-access';
import { TokenVerifierRegistry } from './token-verifier.registry';
import { UserTokenVerifier } from './user-token.verifier';

/**
 * Deny by default: the AuthGuard (registered globally by the AppModule)
 * authenticates every route not marked @Public(). Feature modules register
 * the verifiers of the tokens they mint in the TokenVerifierRegistry.
 */
@Global()
@Module({
  // HS256 user tokens under the shared secret (development, tests): verified by @nestjs/jwt, the algorithm pinned.
  imports: [
    JwtModule.registerAsync({
      inject: [AuthConfig],
      useFactory: (config: AuthConfig) => ({
        secret: config.jwtSecret,
        signOptions: { algorithm: 'HS256' },
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
  ],
  providers: [UserTokenVerifier, TokenVerifierRegistry, TenantAccess, AuthGuard, OffboardedTenants],
  exports: [TokenVerifierRegistry, TenantAccess, AuthGuard, OffboardedTenants],
})
export class AuthModule {}
