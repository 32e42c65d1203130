import { Controller, Get, Header, NotFoundException, Param, Redirect } from '@nestjs/common';
import { ApiFoundResponse, ApiNotFoundResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import { ErrorResponseDto } from '../common/error-response.dto';
import { FaultTokenService } from './fault-token.service';

@ApiTags('faults')
@Controller('s')
export class ShortLinkController {
  constructor(private readonly tokens: FaultTokenService) {}

  /** Open a dashboard short link: 302 to the dashboard with the token attached. */
  @Get(':code')
  @Public()
  @Redirect(undefined, 302)
  @Header('Cache-Control', 'no-store')
  @Header('Referrer-Policy', 'no-referrer')
  @ApiFoundResponse({ description: 'Redirect to the dashboard' })
  @ApiNotFoundResponse({ description: 'Unknown, expired or revoked', type: ErrorResponseDto })
  async openShortLink(@Param('code') code: string): Promise<{ url: string; statusCode: number }> {
    const url = await this.tokens.shortLinkTarget(code);
    if (url === null) throw new NotFoundException('Short link not found or expired');
    return { url, statusCode: 302 };
  }
}
