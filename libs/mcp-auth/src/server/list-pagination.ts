import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';

/** The lists MCP pages: each cursor belongs to one of them. */
export type PagedList = 'tools/list' | 'resources/list' | 'resources/templates/list' | 'prompts/list';

/** One page of a list, and what the result adds for the next page: `{ nextCursor }`, or nothing on the last page. */
export interface ListPage<T> {
  readonly items: readonly T[];
  readonly next: { readonly nextCursor?: string };
}

const LAST_PAGE = {};

/** Longest cursor worth decoding: ours are under 60 characters. */
const MAX_CURSOR_LENGTH = 200;

/**
 * Pages `tools/list`, `resources/list`, `resources/templates/list` and `prompts/list`
 * (both eras; MCP pagination is the same on each). A cursor is the position of the next
 * page in the caller's *own* filtered list, so it carries nothing secret and needs no
 * seal: whoever presents it, another principal included, gets a slice of the list their
 * own scopes produce, never an entry hidden from them. The list it was minted for is part
 * of it, so a `tools/list` cursor cannot page `prompts/list`. Anything else (malformed,
 * another list's, or past the end of the caller's list) is answered with -32602, as the
 * specification advises for invalid cursors.
 */
export class ListPagination {
  constructor(private readonly pageSize: number) {}

  /** The page of `entries` (already filtered for the caller) that `cursor` names; the first page without one. */
  page<T>(list: PagedList, cursor: unknown, entries: readonly T[]): ListPage<T> {
    // The common case (no cursor, a list that fits) copies nothing.
    const start = cursor === undefined ? 0 : this.offsetOf(list, cursor, entries.length);
    if (start === 0 && entries.length <= this.pageSize) return { items: entries, next: LAST_PAGE };
    const end = start + this.pageSize;
    return { items: entries.slice(start, end), next: end < entries.length ? { nextCursor: encodeCursor(list, end) } : LAST_PAGE };
  }

  private offsetOf(list: PagedList, cursor: unknown, length: number): number {
    const offset = decodeCursor(list, cursor);
    // A cursor minted for a longer list (another principal's, or before the caller's scopes shrank) points nowhere here.
    if (offset === undefined || offset > length) {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Invalid cursor for ${list}`);
    }
    return offset;
  }
}

function encodeCursor(list: PagedList, offset: number): string {
  return Buffer.from(JSON.stringify([list, offset])).toString('base64url');
}

/** The offset a cursor of ours for `list` names, or undefined for anything else. */
function decodeCursor(list: PagedList, cursor: unknown): number | undefined {
  if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(decoded) || decoded.length !== 2 || decoded[0] !== list) return undefined;
  const offset = decoded[1] as unknown;
  return typeof offset === 'number' && Number.isSafeInteger(offset) && offset > 0 ? offset : undefined;
}
