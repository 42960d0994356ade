/** A curl command line as a banner prints it, read the way a shell would (quotes, variables). */
export interface Curl {
  readonly url: string;
  readonly user?: string;
  readonly headers: Record<string, string>;
  readonly form: string[];
}

/** The URL, user, headers and `-d` data of a curl command line; `$NAME` in double quotes is replaced from `variables`. */
export function parseCurl(command: string, variables: Record<string, string>): Curl {
  const words: string[] = [];
  for (const match of command.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) {
    const [, single, double, bare] = match;
    words.push(single ?? (double ?? bare).replace(/\$([A-Z]+)/g, (_, name: string) => variables[name] ?? `$${name}`));
  }
  if (words.shift() !== 'curl') throw new Error(`not a curl command: ${command}`);
  let url: string | undefined;
  let user: string | undefined;
  const headers: Record<string, string> = {};
  const form: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (word === '-s') continue;
    if (word === '-D' || word === '-o') i++;
    else if (word === '-u') user = words[++i];
    else if (word === '-d') form.push(words[++i]);
    else if (word === '-H') {
      const [name, ...value] = words[++i].split(': ');
      headers[name.toLowerCase()] = value.join(': ');
    } else if (/^https?:\/\//.test(word)) url = word;
    else throw new Error(`unexpected curl argument ${word}`);
  }
  if (!url) throw new Error(`no URL in ${command}`);
  return { url, user, headers, form };
}

/** Runs a parsed curl command with fetch: a POST, as curl does with -d. */
export function run(curl: Curl): Promise<Response> {
  const headers: Record<string, string> = { ...curl.headers };
  if (curl.user) headers.authorization = `Basic ${Buffer.from(curl.user).toString('base64')}`;
  const isJson = headers['content-type'] === 'application/json';
  if (!isJson) headers['content-type'] = 'application/x-www-form-urlencoded';
  return fetch(curl.url, { method: 'POST', headers, body: curl.form.join('&') });
}
