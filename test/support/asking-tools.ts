import { McpInput, McpPrompt, McpProvider, McpResource, McpTool, McpUrlElicitationRequired } from 'nestjs-mcp-auth';
import type { McpToolContext } from 'nestjs-mcp-auth';
import { z } from 'zod';

/** Where the tool that needs consent sends the user. */
export const CONSENT_URL = 'https://consent.example/calendar';

/** Resolves when `count` calls of the named tool have started: what a test waits for before cancelling. */
class Started {
  private readonly waiting = new Map<string, Array<() => void>>();
  private readonly counts = new Map<string, number>();

  note(name: string): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    for (const wake of this.waiting.get(name) ?? []) wake();
  }

  async of(name: string, count = 1): Promise<void> {
    while ((this.counts.get(name) ?? 0) < count) {
      await new Promise<void>((resolve) => this.waiting.set(name, [...(this.waiting.get(name) ?? []), resolve]));
    }
  }
}

/**
 * Tools, a prompt and a resource that ask the client for input, report progress, log, and wait
 * for cancellation; each notes how often its method ran, so a test can tell a 2026-07-28 call's
 * rounds (the method runs again with each answer) from a 2025 session's single run.
 */
@McpProvider()
export class AskingTools {
  readonly runs = new Map<string, number>();
  readonly started = new Started();
  /** Changes the question `moving_question` asks. */
  questionNumber = 1;
  /** Whether the user has been to {@link CONSENT_URL}. */
  consented = false;
  /** Why each cancelled call's signal aborted. */
  readonly aborts: unknown[] = [];
  /** Answers a call that ignored its cancellation produced anyway. */
  readonly lateAnswers: string[] = [];

  private ran(name: string): void {
    this.runs.set(name, (this.runs.get(name) ?? 0) + 1);
    this.started.note(name);
  }

  @McpTool({ name: 'confirm_word', input: { word: z.string() } })
  async confirmWord({ word }: { word: string }, ctx: McpToolContext) {
    this.ran('confirm_word');
    const answer = await ctx.elicit({ message: `Keep "${word}"?`, schema: z.object({ keep: z.boolean() }) });
    return answer.action === 'accept' ? `kept ${word}: ${answer.content.keep}` : `${answer.action}d ${word}`;
  }

  @McpTool({ name: 'two_questions' })
  async twoQuestions(_args: object, ctx: McpToolContext) {
    this.ran('two_questions');
    const name = await ctx.elicit({ message: 'Your name?', schema: z.object({ name: z.string() }) });
    const colour = await ctx.elicit({ message: 'Your favourite colour?', schema: z.object({ colour: z.enum(['red', 'blue']) }) });
    if (name.action !== 'accept' || colour.action !== 'accept') return 'no answer';
    return `${name.content.name} likes ${colour.content.colour}`;
  }

  @McpTool({ name: 'both_at_once' })
  async bothAtOnce(_args: object, ctx: McpToolContext) {
    this.ran('both_at_once');
    const { city, summary } = await ctx.ask({
      city: McpInput.form({ message: 'Which city?', schema: z.object({ city: z.string() }) }),
      summary: McpInput.sampling({ messages: [{ role: 'user', content: { type: 'text', text: 'Summarise the weather' } }], maxTokens: 20 }),
    });
    const text = Array.isArray(summary.content) ? '' : summary.content.type === 'text' ? summary.content.text : '';
    return `${city.action === 'accept' ? city.content.city : '?'}: ${text}`;
  }

  @McpTool({ name: 'moving_question' })
  async movingQuestion(_args: object, ctx: McpToolContext) {
    this.ran('moving_question');
    await ctx.elicit({ message: `Question number ${this.questionNumber}`, schema: z.object({ ok: z.boolean() }) });
    return 'answered';
  }

  @McpTool({ name: 'needs_consent' })
  async needsConsent() {
    this.ran('needs_consent');
    if (!this.consented) throw new McpUrlElicitationRequired('Allow access to your calendar, then try again', CONSENT_URL);
    return 'calendar read';
  }

  @McpTool({ name: 'report', input: { steps: z.number().int().min(1).max(10) } })
  async report({ steps }: { steps: number }, ctx: McpToolContext) {
    this.ran('report');
    for (let step = 1; step <= steps; step++) {
      await ctx.progress(step, steps, `step ${step}`);
      // The caller's own token, quoted by a careless method: it never reaches the client.
      await ctx.log('info', { step, authorization: `Bearer ${ctx.authInfo.token}` });
    }
    await ctx.progress(1, steps, 'going backwards is dropped');
    await ctx.log('debug', 'details nobody asked for');
    return 'reported';
  }

  @McpTool({ name: 'wait_for_cancel' })
  async waitForCancel(_args: object, ctx: McpToolContext) {
    const signal = ctx.signal;
    this.ran('wait_for_cancel');
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    this.aborts.push(signal.reason);
    return 'an answer nobody waits for';
  }

  @McpTool({ name: 'ignore_cancel', input: { ms: z.number().int().max(2000) } })
  async ignoreCancel({ ms }: { ms: number }) {
    this.ran('ignore_cancel');
    await new Promise((resolve) => setTimeout(resolve, ms));
    this.lateAnswers.push('late');
    return 'late';
  }

  @McpPrompt({ name: 'asking_prompt', description: 'Asks which topic to write about' })
  async askingPrompt(_args: object, ctx: McpToolContext) {
    this.ran('asking_prompt');
    const topic = await ctx.elicit({ message: 'Which topic?', schema: z.object({ topic: z.string() }) });
    return `Write about ${topic.action === 'accept' ? topic.content.topic : 'anything'}`;
  }

  @McpResource({ name: 'asking_note', uri: 'asking://note' })
  async askingNote(_uri: URL, _variables: object, ctx: McpToolContext) {
    this.ran('asking_note');
    const mood = await ctx.elicit({ message: 'How are you?', schema: z.object({ mood: z.string() }) });
    return `Noted: ${mood.action === 'accept' ? mood.content.mood : 'nothing'}`;
  }
}
