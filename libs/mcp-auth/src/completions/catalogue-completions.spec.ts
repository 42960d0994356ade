import { McpAuthConfigurationError } from '../mcp-auth-configuration.error.js';
import type { McpCompletionContext } from './mcp-completion.js';
import { catalogueCompletions } from './catalogue-completions.js';

describe('catalogueCompletions (the complete option, checked at startup)', () => {
  class Languages {
    readonly known = ['go', 'python', 'typescript'];
    startingWith(typed: string): string[] {
      return this.known.filter((language) => language.startsWith(typed));
    }
  }
  const instance = new Languages();
  const context = { arguments: {} } as unknown as McpCompletionContext;

  it('calls a named method on the provider instance, so it can use the instance’s state and services', async () => {
    const completions = catalogueCompletions(
      { language: 'startingWith' },
      ['language', 'style'],
      instance,
      '@McpPrompt',
      'Languages.review',
    );
    expect([...completions!.keys()]).toEqual(['language']);
    expect(await completions!.get('language')!('py', context)).toEqual(['python']);
  });

  it('calls a function with the typed value and the context', async () => {
    const seen: unknown[] = [];
    const completions = catalogueCompletions(
      { style: (value, ctx) => (seen.push(value, ctx), new Set(['terse', 'thorough'])) },
      ['language', 'style'],
      instance,
      '@McpPrompt',
      'Languages.review',
    );
    expect([...(await completions!.get('style')!('t', context))]).toEqual(['terse', 'thorough']);
    expect(seen).toEqual(['t', context]);
  });

  it('is undefined when nothing is declared', () => {
    expect(catalogueCompletions(undefined, ['language'], instance, '@McpPrompt', 'Languages.review')).toBeUndefined();
  });

  it.each([
    [
      'an argument the prompt does not have',
      { lang: 'startingWith' },
      ['language', 'style'],
      'option "@McpPrompt complete" Languages.review: "lang" is not one of its arguments (language, style)',
    ],
    [
      'a variable of a fixed-URI resource, which has none',
      { id: 'startingWith' },
      [],
      'option "@McpResource complete" Languages.review: "id" is not one of its URI template variables (none)',
    ],
    [
      'a method the class does not have',
      { language: 'missing' },
      ['language'],
      'option "@McpPrompt complete" Languages.review: the completer of "language" must be a function or the name of a method of the class (got "missing")',
    ],
    ['a value that is neither', { language: 42 }, ['language'], /the completer of "language" must be a function/],
    ['a list instead of a map', ['language'], ['language'], /must map argument names to completers/],
  ])('refuses %s with a configuration error naming the place', (_name, complete, names, message) => {
    const decorator = names.length === 0 ? '@McpResource' : '@McpPrompt';
    const run = () => catalogueCompletions(complete as never, names, instance, decorator, 'Languages.review');
    expect(run).toThrow(McpAuthConfigurationError);
    expect(run).toThrow(typeof message === 'string' ? expect.objectContaining({ message: expect.stringContaining(message) }) : message);
  });
});
