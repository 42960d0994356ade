import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import { ListPagination } from './list-pagination.js';

describe('ListPagination', () => {
  const letters = ['a', 'b', 'c', 'd', 'e'];

  /** Every page of `entries`, following the cursors from the first page. */
  function allPages(pagination: ListPagination, entries: readonly string[]): string[][] {
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = pagination.page('tools/list', cursor, entries);
      pages.push([...page.items]);
      cursor = page.next.nextCursor;
    } while (cursor !== undefined && pages.length < 10);
    return pages;
  }

  function invalid(run: () => unknown): void {
    let thrown: unknown;
    try {
      run();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProtocolError);
    expect((thrown as ProtocolError).code).toBe(ProtocolErrorCode.InvalidParams);
    expect((thrown as ProtocolError).message).toMatch(/Invalid cursor for tools\/list/);
  }

  it('returns a list that fits one page as it is, without a cursor', () => {
    const page = new ListPagination(5).page('tools/list', undefined, letters);
    expect(page.items).toBe(letters);
    expect(page.next).toEqual({});
  });

  it('cuts a longer list into pages of the configured size, the last one without a cursor', () => {
    expect(allPages(new ListPagination(2), letters)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(allPages(new ListPagination(1), letters)).toHaveLength(5);
  });

  it('gives a cursor that is opaque text, not the position in plain sight', () => {
    const { nextCursor } = new ListPagination(2).page('tools/list', undefined, letters).next;
    expect(nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(nextCursor).not.toBe('2');
  });

  it('pages whatever list it is given: a cursor used on a shorter list yields that list’s entries only', () => {
    const pagination = new ListPagination(2);
    const { nextCursor } = pagination.page('tools/list', undefined, letters).next;
    // Another caller's filtered list: the same cursor shows its own third entry on, nothing of the longer list.
    expect(pagination.page('tools/list', nextCursor, ['x', 'y', 'z']).items).toEqual(['z']);
    expect(pagination.page('tools/list', nextCursor, ['x', 'y']).items).toEqual([]);
    invalid(() => pagination.page('tools/list', nextCursor, ['x']));
  });

  it('refuses a cursor minted for another list', () => {
    const pagination = new ListPagination(2);
    const promptsCursor = pagination.page('prompts/list', undefined, letters).next.nextCursor;
    expect(pagination.page('prompts/list', promptsCursor, letters).items).toEqual(['c', 'd']);
    invalid(() => pagination.page('tools/list', promptsCursor, letters));
  });

  it.each([
    ['an empty string', ''],
    ['a number', 2],
    ['null', null],
    ['text that is not ours', 'not-a-cursor'],
    ['base64 of other JSON', Buffer.from('{"offset":2}').toString('base64url')],
    ['a zero offset', Buffer.from('["tools/list",0]').toString('base64url')],
    ['a negative offset', Buffer.from('["tools/list",-2]').toString('base64url')],
    ['a fractional offset', Buffer.from('["tools/list",1.5]').toString('base64url')],
    ['padding and other characters', 'WyJ0b29scy9saXN0IiwyXQ=='],
    ['a very long string', 'A'.repeat(10_000)],
  ])('refuses %s as a cursor with -32602', (_name, cursor) => {
    invalid(() => new ListPagination(2).page('tools/list', cursor, letters));
  });
});
