import { RequireScopes, declaredScopeRequirements } from './require-scopes.decorator.js';

describe('@RequireScopes', () => {
  @RequireScopes('Catalog.Access')
  class Base {
    @RequireScopes('Admin.Write')
    @RequireScopes({ anyOf: ['A', 'B'] })
    method() {}

    plain() {}
  }

  @RequireScopes('Extra')
  class Derived extends Base {}

  it('records all-of and any-of requirements on a method, stacked', () => {
    expect(declaredScopeRequirements(Base.prototype, 'method')).toEqual([{ anyOf: ['A', 'B'] }, { allOf: ['Admin.Write'] }]);
    expect(declaredScopeRequirements(Base.prototype, 'plain')).toEqual([]);
  });

  it('L7 keeps a method requirement when a decorator between it and the tool replaces the function', () => {
    /** What a tracing or caching decorator does: a new function in place of the method. */
    const Traced: MethodDecorator = (_target, _key, descriptor) => {
      const original = descriptor.value as unknown as (...args: unknown[]) => unknown;
      (descriptor as PropertyDescriptor).value = function traced(this: unknown, ...args: unknown[]) {
        return original.apply(this, args);
      };
      return descriptor;
    };
    class Wrapped {
      @Traced
      @RequireScopes('Admin.Write')
      method() {}
    }
    expect(declaredScopeRequirements(Wrapped.prototype, 'method')).toEqual([{ allOf: ['Admin.Write'] }]);
  });

  it("an overriding method keeps its base method's requirements and can only add to them", () => {
    class Override extends Base {
      @RequireScopes('More')
      override method() {}
    }
    expect(declaredScopeRequirements(Override.prototype, 'method')).toEqual([
      { anyOf: ['A', 'B'] },
      { allOf: ['Admin.Write'] },
      { allOf: ['More'] },
    ]);
  });

  it('records class requirements, and a subclass cannot drop its base class requirements', () => {
    expect(declaredScopeRequirements(Base)).toEqual([{ allOf: ['Catalog.Access'] }]);
    expect(declaredScopeRequirements(Derived)).toEqual([{ allOf: ['Catalog.Access'] }, { allOf: ['Extra'] }]);
  });

  it.each([[[]], [['has space']], [['quote"d']], [[{ anyOf: [] }]], [[{ oneOf: ['x'] }]]])('rejects %j at declaration time', (args) => {
    expect(() => (RequireScopes as (...a: unknown[]) => unknown)(...args)).toThrow(TypeError);
  });
});
