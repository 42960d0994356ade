import type { DevUser } from './dev-identity-provider.js';

/** What the login and consent page shows for one authorization request. */
export interface ConsentPageModel {
  /** Where the form posts to: the interaction's own URL. */
  readonly action: string;
  /** The client asking: its name when it gave one, always its id. */
  readonly client: { readonly id: string; readonly name?: string };
  /** The resource (RFC 8707) the token will be bound to. */
  readonly resource: string;
  /** The scopes the client asked for, in the order asked. */
  readonly requestedScopes: readonly string[];
  /** The demo users to pick from. */
  readonly users: readonly DevUser[];
  /** Set when a user is already signed in: the page offers to continue as that user, or to switch to another. */
  readonly signedIn?: DevUser;
}

/**
 * The development provider's single page: pick a demo user (the one signed in is chosen already, and
 * another can be picked instead) and choose which of the requested scopes to grant. Plain HTML, no script, so that any
 * browser (and a test driving one) sees exactly what a person would. Everything a client
 * supplied (its name, its id, the scopes) is escaped.
 */
export function renderConsentPage(model: ConsentPageModel): string {
  const clientLabel = model.client.name
    ? `${escape(model.client.name)} <code>${escape(model.client.id)}</code>`
    : `<code>${escape(model.client.id)}</code>`;
  // Signed in already (a step-up, a second client): that user is chosen, and any other is one click away.
  const chosen = model.signedIn?.sub ?? model.users[0]?.sub;
  const userChoice = `<fieldset><legend>${model.signedIn ? 'Continue as, or switch to' : 'Sign in as'}</legend>
       ${model.signedIn ? `<p>Signed in as <strong>${escape(model.signedIn.displayName)}</strong> (<code>${escape(model.signedIn.sub)}</code>).</p><input type="hidden" name="signed_in" value="${escape(model.signedIn.sub)}">` : ''}
       ${model.users
         .map(
           (user) =>
             `<label><input type="radio" name="user" value="${escape(user.sub)}"${user.sub === chosen ? ' checked' : ''}> ${escape(user.displayName)} <code>${escape(user.sub)}</code>${user.sub === model.signedIn?.sub ? ' (signed in)' : ''} — may hold ${scopeList(user.scopes)}</label>`,
         )
         .join('<br>\n')}
       </fieldset>`;
  const scopeChoice = model.requestedScopes.length
    ? `<fieldset><legend>Grant these scopes</legend>
       ${model.requestedScopes
         .map(
           (scope) => `<label><input type="checkbox" name="scope" value="${escape(scope)}" checked> <code>${escape(scope)}</code></label>`,
         )
         .join('<br>\n')}
       <p class="note">A scope the chosen user may not hold is not granted, even when ticked.</p>
       </fieldset>`
    : '<p>The client asked for no scopes: its token will carry none.</p>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in — development identity provider</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
  fieldset { margin: 1rem 0; border: 1px solid #ccc; border-radius: 6px; }
  code { background: #f3f3f3; padding: 0 .2em; }
  .note { color: #555; font-size: 13px; }
  button { font-size: 15px; padding: .4rem 1rem; margin-right: .5rem; }
</style>
</head>
<body>
<h1>Development identity provider</h1>
<p>${clientLabel} asks for access to <code>${escape(model.resource)}</code>.</p>
<form method="post" action="${escape(model.action)}">
${userChoice}
${scopeChoice}
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>
<p class="note">Demo users only: there are no passwords. Set <code>MCP_AUTH_ISSUER</code> to use a real identity provider.</p>
</body>
</html>
`;
}

/** The provider's error page (a refused client, a lying metadata document...): what went wrong, escaped, no script. */
export function renderErrorPage(error: string, description: string | undefined): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Error — development identity provider</title>
<style>body { font: 15px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }</style>
</head>
<body>
<h1>Development identity provider</h1>
<p>The request was refused: <code>${escape(error)}</code>${description ? ` — ${escape(description)}` : ''}.</p>
</body>
</html>
`;
}

function scopeList(scopes: readonly string[]): string {
  return scopes.length ? scopes.map((scope) => `<code>${escape(scope)}</code>`).join(', ') : 'no scopes';
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
