import { Controller, Delete, HttpCode, Param } from '@nestjs/common';
import { ApiAcceptedResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentService } from '../auth/auth.decorators';
import { ServicePrincipal } from '../auth/principal';
import { ApiDatabaseUnavailable, ApiValidationError } from '../common/api-error-responses';
import { TenantOffboardingDto } from './dto/tenant-offboarding.dto';
import { TenantOffboardingService } from './tenant-offboarding.service';

/** Service-to-service tenant administration (service tokens with `tenants:admin`). */
@ApiTags('tenants (internal)')
@ApiDatabaseUnavailable()
@Auth({ service: ['tenants:admin'] })
@Controller('internal/tenants')
export class TenantsController {
  constructor(private readonly offboarding: TenantOffboardingService) {}

  /**
   * Offboard a tenant: its tenant key is destroyed first (every vault value unreadable at once, also
   * from backups of the value rows), its tokens are refused from then on, and its rows are deleted
   * in the background. Repeating it answers the offboarding's current state.
   */
  @Delete(':customer_id')
  @HttpCode(202)
  @ApiParam({ name: 'customer_id', description: 'The tenant to offboard (1-128 letters, digits, "_" or "-")', example: 'cus_departed_demo' })
  @ApiAcceptedResponse({ type: TenantOffboardingDto, description: 'The tenant key is destroyed; the deletion of its rows is under way (or done)' })
  @ApiValidationError('customer_id is not a tenant id', [{ field: 'customer_id', message: 'customer_id must be 1-128 letters, digits, "_" or "-"' }])
  offboardTenant(@CurrentService() principal: ServicePrincipal, @Param('customer_id') customerId: string): Promise<TenantOffboardingDto> {
    return this.offboarding.offboard(principal, customerId);
  }
}
