import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import { takeOverResponse } from '../http/node-exchange.js';
import { BearerChallengeException } from './bearer-challenge.exception.js';

/** Writes a {@link BearerChallengeException}: status, `WWW-Authenticate`, `Cache-Control: no-store`, JSON body. */
@Catch(BearerChallengeException)
export class BearerChallengeFilter implements ExceptionFilter {
  catch(exception: BearerChallengeException, host: ArgumentsHost): void {
    const res = takeOverResponse(host.switchToHttp().getResponse());
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = JSON.stringify(exception.getResponse());
    res.statusCode = exception.getStatus();
    res.setHeader('WWW-Authenticate', exception.wwwAuthenticate);
    for (const [name, value] of Object.entries(exception.headers)) res.setHeader(name, value);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(body);
  }
}
