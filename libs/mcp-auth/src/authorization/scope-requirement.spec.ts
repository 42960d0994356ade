import { holderOf, satisfiesAll, scopesMentioned, scopesToRequest } from './scope-requirement.js';
import type { ScopeRequirement } from './scope-requirement.js';

describe('scope requirements', () => {
  const readWrite: ScopeRequirement[] = [{ allOf: ['User.Read'] }, { anyOf: ['User.Write', 'Admin.Write'] }];

  it('allows when every requirement holds', () => {
    expect(satisfiesAll(readWrite, holderOf(['User.Read', 'Admin.Write']))).toBe(true);
  });

  it('refuses when an all-of scope is missing, even if the any-of holds', () => {
    expect(satisfiesAll(readWrite, holderOf(['Admin.Write']))).toBe(false);
  });

  it('refuses when no any-of alternative is held', () => {
    expect(satisfiesAll(readWrite, holderOf(['User.Read']))).toBe(false);
  });

  it('treats no requirement as "any valid token"', () => {
    expect(satisfiesAll([], holderOf([]))).toBe(true);
  });

  it('names every all-of scope and the first any-of alternative in a challenge', () => {
    expect(scopesToRequest(readWrite)).toEqual(['User.Read', 'User.Write']);
    expect(scopesToRequest([{ allOf: ['A', 'B'] }, { allOf: ['B', 'C'] }])).toEqual(['A', 'B', 'C']);
  });

  it('lists every mentioned scope once for scopes_supported', () => {
    expect(scopesMentioned([...readWrite, { allOf: ['User.Read', 'X'] }])).toEqual(['User.Read', 'User.Write', 'Admin.Write', 'X']);
  });
});
