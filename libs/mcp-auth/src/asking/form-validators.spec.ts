import { FormValidators } from './form-validators.js';

const form = (field: string) => ({ type: 'object' as const, properties: { [field]: { type: 'string' as const } }, required: [field] });

describe('FormValidators', () => {
  it('checks content against the form, and compiles a form built anew on every call once', () => {
    const validators = new FormValidators();
    const check = validators.getValidator(form('name'));
    expect(check({ name: 'Ada' })).toMatchObject({ valid: true });
    expect(check({ name: 3 })).toMatchObject({ valid: false, errorMessage: expect.stringContaining('must be string') });
    expect(validators.getValidator(form('name'))).toBe(check);
  });

  it('keeps a bounded number of compiled forms, and still checks every form past the bound', () => {
    const validators = new FormValidators();
    const internals = validators as unknown as { ajv: unknown; checks: Map<string, unknown> };
    const firstAjv = internals.ajv;
    for (let index = 0; index < 300; index++)
      expect(validators.getValidator(form(`field${index}`))({ [`field${index}`]: 'x' }).valid).toBe(true);
    expect(internals.checks.size).toBeLessThanOrEqual(256);
    // Past the bound the Ajv instance, whose own cache keeps every schema it compiled, starts over too.
    expect(internals.ajv).not.toBe(firstAjv);
    expect(validators.getValidator(form('field0'))({}).valid).toBe(false);
  });
});
