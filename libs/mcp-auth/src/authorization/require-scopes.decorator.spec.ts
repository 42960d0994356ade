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
    expect(declaredScopeRequirements(Base.prototype.method)).toEqual([{ anyOf: ['A', 'B'] }, { allOf: ['Admin.Write'] }]);
    expect(declaredScopeRequirements(Base.prototype.plain)).toEqual([]);
  });

  it('records class requirements, and a subclass cannot drop its base class requirements', () => {
    expect(declaredScopeRequirements(Base)).toEqual([{ allOf: ['Catalog.Access'] }]);
    expect(declaredScopeRequirements(Derived)).toEqual([{ allOf: ['Catalog.Access'] }, { allOf: ['Extra'] }]);
  });

  it.each([[[]], [['has space']], [['quote"d']], [[{ anyOf: [] }]], [[{ oneOf: ['x'] }]]])('rejects %j at declaration time', (args) => {
    expect(() => (RequireScopes as (...a: unknown[]) => unknown)(...args)).toThrow(TypeError);
  });
});
