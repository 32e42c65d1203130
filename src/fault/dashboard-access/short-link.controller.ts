import { Controller, Get, Header, NotFoundException, Param, Redirect } from '@nestjs/common';
import { ApiFoundResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import { Public } from '../../auth/auth.decorators';
import { ApiDatabaseUnavailable, ApiError, ApiRateLimited } from '../../common/api-error-responses';
import { NoStore } from '../../common/cache-control';
import { FaultTokenService } from './fault-token.service';

@ApiTags('faults')
@Controller('s')
export class ShortLinkController {
  constructor(private readonly tokens: FaultTokenService) {}

  /** Open a dashboard short link: 302 to the dashboard (see the 302 description for when the token is attached). */
  @Get(':code')
  @Public()
  @Redirect(undefined, 302)
  @NoStore()
  @Header('Referrer-Policy', 'no-referrer')
  @ApiParam({ name: 'code', description: 'The short code: the last path segment of `short_link` from generateAccessToken' })
  @ApiFoundResponse({
    description:
      'Redirect (`Location`) to the dashboard: `DASHBOARD_URL` with `{code}`/`{token}` filled in and, when it has no `{token}`, the token attached as the fragment `#token=…`; by default this service\'s `/fault/token/{code}`, whose code needs no token attached',
  })
  @ApiError(404, { description: 'Unknown, expired or revoked code', message: 'Short link not found or expired' })
  @ApiRateLimited()
  @ApiDatabaseUnavailable()
  async openShortLink(@Param('code') code: string): Promise<{ url: string; statusCode: number }> {
    const url = await this.tokens.shortLinkTarget(code);
    if (url === null) throw new NotFoundException('Short link not found or expired');
    return { url, statusCode: 302 };
  }
}
