import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { renderConsentPage } from './consent-page.js';
import type { DevUser } from './dev-identity-provider.js';

/** Where `oidc-provider` sends the browser when it needs a person: the login and consent page. */
export const INTERACTION_PATH = '/interaction/';

/** A login and consent form is a handful of short fields; anything larger is not ours. */
const MAX_FORM_BYTES = 4096;

/**
 * Serves the login and consent page of the development provider: `GET /interaction/<uid>`
 * renders it, `POST /interaction/<uid>` records the person's choice (the user, who may differ
 * from the one signed in, and the scopes) and sends the browser back to the authorization endpoint. The grant holds exactly the ticked scopes the chosen
 * user may hold for the one resource asked for; the rest are recorded as refused, so the
 * provider does not ask again within this request.
 */
export class LoginAndConsent {
  private readonly users: ReadonlyMap<string, DevUser>;

  constructor(
    private readonly provider: Provider,
    users: readonly DevUser[],
    private readonly defaultResource: string,
  ) {
    this.users = new Map(users.map((user) => [user.sub, user]));
  }

  /** Handles the request when it is for the page; answers false otherwise. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const path = new URL(req.url ?? '/', 'http://dev').pathname;
    if (!path.startsWith(INTERACTION_PATH)) return false;
    try {
      if (req.method === 'GET') await this.show(req, res);
      else if (req.method === 'POST') await this.decide(req, res);
      else send(res, 405, 'text/plain', 'Method not allowed\n');
    } catch (error) {
      // An expired or unknown interaction (no cookie, old tab) is the person's to restart, not a crash.
      const message = error instanceof Error ? error.message : String(error);
      send(res, 400, 'text/plain', `This sign-in cannot continue (${message}). Start again from your MCP client.\n`);
    }
    return true;
  }

  private async show(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { uid, prompt, params, session } = await this.provider.interactionDetails(req, res);
    const client = await this.provider.Client.find(String(params.client_id));
    const signedIn = prompt.name === 'login' ? undefined : this.users.get(String(session?.accountId));
    const html = renderConsentPage({
      action: `${INTERACTION_PATH}${uid}`,
      client: { id: String(params.client_id), name: client?.clientName },
      resource: resourceOf(params.resource) ?? this.defaultResource,
      requestedScopes: scopesOf(params.scope),
      users: [...this.users.values()],
      signedIn,
    });
    send(res, 200, 'text/html; charset=utf-8', html);
  }

  private async decide(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readForm(req));
    const details = await this.provider.interactionDetails(req, res);
    if (form.get('decision') !== 'allow') {
      await this.provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'The user denied the request' },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    const user = this.users.get(form.get('user') ?? '');
    if (!user) {
      send(res, 400, 'text/plain', 'Choose one of the demo users.\n');
      return;
    }
    // A login when nobody is signed in, or when the person chose someone else than the user signed in
    // (oidc-provider then ends the old session before it signs the new user in).
    const login = details.prompt.name === 'login' || user.sub !== details.session?.accountId;
    const resource = resourceOf(details.params.resource) ?? this.defaultResource;
    const requested = scopesOf(details.params.scope);
    const ticked = new Set(form.getAll('scope'));
    const granted = requested.filter((scope) => ticked.has(scope) && (user.scopes.includes(scope) || OIDC_SCOPES.has(scope)));
    const refused = requested.filter((scope) => !granted.includes(scope));

    const grant = new this.provider.Grant({ accountId: user.sub, clientId: String(details.params.client_id) });
    const oidcGranted = granted.filter((scope) => OIDC_SCOPES.has(scope));
    const resourceGranted = granted.filter((scope) => !OIDC_SCOPES.has(scope));
    if (oidcGranted.length) grant.addOIDCScope(oidcGranted.join(' '));
    if (resourceGranted.length) grant.addResourceScope(resource, resourceGranted.join(' '));
    const oidcRefused = refused.filter((scope) => OIDC_SCOPES.has(scope));
    const resourceRefused = refused.filter((scope) => !OIDC_SCOPES.has(scope));
    if (oidcRefused.length) grant.rejectOIDCScope(oidcRefused.join(' '));
    if (resourceRefused.length) grant.rejectResourceScope(resource, resourceRefused.join(' '));
    const grantId = await grant.save();

    await this.provider.interactionFinished(
      req,
      res,
      { ...(login ? { login: { accountId: user.sub } } : {}), consent: { grantId } },
      { mergeWithLastSubmission: true },
    );
  }
}

/** The scopes `oidc-provider` itself knows (OpenID Connect), as opposed to the resource's own. */
const OIDC_SCOPES: ReadonlySet<string> = new Set(['openid', 'offline_access']);

function scopesOf(scope: unknown): string[] {
  return typeof scope === 'string' ? [...new Set(scope.split(' ').filter(Boolean))] : [];
}

function resourceOf(resource: unknown): string | undefined {
  if (typeof resource === 'string') return resource;
  return Array.isArray(resource) && typeof resource[0] === 'string' ? resource[0] : undefined;
}

function readForm(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_FORM_BYTES) {
        reject(new Error('form too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  if (res.headersSent) return;
  res.writeHead(status, {
    'content-type': contentType,
    'cache-control': 'no-store',
    // The page runs no script and is never framed; form posts go back to this origin.
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  });
  res.end(body);
}
