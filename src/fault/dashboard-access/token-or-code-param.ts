import { ApiParam } from '@nestjs/swagger';

/** The `:id` of the dashboard-token routes: the token itself or its short code. */
export const TokenOrCodeParam = (): MethodDecorator =>
  ApiParam({ name: 'id', description: 'The dashboard `token`, or its short code (the last path segment of `short_link`), from generateAccessToken' });
