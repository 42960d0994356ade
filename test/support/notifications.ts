import type { Client } from '@modelcontextprotocol/client';

type Method =
  | 'notifications/resources/updated'
  | 'notifications/resources/list_changed'
  | 'notifications/tools/list_changed'
  | 'notifications/prompts/list_changed';

/** The notifications of one method a client receives, as a list and one at a time. */
export interface ReceivedNotifications {
  readonly received: Array<{ params: Record<string, any> }>;
  /** The next one not yet taken, or a rejection after `timeoutMs`. */
  next(timeoutMs: number): Promise<{ params: Record<string, any> }>;
}

/** Records what `client` receives of `method` (replacing its handler for that method). */
export function notificationsOf(client: Pick<Client, 'setNotificationHandler'>, method: Method): ReceivedNotifications {
  const received: Array<{ params: Record<string, any> }> = [];
  let taken = 0;
  let waiting: (() => void) | undefined;
  client.setNotificationHandler(method, (notification: { params?: Record<string, any> }) => {
    received.push({ params: notification.params ?? {} });
    waiting?.();
  });
  return {
    received,
    next: (timeoutMs) =>
      new Promise((resolve, reject) => {
        const take = () => {
          if (taken >= received.length) return false;
          clearTimeout(timer);
          waiting = undefined;
          resolve(received[taken++]);
          return true;
        };
        const timer = setTimeout(() => {
          waiting = undefined;
          reject(new Error(`no ${method} within ${timeoutMs} ms`));
        }, timeoutMs);
        if (!take()) waiting = () => void take();
      }),
  };
}
