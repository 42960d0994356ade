import express from 'express';
import { mayAddPoweredBy } from './without-powered-by.middleware.js';

/** An adapter as Nest's HttpAdapterHost hands it over: its type and the framework's own instance. */
function adapter(type: string, instance: unknown) {
  return { getType: () => type, getInstance: <T>() => instance as T };
}

describe('mayAddPoweredBy (whether the X-Powered-By middleware is needed)', () => {
  it('Express as created: yes; once the application turned the header off: no', () => {
    const app = express();
    expect(mayAddPoweredBy(adapter('express', app))).toBe(true);
    app.disable('x-powered-by');
    expect(mayAddPoweredBy(adapter('express', app))).toBe(false);
  });

  it('Fastify, which never sends it: no', () => {
    expect(mayAddPoweredBy(adapter('fastify', {}))).toBe(false);
  });

  it('an unknown adapter or none: yes, to be safe', () => {
    expect(mayAddPoweredBy(adapter('other', {}))).toBe(true);
    expect(mayAddPoweredBy(undefined)).toBe(true);
  });
});
