import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { McpAuthConfigurationError } from '../mcp-auth-configuration.error.js';
import { FLAT_SCOPE_HIERARCHY, resolveScopeHierarchy } from './scope-hierarchy.js';
import { describeOpenings, parseScopeSnapshot, scopeSnapshotDrift, takeScopeSnapshot } from './scope-snapshot.js';
import type { McpScopeSnapshot, SnapshotCatalogue } from './scope-snapshot.js';
import { resolveScopeSnapshot } from './scope-snapshot.options.js';

const SERVER = { name: 'catalog', version: '1.4.0' };

/** The example's catalogue, in the snapshot's terms. */
function catalogue(extraTools: SnapshotCatalogue['tools'] = []): SnapshotCatalogue {
  return {
    tools: [
      { name: 'whoami', requirements: [] },
      { name: 'list_products', requirements: [{ allOf: ['User.Read'] }] },
      { name: 'create_product', requirements: [{ anyOf: ['User.Write', 'Admin.Write'] }] },
      { name: 'delete_product', requirements: [{ allOf: ['Admin.Write'] }] },
      ...extraTools,
    ],
    resources: [
      { name: 'product', requirements: [{ allOf: ['User.Read'] }] },
      { name: 'catalog', requirements: [{ allOf: ['User.Read'] }] },
    ],
    prompts: [{ name: 'product_description', requirements: [{ allOf: ['User.Write'] }] }],
    scopes: ['User.Read', 'User.Write', 'Admin.Write'],
  };
}

describe('takeScopeSnapshot', () => {
  it('lists per scope the tools, resources and prompts whose requirements name it, and apart what any valid token opens', () => {
    const snapshot = takeScopeSnapshot(catalogue(), FLAT_SCOPE_HIERARCHY, SERVER);
    expect(snapshot).toEqual({
      snapshotVersion: 1,
      server: SERVER,
      anyValidToken: { tools: ['whoami'], resources: [], prompts: [] },
      scopes: {
        'Admin.Write': { tools: ['create_product', 'delete_product'], resources: [], prompts: [] },
        'User.Read': { tools: ['list_products'], resources: ['catalog', 'product'], prompts: [] },
        'User.Write': { tools: ['create_product'], resources: [], prompts: ['product_description'] },
      },
    });
    // Deterministic: scopes and names sorted, so that a recorded file diffs cleanly.
    expect(Object.keys(snapshot.scopes)).toEqual(['Admin.Write', 'User.Read', 'User.Write']);
  });

  it('counts what a broader scope implies (scopeHierarchy): Admin.Write opens everything User.Read opens', () => {
    const hierarchy = resolveScopeHierarchy({ 'Admin.Write': ['User.Write'], 'User.Write': ['User.Read'] });
    const snapshot = takeScopeSnapshot(catalogue(), hierarchy, SERVER);
    expect(snapshot.scopes['Admin.Write']).toEqual({
      tools: ['create_product', 'delete_product', 'list_products'],
      resources: ['catalog', 'product'],
      prompts: ['product_description'],
    });
    expect(snapshot.scopes['User.Read'].tools).toEqual(['list_products']);
  });

  it('lists a tool needing several scopes under each of them', () => {
    const base = catalogue([{ name: 'audit', requirements: [{ allOf: ['User.Read', 'Audit.Read'] }] }]);
    const snapshot = takeScopeSnapshot({ ...base, scopes: [...base.scopes, 'Audit.Read'] }, FLAT_SCOPE_HIERARCHY, SERVER);
    expect(snapshot.scopes['User.Read'].tools).toEqual(['audit', 'list_products']);
    expect(snapshot.scopes['Audit.Read'].tools).toEqual(['audit']);
  });
});

describe('scopeSnapshotDrift', () => {
  const recorded = takeScopeSnapshot(catalogue(), FLAT_SCOPE_HIERARCHY, SERVER);

  it('finds nothing when the catalogue is the recorded one, or opens less', () => {
    expect(scopeSnapshotDrift(recorded, takeScopeSnapshot(catalogue(), FLAT_SCOPE_HIERARCHY, { ...SERVER, version: '1.5.0' }))).toEqual([]);
    const smaller = catalogue();
    const fewer = { ...smaller, tools: [...smaller.tools].filter((tool) => tool.name !== 'delete_product') };
    expect(scopeSnapshotDrift(recorded, takeScopeSnapshot(fewer, FLAT_SCOPE_HIERARCHY, SERVER))).toEqual([]);
  });

  it('names each scope that now opens something it did not, with exactly what is new', () => {
    const live = takeScopeSnapshot(
      catalogue([
        { name: 'purge_catalog', requirements: [{ allOf: ['User.Write'] }] },
        { name: 'export_all', requirements: [{ anyOf: ['User.Read', 'Admin.Write'] }] },
      ]),
      FLAT_SCOPE_HIERARCHY,
      SERVER,
    );
    expect(scopeSnapshotDrift(recorded, live)).toEqual([
      { scope: 'Admin.Write', tools: ['export_all'], resources: [], prompts: [] },
      { scope: 'User.Read', tools: ['export_all'], resources: [], prompts: [] },
      { scope: 'User.Write', tools: ['purge_catalog'], resources: [], prompts: [] },
    ]);
  });

  it('reports a new entry open to any valid token apart, and a scope the snapshot never knew as opening all it opens', () => {
    const base = catalogue([{ name: 'debug_dump', requirements: [] }]);
    const live = takeScopeSnapshot(
      {
        ...base,
        scopes: [...base.scopes, 'Billing.Read'],
        prompts: [...base.prompts, { name: 'invoice', requirements: [{ allOf: ['Billing.Read'] }] }],
      },
      FLAT_SCOPE_HIERARCHY,
      SERVER,
    );
    const drift = scopeSnapshotDrift(recorded, live);
    expect(drift).toEqual([
      { tools: ['debug_dump'], resources: [], prompts: [] },
      { scope: 'Billing.Read', tools: [], resources: [], prompts: ['invoice'] },
    ]);
    expect(describeOpenings(drift[1])).toBe('prompt invoice');
  });

  it('notices a hierarchy change that widens a scope, with the same tools', () => {
    const widened = takeScopeSnapshot(catalogue(), resolveScopeHierarchy({ 'User.Write': ['Admin.Write'] }), SERVER);
    expect(scopeSnapshotDrift(recorded, widened)).toEqual([{ scope: 'User.Write', tools: ['delete_product'], resources: [], prompts: [] }]);
  });
});

describe('parseScopeSnapshot', () => {
  const valid: McpScopeSnapshot = takeScopeSnapshot(catalogue(), FLAT_SCOPE_HIERARCHY, SERVER);

  it('reads what takeScopeSnapshot produced, through JSON', () => {
    expect(parseScopeSnapshot(JSON.parse(JSON.stringify(valid)), 'scopeSnapshot.value')).toEqual(valid);
  });

  it.each([
    ['not an object', 'a string', /not a JSON object/],
    ['another format version', { ...valid, snapshotVersion: 2 }, /snapshotVersion 2/],
    ['no scopes', { snapshotVersion: 1 }, /scopes is not an object/],
    ['a list that is not names', { ...valid, scopes: { 'User.Read': { tools: [1] } } }, /scopes\["User.Read"\].tools/],
    ['anyValidToken not an object', { ...valid, anyValidToken: [] }, /anyValidToken is not an object/],
  ])('refuses %s, naming the option', (_case, value, reason) => {
    expect(() => parseScopeSnapshot(value, 'scopeSnapshot.value')).toThrow(McpAuthConfigurationError);
    expect(() => parseScopeSnapshot(value, 'scopeSnapshot.value')).toThrow(reason);
    expect(() => parseScopeSnapshot(value, 'scopeSnapshot.value')).toThrow(/"scopeSnapshot.value"/);
  });
});

describe('resolveScopeSnapshot', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'scope-snapshot-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const recorded = takeScopeSnapshot(catalogue(), FLAT_SCOPE_HIERARCHY, SERVER);

  it('reads the recorded file, warn on drift by default', async () => {
    const file = join(dir, 'recorded.json');
    await writeFile(file, JSON.stringify(recorded));
    await expect(resolveScopeSnapshot({ file })).resolves.toEqual({ recorded, source: file, onDrift: 'warn' });
    await expect(resolveScopeSnapshot({ value: recorded, onDrift: 'fail' })).resolves.toEqual({
      recorded,
      source: 'scopeSnapshot.value',
      onDrift: 'fail',
    });
  });

  it('starts without a recorded snapshot when the file does not exist yet (the first release records it)', async () => {
    const file = join(dir, 'not-yet.json');
    await expect(resolveScopeSnapshot({ file })).resolves.toEqual({ source: file, onDrift: 'warn' });
  });

  it.each([
    ['neither file nor value', {}, /exactly one of file/],
    ['both', { file: 'a.json', value: {} }, /exactly one of file/],
    ['an unknown drift policy', { file: 'a.json', onDrift: 'ignore' }, /"scopeSnapshot.onDrift"/],
    ['an empty file name', { file: ' ' }, /"scopeSnapshot.file"/],
  ])('refuses %s', async (_case, options, reason) => {
    await expect(resolveScopeSnapshot(options as never)).rejects.toThrow(reason);
  });

  it('refuses a file that is not JSON, or not a snapshot', async () => {
    const file = join(dir, 'broken.json');
    await writeFile(file, '{ "snapshotVersion": 1, ');
    await expect(resolveScopeSnapshot({ file })).rejects.toThrow(/"scopeSnapshot.file".*is not JSON/);
    await writeFile(file, '[]');
    await expect(resolveScopeSnapshot({ file })).rejects.toThrow(/not a JSON object/);
  });
});
