import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** A query-string integer: only plain decimal digits become a number ("1e2", "0x10" or " 5" stay strings and fail IsInt). */
export const toInt = ({ value }: { value: unknown }): unknown => (typeof value === 'string' && /^-?\d{1,9}$/.test(value) ? Number(value) : value);

/** The `limit` of a paged list: an integer 1–`max`, `defaultSize` when absent. */
export function PageLimit(defaultSize: number, max = 100): PropertyDecorator {
  return applyDecorators(ApiPropertyOptional({ minimum: 1, maximum: max, default: defaultSize }), IsOptional(), Transform(toInt), IsInt(), Min(1), Max(max));
}
