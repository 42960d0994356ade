import type { IncomingMessage } from 'node:http';
import { defaultAllowedHosts, isHostAllowed } from './host-check.js';

const withHost = (host?: string) => ({ headers: host === undefined ? {} : { host } }) as IncomingMessage;

describe('isHostAllowed', () => {
  const allowed = defaultAllowedHosts('https://api.example.com/mcp', ['https://app.example.com', '*']);

  it('defaults to localhost, the resource URL host and the allowed origins hosts', () => {
    expect(allowed).toEqual(['localhost', 'api.example.com', 'app.example.com']);
  });

  it.each([
    'api.example.com',
    'API.Example.com:443',
    'app.example.com:8443',
    'localhost:3000',
    'api.example.com.',
    '127.0.0.1:9464',
    '[::1]:9464',
    '10.0.0.7',
  ])('answers %s', (host) => expect(isHostAllowed(withHost(host), allowed)).toBe(true));

  it.each(['rebind.attacker.example', 'api.example.com.attacker.example', 'localhost.attacker.example:80', '[::1', ':80', ''])(
    'refuses %s',
    (host) => expect(isHostAllowed(withHost(host), allowed)).toBe(false),
  );

  it('answers a request without Host (not a browser), and any name with *', () => {
    expect(isHostAllowed(withHost(), allowed)).toBe(true);
    expect(isHostAllowed(withHost('anything.example'), ['*'])).toBe(true);
  });
});
