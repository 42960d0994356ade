import type { MessageClassification, RequestId, Server } from '@modelcontextprotocol/server';
import { ModernJsonTransport } from './modern-json-transport.js';

/** Idle servers kept beyond the first: enough for the usual concurrency of equal ids, no more. */
const IDLE_KEPT = 8;

interface Member {
  readonly server: Server;
  readonly transport: ModernJsonTransport;
  readonly connected: Promise<void>;
  ready: boolean;
}

/**
 * The long-lived protocol servers of one modern revision, built once by the catalogue's
 * factory and shared by every caller (the caller's `authInfo` travels with each message).
 *
 * Why a small pool and not one server: the SDK's protocol layer keys the requests in
 * flight by their JSON-RPC id (abort controllers, the answer's routing), and every client
 * numbers its own requests, so two callers' `id: 1` may be in flight at once. Rewriting
 * ids to unique ones would let one server serve everything, but the handlers would see the
 * rewritten id (`ctx.mcpReq.id`), where the SDK's per-request server shows the client's
 * own. So a request goes to the first server without that id in flight; a new server is
 * built when all hold it (as many as the largest number of equal ids in flight at once,
 * usually one or two), and idle servers beyond {@link IDLE_KEPT} are let go.
 */
export class ModernServerPool {
  private readonly members: Member[] = [];

  private constructor(
    private readonly build: () => Server,
    private readonly classification: MessageClassification,
  ) {}

  /**
   * The pool of `revision`, with its first server connected; undefined when the SDK does
   * not bind the factory's servers to that revision (then the SDK's handler serves it).
   */
  static async create(build: () => Server, revision: string): Promise<ModernServerPool | undefined> {
    const pool = new ModernServerPool(build, { era: 'modern', revision });
    const first = pool.grow();
    await first.connected;
    // Connecting to a per-request transport is what binds a server to the revision in SDK 2.4;
    // this reads whether it did (the deprecated accessor is the one public reading of it).
    if (first.server.getNegotiatedProtocolVersion() !== revision) {
      await pool.close();
      return undefined;
    }
    return pool;
  }

  /** A connected transport with no request `id` in flight (possibly a new server's, once connected). */
  transportFor(id: RequestId): ModernJsonTransport | Promise<ModernJsonTransport> {
    for (const member of this.members) if (member.ready && !member.transport.holds(id)) return member.transport;
    const member = this.grow();
    return member.connected.then(() => member.transport);
  }

  /** Aborts whatever still runs (as closing the SDK's per-request servers does) and lets every server go. */
  async close(): Promise<void> {
    const members = this.members.splice(0);
    await Promise.all(members.map((member) => member.server.close()));
  }

  private grow(): Member {
    const server = this.build();
    const transport: ModernJsonTransport = new ModernJsonTransport(this.classification, () => this.release(transport));
    const member: Member = { server, transport, connected: server.connect(transport), ready: false };
    void member.connected.then(() => (member.ready = true)).catch(() => undefined);
    this.members.push(member);
    return member;
  }

  /** A server went idle: let it go when more than {@link IDLE_KEPT} others are idle too (the first one always stays). */
  private release(transport: ModernJsonTransport): void {
    const index = this.members.findIndex((member) => member.transport === transport);
    if (index <= 0) return;
    let idle = 0;
    for (const member of this.members) if (member.transport.inFlight === 0) idle++;
    if (idle <= IDLE_KEPT + 1) return;
    const [member] = this.members.splice(index, 1);
    void member.server.close();
  }
}
