import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentTenant } from '../../auth/auth.decorators';
import { TenantPrincipal } from '../../auth/principal';
import { ApiDatabaseUnavailable, ApiJsonBodyErrors } from '../../common/api-error-responses';
import { EscalationPolicyDto, EscalationPolicyInputDto } from './dto/escalation.dto';
import { FaultEscalationService } from './fault-escalation.service';

const EXAMPLES = {
  threeSteps: { summary: 'Page after 15 min, then 1 h, then 4 h', value: { min_severity: 'HIGH', after_minutes: [15, 60, 240] } },
  off: { summary: 'Turn escalation off', value: { min_severity: 'HIGH', after_minutes: [] } },
};

@ApiTags('faults')
@ApiDatabaseUnavailable()
@Controller('fault/escalation')
export class FaultEscalationController {
  constructor(private readonly escalation: FaultEscalationService) {}

  /** The tenant's escalation policy (`after_minutes: []` when off, the default). */
  @Get()
  @Auth({ user: ['faults:read'] })
  @ApiOkResponse({ type: EscalationPolicyDto })
  getFaultEscalation(@CurrentTenant() p: TenantPrincipal): Promise<EscalationPolicyDto> {
    return this.escalation.get(p.customerId);
  }

  /**
   * Set the policy: an unresolved, unacknowledged, unsilenced root fault of at least `min_severity` gets one
   * `fault.escalated` event per step, each `after_minutes` after it was reported (or reopened).
   */
  @Put()
  @Auth({ user: ['faults:write'] })
  @ApiBody({ type: EscalationPolicyInputDto, examples: EXAMPLES })
  @ApiOkResponse({ type: EscalationPolicyDto })
  @ApiJsonBodyErrors([{ field: 'after_minutes', message: 'after_minutes must be strictly increasing' }])
  putFaultEscalation(@CurrentTenant() p: TenantPrincipal, @Body() body: EscalationPolicyInputDto): Promise<EscalationPolicyDto> {
    return this.escalation.put(p, body);
  }
}
