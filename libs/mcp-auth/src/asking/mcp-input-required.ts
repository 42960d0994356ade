/**
 * Thrown by an ask (`ctx.elicit()`, `ctx.ask()`, ...) on revision 2026-07-28 to end the
 * call's round: the call answers `input_required` with the question, and the method runs
 * again once the client has the answer. It passes through the application's interceptors like
 * any error (an interceptor that logs failures can tell it apart); exception filters never see
 * it. A method must not swallow it: should it return anyway, the round still ends with the
 * question, and what it returned is dropped.
 *
 * @example
 * ```ts
 * catchError((error) => { if (!(error instanceof McpInputRequired)) this.failures++; return throwError(() => error); })
 * ```
 */
export class McpInputRequired extends Error {
  override readonly name = 'McpInputRequired';

  constructor() {
    super('The call asks the client for input; it runs again with the answer (revision 2026-07-28)');
  }
}
