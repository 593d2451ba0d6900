import { describe, expect, it } from 'vitest';
import type { FieldError } from '../../../../functions/core/shared/field-errors';
import { checkDataSchema, validateData } from '../../../../functions/core/templates/data-schema';

describe('checkDataSchema', () => {
  it('accepts the subset and names what it does not support', () => {
    const errors: FieldError[] = [];
    checkDataSchema(
      {
        type: 'object',
        properties: { a: { type: 'string', format: 'email' }, b: { pattern: 'x+' } },
        required: ['a'],
      },
      ['dataSchema'],
      errors,
    );
    expect(errors).toEqual([expect.objectContaining({ path: 'dataSchema.properties.b.pattern' })]);
  });
});

describe('validateData', () => {
  const schema = {
    type: 'object' as const,
    required: ['order'],
    additionalProperties: false,
    properties: {
      order: {
        type: 'object' as const,
        properties: {
          total: { type: 'number' as const, minimum: 0 },
          items: { type: 'array' as const, items: { type: 'string' as const }, maxItems: 2 },
          status: { enum: ['paid', 'open'] },
        },
      },
      email: { type: 'string' as const, format: 'email' as const },
    },
  };

  it('reports every mismatch at its path', () => {
    expect(
      validateData(
        schema,
        {
          order: { total: -1, items: ['a', 2, 'c'], status: 'lost' },
          email: 'nope',
          extra: true,
        },
        ['data'],
      ),
    ).toEqual([
      { path: 'data.order.total', message: 'must be at least 0' },
      { path: 'data.order.items', message: 'must have at most 2 items' },
      { path: 'data.order.items[1]', message: 'must be string' },
      { path: 'data.order.status', message: 'must be one of "paid", "open"' },
      { path: 'data.email', message: 'must be in email format' },
      { path: 'data.extra', message: 'unknown field' },
    ]);
    expect(validateData(schema, { order: { total: 3 } }, ['data'])).toEqual([]);
    expect(validateData(schema, {}, ['data'])).toEqual([
      { path: 'data.order', message: 'is required' },
    ]);
  });
});
