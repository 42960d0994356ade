import { SetMetadata } from '@nestjs/common';

/** The metadata key `@nestjs/platform-fastify`'s `@RouteConfig()` writes: Nest passes it to Fastify as the route's `config`. */
const FASTIFY_ROUTE_CONFIG_METADATA = '__fastify_route_config__';
/** The flag, in a route's Fastify `config`, of a route whose body the module reads itself. */
const UNPARSED_BODY_FLAG = 'mcpAuthUnparsedBody';
/** The content type Fastify is shown for such a route, so that the parser below is the one it picks. */
const UNPARSED_CONTENT_TYPE = 'application/x-mcp-auth-unparsed';

/**
 * Marks a handler whose request body the module reads itself (`readJsonBody`, with
 * `maxRequestBodyBytes` and `bodyTimeoutMs`). On Express, where Nest's body parser is
 * off or the body is left to the handler, nothing changes; on Fastify see
 * {@link leaveMarkedBodiesUnparsed}.
 */
export const LeaveBodyUnparsed = (): MethodDecorator => SetMetadata(FASTIFY_ROUTE_CONFIG_METADATA, { [UNPARSED_BODY_FLAG]: true });

/** What of a Fastify request the hook below uses. */
interface FastifyRequestLike {
  readonly routeOptions: { readonly config?: Record<string, unknown> };
  headers: Record<string, unknown>;
}

/** What of a Fastify instance is used here; Fastify itself is not imported. */
export interface FastifyInstanceLike {
  hasContentTypeParser(contentType: string): boolean;
  addContentTypeParser(
    contentType: string,
    parser: (request: FastifyRequestLike, payload: unknown, done: (error: Error | null, body?: unknown) => void) => void,
  ): unknown;
  addHook(
    name: 'preParsing',
    hook: (request: FastifyRequestLike, reply: unknown, payload: unknown, done: (error: null, payload: unknown) => void) => void,
  ): unknown;
}

/**
 * Fastify parses a body before the route's handler, and so before Nest's guards: it
 * would answer 415, 400 or 413 (its own `bodyLimit`) to a caller that has not even
 * shown a token, where the MCP endpoint answers 401 first and reads the body only
 * then, with its own limits. For the routes marked {@link LeaveBodyUnparsed}, Fastify is
 * shown a content type of the module's own (on the Fastify request's header view only:
 * the Node request, which the endpoint reads, keeps the real one), whose parser leaves
 * the stream unread. The application's other routes parse as they did: the parser is the
 * instance's (Nest registers every route on the root instance, so it cannot be scoped by
 * plugin), so on an unmarked route it refuses the private type as Fastify refuses any type it
 * has no parser for (415), rather than leave a body unread there. Idempotent.
 */
export function leaveMarkedBodiesUnparsed(fastify: FastifyInstanceLike): void {
  if (fastify.hasContentTypeParser(UNPARSED_CONTENT_TYPE)) return;
  fastify.addContentTypeParser(UNPARSED_CONTENT_TYPE, (request, _payload, done) => {
    if (request.routeOptions.config?.[UNPARSED_BODY_FLAG] === true) return done(null, undefined);
    done(unsupportedMediaType());
  });
  fastify.addHook('preParsing', (request, _reply, payload, done) => {
    if (request.routeOptions.config?.[UNPARSED_BODY_FLAG] === true) request.headers = { 'content-type': UNPARSED_CONTENT_TYPE };
    done(null, payload);
  });
}

/** The error Fastify answers a content type it cannot parse with (its `FST_ERR_CTP_INVALID_MEDIA_TYPE`, 415). */
function unsupportedMediaType(): Error {
  return Object.assign(new Error(`Unsupported Media Type: ${UNPARSED_CONTENT_TYPE}`), {
    statusCode: 415,
    code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
  });
}
