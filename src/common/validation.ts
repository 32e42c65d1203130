import { ArgumentMetadata, BadRequestException, Type, ValidationError, ValidationPipe } from '@nestjs/common';
import { DECORATORS } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';
import { isInstantInRange, unstorableTextReason } from './storage-bounds';

export interface FieldError {
  field: string;
  message: string;
}

/** A 400 that carries one entry per invalid field. */
export class ValidationFailedException extends BadRequestException {
  constructor(readonly fieldErrors: FieldError[]) {
    super(fieldErrors.map((e) => e.message).join('; ') || 'Validation failed');
  }
}

export function flattenValidationErrors(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    // A required field that is missing is one message saying so, not one per rule about its form.
    const constraints = error.constraints?.isDefined !== undefined ? { isDefined: error.constraints.isDefined } : error.constraints;
    const own = Object.values(constraints ?? {}).map((message) => ({
      field,
      message: error.constraints?.whitelistValidation === message ? `property ${field} should not exist` : message,
    }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

/** Bodies and query strings nested deeper than this are refused before any recursive code (validation, transformation) sees them. */
export const MAX_INPUT_DEPTH = 32;

/** True when `value` nests objects/arrays deeper than `limit` (`{}` is depth 1). Iterative: deep input cannot overflow the stack here. */
export function exceedsDepth(value: unknown, limit = MAX_INPUT_DEPTH): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Keys that name Object.prototype members: never a DTO property, and skipped by class-transformer (so whitelisting never saw them). */
const PROTOTYPE_KEYS = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);
const DATE_VALIDATORS = new Set(['isIso8601', 'isDateString', 'isDate']);

type Dto = Type<unknown> & { _OPENAPI_METADATA_FACTORY?: () => Record<string, { nullable?: boolean }> };

function isDto(metatype: unknown): metatype is Dto {
  return typeof metatype === 'function' && ![String, Boolean, Number, Array, Object].includes(metatype as never) && validatorsOf(metatype as Dto).length > 0;
}

function validatorsOf(metatype: Dto): Array<{ propertyName: string; name?: string; each?: boolean }> {
  return getMetadataStorage().getTargetValidationMetadatas(metatype, '', true, false);
}

/** Null only where the OpenAPI document says so (`nullable: true`): the contract and validation cannot disagree. */
function isNullable(metatype: Dto, property: string): boolean {
  const declared = Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES, metatype.prototype as object, property) as { nullable?: boolean } | undefined;
  return declared?.nullable === true || metatype._OPENAPI_METADATA_FACTORY?.()[property]?.nullable === true;
}

/**
 * Before class-transformer and class-validator: unknown and prototype-named keys (at any depth), nulls where the
 * DTO does not allow them, and text PostgreSQL cannot store, each as a field error.
 */
function inspectPlain(value: Record<string, unknown>, metatype: Dto): FieldError[] {
  const errors: FieldError[] = [];
  const known = new Set(validatorsOf(metatype).map((m) => m.propertyName));
  for (const key of Object.keys(value)) {
    if (!known.has(key)) errors.push({ field: key, message: `property ${key} should not exist` });
    else if (value[key] === null && !isNullable(metatype, key)) errors.push({ field: key, message: `${key} must not be null` });
  }
  const stack: Array<[unknown, string]> = Object.keys(value)
    .filter((key) => known.has(key))
    .map((key) => [value[key], key]);
  while (stack.length > 0) {
    const [node, field] = stack.pop()!;
    if (typeof node === 'string') {
      const reason = unstorableTextReason(node);
      if (reason !== undefined) errors.push({ field, message: `${field} ${reason}` });
    } else if (typeof node === 'object' && node !== null) {
      for (const key of Object.keys(node)) {
        const path = `${field}.${key}`;
        if (!Array.isArray(node) && PROTOTYPE_KEYS.has(key)) errors.push({ field: path, message: `property ${path} should not exist` });
        else stack.push([(node as Record<string, unknown>)[key], path]);
      }
    }
  }
  return errors;
}

/** After validation: dates and integers within what the database and the API's timestamp format can hold. */
function inspectValidated(dto: Record<string, unknown>, metatype: Dto): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  for (const { propertyName: field, name } of validatorsOf(metatype)) {
    const value = dto[field];
    if (value === undefined || value === null || seen.has(field)) continue;
    if (name !== undefined && DATE_VALIDATORS.has(name)) {
      const ms = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : NaN;
      if (!isInstantInRange(ms)) {
        seen.add(field);
        errors.push({ field, message: `${field} must be a date-time between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z` });
      }
    } else if (name === 'isInt' && typeof value === 'number' && !Number.isSafeInteger(value)) {
      seen.add(field);
      errors.push({ field, message: `${field} must be an integer between ${Number.MIN_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}` });
    }
  }
  return errors;
}

/**
 * class-validator with whitelisting and unknown properties rejected, plus the checks every DTO gets without
 * asking: unknown or prototype-named keys, nulls outside nullable fields, NUL and lone surrogates in text,
 * dates outside years 1–9999 and unsafe integers — all as 400s naming the field, before the database sees them.
 */
export class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const dto = (metadata.type === 'body' || metadata.type === 'query') && metadata.data === undefined && isDto(metadata.metatype) ? metadata.metatype : undefined;
    if (dto !== undefined && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const errors = inspectPlain(value as Record<string, unknown>, dto);
      if (errors.length > 0) throw new ValidationFailedException(errors);
    }
    const result: unknown = await super.transform(value, metadata);
    if (dto !== undefined && typeof result === 'object' && result !== null) {
      const errors = inspectValidated(result as Record<string, unknown>, dto);
      if (errors.length > 0) throw new ValidationFailedException(errors);
    }
    return result;
  }
}

export function createValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationFailedException(flattenValidationErrors(errors)),
  });
}
